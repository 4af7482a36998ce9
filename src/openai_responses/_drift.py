"""Schema drift: recorded answers read against the installed openai SDK's types.

Each recorded request finds its endpoint row (``_seeding.find_endpoint``); the row names the
SDK type of the answer, and the recorded JSON (or each SSE event) is read with it:

- ``model_validate`` finds required fields now missing and values of another type (errors:
  the SDK would refuse or misread the answer);
- the SDK's own lenient ``construct_type`` keeps fields it does not know in ``model_extra``
  at every level: fields the SDK no longer (or not yet) knows (warnings);
- stream events whose discriminator names no member of the SDK's event union (warnings);
- models the API retired (a small table; warnings).

Nothing here hand-writes a schema: the only knowledge is which SDK type a row answers with
(``answer_type``) and which event union its streams use (``_stream_type``).
"""

from __future__ import annotations

import functools
import json
import typing
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pydantic
from pydantic import BaseModel

from ._cassette import Interaction
from ._cassette._body import looks_like_sse
from ._endpoints import Endpoint
from ._seeding import find_endpoint
from ._sse import iter_sse

__all__ = ["Finding", "check_interactions"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One difference between a recorded answer and the SDK's types."""

    interaction: int
    severity: Severity
    kind: str  # "unknown field", "missing field", "type changed", "unknown event", "retired model"
    where: str  # a path into the answer ("choices[0].message.refusal"), or an event
    detail: str = ""

    def describe(self) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return f"interaction {self.interaction}: {self.severity}: {self.kind} {self.where}{detail}"


def check_interactions(interactions: Sequence[Interaction]) -> list[Finding]:
    """Every finding of every interaction, in order; never raises on odd data."""
    findings: list[Finding] = []
    for index, interaction in enumerate(interactions):
        findings.extend(Finding(index, *found) for found in _check(interaction))
    return findings


Found = tuple[Severity, str, str, str]


def _check(interaction: Interaction) -> Iterator[Found]:
    request, response = interaction.request, interaction.response
    yield from _retired_models(request.body, "request")
    row = find_endpoint(request.method, httpx.URL(request.url).path)
    if row is None or response.status >= 300 or not response.body:
        return
    endpoint = row[0]
    model = answer_type(endpoint)
    if model is None:
        return
    if "event-stream" in (response.header("content-type") or "") or looks_like_sse(response.body):
        yield from _check_stream(model, response.body)
        return
    data = _json(response.body)
    if data is None:
        return  # a file's content, audio: not JSON, nothing the SDK validates
    yield from _retired_models(response.body, "response")
    data = _as_the_sdk_reads(request.body, data)
    if endpoint.kind == "list" and isinstance(data, dict) and isinstance(data.get("data"), list):
        for position, item in enumerate(data["data"]):
            yield from _check_object(model, item, f"data[{position}]")
    else:
        yield from _check_object(model, data, "")


def _as_the_sdk_reads(request_body: bytes, data: Any) -> Any:
    """The answer as the SDK's type sees it after its own post-processing.

    ``embeddings.create`` asks for base64 unless told otherwise and decodes the vectors
    itself: a recorded base64 string stands for the list of floats the type declares.
    """
    request = _json(request_body)
    base64 = isinstance(request, dict) and request.get("encoding_format") == "base64"
    if not base64 or not isinstance(data, dict) or not isinstance(data.get("data"), list):
        return data
    items = [
        {**item, "embedding": []} if isinstance(item, dict) and "embedding" in item else item
        for item in data["data"]
    ]
    return {**data, "data": items}


def answer_type(endpoint: Endpoint) -> type[BaseModel] | None:
    """The SDK type of a row's answer (the one place that reads it from a row)."""
    return endpoint.model


# -- one JSON object against one SDK type -----------------------------------------------------
def _check_object(annotation: Any, data: Any, prefix: str) -> Iterator[Found]:
    yield from _validation_findings(annotation, data, prefix)
    yield from _unknown_fields(annotation, data, prefix)


def _validation_findings(annotation: Any, data: Any, prefix: str) -> Iterator[Found]:
    stream = prefix.startswith("event")
    try:
        _adapter(annotation).validate_python(data)
    except pydantic.ValidationError as error:
        errors = _one_union_member(error.errors(include_url=False), data)
        seen: set[tuple[str, str]] = set()
        for item in errors:
            if stream and item["input"] is None and item["type"] != "missing":
                continue  # chunks leave fields null until the last one
            kind = "missing field" if item["type"] == "missing" else "type changed"
            where = _join(prefix, _path(item["loc"], data, item["type"] == "missing"))
            if (kind, where) not in seen:
                seen.add((kind, where))
                yield "error", kind, where, "" if kind == "missing field" else item["msg"]


def _unknown_fields(annotation: Any, data: Any, prefix: str) -> Iterator[Found]:
    from openai._models import construct_type  # the SDK's own lenient reading

    try:
        built = construct_type(value=data, type_=annotation)
    except Exception:  # the SDK could not even construct it: validation said why
        return
    for where in _extras(built, prefix):
        yield "warning", "unknown field", where, ""


def _extras(value: Any, prefix: str) -> Iterator[str]:
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        # The SDK's construct keeps aliased keys ("self-harm") among the extras too.
        aliases = {field.alias for field in fields.values() if field.alias}
        for key in value.model_extra or {}:
            if key not in aliases:
                yield _join(prefix, key)
        for name in fields:
            yield from _extras(getattr(value, name, None), _join(prefix, name))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _extras(item, f"{prefix}[{position}]")


@functools.cache
def _adapter(annotation: Any) -> pydantic.TypeAdapter[Any]:
    return pydantic.TypeAdapter(annotation)


def _one_union_member(errors: Sequence[Any], data: Any) -> list[Any]:
    """pydantic reports a failed union once per member; keep the member the data meant.

    Errors are grouped by where their first union-member tag sits (a location segment that is
    not a key or index of the data). The member meant is one whose ``type`` literal matched
    (the SDK's unions are discriminated by it), the closest if several; when none matched,
    the data's ``type`` is one the SDK does not know there: one finding says so.
    """
    groups: dict[tuple[Any, ...], dict[Any, list[Any]]] = defaultdict(lambda: defaultdict(list))
    plain: list[Any] = []
    for item in errors:
        split = _first_tag(item["loc"], data, item["type"] == "missing")
        if split is None:
            plain.append(item)
        else:
            base, tag = split
            groups[base][tag].append(item)
    for base, members in groups.items():
        matched: list[list[Any]] = [
            found
            for tag, found in members.items()
            if not any(_is_tag_mismatch(item, (*base, tag)) for item in found)
        ]
        if matched:
            closest: list[Any] = min(matched, key=len)
            plain.extend(closest)
        else:
            first = next(iter(members.values()))
            plain.extend(item for item in first if _is_tag_mismatch(item, item["loc"][:-1]))
    return plain


def _is_tag_mismatch(item: Any, at: tuple[Any, ...]) -> bool:
    loc = tuple(item["loc"])
    return item["type"] == "literal_error" and loc == (*at, "type")


def _first_tag(loc: Sequence[Any], data: Any, missing: bool) -> tuple[tuple[Any, ...], Any] | None:
    current = data
    last = len(loc) - 1
    for position, segment in enumerate(loc):
        if missing and position == last:
            return None
        if not _has(current, segment):
            return tuple(loc[:position]), segment
        current = current[segment]
    return None


def _has(data: Any, segment: Any) -> bool:
    if isinstance(data, dict):
        return segment in data
    return isinstance(data, list) and isinstance(segment, int) and 0 <= segment < len(data)


def _path(loc: Sequence[Any], data: Any, missing: bool) -> str:
    """A location as a readable path, union-member tags left out."""
    parts: list[str] = []
    current = data
    last = len(loc) - 1
    for position, segment in enumerate(loc):
        if isinstance(current, list) and isinstance(segment, int):
            parts.append(f"[{segment}]")
            current = current[segment] if segment < len(current) else None
        elif isinstance(current, dict) and (segment in current or (missing and position == last)):
            parts.append(f".{segment}")
            current = current.get(segment)
    return "".join(parts).lstrip(".")


def _join(prefix: str, key: str) -> str:
    if key.startswith("["):
        return prefix + key
    return f"{prefix}.{key}" if prefix and key else prefix or key


# -- streams ----------------------------------------------------------------------------------
def _check_stream(model: type[BaseModel], body: bytes) -> Iterator[Found]:
    """Each event against the SDK's event type; one finding per (event type, field), with
    the number of events it occurs in (a text streams as many alike deltas)."""
    event_type = _stream_type(model)
    if event_type is None:
        return
    counts: Counter[Found] = Counter()
    for name, text in iter_sse(body):
        data = _json(text.encode("utf-8", "surrogatepass"))
        if data is not None:  # not "[DONE]", a keep-alive
            counts.update(_check_event(event_type, name, data))
    for (severity, kind, where, detail), count in counts.items():
        times = f"in {count} events" if count > 1 else ""
        yield severity, kind, where, "; ".join(part for part in (detail, times) if part)


def _check_event(event_type: Any, name: str | None, data: Any) -> Iterator[Found]:
    members = _union_members(event_type)
    if members is None:  # chat and completion chunks: one type for every event
        yield from _check_object(event_type, data, "event")
        return
    key, by_tag = members
    payload = {"event": name, "data": data} if key == "event" else data
    tag = payload.get(key) if isinstance(payload, dict) else None
    where = f"event[{tag}]"
    member = by_tag.get(tag) if isinstance(tag, str) else None
    if member is None:
        yield "warning", "unknown event", where, f"{key} {tag!r} is not among the SDK's events"
    else:
        yield from _check_object(member, payload, where)


@functools.cache
def _stream_type(model: type[BaseModel]) -> Any:
    """What each SSE event of an answer of type ``model`` is, in the SDK."""
    from openai.types import Completion
    from openai.types.beta import AssistantStreamEvent
    from openai.types.beta.threads import Run
    from openai.types.chat import ChatCompletion, ChatCompletionChunk
    from openai.types.responses import Response, ResponseStreamEvent

    events: dict[Any, Any] = {
        ChatCompletion: ChatCompletionChunk,
        Completion: Completion,
        Response: ResponseStreamEvent,
        Run: AssistantStreamEvent,
    }
    return events.get(model)


@functools.cache
def _union_members(annotation: Any) -> tuple[str, dict[str, Any]] | None:
    """(discriminator, {literal: member}) of an SDK discriminated union; None otherwise."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    union, *metadata = typing.get_args(annotation)
    key = next((m.discriminator for m in metadata if getattr(m, "discriminator", None)), None)
    if key is None:
        return None
    by_tag: dict[str, Any] = {}
    for member in typing.get_args(union):
        field = member.model_fields.get(key)
        for literal in typing.get_args(field.annotation) if field else ():
            by_tag[literal] = member
    return key, by_tag


# -- retired models ---------------------------------------------------------------------------
# Models OpenAI has shut down (https://platform.openai.com/docs/deprecations): a recording
# of one cannot be re-recorded as it is.
RETIRED_MODELS = frozenset(
    {
        "ada",
        "babbage",
        "curie",
        "davinci",
        "text-ada-001",
        "text-babbage-001",
        "text-curie-001",
        "text-davinci-001",
        "text-davinci-002",
        "text-davinci-003",
        "code-davinci-002",
        "text-embedding-ada-001",
        "gpt-3.5-turbo-0301",
        "gpt-3.5-turbo-0613",
        "gpt-3.5-turbo-16k-0613",
        "gpt-4-0314",
        "gpt-4-32k",
        "gpt-4-32k-0314",
        "gpt-4-32k-0613",
        "gpt-4-vision-preview",
        "gpt-4-1106-vision-preview",
        "gpt-4.5-preview",
        "gpt-4.5-preview-2025-02-27",
        "o1-preview",
        "o1-preview-2024-09-12",
        "o1-mini",
        "o1-mini-2024-09-12",
    }
)


def _retired_models(body: bytes, side: str) -> Iterator[Found]:
    data = _json(body) if body.lstrip()[:1] == b"{" else None
    model = data.get("model") if isinstance(data, dict) else None
    if isinstance(model, str) and model in RETIRED_MODELS:
        yield "warning", "retired model", f"{side} model", f"{model!r} was shut down by OpenAI"


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None
