"""Serve any ``httpx.Request -> httpx.Response`` handler over real HTTP on loopback.

The recorder's tests need a genuine upstream (sockets, chunked SSE with pauses, gzip, error
statuses), and the ``serve`` mode exposes the mock engine the same way, so this module knows
nothing about OpenAI: it adapts a handler to ASGI and runs it under uvicorn in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import gzip
import inspect
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

__all__ = ["DROP", "ASGIApp", "Handler", "LoopbackServer", "asgi_app"]

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger(__name__)

# Connection-level headers describe one hop; the body is re-framed here, so they must not leak.
_HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0
# In-flight responses (say, an endless stream) get this long before uvicorn cancels them.
_GRACEFUL_SHUTDOWN = 2


# --- ASGI adapter -------------------------------------------------------------------------------


def asgi_app(handler: Handler, *, gzip_min_size: int = 500) -> ASGIApp:
    """Adapt ``handler`` to an ASGI 3 application.

    Compression is done here rather than by starlette's GZipMiddleware: only starlette >= 0.46
    exempts ``text/event-stream`` (older ones gzip and thereby buffer SSE), it re-chunks streamed
    bodies, and starlette is an optional dependency. Only bodies already in memory are
    compressed, so a streamed body always reaches the wire chunk by chunk.
    """

    # A stream that can be iterated both ways (a recording tee) is iterated the way the
    # handler that made it runs: a sync handler's wraps a sync upstream.
    sync_handler = not _is_async_callable(handler)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan is off; websockets are not served
            return
        body = await _read_body(receive)
        if body is None:  # the client left mid-request: nobody to answer, nothing to record
            return
        request = _build_request(scope, body)
        response = await _call_handler(handler, request)
        await _send_until_disconnect(response, request, send, receive, gzip_min_size, sync_handler)

    return app


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _build_request(scope: Scope, body: bytes) -> httpx.Request:
    host, port = scope.get("server") or ("127.0.0.1", 80)
    if ":" in host:
        host = f"[{host}]"
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    url = f"{scope.get('scheme', 'http')}://{host}:{port}{raw_path.decode('latin-1')}"
    if scope.get("query_string"):
        url += "?" + scope["query_string"].decode("latin-1")
    # The body has been read whole, so the incoming framing headers no longer apply.
    headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _HOP_BY_HOP]
    return httpx.Request(scope["method"], url, headers=headers, content=body)


async def _call_handler(handler: Handler, request: httpx.Request) -> httpx.Response:
    try:
        if _is_async_callable(handler):
            result = handler(request)
        else:
            # A sync handler may block (sleep, locks, I/O); keep the event loop free for others.
            result = await asyncio.to_thread(handler, request)
        if inspect.isawaitable(result):
            result = await result
    except Exception as exc:
        logger.exception("handler failed for %s %s", request.method, request.url)
        return _handler_error(exc)
    if not isinstance(result, httpx.Response):
        return _handler_error(TypeError(f"handler returned {type(result).__name__}"))
    return result


def _is_async_callable(handler: object) -> bool:
    # The second check covers instances of classes with an ``async def __call__``.
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        type(handler).__call__
    )


def _handler_error(exc: Exception) -> httpx.Response:
    # OpenAI-shaped, so SDK clients raise InternalServerError instead of a parse error.
    error = {"message": f"{type(exc).__name__}: {exc}", "type": "server_error", "param": None}
    return httpx.Response(500, json={"error": {**error, "code": None}})


async def _send_until_disconnect(
    response: httpx.Response,
    request: httpx.Request,
    send: Send,
    receive: Receive,
    gzip_min: int,
    sync_first: bool,
) -> None:
    # uvicorn silently drops writes after a client hangs up; watching for the disconnect stops
    # an endless or slow stream from running on for nobody.
    sender = asyncio.ensure_future(_send_response(response, request, send, gzip_min, sync_first))
    watcher = asyncio.ensure_future(_wait_disconnect(receive))
    try:
        await asyncio.wait({sender, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, watcher):
            task.cancel()
        await asyncio.gather(sender, watcher, return_exceptions=True)
    error = None if sender.cancelled() else sender.exception()
    if error is not None:
        raise error


async def _wait_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


# A response carrying this extension is never sent: after its value in seconds (0: at once)
# the connection is closed, as a server that hangs or drops the client would.
DROP = "loopback.drop"


async def _drop_connection(send: Send) -> None:
    # ASGI cannot close a connection unanswered; uvicorn's ``send`` is bound to the request
    # cycle that owns the transport. Then wait to be cancelled: the disconnect watcher sees
    # the closed connection, so uvicorn does not answer a 500 in our place.
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("the server cannot drop this connection")
    transport.close()
    await asyncio.Event().wait()


async def _send_response(
    response: httpx.Response, request: httpx.Request, send: Send, gzip_min: int, sync_first: bool
) -> None:
    if DROP in response.extensions:
        await asyncio.sleep(float(response.extensions[DROP]))
        await _drop_connection(send)
    headers = [(k.lower(), v) for k, v in response.headers.raw if k.lower() not in _HOP_BY_HOP]
    if not any(k == b"date" for k, _ in headers):
        headers.append((b"date", email.utils.formatdate(usegmt=True).encode()))
    stream = response.stream
    if isinstance(stream, httpx.ByteStream):  # whole body in memory: exact length, maybe gzip
        body = b"".join(stream)
        body, headers = _maybe_gzip(body, headers, request, gzip_min)
        headers = [(k, v) for k, v in headers if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await _start(send, response.status_code, headers)
        await send({"type": "http.response.body", "body": body})
        return
    # Streamed body: length unknown, so uvicorn frames it with chunked transfer-encoding.
    headers = [(k, v) for k, v in headers if k != b"content-length"]
    await _start(send, response.status_code, headers)
    try:
        async for chunk in _iter_stream(stream, sync_first):
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except Exception as error:  # a body that breaks off cuts the connection: the client sees it
        logger.debug("stream of %s %s broke off: %r", request.method, request.url, error)
        await _drop_connection(send)
    await send({"type": "http.response.body", "body": b""})


async def _start(send: Send, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})


def _maybe_gzip(
    body: bytes, headers: list[tuple[bytes, bytes]], request: httpx.Request, gzip_min: int
) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    names = {k for k, _ in headers}
    content_type = dict(headers).get(b"content-type", b"")
    if (
        len(body) < gzip_min
        or b"content-encoding" in names
        or content_type.startswith(b"text/event-stream")
        or not _accepts_gzip(request.headers.get("accept-encoding", ""))
    ):
        return body, headers
    # mtime=0 keeps the bytes deterministic, which makes recorded fixtures stable.
    compressed = gzip.compress(body, mtime=0)
    return compressed, [*headers, (b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]


def _accepts_gzip(accept_encoding: str) -> bool:
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() in ("gzip", "*"):
            _, _, quality = params.replace(" ", "").partition("q=")
            return not quality or quality.strip("0.") != ""  # "q=0" / "q=0.000" refuse gzip
    return False


def _iter_stream(
    stream: httpx.SyncByteStream | httpx.AsyncByteStream, sync_first: bool
) -> AsyncIterator[bytes]:
    if isinstance(stream, httpx.AsyncByteStream) and not (
        sync_first and isinstance(stream, httpx.SyncByteStream)
    ):
        return _iter_async(stream)
    return _iter_sync(stream)


async def _iter_async(stream: httpx.AsyncByteStream) -> AsyncIterator[bytes]:
    try:
        async for chunk in stream:
            yield chunk
    finally:
        await stream.aclose()


async def _iter_sync(stream: httpx.SyncByteStream) -> AsyncIterator[bytes]:
    # Sync iterators run in one dedicated thread, so a time.sleep() between chunks pauses the
    # wire without blocking the loop; close() is queued on that same thread, after any next()
    # still in flight, so a generator is never touched by two threads (ValueError otherwise).
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="loopback-stream")
    iterator = iter(stream)
    loop = asyncio.get_running_loop()
    try:
        while (chunk := await loop.run_in_executor(executor, _next_chunk, iterator)) is not None:
            yield chunk
    finally:
        executor.submit(stream.close)
        executor.shutdown(wait=False)


def _next_chunk(iterator: Iterator[bytes]) -> bytes | None:
    return next(iterator, None)


# --- uvicorn in a thread ------------------------------------------------------------------------


class LoopbackServer:
    """Run ``handler`` on a real socket (default 127.0.0.1, any free port) in a background thread.

    Use as a context manager, or call :meth:`start` / :meth:`stop`. ``url`` is the base URL,
    e.g. ``http://127.0.0.1:54321``, once started.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        gzip_min_size: int = 500,
    ) -> None:
        self.host = host
        self.port = port
        self.url = ""
        self._app = asgi_app(handler, gzip_min_size=gzip_min_size)
        self._server: Any = None  # uvicorn.Server; uvicorn is an optional dependency
        self._thread: threading.Thread | None = None

    def start(self) -> LoopbackServer:
        if self._thread is not None:
            raise RuntimeError("LoopbackServer is already running")
        self._server = _make_uvicorn_server(self._app, self.host, self.port)
        self._thread = threading.Thread(
            target=self._run, name=f"loopback-server-{self.host}", daemon=True
        )
        self._thread.start()
        try:
            self._wait_started()
        except BaseException:
            self.stop()
            raise
        sockname = self._server.servers[0].sockets[0].getsockname()
        self.port = int(sockname[1])
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{host}:{self.port}"
        return self

    def _run(self) -> None:
        # uvicorn sys.exit()s when it cannot bind; start() reports that from the caller's thread.
        with contextlib.suppress(SystemExit):
            self._server.run()

    def _wait_started(self) -> None:
        assert self._thread is not None
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():  # e.g. the port was taken: uvicorn exits the thread
                raise RuntimeError(f"server failed to start on {self.host}:{self.port}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"server did not start within {_START_TIMEOUT}s")
            time.sleep(0.005)

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._server.should_exit = True
        thread.join(_STOP_TIMEOUT)
        if thread.is_alive():
            self._server.force_exit = True
            thread.join(_STOP_TIMEOUT)
        if thread.is_alive():
            raise RuntimeError(f"server on {self.url or self.host} did not stop")

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _make_uvicorn_server(app: ASGIApp, host: str, port: int) -> Any:
    import uvicorn  # optional ("serve" extra): import only when a server is really wanted

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        # Pure-Python implementations: uvloop/httptools may be absent, h11 always comes with httpx.
        loop="asyncio",
        http="h11",
        ws="none",
        # The handler owns these headers; uvicorn's defaults would duplicate replayed ones.
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN,
    )
    return uvicorn.Server(config)
