"""The mock engine served over real HTTP on loopback: a stand-in for the OpenAI API.

Recording tests, the demo and anything that cannot take an in-process mock (another
process, another language) talk to it like to api.openai.com, through real sockets.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from ._clock import RetryWaits
from ._errors import OpenAIMockError, openai_error
from ._faults import FaultRaised
from ._mock import OpenAIMock
from ._server import DROP, LoopbackServer
from ._shaping import SOURCE

__all__ = ["ServedMock", "serve"]


class ServedMock:
    """An OpenAIMock whose router answers a LoopbackServer: ``url`` is its base URL."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, **mock_options: Any) -> None:
        self._mock_options = mock_options
        self._mock: OpenAIMock | None = None
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
        self.server.start()
        # The mock's base URL is only known once the port is bound.
        self._mock = OpenAIMock(base_url=self.url, **self._mock_options)
        # A remote client keeps wall time: stalls pause for real. The SDK clients of this
        # process still retry without sleeping (``_clock``), on the served mock's clock.
        self._mock.real_time = True
        RetryWaits.start(self._mock.clock)
        return self

    def stop(self) -> None:
        if self._mock is not None:
            RetryWaits.stop(self._mock.clock)
        self.server.stop()

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
        # Served requests never go through the patched transports: the router's handler is
        # called directly, so nothing in this process needs to be intercepted.
        try:
            return self.mock.router.handler(request)
        except FaultRaised as raised:
            # A transport fault: drop the connection (``connection``), or hold it until the
            # client's own read timeout gives up (``timeout``, or ``seconds`` at most).
            hold = raised.fault.option("seconds", 3600.0) if raised.fault.kind == "timeout" else 0
            return httpx.Response(200, extensions={DROP: hold, SOURCE: "fault"})
        except OpenAIMockError as error:
            # In a server the failure goes back to the client, as OpenAI would send it.
            return openai_error(404, str(error), code="unmocked_request")


def serve(*, host: str = "127.0.0.1", port: int = 0, **mock_options: Any) -> ServedMock:
    """Start serving a new OpenAIMock; use as a context manager or call ``stop()``."""
    return ServedMock(host=host, port=port, **mock_options).start()
