"""What a served mock answered, request by request: ``GET /__mock/journal``.

A client in another process or language cannot read ``route.calls``; the journal is that
history over HTTP. Each entry says which step of the pipeline answered (the
``openai_responses.source`` mark ``_pipeline`` puts on the response: override, cassette,
record, state, default; faults mark "fault"; "miss" is the server's own, for a request nothing
could answer). Clients that share one server keep apart by sending ``x-mock-test-id``: with
it, reading and clearing see only that test's entries.
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from ._shaping import SOURCE

__all__ = ["JOURNAL_PATH", "TEST_ID_HEADER", "Entry", "Journal"]

JOURNAL_PATH = "/__mock/journal"
TEST_ID_HEADER = "x-mock-test-id"


@dataclass(frozen=True)
class Entry:
    method: str
    path: str
    query: str
    body: Any  # the JSON body parsed; other bodies as text; None when empty
    source: str
    status: int
    test_id: str | None


class Journal:
    """Every served request, in arrival order of their answers; safe across threads."""

    def __init__(self) -> None:
        self._entries: list[Entry] = []
        self._lock = threading.Lock()

    def add(self, request: httpx.Request, response: httpx.Response, source: str | None) -> None:
        entry = Entry(
            method=request.method,
            path=request.url.path,
            query=request.url.query.decode("latin-1"),
            body=_readable(request.content),
            source=source or str(response.extensions.get(SOURCE, "default")),
            status=response.status_code,
            test_id=request.headers.get(TEST_ID_HEADER),
        )
        with self._lock:
            self._entries.append(entry)

    def entries(self, test_id: str | None = None) -> list[Entry]:
        """All entries, or only those sent with ``test_id``."""
        with self._lock:
            return [e for e in self._entries if test_id is None or e.test_id == test_id]

    def clear(self, test_id: str | None = None) -> int:
        """Forget all entries, or only those sent with ``test_id``; how many went."""
        with self._lock:
            kept = [e for e in self._entries if test_id is not None and e.test_id != test_id]
            removed = len(self._entries) - len(kept)
            self._entries = kept
        return removed

    def answer(self, request: httpx.Request) -> httpx.Response | None:
        """The journal's own HTTP answer, or None when the request is for the API."""
        if request.url.path.rstrip("/") != JOURNAL_PATH:
            return None
        test_id = request.headers.get(TEST_ID_HEADER) or request.url.params.get("test_id")
        if request.method == "GET":
            data = [asdict(e) for e in self.entries(test_id)]
            return httpx.Response(200, json={"object": "list", "data": data})
        if request.method == "DELETE":
            return httpx.Response(200, json={"deleted": self.clear(test_id)})
        return httpx.Response(405, headers={"allow": "GET, DELETE"})


def _readable(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")
