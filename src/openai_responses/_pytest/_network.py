"""``--block-network``: outgoing socket connections fail, except to allowed hosts.

Our mock answers replayed requests before any socket is opened, so blocking sockets stops
only what would really leave the machine (any client: httpx, requests, urllib, …).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["blocked_network"]


def _host_of(sock: socket.socket, address: Any) -> str:
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
    elif sock.family == getattr(socket, "AF_UNIX", None):
        host = address
    else:
        return ""
    return host.decode() if isinstance(host, (bytes, bytearray)) else str(host)


def _allowed(host: str, patterns: Sequence[str] | None) -> bool:
    return bool(patterns) and any(re.match(pattern, host) for pattern in patterns or ())


@contextmanager
def blocked_network(allowed_hosts: Sequence[str] | None = None) -> Iterator[None]:
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def guard(original: Any) -> Any:
        def connect(self: socket.socket, address: Any, *args: Any) -> Any:
            host = _host_of(self, address)
            if _allowed(host, allowed_hosts):
                return original(self, address, *args)
            # pytest-recording's error and message: suites may assert on them
            raise RuntimeError(f"Network is disabled for host {host!r}")

        return connect

    socket.socket.connect = guard(original_connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = guard(original_connect_ex)  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
