"""The mock engine served over real HTTP on loopback: a stand-in for the OpenAI API.

Recording tests, the demo and anything that cannot take an in-process mock (another
process, another language) talk to it like to api.openai.com, through real sockets.

The mock behind the server answers for the *upstream* (api.openai.com by default): each
request is re-addressed there before the pipeline sees it, so a cassette recorded in-process
replays through the server and one the server records (sent upstream for real) replays
in-process. ``/__mock/journal`` lists what was answered (``_journal``).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Literal

import httpx

from ._clock import RetryWaits
from ._errors import OpenAIMockError, openai_error
from ._faults import FaultRaised
from ._journal import TEST_ID_HEADER, Journal
from ._lenient import UNKNOWN_IDS, create_named_objects, lenient
from ._mock import DEFAULT_BASE_URL, OpenAIMock
from ._server import DROP, LoopbackServer
from ._shaping import SOURCE
from ._state import StateStore

__all__ = ["ServedMock", "serve"]


class ServedMock:
    """An OpenAIMock whose router answers a LoopbackServer: ``url`` is its base URL."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        upstream: str = DEFAULT_BASE_URL,
        unknown_ids: Literal["fail", "create"] = "fail",
        **mock_options: Any,
    ) -> None:
        if unknown_ids not in UNKNOWN_IDS:
            raise ValueError(f"unknown_ids must be 'fail' or 'create', not {unknown_ids!r}")
        self.upstream = httpx.URL(upstream.rstrip("/"))
        self.unknown_ids = unknown_ids
        self.journal = Journal()
        self._mock_options = mock_options
        self._mock: OpenAIMock | None = None
        self._finished = False
        self.server = LoopbackServer(self._handle, host=host, port=port)

    @property
    def mock(self) -> OpenAIMock:
        if self._mock is None:
            raise RuntimeError("the server is not started")
        return self._mock

    @property
    def url(self) -> str:
        return f"{self.server.url}/v1"

    def start(self) -> ServedMock:
        options = dict(self._mock_options)
        if self.unknown_ids == "create":
            given = options.get("state")
            options["state"] = lenient(given if given is not None else StateStore())
        self._mock = OpenAIMock(base_url=str(self.upstream), **options)
        self.server.start()
        # A remote client keeps wall time: stalls pause for real. The SDK clients of this
        # process still retry without sleeping (``_clock``), on the served mock's clock.
        self._mock.real_time = True
        RetryWaits.start(self._mock.clock)
        return self

    def stop(self) -> None:
        """Stop serving, then end the mock's session: the cassette is saved (atomically)."""
        self.server.stop()
        if self._mock is not None and not self._finished:
            self._finished = True
            RetryWaits.stop(self._mock.clock)
            self._mock.failures.clear()  # misses were answered to their clients already (404s)
            self._mock.finish()

    def __enter__(self) -> ServedMock:
        return self if self._mock is not None else self.start()  # serve() starts already

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _handle(self, request: httpx.Request) -> httpx.Response:
        journal_answer = self.journal.answer(request)
        if journal_answer is not None:
            return journal_answer
        forwarded = self._to_upstream(request)
        if self.unknown_ids == "create":
            create_named_objects(self.mock.state, forwarded)
        # Served requests never go through the patched transports: the router's handler is
        # called directly, so nothing in this process needs to be intercepted.
        try:
            response = self.mock.router.handler(forwarded)
        except FaultRaised as raised:
            # A transport fault: drop the connection (``connection``), or hold it until the
            # client's own read timeout gives up (``timeout``, or ``seconds`` at most).
            hold = raised.fault.option("seconds", 3600.0) if raised.fault.kind == "timeout" else 0
            response = httpx.Response(200, extensions={DROP: hold, SOURCE: "fault"})
        except OpenAIMockError as error:
            # In a server the failure goes back to the client, as OpenAI would send it.
            response = openai_error(404, str(error), code="unmocked_request")
            self.journal.add(request, response, source="miss")
            return response
        self.journal.add(request, response, source=None)
        return response

    def _to_upstream(self, request: httpx.Request) -> httpx.Request:
        """``http://127.0.0.1:PORT/v1/x?q`` as the upstream's ``…/v1/x?q``: what the mock
        answers for, and where a recording sends it."""
        path = request.url.raw_path
        path = path[len(_SERVED_PATH) :] if path.startswith(_SERVED_PATH) else path
        url = self.upstream.copy_with(raw_path=self.upstream.raw_path.rstrip(b"/") + path)
        headers = [(k, v) for k, v in request.headers.raw if k.lower() not in _NOT_FORWARDED]
        return httpx.Request(request.method, url, headers=headers, content=request.content)


# The path clients use as their base URL's; the upstream's replaces it.
_SERVED_PATH = b"/v1"
# The host is the upstream's; the test id is the journal's, never sent on nor recorded.
_NOT_FORWARDED = frozenset({b"host", TEST_ID_HEADER.encode()})


def serve(*, host: str = "127.0.0.1", port: int = 0, **options: Any) -> ServedMock:
    """Start serving a new OpenAIMock; use as a context manager or call ``stop()``.

    ``upstream`` (default api.openai.com) is what the mock answers for and records from;
    ``unknown_ids="create"`` makes every id a path names exist (``_lenient``); the rest are
    ``OpenAIMock``'s options (``cassette``, ``record_mode``, ``state``, ``on_miss``…).
    """
    return ServedMock(host=host, port=port, **options).start()
