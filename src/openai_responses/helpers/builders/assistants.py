"""openai-responses 0.13's assistants builders, on the endpoint table's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai.types.beta import Assistant

from .._generic import build

__all__ = ["assistant_from_create_request"]


def assistant_from_create_request(
    request: Any, *, extra: Mapping[str, Any] | None = None
) -> Assistant:
    """What ``beta.assistants.create`` answers for ``request``, ``extra`` merged over."""
    return cast(Assistant, build("beta.assistants.create", extra, request=request))
