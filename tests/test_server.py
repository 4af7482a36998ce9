"""LoopbackServer over real 127.0.0.1 sockets: the openai SDK (httpx2), plain httpx, and the edges
a recorder depends on (no SSE buffering, gzip, error statuses, clean shutdown)."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from conftest import EMBEDDING_DIMENSIONS, UPSTREAM_TEXT, FakeOpenAI
from openai_responses._server import Handler, LoopbackServer

TIMEOUT = httpx.Timeout(10.0)
MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]


def sdk(fake: FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(api_key="sk-test", base_url=fake.url, max_retries=0, timeout=10.0)


def async_sdk(fake: FakeOpenAI) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key="sk-test", base_url=fake.url, max_retries=0, timeout=10.0)


def http() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, trust_env=False)


def port_is_closed(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
    except OSError:
        return True
    return False


# --- the openai SDK against the fake upstream ---------------------------------------------------


def test_sdk_chat_sync(loopback_openai: FakeOpenAI) -> None:
    with sdk(loopback_openai) as client:
        completion = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert completion.choices[0].message.content == UPSTREAM_TEXT
    assert completion.model == "gpt-4o-mini"
    [request] = loopback_openai.requests
    assert request.method == "POST"
    assert request.url.path == "/v1/chat/completions"
    assert json.loads(request.content) == {"model": "gpt-4o-mini", "messages": MESSAGES}
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.headers["user-agent"].startswith("OpenAI/Python")
    assert request.headers["content-type"] == "application/json"


async def test_sdk_chat_async(loopback_openai: FakeOpenAI) -> None:
    async with async_sdk(loopback_openai) as client:
        completion = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)

    assert completion.choices[0].message.content == UPSTREAM_TEXT
    assert loopback_openai.requests[0].headers["x-stainless-async"].startswith("async")


def test_secret_response_headers_reach_the_client(loopback_openai: FakeOpenAI) -> None:
    with sdk(loopback_openai) as client:
        raw = client.chat.completions.with_raw_response.create(model="m", messages=MESSAGES)

    assert raw.headers["set-cookie"] == "__cf_bm=secret-cookie; path=/"
    assert raw.headers["openai-organization"] == "org-secret"
    assert raw.headers["openai-project"] == "proj_secret"
    assert raw.headers["x-request-id"] == "req_upstream"
    assert raw.parse().choices[0].message.content == UPSTREAM_TEXT


def test_embeddings_are_gzipped_on_the_wire(loopback_openai: FakeOpenAI) -> None:
    body = {"model": "text-embedding-3-small", "input": ["a", "b"]}
    with http() as client:
        request = client.build_request(
            "POST",
            f"{loopback_openai.url}/embeddings",
            json=body,
            headers={"accept-encoding": "gzip"},
        )
        response = client.send(request, stream=True)
        wire = b"".join(response.iter_raw())  # the bytes as sent, before httpx decodes them
        response.close()

    assert response.headers["content-encoding"] == "gzip"
    assert wire[:2] == b"\x1f\x8b"
    assert int(response.headers["content-length"]) == len(wire)
    data = json.loads(gzip.decompress(wire))
    assert len(data["data"]) == 2
    assert len(data["data"][0]["embedding"]) == EMBEDDING_DIMENSIONS
    assert len(gzip.decompress(wire)) >= 600


def test_sdk_embeddings_decode_from_gzip(loopback_openai: FakeOpenAI) -> None:
    with sdk(loopback_openai) as client:
        raw = client.embeddings.with_raw_response.create(model="emb", input="hello")

    assert raw.headers["content-encoding"] == "gzip"
    vector = raw.parse().data[0].embedding
    assert len(vector) == EMBEDDING_DIMENSIONS
    assert vector[:3] == [-0.5, -0.47265625, -0.4453125]
    assert "gzip" in loopback_openai.requests[0].headers["accept-encoding"]


async def test_async_sdk_embeddings(loopback_openai: FakeOpenAI) -> None:
    async with async_sdk(loopback_openai) as client:
        result = await client.embeddings.create(model="emb", input=["x", "y", "z"])

    assert [item.index for item in result.data] == [0, 1, 2]
    assert len(result.data[2].embedding) == EMBEDDING_DIMENSIONS


def test_sdk_chat_stream_is_not_buffered(loopback_openai: FakeOpenAI) -> None:
    pause = loopback_openai.stream_pause
    with sdk(loopback_openai) as client:
        start = time.monotonic()
        stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        arrivals, text = [], ""
        for chunk in stream:
            arrivals.append(time.monotonic() - start)
            text += chunk.choices[0].delta.content or ""
    total = time.monotonic() - start

    assert text == UPSTREAM_TEXT
    assert len(arrivals) == 4
    # 5 frames with a pause between each: a buffered body would arrive all at once at the end.
    assert arrivals[0] < total - pause
    assert arrivals[-1] - arrivals[0] >= 2.5 * pause


async def test_async_sdk_chat_stream_is_not_buffered(loopback_openai: FakeOpenAI) -> None:
    loopback_openai.stream_pause = 0.15
    async with async_sdk(loopback_openai) as client:
        start = time.monotonic()
        stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        arrivals = [time.monotonic() - start async for _ in stream]
    total = time.monotonic() - start

    assert len(arrivals) == 4
    assert arrivals[0] < total - 0.15
    assert arrivals[-1] - arrivals[0] >= 2.5 * 0.15


def test_sdk_responses_create_and_stream(loopback_openai: FakeOpenAI) -> None:
    loopback_openai.stream_pause = 0.01
    with sdk(loopback_openai) as client:
        response = client.responses.create(model="gpt-4.1", input="hi")
        events = [
            event.type for event in client.responses.create(model="m", input="hi", stream=True)
        ]
        with client.responses.stream(model="m", input="hi") as stream:
            final = stream.get_final_response()

    assert response.output_text == UPSTREAM_TEXT
    assert response.model == "gpt-4.1"
    assert events[0] == "response.created"
    assert events.count("response.output_text.delta") == 2
    assert events[-1] == "response.completed"
    assert final.output_text == UPSTREAM_TEXT


async def test_async_sdk_responses_stream(loopback_openai: FakeOpenAI) -> None:
    loopback_openai.stream_pause = 0.01
    async with async_sdk(loopback_openai) as client:
        stream = await client.responses.create(model="m", input="hi", stream=True)
        deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]

    assert "".join(deltas) == UPSTREAM_TEXT


def test_sse_is_chunked_and_never_gzipped(loopback_openai: FakeOpenAI) -> None:
    loopback_openai.stream_pause = 0.01
    body = {"model": "m", "messages": MESSAGES, "stream": True}
    with (
        http() as client,
        client.stream(
            "POST",
            f"{loopback_openai.url}/chat/completions",
            json=body,
            headers={"accept-encoding": "gzip"},
        ) as response,
    ):
        wire = b"".join(response.iter_raw())

    assert response.headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in response.headers
    assert "content-length" not in response.headers
    assert response.headers["transfer-encoding"] == "chunked"
    assert wire.startswith(b"data: {")
    assert wire.endswith(b"data: [DONE]\n\n")


@pytest.mark.parametrize(
    ("model", "error_class", "status"),
    [("fail-400", openai.BadRequestError, 400), ("fail-500", openai.InternalServerError, 500)],
)
def test_sdk_raises_on_error_status(
    loopback_openai: FakeOpenAI, model: str, error_class: type[openai.APIStatusError], status: int
) -> None:
    with sdk(loopback_openai) as client, pytest.raises(error_class) as caught:
        client.chat.completions.create(model=model, messages=MESSAGES)

    assert caught.value.status_code == status
    assert caught.value.code == f"forced_{status}"
    assert caught.value.body == {
        "message": f"forced {status}",
        "type": "invalid_request_error" if status == 400 else "server_error",
        "param": None,
        "code": f"forced_{status}",
    }


async def test_async_sdk_raises_on_error_status(loopback_openai: FakeOpenAI) -> None:
    async with async_sdk(loopback_openai) as client:
        with pytest.raises(openai.BadRequestError):
            await client.embeddings.create(model="fail-400", input="x")
        with pytest.raises(openai.RateLimitError):
            await client.post("/error429", body={}, cast_to=object)


def test_429_path(loopback_openai: FakeOpenAI) -> None:
    with http() as client:
        response = client.post(f"{loopback_openai.url}/anything/error429", json={})

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limit_exceeded"
    assert response.headers["openai-organization"] == "org-secret"


# --- the generic server -------------------------------------------------------------------------


def echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        201,
        headers={"x-echo-method": request.method},
        json={
            "url": str(request.url),
            "query": dict(request.url.params),
            "body": request.content.decode(),
            "header": request.headers.get("x-custom"),
        },
    )


def test_plain_httpx_request_sees_url_query_body_and_headers() -> None:
    with LoopbackServer(echo) as server, http() as client:
        response = client.put(
            f"{server.url}/some/path?a=1&b=two%20words",
            content=b"payload",
            headers={"x-custom": "yes"},
        )

    assert server.url == f"http://127.0.0.1:{server.port}"
    assert response.status_code == 201
    assert response.headers["x-echo-method"] == "PUT"
    assert response.json() == {
        "url": f"{server.url}/some/path?a=1&b=two%20words",
        "query": {"a": "1", "b": "two words"},
        "body": "payload",
        "header": "yes",
    }


class AsyncCallable:
    async def __call__(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)
        return httpx.Response(200, text=f"async {request.url.path}")


async def async_function(request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(0.01)
    return httpx.Response(200, text=f"async {request.url.path}")


@pytest.mark.parametrize("handler", [async_function, AsyncCallable()], ids=["function", "object"])
def test_async_handler(handler: Handler) -> None:
    with LoopbackServer(handler) as server, http() as client:
        assert client.get(f"{server.url}/hello").text == "async /hello"


def test_blocking_sync_handler_does_not_freeze_the_server() -> None:
    # Both requests must be inside the handler at once, or the barrier times out: proof that
    # sync handlers run off the event loop.
    barrier = threading.Barrier(2, timeout=5.0)

    def handler(request: httpx.Request) -> httpx.Response:
        barrier.wait()
        return httpx.Response(200, text="met")

    with LoopbackServer(handler) as server:
        results: list[str] = []

        def call() -> None:
            with http() as client:
                results.append(client.get(server.url).text)

        threads = [threading.Thread(target=call) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10.0)

    assert results == ["met", "met"]


def test_async_iterator_body_streams_chunk_by_chunk() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for index in range(3):
            if index:
                await asyncio.sleep(0.2)
            yield f"part{index};".encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks(), headers={"content-type": "text/plain"})

    with LoopbackServer(handler) as server, http() as client:
        start = time.monotonic()
        with client.stream("GET", server.url) as response:
            arrivals = [(time.monotonic() - start, chunk) for chunk in response.iter_raw()]
        total = time.monotonic() - start

    assert b"".join(chunk for _, chunk in arrivals) == b"part0;part1;part2;"
    assert arrivals[0][0] < total - 0.2
    assert "content-encoding" not in response.headers  # streamed bodies are never compressed


@pytest.mark.parametrize(
    ("size", "accept", "encoded"),
    [
        (500, "gzip", True),
        (499, "gzip", False),
        (2000, "identity", False),
        (2000, "deflate, gzip;q=0", False),
        (2000, "br;q=1.0, gzip;q=0.5", True),
        (2000, "*", True),
    ],
)
def test_gzip_threshold_and_accept_encoding(size: int, accept: str, encoded: bool) -> None:
    body = b"x" * size
    with LoopbackServer(lambda request: httpx.Response(200, content=body)) as server, http() as c:
        response = c.get(server.url, headers={"accept-encoding": accept})

    assert response.content == body
    assert (response.headers.get("content-encoding") == "gzip") is encoded
    assert int(response.headers["content-length"]) < size if encoded else size


def test_gzip_min_size_is_configurable_and_encoded_bodies_pass_through() -> None:
    compressed = gzip.compress(b"already" * 100)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/pre":
            return httpx.Response(200, content=compressed, headers={"content-encoding": "gzip"})
        return httpx.Response(200, content=b"tiny")

    with LoopbackServer(handler, gzip_min_size=1) as server, http() as client:
        tiny = client.get(f"{server.url}/tiny", headers={"accept-encoding": "gzip"})
        with client.stream("GET", f"{server.url}/pre") as pre:
            wire = b"".join(pre.iter_raw())

    assert tiny.headers["content-encoding"] == "gzip"
    assert tiny.content == b"tiny"
    assert wire == compressed  # not compressed twice


def test_hop_by_hop_and_stale_length_headers_are_replaced() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-length": "999", "keep-alive": "timeout=99", "x-kept": "1"}
        return httpx.Response(200, content=b"abc", headers=headers)

    with LoopbackServer(handler) as server, http() as client:
        response = client.get(server.url)

    assert response.content == b"abc"
    assert response.headers["content-length"] == "3"
    assert "keep-alive" not in response.headers
    assert response.headers["x-kept"] == "1"
    assert "date" in response.headers


def test_handler_exception_becomes_openai_shaped_500() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise ValueError("boom")

    with LoopbackServer(handler) as server, http() as client:
        response = client.get(server.url)

    assert response.status_code == 500
    assert response.json()["error"]["message"] == "ValueError: boom"


def test_non_response_result_becomes_500() -> None:
    with LoopbackServer(lambda request: "nope") as server, http() as client:  # type: ignore[arg-type,return-value]
        response = client.get(server.url)

    assert response.status_code == 500
    assert "handler returned str" in response.json()["error"]["message"]


def test_stream_failing_midway_breaks_that_response_only() -> None:
    def broken() -> Iterator[bytes]:
        yield b"first;"
        raise RuntimeError("upstream died")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/ok":
            return httpx.Response(200, text="fine")
        return httpx.Response(200, content=broken())

    with LoopbackServer(handler) as server, http() as client:
        with pytest.raises(httpx.RemoteProtocolError), client.stream("GET", server.url) as response:
            response.read()
        assert client.get(f"{server.url}/ok").text == "fine"


# --- lifecycle ----------------------------------------------------------------------------------


def test_stop_closes_the_port() -> None:
    server = LoopbackServer(echo).start()
    try:
        with http() as client:
            assert client.get(server.url).status_code == 201
    finally:
        server.stop()

    assert port_is_closed(server.port)
    server.stop()  # idempotent


def test_stop_is_prompt_with_an_idle_keep_alive_connection() -> None:
    with http() as client:
        with LoopbackServer(echo) as server:
            assert client.get(server.url).status_code == 201
            start = time.monotonic()
        assert time.monotonic() - start < 3.0
        assert port_is_closed(server.port)


def endless(closed: threading.Event) -> Iterator[bytes]:
    try:
        while True:
            yield b"data: tick\n\n"
            time.sleep(0.05)
    finally:
        closed.set()


def test_stop_is_bounded_during_an_endless_stream() -> None:
    closed = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless(closed), headers={"content-type": "text/plain"})

    with http() as client:
        server = LoopbackServer(handler).start()
        try:
            with client.stream("GET", server.url) as response:
                chunks = response.iter_raw()  # held open: the client is still reading
                assert next(chunks)
                start = time.monotonic()
                server.stop()  # waits out the graceful period, then cancels the response
                assert time.monotonic() - start < 8.0
                with pytest.raises(httpx.RemoteProtocolError):
                    for _ in chunks:
                        pass
        finally:
            server.stop()

    assert closed.wait(5.0)
    assert port_is_closed(server.port)


def test_client_disconnect_closes_the_stream() -> None:
    closed = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless(closed), headers={"content-type": "text/plain"})

    with LoopbackServer(handler) as server:
        with http() as client, client.stream("GET", server.url) as response:
            chunks = response.iter_raw()
            assert next(chunks)
            assert not closed.is_set()
        # The client hung up; the generator must be closed without waiting for server shutdown.
        assert closed.wait(5.0)


def test_servers_get_distinct_free_ports_and_cannot_start_twice() -> None:
    with LoopbackServer(echo) as first, LoopbackServer(echo) as second:
        assert first.port != second.port
        with pytest.raises(RuntimeError, match="already running"):
            first.start()


def test_start_fails_loudly_when_the_port_is_taken() -> None:
    with LoopbackServer(echo) as running, pytest.raises(RuntimeError, match="failed to start"):
        LoopbackServer(echo, port=running.port).start()
