"""Recorded response -> httpx.Response for replay."""

from __future__ import annotations

import httpx

from ._body import looks_like_sse
from ._model import Headers, Interaction, header_get, headers_without

# The replayed answer's extension holding the recorded SSE event offsets (for pace).
EVENT_OFFSETS = "openai_responses.event_offsets"

# Recomputed by httpx from the (always decoded, whole) body; stale values would break clients.
_FRAMING_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})


def response_to_httpx(interaction: Interaction, request: httpx.Request) -> httpx.Response:
    """The replayed answer: decoded body, recorded status/headers, a content type that is right.

    Header-less cassettes (openinference) carry no content type, so one is inferred from the
    body: SSE stays `text/event-stream`, JSON becomes `application/json`.
    """
    recorded = interaction.response
    headers = _with_content_type(headers_without(recorded.headers, _FRAMING_HEADERS), recorded.body)
    extensions: dict[str, object] = {
        "reason_phrase": recorded.reason.encode("ascii", "replace"),
        EVENT_OFFSETS: interaction.event_offsets,  # None: recorded without them
    }
    return httpx.Response(
        recorded.status,
        headers=[(_header_bytes(key), _header_bytes(value)) for key, value in headers],
        content=recorded.body,
        request=request,
        extensions=extensions,
    )


def _header_bytes(text: str) -> bytes:
    # Recording decodes raw header bytes as latin-1, so this gives back the bytes that were
    # sent; a hand-written value beyond latin-1 goes out as UTF-8 rather than crashing httpx.
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _with_content_type(headers: Headers, body: bytes) -> Headers:
    if header_get(headers, "content-type") is not None or not body:
        return headers
    if looks_like_sse(body):
        content_type = "text/event-stream; charset=utf-8"
    elif body.lstrip()[:1] in (b"{", b"["):
        content_type = "application/json"
    else:
        return headers
    return (*headers, ("content-type", content_type))
