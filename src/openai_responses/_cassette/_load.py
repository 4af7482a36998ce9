"""Lenient cassette reader: every vcrpy dialect found in the wild becomes `Interaction`s.

Dialects handled (see the corpus PROVENANCE.md): vcrpy's own format; pydantic-ai's
`parsed_body` mappings; otel-contrib's pretty-printed JSON and scalar header values; crewAI's
bare-base64 multipart request bodies; gzip `!!binary` bodies with or without a stale
`Content-Encoding`; vcrpy's legacy httpx format (`content`/`status_code`); header-less files;
dd-trace-py's multidict `istr` header keys.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import yaml

from . import _cache
from ._body import BodyTooLarge, decode_body, unbase64_multipart
from ._keys import Parsed, match_keys
from ._model import (
    EVENT_OFFSETS_KEY,
    CassetteFormatError,
    Headers,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    header_get,
)
from ._yaml import YamlTooLarge, YamlUnusual, gc_paused, load_yaml, load_yaml_stream

SUPPORTED_VERSION = 1
# RFC 9110 token: what a method or a header name may be made of.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_HEADER_TEXT = re.compile(r"[\r\n\x00]")


class _FieldError(Exception):
    """Internal: a field problem, turned into CassetteFormatError with file and index."""


def load_cassette(path: Path) -> list[Interaction]:
    """Read a cassette. FileNotFoundError if absent, CassetteFormatError if unreadable."""
    path = Path(path)
    return load_cassette_bytes(path.read_bytes(), str(path))


def load_cassette_bytes(raw: bytes, name: str) -> list[Interaction]:
    """Interactions of a cassette file's bytes (cached); `name` labels error messages."""
    return load_parsed(raw, name).interactions


def load_parsed(raw: bytes, name: str) -> Parsed:
    """Interactions and their match keys (cached with them); `name` labels error messages."""
    with gc_paused():  # reading the cache and computing keys build many objects too
        cached = _cache.get(raw)
        if cached is not None:
            return cached
        interactions = parse_cassette(raw, name)
        parsed = Parsed(interactions, [match_keys(interaction) for interaction in interactions])
        _cache.put(raw, parsed)
        return parsed


def load_parsed_file(handle: BinaryIO, name: str) -> tuple[Parsed, str, int]:
    """`load_parsed` for an open file, with its SHA-256 and size, never holding all its bytes
    at once (unless it needs PyYAML's full constructor): a big cassette's bytes and its
    interactions would otherwise be in memory together."""
    digest, size = _digest_of(handle)
    with gc_paused():
        cached = _cache.get_by_digest(digest, size)
        if cached is not None:
            return cached, digest, size
        handle.seek(0)
        data, read = _read_document(handle, name)
        if read != digest:
            raise CassetteFormatError(f"{name}: the file changed while it was being read")
        interactions = _interactions_of(data, name)
        parsed = Parsed(interactions, [match_keys(interaction) for interaction in interactions])
        _cache.put_by_digest(digest, size, parsed)
        return parsed, digest, size


def _read_document(handle: BinaryIO, name: str) -> tuple[Any, str]:
    """The YAML document streamed from `handle`, and the SHA-256 of what was read; when the
    fast path declines, PyYAML's full constructor on the whole bytes."""
    reader = _HashingReader(handle)
    try:
        data = load_yaml_stream(reader, interaction_hook=_converted)  # type: ignore[arg-type]
    except YamlUnusual:
        handle.seek(0)
        raw = handle.read()
        return _parse_yaml(raw, name), hashlib.sha256(raw).hexdigest()
    return data, reader.hasher.hexdigest()


def _digest_of(handle: BinaryIO) -> tuple[str, int]:
    hasher, size = hashlib.sha256(), 0
    while chunk := handle.read(_CHUNK):
        hasher.update(chunk)
        size += len(chunk)
    return hasher.hexdigest(), size


_CHUNK = 1024 * 1024


class _HashingReader:
    """What libyaml reads, hashed on the way: the parse is of the bytes the digest names."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.name = getattr(handle, "name", "<file>")
        self.hasher = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.hasher.update(data)
        return data


def parse_cassette(raw: bytes, name: str = "<cassette>") -> list[Interaction]:
    """Parse cassette text; `name` only labels error messages.

    Every defect is a CassetteFormatError naming `name`, and for a field the interaction index
    and the field; no other exception escapes, whatever the bytes.
    """
    return _interactions_of(_parse_yaml(raw, name), name)


def _interactions_of(data: Any, name: str) -> list[Interaction]:
    if not isinstance(data, dict) or "interactions" not in data:
        raise CassetteFormatError(f"{name}: not a cassette: no top-level 'interactions' key")
    version = data.get("version", SUPPORTED_VERSION)
    if type(version) is not int or version != SUPPORTED_VERSION:
        # A newer format could hold what we would drop: refuse rather than misread or rewrite.
        raise CassetteFormatError(
            f"{name}: unsupported cassette version {version!r} "
            f"(this library reads version {SUPPORTED_VERSION})"
        )
    items = data["interactions"]
    if items is None:
        return []
    if not isinstance(items, list):
        raise CassetteFormatError(f"{name}: 'interactions' must be a list")
    result = []
    for index, item in enumerate(items):
        if isinstance(item, Interaction):  # converted while being read
            result.append(item)
            continue
        try:
            result.append(_interaction(item))
        except _FieldError as exc:
            raise CassetteFormatError(f"{name}: interaction {index}: {exc}") from None
        except (ValueError, TypeError, RecursionError) as exc:  # a shape no check foresaw
            raise CassetteFormatError(f"{name}: interaction {index}: unreadable: {exc}") from None
    return result


def _parse_yaml(raw: bytes, name: str) -> Any:
    try:
        return load_yaml(raw, interaction_hook=_converted)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        where += _interaction_at(raw, mark.line) if mark else ""
        raise CassetteFormatError(f"{name}: invalid YAML{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise CassetteFormatError(f"{name}: invalid YAML: {exc}") from None
    except YamlTooLarge as exc:
        raise CassetteFormatError(f"{name}: refused: {exc}") from None
    except RecursionError:
        raise CassetteFormatError(f"{name}: invalid YAML: nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. `2024-13-45`, a huge !!int
        raise CassetteFormatError(f"{name}: invalid YAML value: {exc}") from None


def _interaction_at(raw: bytes, line: int) -> str:
    """ " (interaction N)" for a vcrpy-style file, whose items start `- ` at column 0."""
    lines = raw.split(b"\n", line + 1)[: line + 1]
    count = sum(1 for text in lines if text.startswith(b"- "))
    return f" (interaction {count - 1})" if count else ""


def _converted(item: Any) -> Any:
    """`item` as an Interaction, or unchanged when it is not one (the caller then says why)."""
    try:
        return _interaction(item)
    except (_FieldError, ValueError, TypeError, RecursionError):
        return item


def _interaction(item: Any) -> Interaction:
    if not isinstance(item, dict):
        raise _FieldError("expected a mapping with 'request' and 'response'")
    request, response = item.get("request"), item.get("response")
    if not isinstance(request, dict):
        raise _FieldError("missing or invalid 'request'")
    if not isinstance(response, dict):
        raise _FieldError("missing or invalid 'response'")
    return Interaction(_request(request), _response(response), _recorded_at(item), _offsets(item))


def _recorded_at(item: dict[str, Any]) -> datetime | None:
    """Our ``recorded_at`` key: ISO 8601 text (YAML may already have made it a datetime)."""
    value = item.get("recorded_at")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise _FieldError(f"'recorded_at' is not an ISO 8601 time: {value!r}") from None
    if not isinstance(value, datetime):
        if value is None:
            return None
        raise _FieldError(f"'recorded_at' is not a time: {value!r}")
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _offsets(item: dict[str, Any]) -> tuple[float, ...] | None:
    value = item.get(EVENT_OFFSETS_KEY)
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in value
    ):
        raise _FieldError(f"'{EVENT_OFFSETS_KEY}' must be a list of seconds")
    return tuple(float(v) for v in value)


def _request(data: dict[str, Any]) -> RecordedRequest:
    method, uri = data.get("method"), data.get("uri")
    if not isinstance(method, str) or not method:
        raise _FieldError("request has no 'method'")
    if not _TOKEN.fullmatch(method):
        raise _FieldError(f"request 'method' is not an HTTP method: {method!r}")
    if not isinstance(uri, str) or not uri:
        raise _FieldError("request has no 'uri'")
    _check_uri(uri)
    headers = _headers(data.get("headers"), "request")
    if "parsed_body" in data:
        body = _json_bytes(data["parsed_body"], "request parsed_body")
    else:
        body = _body_bytes(data.get("body"), "request body")
    return RecordedRequest(method.upper(), uri, headers, _maybe_unbase64(headers, body))


def _check_uri(uri: str) -> None:
    problem = _uri_problem(uri)
    if problem is not None:
        raise _FieldError(problem)


# Big cassettes repeat a handful of URLs thousands of times; parsing each once saves most of
# what building the interactions costs.
@functools.lru_cache(maxsize=4096)
def _uri_problem(uri: str) -> str | None:
    try:
        url = httpx.URL(uri)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        return f"request 'uri' is not a valid URL ({exc}): {uri!r}"
    if url.scheme not in ("http", "https") or not url.host:
        return f"request 'uri' is not an absolute http(s) URL: {uri!r}"
    return None


def _maybe_unbase64(headers: Headers, body: bytes) -> bytes:
    # Only decode when the declared content type is multipart *and* the decoded bytes start with
    # a multipart boundary: plain text that happens to be valid base64 stays untouched.
    content_type = (header_get(headers, "content-type") or "").lower()
    if not content_type.startswith("multipart/"):
        return body
    decoded = unbase64_multipart(body)
    return body if decoded is None else decoded


def _response(data: dict[str, Any]) -> RecordedResponse:
    status, reason = _status(data)
    headers = _headers(data.get("headers"), "response")
    if "parsed_body" in data:
        body = _json_bytes(data["parsed_body"], "response parsed_body")
    elif "body" in data:
        raw_body = data["body"]
        if isinstance(raw_body, dict):
            raw_body = raw_body.get("string")
        body = _body_bytes(raw_body, "response body")
    else:  # vcrpy's legacy httpx format
        body = _body_bytes(data.get("content"), "response content")
    try:
        headers, body = decode_body(headers, body)
    except BodyTooLarge as exc:
        raise _FieldError(f"response body: {exc}") from None
    return RecordedResponse(status, reason, headers, body)


def _status(data: dict[str, Any]) -> tuple[int, str]:
    status = data.get("status")
    if isinstance(status, dict):
        code, reason = status.get("code"), status.get("message")
    elif status is not None:
        code, reason = status, None
    else:
        code, reason = data.get("status_code"), None
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)
    if type(code) is not int or not 100 <= code <= 599:
        raise _FieldError(f"response has no valid status code (got {code!r})")
    if reason is None:
        reason = _reason_phrase(code)
    if not isinstance(reason, str) or _BAD_HEADER_TEXT.search(reason):
        raise _FieldError(f"response status 'message' is not a line of text: {reason!r}")
    return code, reason


def _reason_phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


def _headers(data: Any, where: str) -> Headers:
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise _FieldError(f"{where} headers must be a mapping")
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        if not isinstance(key, str) or not _TOKEN.fullmatch(key):
            raise _FieldError(f"{where} header name {key!r} is not a valid header name")
        # vcrpy writes lists; otel-contrib wrote some values as bare scalars.
        values = value if isinstance(value, list) else [value]
        pairs.extend((key, _header_text(item, where, key)) for item in values if item is not None)
    return tuple(pairs)


def _header_text(value: Any, where: str, key: str) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    elif isinstance(value, (int, float)):  # bool included: YAML reads `yes` as true
        value = str(value)
    if not isinstance(value, str):
        raise _FieldError(f"{where} header {key!r} has a {type(value).__name__} value")
    if _BAD_HEADER_TEXT.search(value):
        raise _FieldError(f"{where} header {key!r} value contains a line break or NUL")
    return value


def _body_bytes(value: Any, where: str) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        # surrogatepass keeps a stray lone surrogate (seen in JSON escapes) from crashing the load.
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, (dict, list)):
        return _json_bytes(value, where)
    if isinstance(value, (int, float, bool)):
        return str(value).encode()
    raise _FieldError(f"{where} has unsupported type {type(value).__name__}")


def _json_bytes(value: Any, where: str) -> bytes:
    # Same separators as pydantic-ai's own reader; matching compares JSON semantically anyway.
    try:
        return json.dumps(value).encode()
    except (TypeError, ValueError, RecursionError) as exc:  # a date, a set, a cycle
        raise _FieldError(f"{where} is not JSON: {exc}") from None
