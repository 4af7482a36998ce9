"""openai-responses 0.13's runs builders, on the endpoint table's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai.types.beta.threads import Run

from .._generic import build

__all__ = ["run_from_create_request"]


def run_from_create_request(
    thread_id: str, request: Any, *, extra: Mapping[str, Any] | None = None
) -> Run:
    """What ``beta.threads.runs.create`` answers for ``request``, ``extra`` merged over."""
    return cast(Run, build("beta.threads.runs.create", extra, request=request, thread_id=thread_id))
