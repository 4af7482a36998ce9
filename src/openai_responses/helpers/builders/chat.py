"""openai-responses 0.13's chat builders, on the endpoint table's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai.types.chat import ChatCompletion

from .._generic import build

__all__ = ["chat_completion_from_create_request"]


def chat_completion_from_create_request(
    request: Any, *, extra: Mapping[str, Any] | None = None
) -> ChatCompletion:
    """What ``chat.completions.create`` answers for ``request``, ``extra`` merged over."""
    return cast(ChatCompletion, build("chat.completions.create", extra, request=request))
