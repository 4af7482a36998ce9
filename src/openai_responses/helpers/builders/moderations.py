"""openai-responses 0.13's moderations builders, on the endpoint table's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai.types import ModerationCreateResponse

from .._generic import build

__all__ = ["moderation_create_response_from_create_request"]


def moderation_create_response_from_create_request(
    request: Any, *, extra: Mapping[str, Any] | None = None
) -> ModerationCreateResponse:
    """What ``moderations.create`` answers for ``request``, ``extra`` merged over."""
    return cast(ModerationCreateResponse, build("moderations.create", extra, request=request))
