"""urllib3 (and so ``requests``) traffic of a vcr-marked test, through the mock's router.

pytest-recording suites record ``requests`` calls as well as httpx ones. While a vcr-marked
test runs, urllib3's ``HTTPConnectionPool.urlopen`` hands each request to the same router as
httpx's pools: replayed from the cassette, recorded through the original ``urlopen``, or let
through for ``ignore_hosts``. Only the vcr adapter turns this on: outside it, urllib3 traffic
is never touched.
"""

from __future__ import annotations

import functools
import inspect
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from respx.models import PassThrough

from .._interception import Upstream, upstream_scope

__all__ = ["urllib3_routed"]


def _content(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body)


def _full_url(pool: Any, url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url  # through a proxy: urllib3 passes the absolute URL
    default = {"http": 80, "https": 443}.get(pool.scheme)
    port = "" if pool.port in (None, default) else f":{pool.port}"
    return f"{pool.scheme}://{pool.host}{port}{url}"


def _to_httpx(response: Any) -> httpx.Response:
    headers = list(response.headers.items())
    return httpx.Response(
        response.status, headers=headers, content=response.read(decode_content=False)
    )


def _to_urllib3(response: httpx.Response, arguments: dict[str, Any]) -> Any:
    from urllib3 import HTTPResponse
    from urllib3._collections import HTTPHeaderDict

    headers = HTTPHeaderDict()
    for key, value in response.headers.multi_items():
        headers.add(key, value)
    return HTTPResponse(
        body=io.BytesIO(response.read()),
        headers=headers,
        status=response.status_code,
        reason=response.reason_phrase,
        preload_content=arguments.get("preload_content", True),
        decode_content=arguments.get("decode_content", True),
        enforce_content_length=False,
    )


@contextmanager
def urllib3_routed(router: Any) -> Iterator[None]:
    """While entered, urllib3 requests are resolved by ``router`` (a respx MockRouter)."""
    try:
        from urllib3.connectionpool import HTTPConnectionPool
    except ImportError:  # no urllib3: nothing to route
        yield
        return
    original = HTTPConnectionPool.urlopen
    signature = inspect.signature(original)

    @functools.wraps(original)
    def urlopen(pool: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(pool, method, url, *args, **kwargs)
        arguments = dict(bound.arguments)
        body = _content(arguments.get("body"))
        request = httpx.Request(
            method, _full_url(pool, url), headers=dict(arguments.get("headers") or {}), content=body
        )

        def send() -> httpx.Response:  # the recorder's way out: the real urlopen
            raw = {**kwargs, "body": body, "preload_content": False, "decode_content": False}
            return _to_httpx(original(pool, method, url, *args[1:], **raw))

        with upstream_scope(Upstream(send=send)):
            try:
                answer = router.handler(request)
            except PassThrough:
                return original(pool, method, url, *args, **kwargs)
        return _to_urllib3(answer, arguments)

    HTTPConnectionPool.urlopen = urlopen  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        HTTPConnectionPool.urlopen = original  # type: ignore[method-assign]
