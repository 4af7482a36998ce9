"""Exact round trips: record -> save -> load -> replay gives back exactly what was recorded.

JSON bodies parse to exactly the recorded value (types, number spellings, every string incl.
lone-surrogate escapes); every other body, SSE included, comes back byte for byte. Checked
through the parsed-cassette cache and by vcrpy reading our files, and a few through the SDK.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import openai
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from vcr.serialize import deserialize as vcr_deserialize
from vcr.serializers import yamlserializer

from openai_responses import OpenAIMock
from openai_responses._cassette import (
    Interaction,
    RecordedRequest,
    RecordedResponse,
    RecordFilters,
    _cache,
    interaction_from_exchange,
    load_cassette,
    response_to_httpx,
    save_cassette,
)

URL = "https://api.openai.com/v1/chat/completions"
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Characters YAML treats specially, biased in: line-break look-alikes (NEL, LS, PS), CR, tab,
# BOM, NUL, C1 controls, indicators, quotes, and astral characters.
TRICKY = st.sampled_from(
    [*"\x85\u2028\u2029\r\n\t \ufeff\x00\x7f\x9f|>#:-?&*!%@`'\"\\{}[],", "😀", "\U0010fffd"]
)
# Readable text with line-break look-alikes: what a literal block would be chosen for (any
# other special character already forces a quoted style, hiding the look-alikes).
READABLE = st.text(st.sampled_from([*"ab z:#-|\n", "\x85", "\u2028", "\u2029", "é", "😀"]))
TEXT = READABLE | st.text(st.one_of(TRICKY, st.characters(exclude_categories=["Cs"])), max_size=40)
# JSON strings may carry any code point, lone surrogates included (as \ud800 escapes). Mostly
# readable, since one special character anywhere in a body makes the whole body quoted.
JSON_TEXT = st.one_of(READABLE, READABLE, READABLE, st.text(st.one_of(TRICKY, st.characters())))
JSON_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False)
    | JSON_TEXT,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(JSON_TEXT, children, max_size=5)
    ),
    max_leaves=30,
)


@pytest.fixture(autouse=True)
def _cache_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAI_RESPONSES_CACHE_DIR", str(tmp_path / "cache"))


def exact(left: Any, right: Any) -> bool:
    """Equal with types: 1 vs 1.0 vs True differ, -0.0 vs 0.0 differ, key order irrelevant."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return math.copysign(1, left) == math.copysign(1, right) and left == right
    if isinstance(left, list):
        return len(left) == len(right) and all(map(exact, left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(exact(left[k], right[k]) for k in left)
    return bool(left == right)


def json_bytes(value: Any, ascii_only: bool, indent: int | None) -> bytes:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    return text.encode("utf-8", "surrogatepass")  # raw lone surrogates: not UTF-8, kept as bytes


@contextmanager
def cache_on_disk() -> Iterator[None]:
    with mock.patch.object(_cache, "MIN_SIZE", 0), mock.patch.object(_cache, "_MEMORY", {}):
        yield


def through_file(path: Path, interactions: list[Interaction]) -> list[Interaction]:
    """save -> load (YAML) -> load again (the JSON cache on disk); both loads must agree."""
    save_cassette(path, interactions)
    with cache_on_disk():
        parsed = load_cassette(path)
        _cache._MEMORY.clear()
        cached = load_cassette(path)
    assert cached == parsed
    return parsed


def recorded(request_body: bytes, response_body: bytes, content_type: str) -> Interaction:
    request = httpx.Request("POST", URL, content=request_body)
    headers = [("content-type", content_type)]
    interaction = interaction_from_exchange(
        request, 200, headers, response_body, filters=RecordFilters()
    )
    assert interaction is not None
    return interaction


def replayed_body(interaction: Interaction) -> bytes:
    return response_to_httpx(interaction, httpx.Request("POST", URL)).read()


@PROPERTY
@given(value=JSON_VALUE, ascii_only=st.booleans(), indent=st.sampled_from([None, 0, 2]))
@example(value={"text": "a\x85b"}, ascii_only=False, indent=None)  # the reported corruption
@example(value=["\ud800", 1e300, -0.0, 10**30], ascii_only=True, indent=None)
def test_json_bodies_replay_exactly_the_recorded_value(
    tmp_path: Path, value: Any, ascii_only: bool, indent: int | None
) -> None:
    body = json_bytes(value, ascii_only, indent)
    (loaded,) = through_file(tmp_path / "c.yaml", [recorded(body, body, "application/json")])
    for replayed in (loaded.request.body, replayed_body(loaded)):
        if replayed == body:
            continue  # kept verbatim (e.g. not UTF-8)
        assert exact(json.loads(replayed), json.loads(body))


@PROPERTY
@given(body=st.binary(max_size=200) | TEXT.map(lambda t: t.encode()))
@example(body="a\x85b".encode())
def test_other_bodies_replay_byte_for_byte(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "c.yaml"
    (loaded,) = through_file(path, [recorded(body, body, "application/octet-stream")])
    assert loaded.request.body == body
    assert replayed_body(loaded) == body
    (vcr_request,), (vcr_response,) = vcr_deserialize(path.read_text(), yamlserializer)
    for stored in (vcr_request.body, vcr_response["body"]["string"]):
        assert (stored if isinstance(stored, bytes) else stored.encode()) == body


SSE_EVENT = st.tuples(
    st.sampled_from(["", "event: response.output_text.delta\n", "id: 7\n", ": ping\n"]),
    JSON_TEXT.map(lambda text: json.dumps({"delta": text}, ensure_ascii=False)) | TEXT,
)


@PROPERTY
@given(
    events=st.lists(SSE_EVENT, min_size=1, max_size=6),
    newline=st.sampled_from(["\n", "\r\n"]),
)
@example(events=[("", '{"delta": "a\u2028b\x85"}')], newline="\n")
def test_sse_streams_replay_byte_for_byte(
    tmp_path: Path, events: list[tuple[str, str]], newline: str
) -> None:
    text = "".join(f"{head}data: {data}\n\n" for head, data in events).replace("\n", newline)
    body = text.encode("utf-8", "surrogatepass")
    (loaded,) = through_file(
        tmp_path / "c.yaml", [recorded(b"{}", body, "text/event-stream; charset=utf-8")]
    )
    assert replayed_body(loaded) == body


@PROPERTY
@given(
    value=st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=20),
    reason=TEXT.filter(lambda t: not any(c in t for c in "\r\n\x00")),
    query=TEXT,
)
def test_headers_reasons_and_urls_come_back_exactly(
    tmp_path: Path, value: str, reason: str, query: str
) -> None:
    url = str(httpx.URL(URL, params={"q": query}))
    interaction = Interaction(
        RecordedRequest("GET", url, (("x-note", value),), b""),
        RecordedResponse(200, reason, (("x-note", value), ("x-note", value + "!")), b""),
    )
    (loaded,) = through_file(tmp_path / "c.yaml", [interaction])
    assert loaded == interaction


def test_nel_in_a_json_string_survives_pretty_printing(tmp_path: Path) -> None:
    body = json.dumps({"text": "line\x85next\u2028and\u2029more"}, ensure_ascii=False).encode()
    (loaded,) = through_file(tmp_path / "c.yaml", [recorded(body, body, "application/json")])
    assert json.loads(replayed_body(loaded)) == json.loads(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1.0, "b": 1e400, "c": -0, "d": 10000000000000000000000000001.5}',
        b'{"a": 1, "a": 2}',
        b'{"big": ' + b"9" * 5000 + b"}",  # beyond Python's int-from-string limit
        b"[" * 5000 + b"]" * 5000,  # deeper than the JSON parser recurses
    ],
    ids=["number-spellings", "duplicate-keys", "huge-int", "deep"],
)
def test_json_that_reformatting_would_change_is_kept_verbatim(tmp_path: Path, body: bytes) -> None:
    (loaded,) = through_file(tmp_path / "c.yaml", [recorded(body, body, "application/json")])
    assert replayed_body(loaded) == body


def test_deep_json_round_trips(tmp_path: Path) -> None:
    value: Any = "leaf\x85"
    for depth in range(300):
        value = {"k": [value, depth]}
    body = json.dumps(value).encode()
    (loaded,) = through_file(tmp_path / "c.yaml", [recorded(body, body, "application/json")])
    assert json.loads(replayed_body(loaded)) == value


# --- through the SDK -------------------------------------------------------------------------


def _completion(content: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": content}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }


def _chunk(content: str) -> dict[str, Any]:
    choice = {"index": 0, "delta": {"content": content}, "finish_reason": None}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [choice],
    }


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=TEXT.filter(lambda t: "\r" not in t and "\x00" not in t), stream=st.booleans())
@example(text="line\x85next", stream=False)
@example(text="line\u2028next", stream=True)
def test_sdk_replays_recorded_text_exactly(tmp_path: Path, text: str, stream: bool) -> None:
    messages: Any = [{"role": "user", "content": text}]
    ask: dict[str, Any] = {"model": "m", "messages": messages}
    if stream:
        ask["stream"] = True
        events = [_chunk(part) for part in (text[:3], text[3:])]
        body = "".join(f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events)
        response = recorded(
            json.dumps(ask).encode(), (body + "data: [DONE]\n\n").encode(), "text/event-stream"
        )
    else:
        answer = json.dumps(_completion(text), ensure_ascii=False).encode()
        response = recorded(json.dumps(ask).encode(), answer, "application/json")
    path = tmp_path / f"sdk-{stream}.yaml"
    save_cassette(path, [response])
    with OpenAIMock(cassette=path):
        client = openai.OpenAI(api_key="sk-x", max_retries=0)
        if stream:
            chunks = client.chat.completions.create(model="m", messages=messages, stream=True)
            got = "".join(c.choices[0].delta.content or "" for c in chunks)
        else:
            completion = client.chat.completions.create(model="m", messages=messages)
            got = completion.choices[0].message.content or ""
    assert got == text
