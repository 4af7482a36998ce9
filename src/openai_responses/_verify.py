"""Verify mode: each replayed answer is also fetched live and compared in structure.

The request goes upstream through the very transport recording uses (the pool's original
send); the live answer is read whole, compared with the recorded one
(``_cassette/_shape``), and dropped. The test always gets the recorded answer; differences
are kept and fail the test when the mock exits. Nothing is ever written.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path

import httpx

from ._cassette import request_summary
from ._cassette._shape import Answer, shape_differences
from ._errors import CassetteVerifyError
from ._interception import Upstream

__all__ = ["Verifier"]


class Verifier:
    def __init__(self, cassette: Path, ignore: tuple[str, ...]) -> None:
        self.cassette = cassette
        self.ignore = ignore
        self.count = 0
        self.differences: list[tuple[str, list[str]]] = []

    def compare(
        self, request: httpx.Request, replayed: httpx.Response, upstream: Upstream
    ) -> httpx.Response | Awaitable[httpx.Response]:
        """``replayed``, once compared with what ``upstream`` answers now."""
        if upstream.asend is not None:
            send = upstream.asend

            async def compare_async() -> httpx.Response:
                live = await send()
                try:
                    body = await live.aread()
                finally:
                    await live.aclose()
                self._judge(request, replayed, live, body)
                return replayed

            return compare_async()
        assert upstream.send is not None
        live = upstream.send()
        try:
            body = live.read()
        finally:
            live.close()
        self._judge(request, replayed, live, body)
        return replayed

    def _judge(
        self, request: httpx.Request, replayed: httpx.Response, live: httpx.Response, body: bytes
    ) -> None:
        self.count += 1
        found = shape_differences(
            _answer(replayed, replayed.content), _answer(live, body), self.ignore
        )
        if found:
            line = request_summary(request.method, request.url, request.content)
            self.differences.append((line, found))

    def error(self) -> CassetteVerifyError:
        return CassetteVerifyError(str(self.cassette), self.differences)


def _answer(response: httpx.Response, body: bytes) -> Answer:
    return Answer(response.status_code, response.headers.get("content-type", ""), body)
