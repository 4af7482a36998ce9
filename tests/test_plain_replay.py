"""The plain replay: recorded answers served at the pool, histories written when read.

A request the cassette answers on a route nothing else wants (no override, no state to
feed, no user route) skips respx's resolution and the pipeline (issue 13). What a test sees
must not change: the answer, the call histories (sync, async, streaming, threads), strict
misses, and every case that needs the pipeline still goes through it.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import threading
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_responses import CassetteMismatchError, OpenAIMock, _interception, _pipeline
from openai_responses._cassette import (
    Interaction,
    RecordedRequest,
    RecordedResponse,
    save_cassette,
)

BASE = "https://api.openai.com/v1"
_HTTPX2 = importlib.util.find_spec("httpx2") is not None


def _chat(prompt: str, answer: str = "fine") -> Interaction:
    body = {"messages": [{"role": "user", "content": prompt}], "model": "gpt-4o-mini"}
    completion = {
        "id": f"chatcmpl-{prompt}",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": answer},
            }
        ],
    }
    return Interaction(
        RecordedRequest(
            "POST",
            f"{BASE}/chat/completions",
            (("content-type", "application/json"),),
            json.dumps(body).encode(),
        ),
        RecordedResponse(
            200, "OK", (("content-type", "application/json"),), json.dumps(completion).encode()
        ),
    )


def _stream(prompt: str) -> Interaction:
    chunk = {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}],
    }
    body = {
        "messages": [{"role": "user", "content": prompt}],
        "model": "gpt-4o-mini",
        "stream": True,
    }
    return Interaction(
        RecordedRequest("POST", f"{BASE}/chat/completions", (), json.dumps(body).encode()),
        RecordedResponse(
            200,
            "OK",
            (("content-type", "text/event-stream"),),
            f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode(),
        ),
    )


def _ask(client: openai.OpenAI, prompt: str) -> str | None:
    answer = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}]
    )
    return answer.choices[0].message.content


@pytest.fixture
def pipeline_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of the requests the full pipeline answered."""
    seen: list[str] = []
    original = _pipeline.answer

    def counting(mock: Any, route: Any, request: httpx.Request, params: Any) -> Any:
        seen.append(request.url.path)
        return original(mock, route, request, params)

    monkeypatch.setattr(_pipeline, "answer", counting)
    return seen


def _cassette(tmp_path: Path, *interactions: Interaction) -> Path:
    path = tmp_path / "c.yaml"
    save_cassette(path, list(interactions))
    return path


def test_replays_skip_the_pipeline_and_histories_stay_exact(
    tmp_path: Path, pipeline_calls: list[str]
) -> None:
    path = _cassette(tmp_path, _chat("a", "A"), _chat("b", "B"), _chat("a", "A2"))
    with OpenAIMock(cassette=path) as mock:
        client = openai.OpenAI(api_key="sk-test")
        answers = [_ask(client, p) for p in ("a", "b", "a")]
        route = mock.chat.completions.create
        assert route.call_count == 3
        assert [json.loads(c.request.content)["messages"][0]["content"] for c in route.calls] == [
            "a",
            "b",
            "a",
        ]
        assert [c.response.json()["choices"][0]["message"]["content"] for c in route.calls] == [
            "A",
            "B",
            "A2",
        ]
        assert route.calls.last.response.headers["openai-poll-after-ms"] == "0"
        assert mock.router.calls.call_count == 3
    assert answers == ["A", "B", "A2"]
    assert pipeline_calls == []  # the plain replay answered all three


def test_a_miss_still_goes_through_the_pipeline(tmp_path: Path, pipeline_calls: list[str]) -> None:
    path = _cassette(tmp_path, _chat("a"))
    with pytest.raises(CassetteMismatchError), OpenAIMock(cassette=path):
        client = openai.OpenAI(api_key="sk-test", max_retries=0)
        _ask(client, "a")
        _ask(client, "never recorded")
    assert pipeline_calls == ["/v1/chat/completions"]  # only the miss


def test_overrides_user_routes_and_state_take_the_pipeline(
    tmp_path: Path, pipeline_calls: list[str]
) -> None:
    path = _cassette(tmp_path, _chat("a"), _chat("b"))
    mock = OpenAIMock(cassette=path, allow_playback_repeats=True)
    with mock:
        client = openai.OpenAI(api_key="sk-test")
        mock.chat.completions.create.response = {"choices": [{"message": {"content": "over"}}]}
        assert _ask(client, "a") == "over"
        mock.chat.completions.create.response = None
        assert _ask(client, "a") == "fine"  # plain again
        mock.router.get("https://example.test/").respond(204)  # any user route
        assert _ask(client, "b") == "fine"
        assert mock.chat.completions.create.call_count == 3
    assert len(pipeline_calls) == 2


def test_async_and_streamed_replays_are_recorded(tmp_path: Path) -> None:
    path = _cassette(tmp_path, _chat("a", "A"), _stream("s"))

    async def run() -> tuple[str | None, list[str]]:
        client = openai.AsyncOpenAI(api_key="sk-test")
        answer = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "a"}]
        )
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "s"}], stream=True
        )
        pieces = [chunk.choices[0].delta.content or "" async for chunk in stream]
        return answer.choices[0].message.content, pieces

    with OpenAIMock(cassette=path) as mock:
        answer, pieces = asyncio.run(run())
        calls = mock.chat.completions.create.calls
        assert len(calls) == 2
        assert calls[1].response.headers["content-type"] == "text/event-stream"
        assert calls[1].response.content.endswith(b"data: [DONE]\n\n")
    assert (answer, pieces) == ("A", ["hi"])


@pytest.mark.parametrize("legacy", [False, True], ids=["default-client", "httpx-client"])
def test_threads_replaying_at_once_are_each_recorded_once(tmp_path: Path, legacy: bool) -> None:
    prompts = [f"p{i}" for i in range(40)]
    path = _cassette(tmp_path, *(_chat(p, p.upper()) for p in prompts))
    answers: dict[str, str | None] = {}
    with OpenAIMock(cassette=path) as mock:
        http: Any = httpx.Client() if legacy else None
        client = openai.OpenAI(api_key="sk-test", http_client=http)
        route = mock.chat.completions.create
        counts: list[int] = []

        def worker(chunk: list[str]) -> None:
            for prompt in chunk:
                answers[prompt] = _ask(client, prompt)
                counts.append(route.call_count)  # reading while others write

        threads = [threading.Thread(target=worker, args=(prompts[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        recorded = [json.loads(c.request.content)["messages"][0]["content"] for c in route.calls]
        replied = [c.response.json()["choices"][0]["message"]["content"] for c in route.calls]
        assert sorted(recorded) == sorted(prompts)
        assert replied == [p.upper() for p in recorded]  # each call keeps its own answer
        assert list(mock.router.calls) == list(route.calls)  # one order for both histories
    assert answers == {p: p.upper() for p in prompts}


# -- the legacy httpx stack: replays answered at its HTTPTransport ----------------------------
@pytest.fixture
def pool_requests(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths of the requests that reached a patched connection pool (httpcore or httpcore2)."""
    seen: list[str] = []
    for mocker in (_interception.HTTPCore1Mocker, _interception.HTTPCore2Mocker):
        original = mocker.to_httpx_request.__func__  # type: ignore[attr-defined]

        def counting(cls: Any, _original: Any = original, **kwargs: Any) -> httpx.Request:
            request: httpx.Request = _original(cls, **kwargs)
            seen.append(request.url.path)
            return request

        monkeypatch.setattr(mocker, "to_httpx_request", classmethod(counting))
    return seen


@pytest.mark.parametrize("legacy", [False, True], ids=["default-client", "httpx-client"])
def test_replays_are_answered_above_the_pool(
    tmp_path: Path, pool_requests: list[str], legacy: bool
) -> None:
    path = _cassette(tmp_path, _chat("a", "A"), _chat("b", "B"))

    async def ask_async() -> str | None:
        http: Any = httpx.AsyncClient() if legacy else None
        client = openai.AsyncOpenAI(api_key="sk-test", http_client=http)
        answer = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "b"}]
        )
        return answer.choices[0].message.content

    with OpenAIMock(cassette=path, on_miss="mock") as mock:
        http: Any = httpx.Client() if legacy else None
        client = openai.OpenAI(api_key="sk-test", http_client=http)
        assert _ask(client, "a") == "A"
        assert asyncio.run(ask_async()) == "B"
        assert pool_requests == []  # both answered at the transport, sync and async
        assert _ask(client, "never recorded") is not None  # the mock's answer, at the pool
        assert pool_requests == ["/v1/chat/completions"]
        calls = mock.chat.completions.create.calls
        assert [json.loads(c.request.content)["messages"][0]["content"] for c in calls] == [
            "a",
            "b",
            "never recorded",
        ]
        assert calls[0].request.url == httpx.URL(f"{BASE}/chat/completions")
        assert calls[0].request.headers["authorization"] == "Bearer sk-test"


def test_the_transport_shortcut_lasts_as_long_as_the_mocks(
    tmp_path: Path, pool_requests: list[str]
) -> None:
    stacks = [httpx] + ([importlib.import_module("httpx2")] if _HTTPX2 else [])

    def patched() -> list[Any]:
        return [
            method
            for stack in stacks
            for method in (
                stack.HTTPTransport.handle_request,
                stack.AsyncHTTPTransport.handle_async_request,
            )
        ]

    original = patched()
    path = _cassette(tmp_path, _chat("a", "A"))
    with OpenAIMock(cassette=path, allow_playback_repeats=True) as outer:
        assert all(now is not before for now, before in zip(patched(), original, strict=True))
        with OpenAIMock():
            assert patched() != original
        assert patched() != original  # the inner mock's exit leaves the outer one's patch
        for http in (httpx.Client(), None):
            client = openai.OpenAI(api_key="sk-test", http_client=http)
            assert _ask(client, "a") == "A"
        assert pool_requests == []
        assert outer.chat.completions.create.call_count == 2
    assert patched() == original


def test_mocks_entered_and_left_on_many_threads_leave_the_transports_as_found() -> None:
    stacks = [httpx] + ([importlib.import_module("httpx2")] if _HTTPX2 else [])
    original = [
        (s.HTTPTransport.handle_request, s.AsyncHTTPTransport.handle_async_request) for s in stacks
    ]
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def churn() -> None:
        try:
            start.wait()
            for _ in range(25):
                with OpenAIMock():
                    assert httpx.HTTPTransport.handle_request is not original[0][0]
        except BaseException as error:  # reported below, with the thread's assertion
            errors.append(error)

    threads = [threading.Thread(target=churn) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    now = [
        (s.HTTPTransport.handle_request, s.AsyncHTTPTransport.handle_async_request) for s in stacks
    ]
    assert now == original
    assert _interception.TransportShortcut._active == 0


# -- the plain replay answers as the pipeline does -------------------------------------------
_HEADER_NAMES = st.sampled_from(["x-request-id", "retry-after", "openai-processing-ms", "etag"])
_HEADER_VALUES = st.text(alphabet="abc019 -", min_size=1, max_size=8).map(str.strip).filter(bool)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=st.sampled_from([200, 201, 400, 404, 429, 500, 503]),
    headers=st.lists(st.tuples(_HEADER_NAMES, _HEADER_VALUES), max_size=3),
    content_type=st.sampled_from([None, "application/json", "application/json; charset=utf-8"]),
    text=st.text(max_size=20),
    legacy=st.booleans(),
)
def test_the_plain_replay_answers_as_the_pipeline_does(
    tmp_path_factory: pytest.TempPathFactory,
    status: int,
    headers: list[tuple[str, str]],
    content_type: str | None,
    text: str,
    legacy: bool,
) -> None:
    recorded = _chat("q")
    extra = tuple(headers) + ((("content-type", content_type),) if content_type else ())
    body = json.dumps({"error": {"message": text}} if status >= 400 else {"echo": text})
    interaction = Interaction(
        recorded.request, RecordedResponse(status, "Whatever", extra, body.encode())
    )
    path = _cassette(tmp_path_factory.mktemp("c"), interaction)

    def seen(plain: bool) -> tuple[Any, ...]:
        mock = OpenAIMock(cassette=path)
        if not plain:
            mock.router.get("https://unrelated.test/").respond(204)  # the pipeline then
        with mock:
            client: Any = httpx.Client() if legacy else openai.DefaultHttpxClient()
            answer = client.post(f"{BASE}/chat/completions", content=recorded.request.body)
            call = mock.chat.completions.create.calls.last
            return (
                answer.status_code,
                answer.reason_phrase,
                sorted(answer.headers.multi_items()),
                answer.content,
                call.request.content,
                call.response.status_code,
                sorted(call.response.headers.multi_items()),
                call.response.content,
                mock.chat.completions.create.call_count,
            )

    assert seen(plain=True) == seen(plain=False)
