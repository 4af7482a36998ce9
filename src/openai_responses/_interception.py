"""respx Mockers that route the openai SDK's default transports into our router.

openai 3.x sends through httpx2 -> httpcore2 and openai 2.x through httpx -> httpcore. respx
patches httpcore only, so we register a Mocker for each connection-pool library. Both turn
the pool's request into an ``httpx.Request``; both also expose the *original* pool call to
the request pipeline (``upstream``), so that recording sends through the very connection pool
the SDK built.

Above the pools, each stack's ``HTTPTransport`` is patched too, for one thing only: a recorded
answer the mock may give without its pipeline (the plain replay) is handed out there, before
the request is converted for the pool (``TransportShortcut``). Nothing else is patched.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import importlib.abc
import importlib.util
import sys
import threading
from abc import ABC
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

import httpx
from respx.mocks import HTTPCoreMocker, Mocker
from respx.patterns import parse_url

__all__ = [
    "PASSTHROUGH",
    "TransportShortcut",
    "Upstream",
    "WebsocketGuard",
    "current_upstream",
    "mocker_names",
    "upstream_scope",
]


@dataclass(frozen=True)
class Upstream:
    """How to send the current request for real, through the transport that was patched."""

    send: Callable[[], httpx.Response] | None = None
    asend: Callable[[], Awaitable[httpx.Response]] | None = None

    @property
    def asynchronous(self) -> bool:
        return self.asend is not None


# Set on a request that is to reach the real upstream: the router lets it through, at the
# pool and again at the connection level (respx patches both).
PASSTHROUGH = "openai_responses.passthrough"

_UPSTREAM: contextvars.ContextVar[Upstream | None] = contextvars.ContextVar(
    "openai_responses_upstream", default=None
)


def current_upstream() -> Upstream | None:
    return _UPSTREAM.get()


@contextmanager
def upstream_scope(upstream: Upstream) -> Iterator[None]:
    token = _UPSTREAM.set(upstream)
    try:
        yield
    finally:
        _UPSTREAM.reset(token)


def _replaying(routers: list[Any]) -> Any:
    """The one router started, when it is a mock that may now answer from its cassette
    without its full pipeline (``OpenAIMock._plain_replay_ok``); else None. Asked once per
    request, before the request is read or converted for it."""
    router = routers[0] if len(routers) == 1 else None
    may = getattr(router, "plain_replay_ok", None)
    return router if may is not None and may() else None


def _ready(routers: list[Any], request: httpx.Request) -> Any:
    """A recorded answer (status, raw headers, body, extensions) to ``request``, or None."""
    router = _replaying(routers)
    return router.plain_replay(request) if router is not None else None


@functools.cache
def _core(name: str) -> Any:
    return importlib.import_module(name)


def _core_to_httpx(core_response: Any) -> httpx.Response:
    """An httpx response over a pool's (httpcore or httpcore2) streaming response."""
    return httpx.Response(
        core_response.status,
        headers=core_response.headers,
        stream=_CoreStream(core_response),
        extensions=dict(core_response.extensions),
    )


class _CoreStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, core_response: Any) -> None:
        self._core = core_response

    def __iter__(self) -> Iterator[bytes]:
        yield from self._core.stream

    async def __aiter__(self) -> Any:
        async for chunk in self._core.stream:
            yield chunk

    def close(self) -> None:
        self._core.close()

    async def aclose(self) -> None:
        await self._core.aclose()


class _PoolMocker(HTTPCoreMocker, ABC):
    """Shared by both pool libraries; subclasses name the library and its Response type."""

    core_module = "httpcore"

    @classmethod
    def _plain_replay(cls, request: httpx.Request) -> Any:
        """A recorded answer as the pool's response (see ``_ready``), or None."""
        ready = _ready(cls.routers, request)
        if ready is None:
            return None
        status, headers, body, extensions = ready
        return _core(cls.core_module).Response(
            status=status, headers=list(headers), content=body, extensions=dict(extensions)
        )

    @classmethod
    def _send_sync_request(cls, httpx_request, *, target_spec, instance, **kwargs):  # type: ignore[no-untyped-def]
        replayed = cls._plain_replay(httpx_request)
        if replayed is not None:
            return replayed

        def send() -> httpx.Response:
            kwargs["request"].extensions[PASSTHROUGH] = True
            return _core_to_httpx(target_spec(instance, **kwargs))

        with upstream_scope(Upstream(send=send)):
            return super()._send_sync_request(  # type: ignore[no-untyped-call]
                httpx_request, target_spec=target_spec, instance=instance, **kwargs
            )

    @classmethod
    async def _send_async_request(cls, httpx_request, *, target_spec, instance, **kwargs):  # type: ignore[no-untyped-def]
        replayed = cls._plain_replay(httpx_request)
        if replayed is not None:
            return replayed

        async def asend() -> httpx.Response:
            kwargs["request"].extensions[PASSTHROUGH] = True
            return _core_to_httpx(await target_spec(instance, **kwargs))

        with upstream_scope(Upstream(asend=asend)):
            return await super()._send_async_request(  # type: ignore[no-untyped-call]
                httpx_request, target_spec=target_spec, instance=instance, **kwargs
            )

    @classmethod
    def to_httpx_request(cls, **kwargs: Any) -> httpx.Request:
        """respx's conversion, cheaper: the parsed URL is kept per raw pool URL (parsing it
        again was a fifth of what interception cost) and headers are built when read (a
        plain replay never reads them)."""
        request = kwargs["request"]
        method = request.method
        return Request(
            method.decode("ascii") if isinstance(method, bytes) else method,
            _parsed_url(request.url),
            raw_headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )

    @classmethod
    def from_sync_httpx_response(cls, httpx_response, target, **kwargs):  # type: ignore[no-untyped-def]
        core = importlib.import_module(cls.core_module)
        return core.Response(
            status=httpx_response.status_code,
            headers=httpx_response.headers.raw,
            content=httpx_response.stream,
            extensions=httpx_response.extensions,
        )


class Request(httpx.Request):
    """An ``httpx.Request`` from a pool request, its headers built on first read."""

    def __init__(
        self,
        method: str,
        url: httpx.URL,
        *,
        raw_headers: list[tuple[bytes, bytes]],
        stream: Any,
        extensions: dict[str, Any],
    ) -> None:
        super().__init__(method, url, stream=stream, extensions=extensions)
        self._raw_headers: list[tuple[bytes, bytes]] | None = raw_headers

    @property
    def headers(self) -> httpx.Headers:
        raw = self.__dict__.get("_raw_headers")
        if raw is not None:
            self.__dict__["_headers"] = httpx.Headers(raw)
            self.__dict__["_raw_headers"] = None
        found: httpx.Headers = self.__dict__["_headers"]
        return found

    @headers.setter
    def headers(self, value: httpx.Headers) -> None:
        self.__dict__["_headers"] = value
        self.__dict__["_raw_headers"] = None


def has_header(request: httpx.Request, name: str) -> bool:
    """Whether ``request`` carries header ``name`` (lower case); on a request converted from
    a pool, without building its headers (a plain replay never reads them otherwise)."""
    raw = request.__dict__.get("_raw_headers")
    if raw is None:
        return name in request.headers
    wanted = name.encode("ascii")
    return any(key.lower() == wanted for key, _ in raw)


_URLS: dict[tuple[bytes, bytes, int | None, bytes], httpx.URL] = {}
_URLS_LIMIT = 4096  # ids in paths make URLs many: start over rather than grow


def _parsed_url(url: Any) -> httpx.URL:
    """The ``httpx.URL`` of a pool request's URL (httpcore or httpcore2)."""
    return _cached_url((url.scheme, url.host, url.port, url.target))


def _url_of_httpx2(url: Any) -> httpx.URL:
    return _cached_url((url.raw_scheme, url.raw_host, url.port, url.raw_path))


def _cached_url(raw: tuple[bytes, bytes, int | None, bytes]) -> httpx.URL:
    found = _URLS.get(raw)
    if found is None:
        if len(_URLS) >= _URLS_LIMIT:
            _URLS.clear()
        found = _URLS[raw] = parse_url(raw)
    return found


def _targets(library: str) -> list[str]:
    return [
        f"{library}._sync.connection.HTTPConnection",
        f"{library}._sync.connection_pool.ConnectionPool",
        f"{library}._sync.http_proxy.HTTPProxy",
        f"{library}._async.connection.AsyncHTTPConnection",
        f"{library}._async.connection_pool.AsyncConnectionPool",
        f"{library}._async.http_proxy.AsyncHTTPProxy",
    ]


class HTTPCore2Mocker(_PoolMocker):
    name = "openai_responses.httpcore2"
    core_module = "httpcore2"
    targets = _targets("httpcore2")


class HTTPCore1Mocker(_PoolMocker):
    name = "openai_responses.httpcore"
    core_module = "httpcore"
    targets = _targets("httpcore")


def mocker_names() -> list[str]:
    """The mockers to start: one per pool library installed (httpx2's is optional)."""
    names = [HTTPCore1Mocker.name]
    if importlib.util.find_spec("httpcore2") is not None:
        names.append(HTTPCore2Mocker.name)
    return names


def mockers() -> list[type[Mocker]]:
    return [Mocker.registry[name] for name in mocker_names()]


class _Counted:
    """Patches put in by the first ``start`` and taken out by the last ``stop``: mocks nest
    and run on several threads, and each only counts."""

    _active: ClassVar[int]
    _lock: ClassVar[threading.RLock]
    _restore: ClassVar[list[Callable[[], None]]]

    def __init_subclass__(cls) -> None:
        cls._active, cls._lock, cls._restore = 0, threading.RLock(), []

    @classmethod
    def apply(cls) -> list[Callable[[], None]]:
        """Puts the patches in; returns how to take each out."""
        raise NotImplementedError

    @classmethod
    def start(cls) -> None:
        with cls._lock:
            cls._active += 1
            if cls._active == 1:
                cls._restore = cls.apply()

    @classmethod
    def stop(cls) -> None:
        with cls._lock:
            if cls._active == 0:
                return  # a stop without its start (respx tolerates those too)
            cls._active -= 1
            if cls._active == 0:
                for restore in reversed(cls._restore):
                    restore()
                cls._restore = []


class TransportShortcut(_Counted):
    """Plain replays answered at the ``HTTPTransport`` of each httpx stack (httpx2 for
    openai 3's default client, httpx for openai 2's and for any ``httpx.Client``).

    Below that transport each request becomes a pool request and the pool's answer becomes
    a response again: about a tenth of a replayed call. A recorded answer
    (``OpenAIMock._plain_replay``) needs neither, so it is given first; every other request
    goes on to the original method, then the pool, where the mockers route it. Counted, like
    the guard below.
    """

    @classmethod
    def apply(cls) -> list[Callable[[], None]]:
        return [undo for stack in _stacks() for undo in stack.patch()]


@dataclass(frozen=True)
class _Stack:
    """One httpx stack: its module, the pool mocker its routers register with, and how the
    mock sees one of its requests (an ``httpx.Request``, as the pool mocker converts it)."""

    module: Any
    mocker: type[_PoolMocker]
    view: Callable[[Any], httpx.Request]

    def answer(self, router: Any, request: Any) -> Any:
        """The recorded answer to ``request`` as this stack's response, or None."""
        ready = router.plain_replay(self.view(request))
        if ready is None:
            return None
        status, headers, body, extensions = ready
        stream = self.module.ByteStream(body)
        return self.module.Response(
            status, headers=list(headers), stream=stream, extensions=dict(extensions)
        )

    def patch(self) -> list[Callable[[], None]]:
        """Puts the shortcut in both transports of the stack; returns how to take it out."""
        sync, asynchronous = self.module.HTTPTransport, self.module.AsyncHTTPTransport
        return [
            _patch(sync, "handle_request", self.sync(sync.__dict__["handle_request"])),
            _patch(
                asynchronous,
                "handle_async_request",
                self.asynchronous(asynchronous.__dict__["handle_async_request"]),
            ),
        ]

    def sync(self, original: Any) -> Any:
        def handle_request(transport: Any, request: Any) -> Any:
            router = _replaying(self.mocker.routers)
            if router is not None:
                request.read()  # a streamed body (uploads) is read for the match
                replayed = self.answer(router, request)
                if replayed is not None:
                    return replayed
            return original(transport, request)

        return handle_request

    def asynchronous(self, original: Any) -> Any:
        async def handle_async_request(transport: Any, request: Any) -> Any:
            router = _replaying(self.mocker.routers)
            if router is not None:
                await request.aread()  # the match reads the body synchronously
                replayed = self.answer(router, request)
                if replayed is not None:
                    return replayed
            return await original(transport, request)

        return handle_async_request


def _httpx2_view(request: Any) -> httpx.Request:
    view = Request(
        request.method,
        _url_of_httpx2(request.url),
        raw_headers=request.headers.raw,
        stream=httpx.ByteStream(request.content),
        extensions=request.extensions,
    )
    view.read()  # matchers read ``content``, as on a request the pool mocker converted
    return view


def _stacks() -> list[_Stack]:
    """The httpx stacks installed: legacy httpx always (respx needs it), httpx2 with openai 3."""
    found = [_Stack(httpx, HTTPCore1Mocker, lambda request: request)]
    if HTTPCore2Mocker.name in mocker_names():
        found.append(_Stack(_core("httpx2"), HTTPCore2Mocker, _httpx2_view))
    return found


class WebsocketGuard(_Counted):
    """Refuses every websocket the ``websockets`` client would open while a mock is active.

    The SDK's realtime (and Responses/live) ``connect`` methods open websockets outside the
    HTTP pools: patching the pools does not stop them. The sync client is a function the SDK
    imports at call time (patched on its module); the async client is a class the SDK calls
    or subclasses (its ``__await__`` is patched, so subclasses are covered). The
    refusal comes before any DNS lookup or socket. Counted, so nested mocks patch once.
    A client module not imported yet is patched as it is imported (``_PatchOnImport``), so a
    mock that never meets a websocket does not pay for importing ``websockets``.
    """

    @classmethod
    def apply(cls) -> list[Callable[[], None]]:
        _PatchOnImport.install()
        return [
            _patch(*patched(module))
            for name, patched in _WEBSOCKET_CLIENTS.items()
            if (module := sys.modules.get(name)) is not None
        ]

    @classmethod
    def patch(cls, name: str, module: Any) -> None:
        """Patches a client module imported while a mock is active (``_PatchOnImport``)."""
        with cls._lock:
            if cls._active:
                cls._restore.append(_patch(*_WEBSOCKET_CLIENTS[name](module)))


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches a websockets client module right after it is imported while a mock is active
    (the SDK imports it inside ``connect``, after the mock started)."""

    _installed = False

    @classmethod
    def install(cls) -> None:
        if not cls._installed:
            cls._installed = True
            sys.meta_path.insert(0, cls())

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in _WEBSOCKET_CLIENTS or not WebsocketGuard._active:
            return None
        for finder in sys.meta_path:
            found = None if finder is self else getattr(finder, "find_spec", None)
            spec = found(fullname, path, target) if found is not None else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _PatchingLoader(spec.loader, fullname)
                return spec
        return None


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: Any, name: str) -> None:
        self._loader = loader
        self._name = name

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        WebsocketGuard.patch(self._name, module)

    def __getattr__(self, name: str) -> Any:  # get_source, is_package… of the real loader
        return getattr(self._loader, name)


def _refuse(url: Any) -> NoReturn:
    from ._errors import UnmockedRequestError

    raise UnmockedRequestError(
        "GET",
        str(url),
        "openai_responses answers HTTP only: websocket connections (realtime, live, Responses "
        "websocket mode) are refused while the mock is active, so nothing reaches the network.",
    )


def _refused_sync_connect(uri: str, *args: Any, **kwargs: Any) -> NoReturn:
    _refuse(uri)


def _refused_await(self: Any) -> NoReturn:
    # ``await connect(...)``, ``async with`` and ``async for`` all start here, in every
    # websockets version (the method behind it was renamed over time).
    _refuse(getattr(self, "uri", "?"))


# What to patch in each websockets client module: (owner, attribute, replacement).
_WEBSOCKET_CLIENTS: dict[str, Callable[[Any], tuple[Any, str, Any]]] = {
    "websockets.sync.client": lambda module: (module, "connect", _refused_sync_connect),
    "websockets.asyncio.client": lambda module: (module.connect, "__await__", _refused_await),
}


def _patch(owner: Any, name: str, replacement: Any) -> Callable[[], None]:
    original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
    setattr(owner, name, replacement)
    return lambda: setattr(owner, name, original)
