"""openai-responses 0.13's messages builders, on the endpoint table's defaults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from openai.types.beta.threads import Message

from .._generic import build

__all__ = ["build_message", "message_from_create_request"]


def message_from_create_request(
    thread_id: str, request: Any, *, extra: Mapping[str, Any] | None = None
) -> Message:
    """What ``beta.threads.messages.create`` answers for ``request``, ``extra`` merged over."""
    return cast(
        Message, build("beta.threads.messages.create", extra, request=request, thread_id=thread_id)
    )


def build_message(partial: Mapping[str, Any]) -> Message:
    """A new Message: realistic id, ``created_at`` now, ``partial`` merged over the defaults."""
    return cast(Message, build(Message, partial))
