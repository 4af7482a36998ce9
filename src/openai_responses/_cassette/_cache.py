"""Parsed-cassette cache: YAML is slow to parse, JSON is fast.

Design choices, for safety:
- The key is the SHA-256 of the cassette's bytes (plus a format version), not path+mtime:
  a cache entry can never be stale, whatever editors or git do to timestamps.
- Entries are JSON, never pickle/marshal: a tampered cache file can at worst fail to parse,
  and any failure falls back to parsing the YAML.
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
# 3: recorded_at, 4: event offsets, 5: entries carry the match keys).
_FORMAT = 5
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
    return directory / f"cassette-v{_FORMAT}-{digest}.json"


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
        data = json.loads(entry.read_bytes())
        seen: dict[Any, Any] = {}
        keys = [decode_keys(row, seen) for row in data["keys"]]
        parsed = Parsed(_decode(data["interactions"]), keys)
        if len(parsed.keys) != len(parsed.interactions):
            return None
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
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "wb") as handle:
                # ASCII escapes: every str (even a lone surrogate) comes back exactly.
                data = {
                    "interactions": _encode(parsed.interactions),
                    "keys": [encode_keys(keys) for keys in parsed.keys],
                }
                handle.write(json.dumps(data).encode("ascii"))
            os.replace(tmp, entry)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


# Bytes travel as latin-1 text: a lossless 1:1 byte<->codepoint mapping that JSON can carry.
def _encode(interactions: list[Interaction]) -> list[list[Any]]:
    return [
        [
            i.request.method,
            i.request.url,
            i.request.headers,
            i.request.body.decode("latin-1"),
            i.response.status,
            i.response.reason,
            i.response.headers,
            i.response.body.decode("latin-1"),
            None if i.recorded_at is None else i.recorded_at.isoformat(),
            i.event_offsets,
        ]
        for i in interactions
    ]


def _decode(rows: list[list[Any]]) -> list[Interaction]:
    result = []
    seen: dict[Any, tuple[tuple[str, str], ...]] = {}
    for row in rows:
        method, url, req_headers, req_body, status, reason, resp_headers, resp_body, at, offs = row
        request = RecordedRequest(
            str(method), str(url), _headers(req_headers, seen), req_body.encode("latin-1")
        )
        response = RecordedResponse(
            int(status), str(reason), _headers(resp_headers, seen), resp_body.encode("latin-1")
        )
        recorded_at = None if at is None else datetime.fromisoformat(str(at))
        offsets = None if offs is None else tuple(float(v) for v in offs)
        result.append(Interaction(request, response, recorded_at, offsets))
    return result


def _headers(rows: list[list[str]], seen: dict[Any, Any]) -> Any:
    # Most interactions repeat a few header sets: each is checked once and then shared.
    pairs: Any = tuple(map(tuple, rows))
    known = seen.get(pairs)
    if known is None:
        if not all(len(pair) == 2 and {type(pair[0]), type(pair[1])} == {str} for pair in pairs):
            raise ValueError("header rows must be [name, value] strings")
        known = seen[pairs] = pairs
    return known
