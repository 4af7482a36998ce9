"""Body helpers shared by loading, recording and matching: decompression, sniffing, JSON paths."""

from __future__ import annotations

import base64
import binascii
import importlib
import re
import zlib
from typing import Any

from ._model import Headers, header_get, headers_without

_GZIP_MAGIC = b"\x1f\x8b"
# A decoded body larger than this is refused: a few KB of gzip can otherwise expand to GBs.
MAX_DECODED_BODY = 256 * 1024 * 1024


_GZIP_WBITS = 16 + zlib.MAX_WBITS


class BodyTooLarge(ValueError):
    """A compressed body expands beyond MAX_DECODED_BODY."""


def _inflate(body: bytes, wbits: int) -> bytes:
    """zlib/gzip decoding with a bound on the output; every gzip member is decoded."""
    parts: list[bytes] = []
    room = MAX_DECODED_BODY
    while True:
        inflater = zlib.decompressobj(wbits)
        decoded = inflater.decompress(body, room)
        room -= len(decoded)
        if inflater.unconsumed_tail or (room <= 0 and not inflater.eof):
            raise BodyTooLarge(f"compressed body expands beyond {MAX_DECODED_BODY:,} bytes")
        if not inflater.eof:
            raise zlib.error("truncated compressed body")
        parts.append(decoded)
        body = inflater.unused_data
        if not body.startswith(_GZIP_MAGIC) or wbits != _GZIP_WBITS:
            break
    if body.strip(b"\0"):
        raise zlib.error("data after the compressed body")
    return b"".join(parts)


def _decompress(encoding: str, body: bytes) -> bytes | None:
    """Decoded body, or None when `body` is not actually in `encoding` (or we cannot decode it)."""
    try:
        if encoding in ("gzip", "x-gzip"):
            return _inflate(body, _GZIP_WBITS) if body.startswith(_GZIP_MAGIC) else None
        if encoding == "deflate":
            # Servers send both zlib-wrapped and raw deflate under this name.
            try:
                return _inflate(body, zlib.MAX_WBITS)
            except zlib.error:
                return _inflate(body, -zlib.MAX_WBITS)
        if encoding == "br":
            return _brotli_decompress(body)
    except (OSError, EOFError, zlib.error):
        return None
    return None


def _brotli_decompress(body: bytes) -> bytes | None:
    # Brotli has no magic number; only an installed decoder can tell us. Optional dependency.
    for module_name in ("brotli", "brotlicffi"):
        try:
            module: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        try:
            return bytes(module.decompress(body))
        except Exception:
            return None
    return None


def _looks_encoded(encoding: str, body: bytes) -> bool:
    """Whether an undecodable body still plausibly is in `encoding` (then we keep the header)."""
    if encoding in ("gzip", "x-gzip"):
        return body.startswith(_GZIP_MAGIC)
    if encoding == "br":
        # Without a decoder we cannot know; text that is valid UTF-8 JSON/SSE surely is not br.
        return not _is_plain_text(body)
    return False


def _is_plain_text(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_body(headers: Headers, body: bytes) -> tuple[Headers, bytes]:
    """Undo Content-Encoding so that stored/replayed bodies are always plain.

    Handles the two traps real cassettes contain: gzip bytes with their header (decode, drop the
    header) and already-decoded text that still carries a stale `Content-Encoding` (drop the
    header). `Content-Length` is dropped whenever it no longer describes the body.
    """
    encoding = (header_get(headers, "content-encoding") or "").strip().lower()
    if encoding and encoding != "identity" and body:
        decoded = _decompress(encoding, body)
        if decoded is not None:
            body = decoded
            headers = headers_without(headers, {"content-encoding"})
        elif not _looks_encoded(encoding, body):
            headers = headers_without(headers, {"content-encoding"})
    elif encoding:
        headers = headers_without(headers, {"content-encoding"})
    length = header_get(headers, "content-length")
    if length is not None and length.strip() != str(len(body)):
        headers = headers_without(headers, {"content-length"})
    return headers, body


def multipart_boundary(body: bytes) -> bytes | None:
    """Boundary read from the body itself (its first line), so headers are not needed."""
    if not body.startswith(b"--"):
        return None
    end = body.find(b"\r\n")
    if end <= 2 or end > 200:
        return None
    return body[2:end]


def unbase64_multipart(body: bytes) -> bytes | None:
    """crewAI stores multipart uploads as bare base64 text; decode it if that is what it is."""
    if len(body) < 16 or body.startswith(b"--"):
        return None
    try:
        decoded = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded if multipart_boundary(decoded) is not None else None


# Where one server-sent event ends: a blank line, in any of the three line-break styles.
SSE_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")


def looks_like_sse(body: bytes) -> bool:
    head = body.lstrip()[:16]
    return head.startswith((b"data:", b"event:", b"id:", b":"))


def remove_json_path(value: Any, path: str) -> None:
    """Delete dotted `path` ("metadata.key") from parsed JSON in place.

    A name segment applied to a list applies to every element, so "messages.name" strips the
    field from each message; a numeric segment indexes the list.
    """
    _remove(value, path.split("."))


def _remove(value: Any, parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict):
        if not rest:
            value.pop(head, None)
        elif head in value:
            _remove(value[head], rest)
    elif isinstance(value, list):
        if head.isdigit():
            index = int(head)
            if index < len(value):
                if rest:
                    _remove(value[index], rest)
                else:
                    del value[index]
        else:
            for item in value:
                _remove(item, parts)


def replace_json_path(value: Any, path: str, replacement: Any) -> None:
    """Set dotted `path` to `replacement` where it exists (used by record filters)."""
    parts = path.split(".")
    targets = [value]
    for part in parts[:-1]:
        targets = [child for target in targets for child in _children(target, part)]
    for target in targets:
        if isinstance(target, dict) and parts[-1] in target:
            target[parts[-1]] = replacement


def _children(value: Any, part: str) -> list[Any]:
    if isinstance(value, dict):
        return [value[part]] if part in value else []
    if isinstance(value, list):
        if part.isdigit():
            return [value[int(part)]] if int(part) < len(value) else []
        return [child for item in value for child in _children(item, part)]
    return []
