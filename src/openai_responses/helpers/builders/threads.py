"""openai-responses 0.13's threads builders, on the endpoint table's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai.types.beta import Thread

from .._generic import build

__all__ = ["thread_from_create_request"]


def thread_from_create_request(request: Any, *, extra: Mapping[str, Any] | None = None) -> Thread:
    """What ``beta.threads.create`` answers for ``request``, ``extra`` merged over."""
    return cast(Thread, build("beta.threads.create", extra, request=request))
