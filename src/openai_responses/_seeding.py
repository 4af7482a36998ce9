"""Seeding the StateStore from what the API answered: a replay, a recording, a whole cassette.

One exchange (the endpoint row, its path params, the request, the answer) is read the same way
whichever of the three it comes from, so a test that grows past its recording finds the same
objects as the recording saw them:

- every stateful object an answer shows (JSON, list pages, SSE events; the Responses API's
  events wrap the response) is stored, the latest snapshot winning;
- deletions delete (by route, so a Responses deletion, whose answer is no ``*.deleted``
  object, counts too);
- parents come from the route's path params: conversation items carry no conversation id;
- objects the seeding had to make up (the items of a request's ``input``, whose ids only the
  service knows) give way to the real ones when a complete list page of their parent (no
  cursor, no filter, ``has_more`` false) shows them. Nothing else is removed by a page: a
  replayed page is an old snapshot, and the test may have added objects since;
- what only one area knows (a response's input items are its request's ``input``; a
  response finished in a conversation appends its turn there; conversation items carry no
  ``object`` literal) is the rows' business: each row may take an answered object in itself
  (``Endpoint.learn``, in ``_endpoints/responses.py`` and ``conversations.py``).

Seeded objects are answered as stored. The mock drives only what it created itself (runs it
scripted, background responses it started), so a recorded ``queued`` run or response stays
``queued``: the recording is the truth, and the mock does not invent a continuation of it.
Seeding notes which objects a recording last showed in progress: a replay-only cassette
lets the state answer only settled ones (``_endpoints/_misses.py``).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from ._endpoints import ENDPOINTS, Context, Endpoint
from ._endpoints._items import guessed
from ._endpoints._misses import note_snapshot
from ._sse import iter_sse
from ._state import StateStore

if TYPE_CHECKING:
    from ._cassette import Interaction

__all__ = ["find_endpoint", "learn_exchange", "seed_from_cassette"]


# -- one exchange -----------------------------------------------------------------------------
def learn_exchange(ctx: Context, response: httpx.Response) -> None:
    """Keep what one successful answer of a stateful route shows. Best effort: an answer that
    cannot be read (or a body that is not JSON) seeds nothing and never fails the request."""
    endpoint = ctx.endpoint
    if response.status_code >= 300 or not (endpoint.stateful or endpoint.parents):
        return
    if endpoint.kind == "delete" and endpoint.collection:
        ctx.state.delete(endpoint.collection, ctx.object_id)  # remembered: later reads 404
    for data in answered_objects(response):
        _learn(ctx, data)


def answered_objects(response: httpx.Response) -> list[Any]:
    """The JSON payloads of an answer: the body, or each SSE event's object."""
    body = response.content
    content_type = response.headers.get("content-type", "")
    if "text/event-stream" in content_type or body.lstrip().startswith((b"event:", b"data:")):
        events = (_json(data.encode()) for _, data in iter_sse(body) if data.startswith("{"))
        # Responses API events wrap the object: {"type": "response.completed", "response": {…}};
        # Assistants events are the object itself.
        return [e.get("response", e) if isinstance(e, dict) else e for e in events]
    return [_json(body)]


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None  # not JSON (a broken recording, a binary body): nothing to learn


def _learn(ctx: Context, data: Any) -> None:
    """One object or listing: the row's area takes it in if it wants (``Endpoint.learn``),
    else it is stored by its ``object`` literal."""
    if not isinstance(data, dict):
        return
    note_snapshot(ctx.state, data)
    if ctx.endpoint.learn is not None and ctx.endpoint.learn(ctx, data):
        return
    if data.get("object") == "list":
        _learn_listing(ctx, data)
    else:
        ctx.state.learn(data, **ctx.parent_links)


def _learn_listing(ctx: Context, listing: dict[str, Any]) -> None:
    items = [item for item in listing.get("data") or [] if isinstance(item, dict)]
    if ctx.query.get("order") != "asc":
        items.reverse()  # pages default to newest first; the store keeps oldest first
    collection = ctx.endpoint.collection
    complete = ctx.lists_every_child and not listing.get("has_more")
    if complete and ctx.endpoint.kind == "list" and collection:
        listed = {str(item.get("id")) for item in items}
        made_up = guessed(ctx.state)
        for child in ctx.state.ids(collection, **ctx.parent_links):
            if (collection, child) in made_up and child not in listed:
                ctx.state.delete(collection, child)
    for item in items:
        _learn(ctx, item)


# -- a whole cassette -------------------------------------------------------------------------
def seed_from_cassette(state: StateStore, path: Path) -> StateStore:
    """Seed ``state`` with every interaction of the cassette at ``path``, in recorded order."""
    from ._cassette import load_cassette  # YAML loads with the first cassette read

    for interaction in load_cassette(path):
        learn_interaction(state, interaction)
    return state


def learn_interaction(state: StateStore, interaction: Interaction) -> None:
    from ._cassette import response_to_httpx  # with the cassette being read

    recorded = interaction.request
    url = httpx.URL(recorded.url)
    found = find_endpoint(recorded.method, url.path)
    if found is None:
        return
    endpoint, params = found
    content_type = recorded.header("content-type")
    request = httpx.Request(
        recorded.method,
        url,
        content=recorded.body,
        headers={"content-type": content_type} if content_type else None,
    )
    learn_exchange(
        Context(request, params, state, endpoint), response_to_httpx(interaction, request)
    )


def find_endpoint(method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
    """The row answering ``method path`` under any base URL prefix (``/v1``, ``/openai/v1``…)."""
    segments = path.rstrip("/").split("/")
    # Every template starts with a literal segment, so trying the shortest prefix first
    # cannot mistake a prefix segment for a parameter.
    for start in range(1, len(segments)):
        rest = "/" + "/".join(segments[start:])
        for pattern, endpoint in _rows(method.upper(), rest.count("/")):
            match = pattern.fullmatch(rest)
            if match:
                return endpoint, match.groupdict()
    return None


@functools.cache
def _rows(method: str, depth: int) -> list[tuple[re.Pattern[str], Endpoint]]:
    rows = [
        (re.compile(endpoint.path_regex), endpoint)
        for endpoint in ENDPOINTS
        if endpoint.method == method and endpoint.path.count("/") == depth
    ]
    # Literal segments win over parameters: /threads/runs before /threads/{thread_id}.
    rows.sort(key=lambda row: row[1].path.count("{"))
    return rows
