"""The structure of an answer, and how two answers' structures differ (verify mode).

Structure is what a client's parsing depends on: the status, JSON keys and their JSON types,
and for streams the sequence of event kinds. Values are never compared: ids, timestamps and
model output differ on every call. A list's elements are merged (their paths carry no index),
and runs of one event kind (a text streamed as many deltas) count as one, so a longer or
shorter answer has the same shape.

Null stands for "no value this time": a field null on one side is compatible with any type
on the other, and nothing under it is compared; an empty list likewise. Paths are dotted
(``choices.message.content``); ignore patterns match a path's tail (``message.content``
matches ``choices.message.content``), may use ``*`` wildcards, and cover everything below.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .._sse import iter_sse
from ._body import looks_like_sse

__all__ = ["VOLATILE", "Answer", "shape_differences"]

# Fields whose presence or type varies from call to call without the API having changed.
VOLATILE: tuple[str, ...] = (
    "id",
    "created",
    "created_at",
    "completed_at",
    "system_fingerprint",
    "service_tier",
    "usage",
    "obfuscation",
    "logprobs",
    "message.content",
    "delta.content",
    "text",
    "refusal",
)

_NULL, _EMPTY = "null", "empty list"
Shape = dict[str, set[str]]


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def shape_differences(recorded: Answer, live: Answer, ignore: Sequence[str] = ()) -> list[str]:
    """Readable lines, one per difference in structure; empty when the shapes agree."""
    patterns = (*VOLATILE, *ignore)
    if recorded.status != live.status:
        return [f"status: {recorded.status} -> {live.status}"]
    kinds = _kind(recorded), _kind(live)
    if kinds[0] != kinds[1]:
        return [f"body: {kinds[0]} -> {kinds[1]}"]
    if kinds[0] == "JSON":
        return _compare(_shape(_json(recorded.body), patterns), _shape(_json(live.body), patterns))
    if kinds[0] == "event stream":
        return _compare_streams(recorded.body, live.body, patterns)
    return []


def _kind(answer: Answer) -> str:
    if "event-stream" in answer.content_type or looks_like_sse(answer.body):
        return "event stream"
    return "JSON" if _json(answer.body) is not _NOT_JSON else "other"


_NOT_JSON = object()


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return _NOT_JSON


# -- JSON ---------------------------------------------------------------------------------------
def _shape(data: Any, ignore: Sequence[str]) -> Shape:
    shape: Shape = {}
    for path, kind in _walk(data, "", ignore):
        shape.setdefault(path, set()).add(kind)
    return shape


def _walk(value: Any, path: str, ignore: Sequence[str]) -> Iterator[tuple[str, str]]:
    if path and _ignored(path, ignore):
        return
    if isinstance(value, dict):
        yield path, "object"
        for key, child in value.items():
            yield from _walk(child, f"{path}.{key}" if path else str(key), ignore)
    elif isinstance(value, list):
        yield path, "array" if value else _EMPTY
        for item in value:
            yield from _walk(item, path, ignore)
    else:
        yield path, _type_name(value)


def _type_name(value: Any) -> str:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def _ignored(path: str, patterns: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(path, f"*.{p}") for p in patterns
    )


def _compare(recorded: Shape, live: Shape, prefix: str = "") -> list[str]:
    vague = {
        p for side in (recorded, live) for p, kinds in side.items() if kinds <= {_NULL, _EMPTY}
    }
    lines: list[str] = []
    for path in sorted(recorded.keys() | live.keys()):
        under_vague = any(path.startswith(f"{v}.") for v in vague)
        if under_vague or (path in vague and path in recorded and path in live):
            continue
        shown = f"{prefix}{path}" if path else prefix.rstrip(".") or "(top level)"
        if path not in live:
            lines.append(f"- removed: {shown} ({_kinds(recorded[path])})")
        elif path not in recorded:
            lines.append(f"+ added: {shown} ({_kinds(live[path])})")
        else:
            before, after = _solid(recorded[path]), _solid(live[path])
            if before and after and before != after:
                lines.append(f"~ type changed: {shown}: {_kinds(before)} -> {_kinds(after)}")
    return lines


def _solid(kinds: set[str]) -> set[str]:
    """The kinds that say something: null and [] fit any type; [] is an array."""
    solid = kinds - {_NULL}
    return {"array" if kind == _EMPTY else kind for kind in solid}


def _kinds(kinds: set[str]) -> str:
    return " | ".join(sorted(kinds))


# -- streams ------------------------------------------------------------------------------------
def _compare_streams(recorded: bytes, live: bytes, ignore: Sequence[str]) -> list[str]:
    before, after = _events(recorded), _events(live)
    lines: list[str] = []
    sequence_before, sequence_after = _collapsed(before), _collapsed(after)
    if sequence_before != sequence_after:
        lines.append("event sequence changed:")
        diff = difflib.ndiff(sequence_before, sequence_after)
        lines += [f"  {line}" for line in diff if line[:1] in "-+"]
    for kind in dict.fromkeys([k for k, _ in before] + [k for k, _ in after]):
        old = _merged([d for k, d in before if k == kind], ignore)
        new = _merged([d for k, d in after if k == kind], ignore)
        if old and new:  # an event kind only one side has is in the sequence diff already
            lines += _compare(old, new, prefix=f"event[{kind}].")
    return lines


def _events(body: bytes) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    for name, text in iter_sse(body):
        data = _json(text.encode("utf-8", "surrogatepass"))
        if data is _NOT_JSON:
            events.append((name or text.strip(), None))  # "[DONE]"
            continue
        kind = name or _event_kind(data)
        events.append((kind, data))
    return events


def _event_kind(data: Any) -> str:
    if isinstance(data, dict):
        for key in ("type", "object"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return "data"


def _collapsed(events: list[tuple[str, Any]]) -> list[str]:
    kinds = [kind for kind, _ in events]
    return [kind for i, kind in enumerate(kinds) if i == 0 or kinds[i - 1] != kind]


def _merged(items: list[Any], ignore: Sequence[str]) -> Shape:
    shape: Shape = {}
    for item in items:
        if item is None:
            continue
        for path, kinds in _shape(item, ignore).items():
            shape.setdefault(path, set()).update(kinds)
    return shape
