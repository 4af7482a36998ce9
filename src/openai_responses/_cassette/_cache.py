"""Parsed-cassette cache: YAML is slow to parse, JSON is fast.

Design choices, for safety:
- The key is the SHA-256 of the cassette's bytes (plus a format version), not path+mtime:
  a cache entry can never be stale, whatever editors or git do to timestamps.
- Entries are JSON and raw bytes, never pickle/marshal: a tampered cache file can at worst
  fail to parse, and any failure falls back to parsing the YAML. The JSON part holds
  everything but the bodies (header sets once each); the bodies follow as one byte string,
  each known by its length. Parsing JSON strings was most of a warm load: bodies are
  sliced out instead.
- Only big cassettes go to disk (small ones parse in milliseconds), so the cache stays small.
  Every cassette is also memoised in-process (bounded), since many tests share one file.
- Location: $OPENAI_RESPONSES_CACHE_DIR, else $XDG_CACHE_HOME/openai-responses, else
  ~/.cache/openai-responses. Set OPENAI_RESPONSES_CACHE_DIR to "" or "off" to disable.
- Writes are best-effort and atomic (temp file + os.replace); errors are ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

from ._keys import Parsed, decode_keys, encode_keys
from ._model import Interaction, RecordedRequest, RecordedResponse

# Bumped whenever the loader may read the same bytes differently (2: stricter validation,
# 3: recorded_at, 4: event offsets, 5: entries carry the match keys, 6: bodies as raw bytes).
_FORMAT = 6
_MAGIC = b"openai-responses parsed cassette\n"
_LENGTH = 8  # bytes of the JSON part's length, after the magic
MIN_SIZE = 256 * 1024
_DISABLED = {"", "0", "off", "none", "false", "no"}


def cache_dir() -> Path | None:
    configured = os.environ.get("OPENAI_RESPONSES_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in _DISABLED else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "openai-responses"


_MEMORY: OrderedDict[str, Parsed] = OrderedDict()
_MEMORY_SLOTS = 32


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _entry(digest: str, size: int) -> Path | None:
    directory = cache_dir()
    if directory is None or size < MIN_SIZE:
        return None
    return directory / f"cassette-v{_FORMAT}-{digest}.bin"


def get(raw: bytes) -> Parsed | None:
    """The parse of `raw` (fresh lists: callers may change theirs), or None if not cached."""
    return get_by_digest(_digest(raw), len(raw))


def get_by_digest(digest: str, size: int) -> Parsed | None:
    """`get` for bytes known by their SHA-256 and size."""
    remembered = _MEMORY.get(digest)
    if remembered is not None:
        with contextlib.suppress(KeyError):  # another thread's save may have just evicted it
            _MEMORY.move_to_end(digest)
        return Parsed(list(remembered.interactions), list(remembered.keys))
    entry = _entry(digest, size)
    if entry is None:
        return None
    try:
        parsed = _read(entry.read_bytes())
    except Exception:  # missing, unreadable or tampered: parse the YAML instead
        return None
    _remember(digest, parsed)
    return Parsed(list(parsed.interactions), list(parsed.keys))


def _remember(digest: str, parsed: Parsed) -> None:
    _MEMORY[digest] = Parsed(list(parsed.interactions), list(parsed.keys))
    while len(_MEMORY) > _MEMORY_SLOTS:
        _MEMORY.popitem(last=False)


def put(raw: bytes, parsed: Parsed) -> None:
    put_by_digest(_digest(raw), len(raw), parsed)


def put_by_digest(digest: str, size: int, parsed: Parsed) -> None:
    _remember(digest, parsed)
    entry = _entry(digest, size)
    if entry is None:
        return
    with contextlib.suppress(OSError):
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".bin")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_written(parsed))
            os.replace(tmp, entry)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def split(raw: bytes) -> tuple[dict[str, Any], bytes]:
    """An entry's JSON part and its bodies (the tests tamper with entries through these)."""
    if not raw.startswith(_MAGIC):
        raise ValueError("not a parsed-cassette cache entry")
    start = len(_MAGIC) + _LENGTH
    size = int.from_bytes(raw[len(_MAGIC) : start], "big")
    data = json.loads(raw[start : start + size])
    if not isinstance(data, dict):
        raise ValueError("cache entry: the JSON part is not an object")
    return data, raw[start + size :]


def joined(data: dict[str, Any], bodies: bytes) -> bytes:
    # ASCII escapes: every str (even a lone surrogate) comes back exactly.
    text = json.dumps(data).encode("ascii")
    return b"".join((_MAGIC, len(text).to_bytes(_LENGTH, "big"), text, bodies))


def _written(parsed: Parsed) -> bytes:
    header_sets: dict[Any, int] = {}
    rows: list[list[Any]] = []
    bodies: list[bytes] = []
    for i in parsed.interactions:
        request, response = i.request, i.response
        rows.append(
            [
                request.method,
                request.url,
                header_sets.setdefault(request.headers, len(header_sets)),
                len(request.body),
                response.status,
                response.reason,
                header_sets.setdefault(response.headers, len(header_sets)),
                len(response.body),
                None if i.recorded_at is None else i.recorded_at.isoformat(),
                i.event_offsets,
            ]
        )
        bodies += (request.body, response.body)
    data = {
        "headers": list(header_sets),
        "interactions": rows,
        "keys": [encode_keys(keys) for keys in parsed.keys],
    }
    return joined(data, b"".join(bodies))


def _read(raw: bytes) -> Parsed:
    data, bodies = split(raw)
    header_sets = [_headers(rows) for rows in data["headers"]]
    interactions, end = _decode(data["interactions"], header_sets, bodies)
    if end != len(bodies):
        raise ValueError("cache entry: the bodies do not add up")
    seen: dict[Any, Any] = {}
    keys = [decode_keys(row, seen) for row in data["keys"]]
    if len(keys) != len(interactions):
        raise ValueError("cache entry: one match key per interaction")
    return Parsed(interactions, keys)


def _decode(
    rows: list[list[Any]], header_sets: list[Any], bodies: bytes
) -> tuple[list[Interaction], int]:
    result = []
    at = 0
    for row in rows:
        (
            method,
            url,
            sent_with,
            sent_size,
            status,
            reason,
            answered_with,
            answer_size,
            when,
            offs,
        ) = row
        request_body, at = _body(bodies, at, sent_size)
        response_body, at = _body(bodies, at, answer_size)
        request = RecordedRequest(
            str(method), str(url), _header_set(header_sets, sent_with), request_body
        )
        response = RecordedResponse(
            int(status), str(reason), _header_set(header_sets, answered_with), response_body
        )
        recorded_at = None if when is None else datetime.fromisoformat(str(when))
        offsets = None if offs is None else tuple(float(v) for v in offs)
        result.append(Interaction(request, response, recorded_at, offsets))
    return result, at


def _body(bodies: bytes, at: int, size: Any) -> tuple[bytes, int]:
    if type(size) is not int or size < 0 or at + size > len(bodies):
        raise ValueError("cache entry: a body's length is out of range")
    return bodies[at : at + size], at + size


def _header_set(header_sets: list[Any], index: Any) -> Any:
    if type(index) is not int or not 0 <= index < len(header_sets):
        raise ValueError("cache entry: a header set index is out of range")
    return header_sets[index]


def _headers(rows: list[list[str]]) -> Any:
    pairs: Any = tuple(map(tuple, rows))
    if not all(len(pair) == 2 and {type(pair[0]), type(pair[1])} == {str} for pair in pairs):
        raise ValueError("header rows must be [name, value] strings")
    return pairs
