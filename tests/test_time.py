"""Time: rate limits on the virtual clock, recorded SSE event offsets, replay pace.

Nothing here measures wall time: waits are read off the mock's clock, or off a stand-in for
the ``time`` module that pacing uses (its schedule, not its real duration, is the behaviour).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import vcr
import yaml

from conftest import FakeOpenAI
from openai_responses import OpenAIMock
from openai_responses import _shaping as shaping
from openai_responses._cassette import CassetteFormatError
from openai_responses._cassette._load import parse_cassette
from openai_responses._cassette._save import serialize_cassette

MESSAGES = [{"role": "user", "content": "hi"}]


# -- rate limits -------------------------------------------------------------------------------


def test_requests_per_minute_count_down_then_429_until_the_clock_moves() -> None:
    with OpenAIMock(rate_limits={"requests_per_minute": 2}) as mock:
        client = openai.OpenAI(api_key="sk-test", max_retries=0)
        chat = client.chat.completions.with_raw_response
        remaining = [
            chat.create(model="gpt-4o", messages=MESSAGES).headers["x-ratelimit-remaining-requests"]
            for _ in range(2)
        ]
        assert remaining == ["1", "0"]
        with pytest.raises(openai.RateLimitError) as raised:
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        headers = raised.value.response.headers
        assert headers["retry-after"] == "30"  # one request refills in 60 s / 2
        assert headers["x-ratelimit-reset-requests"] == "1m0s"
        assert raised.value.code == "rate_limit_exceeded"

        mock.clock.advance(30)
        assert client.chat.completions.create(model="gpt-4o", messages=MESSAGES).choices


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_the_sdk_retry_waits_out_the_limit_on_the_virtual_clock(asynchronous: bool) -> None:
    with OpenAIMock(rate_limits={"requests_per_minute": 1}) as mock:
        route = mock.embeddings.create

        async def twice_async() -> None:
            client = openai.AsyncOpenAI(api_key="sk-test", max_retries=2)
            for _ in range(2):
                await client.embeddings.create(model="text-embedding-3-small", input="x")

        def twice() -> None:
            client = openai.OpenAI(api_key="sk-test", max_retries=2)
            for _ in range(2):
                client.embeddings.create(model="text-embedding-3-small", input="x")

        import asyncio

        asyncio.run(twice_async()) if asynchronous else twice()
        assert route.call_count == 3  # the second call was refused once, then admitted
        assert mock.clock.sleeps == [60.0]
        assert mock.clock.now == 60.0


def test_tokens_per_minute_count_the_prompt_and_the_reserved_output() -> None:
    with OpenAIMock(rate_limits={"tokens_per_minute": 1000}):
        client = openai.OpenAI(api_key="sk-test", max_retries=0)
        answer = client.chat.completions.with_raw_response.create(
            model="gpt-4o", messages=[{"role": "user", "content": "x" * 400}], max_tokens=100
        )
        assert int(answer.headers["x-ratelimit-remaining-tokens"]) < 1000 - 100 - 100
        with pytest.raises(openai.RateLimitError) as raised:
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES, max_tokens=900)
        assert raised.value.body["type"] == "tokens"  # type: ignore[index]


def test_mocked_usage_is_plausible_and_include_usage_sends_the_final_chunk() -> None:
    with OpenAIMock():
        client = openai.OpenAI(api_key="sk-test", max_retries=0)
        short = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        long = client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "word " * 200}]
        )
        chunks = list(
            client.chat.completions.create(
                model="gpt-4o",
                messages=MESSAGES,
                stream=True,
                stream_options={"include_usage": True},
            )
        )
    assert short.usage and long.usage
    assert long.usage.prompt_tokens > short.usage.prompt_tokens > 0
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert all(chunk.usage is None for chunk in chunks[:-1])


@pytest.mark.parametrize(
    "limits", [{"requests_per_hour": 1}, {"requests_per_minute": 0}, {"tokens_per_minute": "9"}]
)
def test_rate_limits_refuse_what_they_cannot_mean(limits: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        OpenAIMock(rate_limits=limits)


def test_the_clock_never_goes_back() -> None:
    with pytest.raises(ValueError):
        OpenAIMock().clock.advance(-1)


# -- recorded event offsets --------------------------------------------------------------------


def record_stream(loopback_openai: FakeOpenAI, cassette: Path) -> list[str]:
    loopback_openai.stream_pause = 0.02
    with OpenAIMock(base_url=loopback_openai.url, cassette=cassette, record_mode="once"):
        client = openai.OpenAI(api_key="sk-test", base_url=loopback_openai.url, max_retries=0)
        stream = client.responses.create(model="gpt-4o", input="hi", stream=True)
        return [event.type for event in stream]


def test_recording_keeps_each_event_offset_and_vcrpy_still_reads_it(
    tmp_path: Path, loopback_openai: FakeOpenAI
) -> None:
    cassette = tmp_path / "paced.yaml"
    events = record_stream(loopback_openai, cassette)

    saved = yaml.safe_load(cassette.read_text())["interactions"][0]
    offsets = saved["event_offsets"]
    assert len(offsets) == len(events)
    assert offsets == sorted(offsets) and offsets[0] >= 0
    assert parse_cassette(cassette.read_bytes())[0].event_offsets == tuple(offsets)
    # vcrpy ignores the extra key
    with vcr.VCR().use_cassette(str(cassette), record_mode="none") as vcr_cassette:
        assert len(vcr_cassette.data) == 1


def test_old_cassettes_without_offsets_load_and_bad_offsets_are_named(tmp_path: Path) -> None:
    raw = serialize_cassette(parse_cassette(_CASSETTE.encode())).encode()
    assert b"event_offsets" not in raw
    assert parse_cassette(raw)[0].event_offsets is None
    with pytest.raises(CassetteFormatError, match="event_offsets"):
        parse_cassette(
            _CASSETTE.replace("version: 1", "version: 1\n")
            .replace("  response:", "  event_offsets: [0.1, oops]\n  response:")
            .encode()
        )


_CASSETTE = """\
interactions:
- request:
    body: '{"model": "gpt-4o", "input": "hi", "stream": true}'
    headers: {}
    method: POST
    uri: https://api.openai.com/v1/responses
  response:
    body:
      string: "event: a\\ndata: {}\\n\\nevent: b\\ndata: {}\\n\\n"
    headers:
      content-type: [text/event-stream]
    status: {code: 200, message: OK}
version: 1
"""


class FakeTime:
    """Stands in for ``time`` (and ``anyio.sleep``) in ``_shaping``: sleeping moves it,
    nothing waits."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:  # anyio.sleep's stand-in
        self.sleep(seconds)


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(shaping, "time", fake)
    monkeypatch.setattr(shaping.anyio, "sleep", fake.asleep)
    return fake


def test_pace_recorded_replays_the_recorded_schedule(
    tmp_path: Path, loopback_openai: FakeOpenAI, fake_time: FakeTime
) -> None:
    cassette = tmp_path / "paced.yaml"
    events = record_stream(loopback_openai, cassette)
    offsets = parse_cassette(cassette.read_bytes())[0].event_offsets
    assert offsets is not None

    for pace, speed in (("recorded", 1.0), (4.0, 4.0)):
        fake_time.slept.clear()
        start = fake_time.now
        url = loopback_openai.url
        with OpenAIMock(url, cassette=cassette, pace=pace, allow_playback_repeats=True):
            client = openai.OpenAI(api_key="sk-test", base_url=url, max_retries=0)
            replayed = [
                e.type for e in client.responses.create(model="gpt-4o", input="hi", stream=True)
            ]
        assert replayed == events
        # each event went out when it was due: its recorded offset, divided by the speed
        assert fake_time.now - start == pytest.approx(offsets[-1] / speed)
        assert len(fake_time.slept) == len(events)


def test_pace_on_a_mocked_stream_is_a_delay_per_event(fake_time: FakeTime) -> None:
    with OpenAIMock(pace=0.25):
        client = openai.OpenAI(api_key="sk-test", max_retries=0)
        chunks = list(
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        )
    assert fake_time.slept == [0.25] * (len(chunks) + 1)  # every event, [DONE] included


def test_by_default_nothing_touches_an_answer() -> None:
    mock = OpenAIMock()
    assert mock.time_or_faults is False
    request = httpx.Request(
        "POST",
        "https://api.openai.com/v1/chat/completions",
        json={"model": "gpt-4o", "messages": MESSAGES, "stream": True},
    )
    answer = mock.router.handler(request)
    assert not isinstance(answer.stream, shaping._ShapedStream)
    mock.chat.completions.create.fault("truncate")
    assert mock.time_or_faults is True
    mock.router.handler(request)  # the fault is used up
    assert mock.time_or_faults is False
    assert OpenAIMock(pace="recorded").time_or_faults is True


@pytest.mark.parametrize("pace", ["fast", 0, -1.0, True])
def test_pace_refuses_what_it_cannot_mean(pace: Any) -> None:
    with pytest.raises(ValueError):
        OpenAIMock(pace=pace)


def test_concurrent_calls_never_overdraw_the_limit() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with OpenAIMock(rate_limits={"requests_per_minute": 5}):
        client = openai.OpenAI(api_key="sk-test", max_retries=0)

        def one(_: int) -> bool:
            try:
                client.embeddings.create(model="text-embedding-3-small", input="x")
                return True
            except openai.RateLimitError:
                return False

        with ThreadPoolExecutor(8) as pool:
            admitted = list(pool.map(one, range(20)))
    assert admitted.count(True) == 5  # the clock stood still: nothing refilled


def test_pace_recorded_through_serve(
    tmp_path: Path, loopback_openai: FakeOpenAI, fake_time: FakeTime
) -> None:
    import openai_responses

    recorded = tmp_path / "paced.yaml"
    events = record_stream(loopback_openai, recorded)
    offsets = parse_cassette(recorded.read_bytes())[0].event_offsets
    assert offsets is not None

    start = fake_time.now
    # the served mock stands in for the upstream the cassette was recorded from
    served_mock = openai_responses.serve(
        cassette=recorded, pace="recorded", upstream=loopback_openai.url
    )
    with served_mock as served:
        client = openai.OpenAI(api_key="sk-test", base_url=served.url, max_retries=0)
        stream = client.responses.create(model="gpt-4o", input="hi", stream=True)
        assert [event.type for event in stream] == events
    assert fake_time.now - start == pytest.approx(offsets[-1])


def test_a_cassette_recorded_without_offsets_replays_instantly_at_any_pace(
    tmp_path: Path, fake_time: FakeTime
) -> None:
    cassette = tmp_path / "old.yaml"
    cassette.write_text(_CASSETTE)
    request = httpx.Request(
        "POST",
        "https://api.openai.com/v1/responses",
        json={"model": "gpt-4o", "input": "hi", "stream": True},
    )
    with OpenAIMock(cassette=cassette, pace=2.0) as mock:
        body = mock.router.handler(request).read()
    assert body.count(b"\n\n") == 2
    assert fake_time.slept == []  # 2.0 is a speed factor here, not a delay per event
