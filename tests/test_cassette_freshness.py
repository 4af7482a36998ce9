"""Cassettes that stay true: verify mode against a live upstream, recorded_at and expiry.

The upstream is a real loopback server (``LoopbackServer``) answering like conftest's fake
OpenAI, through a ``Shifting`` wrapper that can change the shape of its answers between the
recording and the verification, as the real API does over months.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vcr.serialize import deserialize as vcr_deserialize
from vcr.serializers import yamlserializer

from conftest import FakeOpenAI
from openai_responses import (
    CassetteExpiredError,
    CassetteExpiredWarning,
    CassetteMismatchError,
    CassetteVerifyError,
    OpenAIMock,
)
from openai_responses._cassette import (
    Interaction,
    RecordedRequest,
    RecordedResponse,
    load_cassette,
    parse_cassette,
    serialize_cassette,
)
from openai_responses._cassette._age import parse_max_age
from openai_responses._cassette._shape import Answer, shape_differences
from openai_responses._server import LoopbackServer

pytest_plugins = ["pytester"]

KEY = "sk-" + "freshness-test-0123456789"  # split: no key-shaped literal in the repo
MESSAGES = [{"role": "user", "content": "hi"}]
REQUEST = RecordedRequest("GET", "https://api.openai.com/v1/models", (), b"")
RESPONSE = RecordedResponse(200, "OK", (), b"{}")


@dataclass
class Shifting:
    """The fake upstream, with an optional change applied to every JSON answer or stream."""

    fake: FakeOpenAI = field(default_factory=lambda: FakeOpenAI(stream_pause=0))
    json_change: Callable[[dict[str, Any]], None] | None = None
    stream_change: Callable[[bytes], bytes] | None = None
    url: str = ""

    def __call__(self, request: httpx.Request) -> httpx.Response:
        answer = self.fake(request)
        body = answer.read()
        headers = {k: v for k, v in answer.headers.items() if k != "content-length"}
        if "event-stream" in answer.headers.get("content-type", ""):
            if self.stream_change is not None:
                body = self.stream_change(body)
        elif self.json_change is not None:
            data = json.loads(body)
            self.json_change(data)
            body = json.dumps(data).encode()
        return httpx.Response(answer.status_code, headers=headers, content=body)

    @property
    def calls(self) -> int:
        return len(self.fake.requests)


@pytest.fixture
def upstream() -> Iterator[Shifting]:
    shifting = Shifting()
    with LoopbackServer(shifting) as server:
        shifting.url = f"{server.url}/v1"
        yield shifting


def client(upstream: Shifting) -> openai.OpenAI:
    return openai.OpenAI(api_key=KEY, base_url=upstream.url, max_retries=0)


def chat(upstream: Shifting) -> str | None:
    completion = client(upstream).chat.completions.create(model="gpt-4o", messages=MESSAGES)
    return completion.choices[0].message.content


def stream_response(upstream: Shifting) -> list[str]:
    with client(upstream).responses.stream(model="gpt-4o", input="hi") as stream:
        return [event.type for event in stream]


def record(upstream: Shifting, path: Path) -> None:
    with OpenAIMock(base_url=upstream.url, cassette=path, record_mode="once"):
        chat(upstream)
        stream_response(upstream)


def verify(upstream: Shifting, path: Path, **options: Any) -> None:
    with OpenAIMock(base_url=upstream.url, cassette=path, record_mode="verify", **options):
        chat(upstream)
        stream_response(upstream)


# -- verify mode ------------------------------------------------------------------------------
def test_verify_passes_on_an_unchanged_upstream_and_writes_nothing(
    tmp_path: Path, upstream: Shifting
) -> None:
    path = tmp_path / "fresh.yaml"
    record(upstream, path)
    before, modified = path.read_bytes(), path.stat().st_mtime_ns
    recorded_calls = upstream.calls

    verify(upstream, path)

    assert upstream.calls == 2 * recorded_calls  # every replayed request also went upstream
    assert path.read_bytes() == before and path.stat().st_mtime_ns == modified
    assert sorted(p.name for p in tmp_path.iterdir()) == [".fresh.yaml.lock", "fresh.yaml"]


def test_volatile_values_are_not_differences(tmp_path: Path, upstream: Shifting) -> None:
    path = tmp_path / "volatile.yaml"
    record(upstream, path)

    def new_values(data: dict[str, Any]) -> None:
        data["id"] = "chatcmpl-another"
        data["created"] = 1_800_000_000
        data["system_fingerprint"] = "fp_new"  # absent when recorded
        data["choices"][0]["message"]["content"] = "quite another text"
        data["usage"] = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3, "x": {}}

    upstream.json_change = new_values
    upstream.stream_change = lambda body: body.replace(b"Hello", b"Goodbye, and more")
    verify(upstream, path)  # no error


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_verify_fails_with_a_readable_diff_when_json_changes_shape(
    tmp_path: Path, upstream: Shifting, flavour: str
) -> None:
    path = tmp_path / "json.yaml"
    with OpenAIMock(base_url=upstream.url, cassette=path, record_mode="once"):
        chat(upstream)
    before = path.read_bytes()

    def reshaped(data: dict[str, Any]) -> None:
        choice = data["choices"][0]
        del choice["finish_reason"]
        choice["message"]["reasoning"] = {"summary": "new"}
        data["model"] = 4

    upstream.json_change = reshaped
    with (
        pytest.raises(CassetteVerifyError) as raised,
        OpenAIMock(base_url=upstream.url, cassette=path, record_mode="verify"),
    ):
        answer = chat(upstream) if flavour == "sync" else asyncio.run(achat(upstream))
        assert answer == "Hello from upstream"  # the test still gets the recording
    message = str(raised.value)
    assert "POST" in message and "/chat/completions" in message
    assert "- removed: choices.finish_reason (string)" in message
    assert "+ added: choices.message.reasoning (object)" in message
    assert "+ added: choices.message.reasoning.summary (string)" in message
    assert "~ type changed: model: string -> number" in message
    assert path.read_bytes() == before


async def achat(upstream: Shifting) -> str | None:
    async with openai.AsyncOpenAI(api_key=KEY, base_url=upstream.url, max_retries=0) as aclient:
        completion = await aclient.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    return completion.choices[0].message.content


def test_verify_fails_when_the_event_sequence_changes(tmp_path: Path, upstream: Shifting) -> None:
    path = tmp_path / "stream.yaml"
    record(upstream, path)

    def renamed(body: bytes) -> bytes:
        return body.replace(b"response.content_part.added", b"response.content_part.started")

    upstream.stream_change = renamed
    with pytest.raises(CassetteVerifyError) as raised:
        verify(upstream, path)
    message = str(raised.value)
    assert "event sequence changed:" in message
    assert "- response.content_part.added" in message
    assert "+ response.content_part.started" in message
    assert "/chat/completions" not in message  # the JSON answer did not change


def test_verify_fails_when_event_payloads_change_shape(tmp_path: Path, upstream: Shifting) -> None:
    path = tmp_path / "payload.yaml"
    record(upstream, path)
    upstream.stream_change = lambda body: body.replace(b'"delta":', b'"fragment":')
    with pytest.raises(CassetteVerifyError) as raised:
        verify(upstream, path)
    message = str(raised.value)
    assert "- removed: event[response.output_text.delta].delta (string)" in message
    assert "+ added: event[response.output_text.delta].fragment (string)" in message


def test_verify_ignore_leaves_named_fields_out(tmp_path: Path, upstream: Shifting) -> None:
    path = tmp_path / "ignored.yaml"
    record(upstream, path)
    upstream.json_change = lambda data: data["choices"][0]["message"].update(hint={"a": 1})
    verify(upstream, path, verify_ignore=("message.hint",))
    with pytest.raises(CassetteVerifyError, match=r"choices\.message\.hint"):
        verify(upstream, path)


def test_unmatched_requests_in_verify_mode_are_misses(tmp_path: Path, upstream: Shifting) -> None:
    path = tmp_path / "miss.yaml"
    record(upstream, path)
    calls = upstream.calls
    with (
        pytest.raises(CassetteMismatchError),
        OpenAIMock(base_url=upstream.url, cassette=path, record_mode="verify"),
    ):
        client(upstream).embeddings.create(model="text-embedding-3-small", input="never recorded")
    assert upstream.calls == calls  # a miss never reaches the upstream
    assert len(load_cassette(path)) == 2


# -- recorded_at and expiry --------------------------------------------------------------------
def test_each_recorded_interaction_carries_recorded_at_and_vcrpy_reads_the_file(
    tmp_path: Path, upstream: Shifting
) -> None:
    path = tmp_path / "dated.yaml"
    before = datetime.now(timezone.utc).replace(microsecond=0)
    record(upstream, path)
    after = datetime.now(timezone.utc)
    stamps = [i.recorded_at for i in load_cassette(path)]
    assert len(stamps) == 2
    assert all(s is not None and before <= s <= after for s in stamps)
    requests, responses = vcr_deserialize(path.read_text(), yamlserializer)
    assert [r.method for r in requests] == ["POST", "POST"] and len(responses) == 2


def aged(path: Path, days: int) -> None:
    """Backdate every ``recorded_at`` of the cassette by ``days``."""
    old = (datetime.now(timezone.utc) - timedelta(days=days)).replace(microsecond=0)
    lines = [
        f"  recorded_at: '{old.isoformat()}'" if line.startswith("  recorded_at:") else line
        for line in path.read_text().splitlines()
    ]
    path.write_text("\n".join(lines) + "\n")


def replay_chat(upstream: Shifting, path: Path, **options: Any) -> str | None:
    with OpenAIMock(base_url=upstream.url, cassette=path, **options):
        return chat(upstream)


@pytest.fixture
def chat_cassette(tmp_path: Path, upstream: Shifting) -> Path:
    path = tmp_path / "chat.yaml"
    with OpenAIMock(base_url=upstream.url, cassette=path, record_mode="once"):
        chat(upstream)
    return path


def test_young_cassettes_are_not_expired(chat_cassette: Path, upstream: Shifting) -> None:
    aged(chat_cassette, 29)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CassetteExpiredWarning)
        assert replay_chat(upstream, chat_cassette, max_age="30d", on_expiry="fail")


def test_expired_cassettes_warn_by_default_and_still_replay(
    chat_cassette: Path, upstream: Shifting
) -> None:
    aged(chat_cassette, 31)
    calls = upstream.calls
    with pytest.warns(CassetteExpiredWarning, match=r"chat\.yaml .* 31 days old.*max_age='30d'"):
        assert replay_chat(upstream, chat_cassette, max_age="30d") == "Hello from upstream"
    assert upstream.calls == calls


def test_expired_cassettes_fail_when_asked(chat_cassette: Path, upstream: Shifting) -> None:
    aged(chat_cassette, 400)
    with pytest.raises(CassetteExpiredError, match=r"--record-mode=all"):
        replay_chat(upstream, chat_cassette, max_age="1w", on_expiry="fail")


def test_expired_cassettes_rerecord_when_the_mode_allows(
    chat_cassette: Path, upstream: Shifting
) -> None:
    aged(chat_cassette, 90)
    calls = upstream.calls
    with warnings.catch_warnings():
        warnings.simplefilter("error", CassetteExpiredWarning)
        replay_chat(
            upstream, chat_cassette, max_age="30d", on_expiry="rerecord", record_mode="once"
        )
    assert upstream.calls == calls + 1
    (fresh,) = load_cassette(chat_cassette)  # replaced, not appended to
    assert fresh.recorded_at is not None
    assert datetime.now(timezone.utc) - fresh.recorded_at < timedelta(hours=1)


def test_expired_cassettes_only_warn_when_the_mode_cannot_record(
    chat_cassette: Path, upstream: Shifting
) -> None:
    aged(chat_cassette, 90)
    before, calls = chat_cassette.read_bytes(), upstream.calls
    with pytest.warns(CassetteExpiredWarning, match=r"not re-recorded: record mode 'none'"):
        replay_chat(upstream, chat_cassette, max_age="30d", on_expiry="rerecord")
    assert chat_cassette.read_bytes() == before and upstream.calls == calls


def test_files_without_recorded_at_age_by_modification_time(
    chat_cassette: Path, upstream: Shifting
) -> None:
    text = chat_cassette.read_text()
    stripped = "\n".join(line for line in text.splitlines() if "recorded_at" not in line)
    chat_cassette.write_text(stripped + "\n")  # as vcrpy writes it
    assert all(i.recorded_at is None for i in load_cassette(chat_cassette))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CassetteExpiredWarning)
        replay_chat(upstream, chat_cassette, max_age="1d")  # just written: young
    old = time.time() - 3 * 86400
    os.utime(chat_cassette, (old, old))
    with pytest.warns(CassetteExpiredWarning, match="3 days old"):
        replay_chat(upstream, chat_cassette, max_age="1d")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("90m", timedelta(minutes=90)),
        ("2w", timedelta(weeks=2)),
        ("45s", timedelta(seconds=45)),
        ("7", timedelta(days=7)),
        (timedelta(hours=1), timedelta(hours=1)),
    ],
)
def test_max_age_durations(text: Any, expected: timedelta) -> None:
    assert parse_max_age(text) == expected


@pytest.mark.parametrize("text", ["", "d", "30 days", "-1d", "1y"])
def test_max_age_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError, match="max_age"):
        parse_max_age(text)


# -- structure, whatever the values --------------------------------------------------------------
SCALARS = st.booleans() | st.integers() | st.text(max_size=5)
OBJECTS = st.recursive(
    st.dictionaries(st.text("abc", min_size=1, max_size=3), SCALARS, max_size=4),
    lambda children: st.dictionaries(
        st.text("abc", min_size=1, max_size=3),
        children | st.lists(children, min_size=1, max_size=2),
        max_size=3,
    ),
    max_leaves=12,
)


def as_answer(data: object) -> Answer:
    return Answer(200, "application/json", json.dumps(data).encode())


def other_values(data: Any) -> Any:
    """The same structure with every value replaced by another of its type."""
    if isinstance(data, dict):
        return {key: other_values(value) for key, value in data.items()}
    if isinstance(data, list):
        return [other_values(item) for item in data]
    if isinstance(data, bool):
        return not data
    if isinstance(data, int):
        return data + 1
    return f"{data}!"


@settings(max_examples=200, deadline=None)
@given(data=OBJECTS, new_key=st.text("xyz", min_size=1, max_size=3))
def test_values_never_differ_but_keys_always_do(data: dict[str, Any], new_key: str) -> None:
    assert shape_differences(as_answer(data), as_answer(other_values(data))) == []
    grown = {**data, new_key: 1}
    assert shape_differences(as_answer(data), as_answer(grown)) == [f"+ added: {new_key} (number)"]
    assert shape_differences(as_answer(grown), as_answer(data)) == [
        f"- removed: {new_key} (number)"
    ]


@settings(max_examples=100, deadline=None)
@given(at=st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.replace(microsecond=0)))
def test_recorded_at_round_trips(at: datetime) -> None:
    (recorded,) = parse_cassette(serialize_cassette([Interaction(REQUEST, RESPONSE, at)]).encode())
    assert recorded.recorded_at == at


# -- from the command line ----------------------------------------------------------------------
VERIFY_SUITE = """
import openai
import openai_responses

URL = "{url}"


@openai_responses.mock(base_url=URL, cassette="{cassette}")
def test_chat():
    client = openai.OpenAI(api_key="sk-" + "verify-flag-0123456789", base_url=URL, max_retries=0)
    client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": "hi"}}])
"""


def test_the_record_mode_flag_verifies_with_pytest_recording_loaded(
    tmp_path: Path, upstream: Shifting, pytester: pytest.Pytester
) -> None:
    # pytest-recording owns --record-mode then: its choices must have learnt "verify".
    pytest.importorskip("pytest_recording")
    path = tmp_path / "flag.yaml"
    with OpenAIMock(base_url=upstream.url, cassette=path, record_mode="once"):
        chat(upstream)
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(test_flag=VERIFY_SUITE.format(url=upstream.url, cassette=path))
    upstream.json_change = lambda data: data.update(model=1)
    quiet = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:asyncio")
    result = pytester.runpytest(*quiet, "--record-mode=verify")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*~ type changed: model: string -> number*"])
    assert upstream.calls == 2


def test_verify_is_accepted_when_pytest_recording_registers_after_us(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recording = pytest.importorskip("pytest_recording.plugin")
    from _pytest.config import get_config

    from openai_responses import _plugin

    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    config = get_config()
    config.pluginmanager.register(_plugin, "openai_responses")  # first: leaves the flag alone
    config.pluginmanager.register(recording, "recording")  # defines --record-mode
    parsed = config._parser.parse_known_args(["--record-mode=verify"])
    assert parsed.record_mode == "verify"
