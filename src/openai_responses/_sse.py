"""Server-sent events: encode one frame, parse a whole body.

Encoding is ours (it is three lines); parsing is delegated to the openai SDK's own decoder so
that what we check in tests is exactly what the SDK will see on the wire.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from openai._streaming import SSEDecoder
from pydantic import BaseModel

__all__ = ["DONE", "dump_model", "encode_event", "iter_sse"]

DONE = b"data: [DONE]\n\n"
"""The terminator the Chat Completions (and Assistants) APIs send; the Responses API does not."""


def dump_model(model: BaseModel) -> Any:
    """The JSON-ready form of an openai model, as the API would have sent it.

    `exclude_unset` keeps the wire honest (a field the API never sent is not invented as
    `null`); `by_alias` restores names that are Python keywords (`async`, `from`...).
    """
    return model.model_dump(mode="json", exclude_unset=True, by_alias=True)


def _data_text(data: str | bytes | Mapping[str, Any] | BaseModel) -> str:
    if isinstance(data, BaseModel):
        data = dump_model(data)
    if isinstance(data, bytes):
        return data.decode("utf-8")
    if isinstance(data, str):
        return data
    # Compact separators: what the real API sends, and what keeps cassettes small.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def encode_event(
    data: str | bytes | Mapping[str, Any] | BaseModel, event: str | None = None
) -> bytes:
    """Encode one SSE frame: an optional `event:` line, `data:` line(s), a blank line."""
    lines = [f"event: {event}"] if event is not None else []
    # A newline inside the payload would end the field early; SSE splits it over data: lines.
    lines.extend(f"data: {line}" for line in _data_text(data).split("\n"))
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def iter_sse(body: bytes) -> Iterator[tuple[str | None, str]]:
    """Parse a complete SSE body into `(event, data)` pairs, `event` None when absent."""
    for sse in SSEDecoder().iter_bytes(iter([body])):
        yield sse.event, sse.data
