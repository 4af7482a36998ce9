"""httpx2 <-> httpx: routes see ``httpx.Request`` and answer ``httpx.Response`` on both stacks.

This is the one module that knows httpx2; it imports it lazily so that an openai 2.x
environment without httpx2 works.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import httpx2

__all__ = ["from_httpx2_response", "is_httpx2", "to_httpx2_response", "to_httpx_request"]


def is_httpx2(obj: object) -> bool:
    return type(obj).__module__.startswith("httpx2")


def to_httpx_request(request: httpx2.Request) -> httpx.Request:
    """An httpx copy of an httpx2 request whose body has been read."""
    return httpx.Request(
        request.method,
        str(request.url),
        headers=request.headers.raw,
        content=request.content,
        extensions=dict(request.extensions),
    )


@functools.cache
def _stream_types() -> tuple[type[Any], type[Any]]:
    """httpx2 stream classes that relay an httpx response's raw (still encoded) bytes.

    They iterate ``response.stream`` rather than ``iter_raw()``: respx pre-reads plain byte
    responses, after which ``iter_raw`` refuses, while the stream itself replays its bytes.
    """
    import httpx2

    class RelaySync(httpx2.SyncByteStream):
        def __init__(self, response: httpx.Response) -> None:
            self._response = response

        def __iter__(self) -> Iterator[bytes]:
            yield from self._response.stream  # type: ignore[misc]

        def close(self) -> None:
            self._response.close()

    class RelayAsync(httpx2.AsyncByteStream):
        def __init__(self, response: httpx.Response) -> None:
            self._response = response

        async def __aiter__(self) -> AsyncIterator[bytes]:
            async for chunk in self._response.stream:  # type: ignore[union-attr]
                yield chunk

        async def aclose(self) -> None:
            await self._response.aclose()

    return RelaySync, RelayAsync


def to_httpx2_response(response: httpx.Response, *, asynchronous: bool) -> httpx2.Response:
    """An httpx2 response streaming the raw bytes of an httpx response."""
    import httpx2

    relay_sync, relay_async = _stream_types()
    stream = relay_async(response) if asynchronous else relay_sync(response)
    return httpx2.Response(
        response.status_code,
        headers=response.headers.raw,
        stream=stream,
        extensions=dict(response.extensions),
    )


def from_httpx2_response(response: httpx2.Response) -> httpx.Response:
    """An httpx copy of an httpx2 response (a user's override given as httpx2.Response)."""
    return httpx.Response(
        response.status_code,
        headers=response.headers.raw,
        content=response.read(),
        extensions=dict(response.extensions),
    )
