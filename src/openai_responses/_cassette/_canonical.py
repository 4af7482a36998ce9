"""Canonical, hashable forms of request bodies and URLs, so equal requests compare equal.

JSON: parsed and re-dumped with sorted keys (spacing and key order vanish).
Multipart: the parts (name, filename, bytes), without the random boundary. Part content types
are left out: SDK versions guess them differently for the same file.
Anything else: the raw bytes.
Fields the SDK fills in by itself compare equal to their absence (``SDK_INJECTED`` below).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import httpx
from python_multipart.multipart import MultipartParser, parse_options_header

from ._body import multipart_boundary, remove_json_path, unbase64_multipart
from ._credentials import is_credential_param

CanonicalBody = tuple[str, Any]
EMPTY: CanonicalBody = ("empty", "")


# Request fields today's SDK adds on its own, keyed by (method, path suffix), with the exact
# value it adds. Such a value says nothing about what the caller asked for, so it compares equal
# to the field's absence: a cassette recorded by an older SDK that did not send it still
# matches. Example: the openai SDK (2.x and 3.x alike) sends "encoding_format": "base64" to
# /embeddings unless the caller picked a format, and decodes the base64 answer back into floats
# itself; old recordings lack the field (and hold float answers, which the SDK passes through).
# Only the injected value is dropped: a caller who explicitly asks for "float" still differs.
SDK_INJECTED: Mapping[tuple[str, str], Mapping[str, Any]] = {
    ("POST", "/embeddings"): {"encoding_format": "base64"},
}


def sdk_injected(method: str, path: str) -> Mapping[str, Any]:
    """The SDK-injected fields of requests to `path` (any base URL: matched by suffix)."""
    path = path.rstrip("/")
    for (known_method, suffix), fields in SDK_INJECTED.items():
        if method.upper() == known_method and path.endswith(suffix):
            return fields
    return {}


def canonical_body(
    body: bytes,
    ignore_json_paths: Sequence[str] = (),
    injected: Mapping[str, Any] | None = None,
) -> CanonicalBody:
    if not body.strip():
        return EMPTY
    parsed = _parse_json(body)
    if parsed is not None:
        for path in ignore_json_paths:
            remove_json_path(parsed[0], path)
        _drop_injected(parsed[0], injected or {})
        try:
            return ("json", json.dumps(parsed[0], sort_keys=True, separators=(",", ":")))
        except RecursionError:
            return ("raw", body)  # too deep to re-dump: compared byte for byte
    parts = parse_multipart(body)
    if parts is None:
        decoded = unbase64_multipart(body)  # crewAI's bare-base64 uploads
        parts = parse_multipart(decoded) if decoded is not None else None
    if parts is not None:
        return ("multipart", tuple(sorted(parts)))
    return ("raw", body)


def _drop_injected(value: Any, injected: Mapping[str, Any]) -> None:
    if isinstance(value, dict):
        for key, default in injected.items():
            if key in value and value[key] == default:
                del value[key]


def _parse_json(body: bytes) -> tuple[Any] | None:
    # Only containers: a bare number or string body is not worth treating as JSON.
    if body.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        return (json.loads(body),)
    except (ValueError, RecursionError):  # nested deeper than the parser goes: not JSON to us
        return None


def pretty_json(body: bytes, ignore_json_paths: Sequence[str] = ()) -> str | None:
    """Indented, key-sorted JSON text for diffs, or None if the body is not JSON."""
    parsed = _parse_json(body)
    if parsed is None:
        return None
    for path in ignore_json_paths:
        remove_json_path(parsed[0], path)
    return json.dumps(parsed[0], sort_keys=True, indent=2, ensure_ascii=False)


Part = tuple[str, str, bytes]


def parse_multipart(body: bytes) -> list[Part] | None:
    """Parts as (name, filename, data); None when `body` is not multipart.

    The boundary is read from the body's first line, so this works without headers.
    """
    boundary = multipart_boundary(body)
    if boundary is None:
        return None
    collector = _PartCollector()
    parser = MultipartParser(boundary, collector.callbacks())
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # python-multipart raises its own error types for malformed input
        return None
    return collector.parts if collector.parts else None


class _PartCollector:
    """Accumulates python-multipart's streaming callbacks into whole parts, in memory."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._data: list[bytes] = []

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _begin(self) -> None:
        self._headers, self._data = {}, []
        self._field = self._value = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.strip().lower()] = self._value.strip()
        self._field = self._value = b""

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._data.append(data[start:end])

    def _part_end(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self.parts.append(
            (
                options.get(b"name", b"").decode("utf-8", "replace"),
                options.get(b"filename", b"").decode("utf-8", "replace"),
                b"".join(self._data),
            )
        )


def canonical_query(url: httpx.URL) -> tuple[tuple[str, str], ...]:
    # Credential parameters are never recorded, so they cannot take part in matching either.
    pairs = parse_qsl(url.query.decode("ascii", "replace"), keep_blank_values=True)
    return tuple(sorted(pair for pair in pairs if not is_credential_param(pair[0])))


def route_key(method: str, url: httpx.URL) -> tuple[str, str, str, int | None, str]:
    """Bucket key: method + scheme + host + port + path (query and body compared later)."""
    return (method.upper(), url.scheme, url.host, url.port, url.path)
