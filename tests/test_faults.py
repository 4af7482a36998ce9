"""Faults on any route, through the real SDK: sync and async, streaming and not, in process
and over ``serve()``. Retries are real calls (``route.calls``) and never sleep for real: the
SDK's waits pass on the mock's virtual clock."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import openai_responses
from openai_responses import OpenAIMock
from openai_responses._faults import FAULT_HEADER, Fault, fault_from_header

TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    openai.APIConnectionError,
    httpx.TransportError,
)
if importlib.util.find_spec("httpx2") is not None:
    import httpx2

    TRANSPORT_ERRORS = (*TRANSPORT_ERRORS, httpx2.TransportError)

MESSAGES = [{"role": "user", "content": "hi"}]


@contextlib.contextmanager
def in_process() -> Iterator[tuple[OpenAIMock, dict[str, Any]]]:
    with OpenAIMock() as mock:
        yield mock, {}


@contextlib.contextmanager
def served() -> Iterator[tuple[OpenAIMock, dict[str, Any]]]:
    with openai_responses.serve() as server:
        yield server.mock, {"base_url": server.url}


PLACES = {"in_process": in_process, "served": served}


def call(client_options: dict[str, Any], asynchronous: bool, **request: Any) -> list[Any] | Any:
    """A chat completion through the SDK; a stream is read to its end (a list of chunks)."""
    options = {"api_key": "sk-test", "max_retries": 0, **client_options}

    async def run_async() -> Any:
        client = openai.AsyncOpenAI(**options)
        answer = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES, **request)
        if request.get("stream"):
            return [chunk async for chunk in answer]
        return answer

    if asynchronous:
        return asyncio.run(run_async())
    client = openai.OpenAI(**options)
    answer = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, **request)
    return list(answer) if request.get("stream") else answer


@pytest.fixture
def real_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every real sleep asked of ``time.sleep`` (the sync SDK's retry wait) in the test."""
    asked: list[float] = []
    original = time.sleep

    def sleep(seconds: float) -> None:
        asked.append(seconds)
        original(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    return asked


# -- answers and transport errors --------------------------------------------------------------

ERRORS = {
    "rate_limit": openai.RateLimitError,
    "server_error": openai.InternalServerError,
    "overloaded": openai.InternalServerError,
    "timeout": openai.APITimeoutError,
    "connection": openai.APIConnectionError,
}


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("kind", ERRORS)
def test_each_fault_reaches_the_sdk_as_its_error(
    kind: str, stream: bool, asynchronous: bool, place: str
) -> None:
    with PLACES[place]() as (mock, options):
        route = mock.chat.completions.create
        route.fault(kind)
        if kind == "timeout":
            options["timeout"] = 0.5  # served: the client gives up on its own read timeout
        with pytest.raises(ERRORS[kind]) as raised:
            call(options, asynchronous, stream=stream)
        if kind == "connection":
            assert not isinstance(raised.value, openai.APITimeoutError)
        # the fault answered once; the next call is the route's normal answer
        assert call(options, asynchronous, stream=stream)
        assert route.call_count == 2


def test_rate_limit_answers_openai_body_and_headers() -> None:
    with OpenAIMock() as mock:
        mock.chat.completions.create.fault(
            "rate_limit", retry_after=2, limit_requests=60, limit_tokens=1000
        )
        client = openai.OpenAI(api_key="sk-test", max_retries=0)
        with pytest.raises(openai.RateLimitError) as raised:
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    error = raised.value
    assert error.code == "rate_limit_exceeded"
    headers = error.response.headers
    assert headers["retry-after"] == "2"
    assert headers["retry-after-ms"] == "2000"
    assert headers["x-ratelimit-limit-requests"] == "60"
    assert headers["x-ratelimit-limit-tokens"] == "1000"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert headers["x-ratelimit-reset-requests"] == "2s"


# -- retries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_sdk_retries_are_real_calls_and_wait_on_the_virtual_clock(
    asynchronous: bool, place: str, real_sleeps: list[float]
) -> None:
    with PLACES[place]() as (mock, options):
        route = mock.chat.completions.create
        route.fault("rate_limit", retry_after=2).fault("overloaded").fault("timeout")
        route.fault("connection")
        real_sleeps.clear()  # the server's own start-up polling is not the SDK's
        # served, the timeout fault holds the connection until the client's read timeout
        completion = call({**options, "max_retries": 4, "timeout": 0.5}, asynchronous)

        assert completion.choices[0].message.role == "assistant"
        assert route.call_count == 5  # four faults, then the answer
        assert [c.optional_response is None for c in route.calls] == [
            False,
            False,
            True,
            True,
            False,
        ]
        sleeps = mock.clock.sleeps
        assert len(sleeps) == 4 and sleeps[0] == 2.0  # the retry-after, honoured virtually
        assert mock.clock.now == pytest.approx(sum(sleeps))
    assert all(seconds == 0 for seconds in real_sleeps)  # the SDK asked to sleep 0 s


def test_times_none_faults_every_call_until_cleared() -> None:
    with OpenAIMock() as mock:
        route = mock.embeddings.create
        route.fault("server_error", times=None)
        client = openai.OpenAI(api_key="sk-test", max_retries=3)
        with pytest.raises(openai.InternalServerError):
            client.embeddings.create(model="text-embedding-3-small", input="x")
        assert route.call_count == 4
        route.clear_faults()
        assert client.embeddings.create(model="text-embedding-3-small", input="x").data


def test_faults_queue_in_order_and_leave_other_routes_alone() -> None:
    with OpenAIMock() as mock:
        mock.chat.completions.create.fault("server_error", times=2).fault("rate_limit")
        client = openai.OpenAI(api_key="sk-test", max_retries=0)
        statuses = []
        for _ in range(4):
            try:
                client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
                statuses.append(200)
            except openai.APIStatusError as error:
                statuses.append(error.status_code)
        assert statuses == [500, 500, 429, 200]
        assert client.embeddings.create(model="text-embedding-3-small", input="x").data


# -- stream faults -----------------------------------------------------------------------------


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_disconnect_raises_mid_iteration(asynchronous: bool, place: str) -> None:
    with PLACES[place]() as (mock, options):
        mock.chat.completions.create.fault("disconnect", after_events=1)
        seen: list[Any] = []

        async def read_async() -> None:
            client = openai.AsyncOpenAI(api_key="sk-test", max_retries=0, **options)
            stream = await client.chat.completions.create(
                model="gpt-4o", messages=MESSAGES, stream=True
            )
            async for chunk in stream:
                seen.append(chunk)

        def read() -> None:
            client = openai.OpenAI(api_key="sk-test", max_retries=0, **options)
            stream = client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
            seen.extend(stream)

        with pytest.raises(TRANSPORT_ERRORS):
            asyncio.run(read_async()) if asynchronous else read()
        assert len(seen) == 1  # the first event arrived, then the connection dropped


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_truncate_ends_cleanly_without_the_final_event(asynchronous: bool, place: str) -> None:
    with PLACES[place]() as (mock, options):
        mock.chat.completions.create.fault("truncate", after_events=1)
        chunks = call(options, asynchronous, stream=True)
        whole = call(options, asynchronous, stream=True)
    assert len(chunks) == 1 and chunks[0].choices[0].finish_reason is None
    assert whole[-1].choices[0].finish_reason == "stop"


def test_truncate_by_default_withholds_only_the_final_event() -> None:
    with OpenAIMock() as mock:
        request = httpx.Request(
            "POST",
            "https://api.openai.com/v1/chat/completions",
            json={"model": "gpt-4o", "messages": MESSAGES, "stream": True},
        )
        whole = mock.router.handler(request).read()
        mock.chat.completions.create.fault("truncate")
        cut = mock.router.handler(request).read()
    assert whole.endswith(b"data: [DONE]\n\n") and not cut.endswith(b"data: [DONE]\n\n")
    assert cut.count(b"\n\n") == whole.count(b"\n\n") - 1  # every event but the last


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_truncate_of_a_responses_stream_drops_response_completed(
    asynchronous: bool, place: str
) -> None:
    with PLACES[place]() as (mock, options):
        mock.responses.create.fault("truncate", after_events=99)  # past the end: the last goes

        async def events_async() -> list[str]:
            client = openai.AsyncOpenAI(api_key="sk-test", max_retries=0, **options)
            stream = await client.responses.create(model="gpt-4o", input="hi", stream=True)
            return [event.type async for event in stream]

        def events() -> list[str]:
            client = openai.OpenAI(api_key="sk-test", max_retries=0, **options)
            stream = client.responses.create(model="gpt-4o", input="hi", stream=True)
            return [event.type for event in stream]

        types = asyncio.run(events_async()) if asynchronous else events()
    assert types[0] == "response.created"
    assert "response.completed" not in types and types[-1] == "response.output_item.done"


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_corrupt_sends_one_malformed_event(asynchronous: bool, place: str) -> None:
    with PLACES[place]() as (mock, options):
        mock.chat.completions.create.fault("corrupt", after_events=1)
        with pytest.raises(ValueError, match="Expecting value"):
            call(options, asynchronous, stream=True)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_a_stall_within_the_read_timeout_passes_on_the_clock(asynchronous: bool) -> None:
    with OpenAIMock() as mock:
        mock.chat.completions.create.fault("stall", after_events=1, seconds=30)
        chunks = call({"timeout": 60}, asynchronous, stream=True)
        assert chunks[-1].choices[0].finish_reason == "stop"
        assert mock.clock.now == 30


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_a_stall_past_the_read_timeout_raises_the_read_timeout(
    asynchronous: bool, place: str
) -> None:
    with PLACES[place]() as (mock, options):
        mock.chat.completions.create.fault("stall", after_events=1, seconds=3600)
        # in process the timeout passes on the clock at once; served, the client waits 0.3 s
        with pytest.raises((openai.APITimeoutError, *TRANSPORT_ERRORS)):
            call({**options, "timeout": 0.3}, asynchronous, stream=True)
        if place == "in_process":
            assert mock.clock.now == pytest.approx(0.3)


def test_stream_faults_on_a_json_answer_hit_before_the_body() -> None:
    with OpenAIMock() as mock:
        route = mock.chat.completions.create
        route.fault("disconnect")
        client = openai.OpenAI(api_key="sk-test", max_retries=1)
        # the SDK meets the cut while reading the body, and retries it like any drop
        assert client.chat.completions.create(model="gpt-4o", messages=MESSAGES).choices
        assert route.call_count == 2


# -- faults compose with every answer source ---------------------------------------------------


def test_faults_compose_with_an_override() -> None:
    with OpenAIMock() as mock:
        route = mock.chat.completions.create
        route.response = {"choices": [{"message": {"content": "overridden"}}]}
        route.fault("server_error")
        client = openai.OpenAI(api_key="sk-test", max_retries=1)
        completion = client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        assert completion.choices[0].message.content == "overridden"
        assert route.call_count == 2


def test_faults_compose_with_state() -> None:
    with OpenAIMock() as mock:
        client = openai.OpenAI(api_key="sk-test", max_retries=0)
        store = client.vector_stores.create(name="kept")
        mock.vector_stores.retrieve.fault("overloaded")
        with pytest.raises(openai.InternalServerError):
            client.vector_stores.retrieve(store.id)
        assert client.vector_stores.retrieve(store.id).name == "kept"


def _one_interaction_cassette(
    path: Path, request_body: str, content_type: str, answer: str
) -> Path:
    """A cassette (vcrpy's JSON flavour) holding one chat completion request and its answer."""
    request = {
        "method": "POST",
        "uri": "https://api.openai.com/v1/chat/completions",
        "body": request_body,
    }
    response = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": [content_type]},
        "body": {"string": answer},
    }
    interaction = {"request": {**request, "headers": {}}, "response": response}
    path.write_text(json.dumps({"version": 1, "interactions": [interaction]}))
    return path


def test_faults_compose_with_a_cassette_replay(tmp_path: Path) -> None:
    body = json.dumps({"model": "gpt-4o", "messages": MESSAGES, "stream": True})
    sse = "".join(f"data: {json.dumps(_chunk(i))}\n\n" for i in range(3)) + "data: [DONE]\n\n"
    cassette = _one_interaction_cassette(tmp_path / "chat.yaml", body, "text/event-stream", sse)
    with OpenAIMock(cassette=cassette) as mock:
        mock.chat.completions.create.fault("disconnect", after_events=2)
        client = openai.OpenAI(api_key="sk-test", max_retries=0)
        seen: list[Any] = []
        with pytest.raises(TRANSPORT_ERRORS):
            seen.extend(
                client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
            )
        assert [c.choices[0].delta.content for c in seen] == ["word0 ", "word1 "]


@pytest.mark.parametrize("legacy", [False, True], ids=["default-client", "httpx-client"])
def test_a_fault_header_reaches_a_cassette_replay(tmp_path: Path, legacy: bool) -> None:
    """A replayed answer served straight from the cassette (no route override, no queued
    fault) still honours a fault the request names in its header."""
    body = json.dumps({"model": "gpt-4o", "messages": MESSAGES})
    answer = {**_chunk(0), "object": "chat.completion"}
    answer["choices"] = [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "x"}}
    ]
    cassette = _one_interaction_cassette(
        tmp_path / "chat.yaml", body, "application/json", json.dumps(answer)
    )
    with OpenAIMock(cassette=cassette, allow_playback_repeats=True) as mock:
        http: Any = httpx.Client() if legacy else None
        client = openai.OpenAI(api_key="sk-test", max_retries=0, http_client=http)
        create = client.chat.completions.create
        assert create(model="gpt-4o", messages=MESSAGES).choices[0].message.content == "x"
        with pytest.raises(openai.RateLimitError):  # the header's name in any case
            create(model="gpt-4o", messages=MESSAGES, extra_headers={"X-Mock-Fault": "rate_limit"})
        assert mock.chat.completions.create.route.call_count == 2


def _chunk(index: int) -> dict[str, Any]:
    return {
        "id": "chatcmpl-rec",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o",
        "choices": [{"index": 0, "delta": {"content": f"word{index} "}, "finish_reason": None}],
    }


# -- the x-mock-fault header -------------------------------------------------------------------


@pytest.mark.parametrize("place", PLACES)
def test_the_header_faults_one_request_in_process_and_served(place: str) -> None:
    with PLACES[place]() as (mock, options):
        client = openai.OpenAI(api_key="sk-test", max_retries=0, **options)
        with pytest.raises(openai.RateLimitError) as raised:
            client.chat.completions.create(
                model="gpt-4o",
                messages=MESSAGES,
                extra_headers={FAULT_HEADER: "rate_limit; retry_after=1.5"},
            )
        assert raised.value.response.headers["retry-after-ms"] == "1500"
        stream = client.chat.completions.create(
            model="gpt-4o",
            messages=MESSAGES,
            stream=True,
            extra_headers={FAULT_HEADER: "truncate; after_events=1"},
        )
        assert len(list(stream)) == 1
        assert client.chat.completions.create(model="gpt-4o", messages=MESSAGES).choices
        assert mock.chat.completions.create.call_count == 3


def test_a_bad_header_is_the_clients_400() -> None:
    with openai_responses.serve() as server:
        answer = httpx.post(
            f"{server.url}/chat/completions",
            json={"model": "gpt-4o", "messages": MESSAGES},
            headers={FAULT_HEADER: "rate_limit; retry_after=soon"},
        )
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == FAULT_HEADER


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_header_value_is_a_fault_or_a_400(value: str) -> None:
    request = httpx.Request("POST", "https://api.openai.com/v1/x", headers={FAULT_HEADER: "x"})
    request.headers[FAULT_HEADER] = value.encode("utf-8", "replace").decode("latin-1").strip()
    try:
        fault = fault_from_header(request)
    except openai_responses._errors.InvalidRequest:
        return
    assert isinstance(fault, Fault)


@pytest.mark.parametrize(
    ("kind", "options"),
    [("nope", {}), ("rate_limit", {"after_events": 1}), ("stall", {"seconds": -1})],
)
def test_route_fault_refuses_what_it_cannot_do(kind: str, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        OpenAIMock().chat.completions.create.fault(kind, **options)


def test_faults_mark_the_answer_source() -> None:
    mock = OpenAIMock()
    route = mock.chat.completions.create
    route.fault("server_error").fault("truncate")
    handler: Callable[[httpx.Request], httpx.Response] = mock.router.handler
    request = httpx.Request(
        "POST",
        "https://api.openai.com/v1/chat/completions",
        json={"model": "gpt-4o", "messages": MESSAGES, "stream": True},
    )
    assert handler(request).extensions["openai_responses.source"] == "fault"
    assert handler(request).extensions["openai_responses.source"] == "fault"


# -- every transport the SDK may use -----------------------------------------------------------


def legacy_httpx(mock: OpenAIMock) -> Any:
    return httpx.Client()  # openai 3 also takes an httpx (1) client: httpcore's pool


def mock_transport(mock: OpenAIMock) -> Any:
    from openai_responses.ext.httpx import MockTransport

    return openai.DefaultHttpxClient(transport=MockTransport(mock.router.handler))


@pytest.mark.parametrize("http_client", [legacy_httpx, mock_transport])
def test_faults_reach_the_sdk_through_every_transport(http_client: Callable[..., Any]) -> None:
    mock = OpenAIMock()
    with mock:
        client = openai.OpenAI(api_key="sk-test", max_retries=0, http_client=http_client(mock))
        route = mock.chat.completions.create
        for kind, error in (
            ("timeout", openai.APITimeoutError),
            ("connection", openai.APIConnectionError),
        ):
            route.fault(kind)
            with pytest.raises(error):
                client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        route.fault("disconnect", after_events=1)
        seen: list[Any] = []
        with pytest.raises(TRANSPORT_ERRORS):
            seen.extend(
                client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
            )
        assert len(seen) == 1
        assert route.call_count == 3


def test_a_fault_queued_n_times_fails_exactly_n_concurrent_calls() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with OpenAIMock() as mock:
        mock.embeddings.create.fault("server_error", times=7)
        client = openai.OpenAI(api_key="sk-test", max_retries=0)

        def one(_: int) -> int:
            try:
                client.embeddings.create(model="text-embedding-3-small", input="x")
                return 200
            except openai.InternalServerError:
                return 500

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(one, range(24)))
    assert statuses.count(500) == 7 and statuses.count(200) == 17


@pytest.mark.parametrize("kind", ["truncate", "disconnect"])
def test_faults_compose_with_recording_and_the_cassette_keeps_the_whole_answer(
    kind: str, tmp_path: Path, loopback_openai: Any
) -> None:
    loopback_openai.stream_pause = 0
    cassette = tmp_path / "recorded.yaml"
    url = loopback_openai.url
    with OpenAIMock(url, cassette=cassette, record_mode="once") as mock:
        mock.chat.completions.create.fault(kind, after_events=1)
        client = openai.OpenAI(api_key="sk-test", base_url=url, max_retries=0)
        chunks: list[Any] = []
        with contextlib.suppress(*TRANSPORT_ERRORS):
            chunks.extend(
                client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
            )
    assert len(chunks) == 1  # the client saw the cut
    with OpenAIMock(url, cassette=cassette):
        replayed = list(
            client.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        )
    assert len(replayed) > 1 and replayed[-1].choices[0].finish_reason == "stop"
