"""The respx router of one OpenAIMock: user routes first, then the endpoint table."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import httpx
import respx
from respx.models import AllMockedAssertionError, ResolvedRoute

from ._calls import PendingCalls
from ._clock import Clock, RetryWaits
from ._errors import UnmockedRequestError
from ._interception import PASSTHROUGH, TransportShortcut, WebsocketGuard, mockers
from ._settings import asynchronous_scope

__all__ = ["OpenAIRouter"]

# Given a request, the endpoint route that answers it and its answer (or None).
Dispatch = Callable[[httpx.Request], "tuple[respx.Route, Any] | None"]
# Given a request, a recorded answer ready for the pool (status, raw headers, body,
# extensions), or None: the full pipeline answers it (``OpenAIMock._plain_replay``).
PlainReplay = Callable[
    [httpx.Request], "tuple[int, list[tuple[bytes, bytes]], bytes, dict[str, Any]] | None"
]


def _hint(url: httpx.URL) -> str:
    """How to fix an unmocked request; an OpenAI-shaped path means the base URL is wrong."""
    path = url.path
    # OpenAI-compatible hosts keep the API under /v1; Azure's endpoint is the part before /openai.
    for marker, kept in (("/v1/", "/v1"), ("/openai/", "")):
        if marker in path:
            base = f"{url.scheme}://{url.netloc.decode('ascii')}{path[: path.index(marker)]}{kept}"
            return (
                f"It looks like an OpenAI API call to another host: give the mock that host, "
                f'e.g. base_url="{base}" (OpenAIMock, @openai_responses.mock or the '
                "openai_mock marker), or record it in the mock's cassette."
            )
    return "Add a route with openai_mock.router (or .pass_through()) to let it through."


class OpenAIRouter(respx.MockRouter):
    """A respx MockRouter that intercepts both httpx stacks and knows the endpoint table.

    Routes a user adds through the respx API (``openai_mock.router.post(...)``) are tried
    first, as respx would; the mock's endpoint routes are found through an index instead of
    respx's linear scan, so a request costs the same however many endpoints exist.
    """

    # Set by the mock: its plain replay, and the calls it answered but has not written yet.
    plain_replay: PlainReplay | None = None
    plain_replay_ok: Callable[[], bool] | None = None  # whether it may answer at all now
    pending: PendingCalls | None = None

    def __init__(
        self,
        dispatch: Dispatch,
        on_unmocked: Callable[[UnmockedRequestError], None],
        on_stop: Callable[[BaseException | None], None],
    ) -> None:
        super().__init__(assert_all_called=False, assert_all_mocked=True, using=None)
        self._dispatch = dispatch
        self._on_unmocked = on_unmocked
        # Stopping ends the mock's session whichever way it was entered (decorator, fixture,
        # `with openai_mock.router:`, or start()/stop()): cassettes are saved there.
        self._on_stop = on_stop
        self._leaving_with: BaseException | None = None
        self._passthrough = respx.Route().pass_through()
        # While started, the SDK's retry waits pass on this clock instead (``_clock``).
        self.clock: Clock | None = None

    @property
    def calls(self) -> respx.models.CallList:
        # Calls a plain replay answered are written first (``_calls``).
        if self.pending is not None:
            self.pending.flush()
        return self.history

    @calls.setter
    def calls(self, value: respx.models.CallList) -> None:
        self.history = value

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self._leaving_with = exc_value
        try:
            super().__exit__(exc_type, exc_value, traceback)
        finally:
            self._leaving_with = None

    def start(self) -> None:
        self.snapshot()
        for mocker in mockers():
            mocker.register(self)
            mocker.start()
        TransportShortcut.start()
        WebsocketGuard.start()
        if self.clock is not None:
            RetryWaits.start(self.clock)

    def stop(self, clear: bool = True, reset: bool = True, quiet: bool = False) -> None:
        WebsocketGuard.stop()
        TransportShortcut.stop()
        if self.clock is not None:
            RetryWaits.stop(self.clock)
        for mocker in mockers():
            mocker.unregister(self)
            mocker.stop()
        if clear:
            self.rollback()
        self._on_stop(self._leaving_with)

    @contextmanager
    def resolver(self, request: httpx.Request) -> Generator[ResolvedRoute, None, None]:
        try:
            with super().resolver(request) as resolved:
                yield resolved
        except AllMockedAssertionError:
            error = UnmockedRequestError(request.method, str(request.url), _hint(request.url))
            self._on_unmocked(error)
            raise error from None

    def resolve(self, request: httpx.Request) -> ResolvedRoute:
        with self.resolver(request) as resolved:
            self._resolve(resolved, request)
        return resolved

    async def aresolve(self, request: httpx.Request) -> ResolvedRoute:
        with self.resolver(request) as resolved, asynchronous_scope():
            self._resolve(resolved, request)
            pending: Any = resolved.response
            if inspect.isawaitable(pending):
                resolved.response = await pending
        return resolved

    def _resolve(self, resolved: ResolvedRoute, request: httpx.Request) -> None:
        if request.extensions.get(PASSTHROUGH):
            # The recorder's own upstream request: respx then calls the original transport.
            resolved.route = self._passthrough
            resolved.response = request
            return
        self._resolve_user_routes(resolved, request)
        if resolved.route is None:
            self._resolve_endpoint(resolved, request)

    def _resolve_user_routes(self, resolved: ResolvedRoute, request: httpx.Request) -> None:
        for route in self.routes:
            prospect: Any = route.match(request)
            if prospect is not None:
                resolved.route = route
                resolved.response = prospect
                return

    def _resolve_endpoint(self, resolved: ResolvedRoute, request: httpx.Request) -> None:
        found = self._dispatch(request)
        if found is not None:
            resolved.route, resolved.response = found
