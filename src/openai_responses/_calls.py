"""Call history written when it is read.

A plain replay (``OpenAIMock._plain_replay``) answers at the transport without building respx's
call record; it notes (route, request, interaction) instead. Reading any call history of the
mock (``route.calls``, ``call_count``, ``router.calls``) first turns the notes into respx
``Call`` objects, in the order the requests were answered, with the very response the full
pipeline would have recorded. Histories stay exact; a test that never reads them never pays.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import respx
from respx.models import Call, CallList

__all__ = ["HistoryRoute", "PendingCalls"]

# Builds the response a recorded call holds: (request, interaction) -> httpx.Response
Materialize = Callable[[httpx.Request, Any], httpx.Response]


class PendingCalls:
    """Calls answered but not yet written into the respx histories of one mock."""

    def __init__(self, router_calls: Callable[[], CallList], materialize: Materialize) -> None:
        self._notes: list[tuple[HistoryRoute, httpx.Request, Any]] = []
        self._lock = threading.Lock()
        self._router_calls = router_calls
        self._materialize = materialize

    def note(self, route: HistoryRoute, request: httpx.Request, interaction: Any) -> None:
        self._notes.append((route, request, interaction))  # atomic: threads may answer at once

    def flush(self) -> None:
        if not self._notes:
            return
        # One writer at a time, so that histories keep the order requests were answered in;
        # a note added while writing lands in the fresh list and is written next time.
        with self._lock:
            notes, self._notes = self._notes, []
            router_calls = self._router_calls()
            for route, request, interaction in notes:
                call = Call(
                    request=request, optional_response=self._materialize(request, interaction)
                )
                router_calls.append(call)
                route.history.append(call)


class HistoryRoute(respx.Route):
    """A respx Route whose ``calls`` first writes the mock's pending calls."""

    pending: PendingCalls | None = None

    @property
    def calls(self) -> CallList:
        if self.pending is not None:
            self.pending.flush()
        return self.history

    @calls.setter
    def calls(self, value: CallList) -> None:
        self.history = value
