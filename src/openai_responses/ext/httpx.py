"""A transport that sends an httpx or httpx2 client's requests to the mock's router.

    client = openai.Client(
        http_client=openai.DefaultHttpxClient(transport=MockTransport(openai_mock.router.handler))
    )

works with openai 3.x (``DefaultHttpxClient`` is an httpx2 client) and with legacy
``httpx.Client`` / ``httpx.AsyncClient``, sync, async and streaming.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from httpx import URL, Headers, Request, Response, delete, get, patch, post, put

from .._conversion import is_httpx2, to_httpx2_response, to_httpx_request

__all__ = [
    "URL",
    "Headers",
    "MockTransport",
    "Request",
    "Response",
    "delete",
    "get",
    "patch",
    "post",
    "put",
]

SyncHandler = Callable[[httpx.Request], httpx.Response]
AsyncHandler = Callable[[httpx.Request], Awaitable[httpx.Response]]


class MockTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers every request with ``handler`` (typically ``openai_mock.router.handler``).

    httpx2 clients call the same two methods (transports are duck-typed there), so one class
    serves both stacks; httpx2 requests are converted to httpx and the answers back.
    """

    def __init__(self, handler: SyncHandler, async_handler: AsyncHandler | None = None) -> None:
        self.handler = handler
        self.async_handler = async_handler or _async_twin(handler)

    def handle_request(self, request: Any) -> Any:
        if is_httpx2(request):
            request.read()
            response = self.handler(to_httpx_request(request))
            return to_httpx2_response(response, asynchronous=False)
        request.read()
        return self.handler(request)

    async def handle_async_request(self, request: Any) -> Any:
        if is_httpx2(request):
            await request.aread()
            response = await self.async_handler(to_httpx_request(request))
            return to_httpx2_response(response, asynchronous=True)
        await request.aread()
        return await self.async_handler(request)


def _async_twin(handler: SyncHandler) -> AsyncHandler:
    """The router's async handler when given ``router.handler``, else the sync one awaited."""
    owner = getattr(handler, "__self__", None)
    twin = getattr(owner, "async_handler", None)
    if twin is not None and inspect.iscoroutinefunction(twin):
        return twin  # type: ignore[no-any-return]

    async def call(request: httpx.Request) -> httpx.Response:
        result: Any = handler(request)
        return await result if inspect.isawaitable(result) else result  # type: ignore[no-any-return]

    return call
