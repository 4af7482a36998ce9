"""Nothing reaches the network: the SDK's websocket ``connect`` methods are refused too.

A real websocket server on 127.0.0.1 stands in for the API. Inside the mock, every ``connect``
the SDK has raises ``UnmockedRequestError`` naming the wss URL, and the server accepts
nothing; with the default base URL no DNS lookup of api.openai.com happens either. After the
mock exits, the same connection works: the patch is gone.
"""

from __future__ import annotations

import inspect
import socket
import threading
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai._resource import AsyncAPIResource, SyncAPIResource
from websockets.sync.server import ServerConnection, serve

from openai_responses import OpenAIMock, UnmockedRequestError


class Listener:
    """A websocket server on loopback that counts the connections it accepted."""

    def __init__(self) -> None:
        self.accepted = 0
        self._changed = threading.Condition()
        self.server = serve(self._handle, "127.0.0.1", 0)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _handle(self, connection: ServerConnection) -> None:
        with self._changed:
            self.accepted += 1
            self._changed.notify_all()
        connection.close()

    def wait_accepted(self, count: int) -> int:
        """The count once it reaches ``count``: the server thread counts after the client's
        handshake returned. The wait is a bound for a broken run, not part of the check."""
        with self._changed:
            self._changed.wait_for(lambda: self.accepted >= count, timeout=30)
            return self.accepted

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1"


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.server.shutdown()
    server.thread.join(5)


def _client_kwargs() -> dict[str, Any]:
    kwargs: dict[str, Any] = {"api_key": "sk-test", "max_retries": 0}
    if "admin_api_key" in inspect.signature(openai.OpenAI).parameters:
        kwargs["admin_api_key"] = "sk-admin-test"
    return kwargs


# Every websocket ``connect`` of the installed SDK, by attribute path.
def _connects(client: Any) -> list[str]:
    found = []

    def walk(obj: Any, prefix: str, depth: int) -> None:
        for name in dir(type(obj)):
            if name.startswith("_") or name.startswith("with_") or depth > 4:
                continue
            try:
                value = getattr(obj, name)
            except Exception:
                continue
            if isinstance(value, (SyncAPIResource, AsyncAPIResource)):
                walk(value, f"{prefix}{name}.", depth + 1)
            elif name == "connect" and callable(value):
                found.append(f"{prefix}connect")

    walk(client, "", 0)
    return sorted(found)


def _arguments(method: Any) -> dict[str, Any]:
    parameters = inspect.signature(method).parameters
    args: dict[str, Any] = {}
    if "model" in parameters:
        args["model"] = "gpt-realtime"
    for name, param in parameters.items():
        if param.default is inspect.Parameter.empty and param.kind is param.KEYWORD_ONLY:
            args.setdefault(name, "walk_1")
    return args


def _resolve(client: Any, path: str) -> Any:
    obj = client
    for name in path.split("."):
        obj = getattr(obj, name)
    return obj


SYNC_CONNECTS = _connects(openai.OpenAI(**_client_kwargs()))


def test_the_sdk_has_websocket_connects() -> None:
    assert "realtime.connect" in SYNC_CONNECTS


@pytest.mark.parametrize("path", SYNC_CONNECTS)
def test_sync_connect_is_refused_and_restored(listener: Listener, path: str) -> None:
    client = openai.OpenAI(
        base_url="http://127.0.0.1:1/v1", websocket_base_url=listener.url, **_client_kwargs()
    )
    method = _resolve(client, path)
    with (
        OpenAIMock().router,
        pytest.raises(UnmockedRequestError) as raised,
        method(**_arguments(method)),
    ):
        pass
    assert raised.value.url.startswith(listener.url)
    assert listener.accepted == 0
    # The patch is gone: the same connection now reaches the listener.
    try:
        with method(**_arguments(method)):
            pass
    except Exception:
        pass  # the listener closes at once; the SDK may complain, the socket was opened
    assert listener.wait_accepted(1) == 1


@pytest.mark.parametrize("path", SYNC_CONNECTS)
async def test_async_connect_is_refused_and_restored(listener: Listener, path: str) -> None:
    client = openai.AsyncOpenAI(
        base_url="http://127.0.0.1:1/v1", websocket_base_url=listener.url, **_client_kwargs()
    )
    method = _resolve(client, path)
    with OpenAIMock().router, pytest.raises(UnmockedRequestError) as raised:
        async with method(**_arguments(method)):
            pass
    assert raised.value.url.startswith(listener.url)
    assert listener.accepted == 0
    try:
        async with method(**_arguments(method)):
            pass
    except Exception:
        pass
    assert listener.wait_accepted(1) == 1


@pytest.fixture
def no_dns(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    lookups: list[Any] = []

    def refuse(host: Any, *args: Any, **kwargs: Any) -> Any:
        lookups.append(host)
        raise AssertionError(f"DNS lookup of {host!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return lookups


def test_default_url_needs_no_dns(no_dns: list[Any]) -> None:
    client = openai.OpenAI(**_client_kwargs())
    with (
        OpenAIMock(),
        pytest.raises(UnmockedRequestError) as raised,
        client.realtime.connect(model="gpt-realtime"),
    ):
        pass
    assert raised.value.url.startswith("wss://api.openai.com/v1/realtime")
    assert no_dns == []


async def test_default_url_needs_no_dns_async(no_dns: list[Any]) -> None:
    client = openai.AsyncOpenAI(**_client_kwargs())
    with OpenAIMock(), pytest.raises(UnmockedRequestError) as raised:
        async with client.realtime.connect(model="gpt-realtime"):
            pass
    assert raised.value.url.startswith("wss://api.openai.com/v1/realtime")
    assert no_dns == []


def test_nested_mocks_restore_only_at_the_outer_exit(listener: Listener) -> None:
    client = openai.OpenAI(websocket_base_url=listener.url, **_client_kwargs())
    with OpenAIMock():
        with OpenAIMock():
            pass
        with pytest.raises(UnmockedRequestError), client.realtime.connect(model="m"):
            pass
    assert listener.accepted == 0
    with client.realtime.connect(model="m") as connection:
        connection.close()
    assert listener.wait_accepted(1) == 1
