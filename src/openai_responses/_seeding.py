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
- a stored response's input items are its recorded request's ``input``; a response that
  finished in a conversation appends its input and output there, as the service does.

Seeded objects are answered as stored. The mock drives only what it created itself (runs it
scripted, background responses it started), so a recorded ``queued`` run or response stays
``queued``: the recording is the truth, and the mock does not invent a continuation of it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pydantic
from pydantic import BaseModel

from ._cassette import Interaction, load_cassette, response_to_httpx
from ._endpoints import ENDPOINTS, Context, Endpoint, MalformedBody
from ._endpoints._items import INPUT_ITEMS, conversation_items, find_item, item_dicts
from ._endpoints._items import response_items as validated_response_items
from ._sse import dump_model, iter_sse
from ._state import StateStore

__all__ = ["find_endpoint", "knows_objects", "learn_exchange", "seed_from_cassette"]

# The Responses module's key for background responses it drives (see responses.py).
_PENDING = "responses.pending"
# StateStore.extras key: (collection, id) of objects a recorded answer deleted.
_DELETED = "seeding.deleted"
# StateStore.extras key: (collection, id) of objects seeded with ids the seeding made up.
_GUESSED = "seeding.guessed"
# Query parameters that do not narrow a listing (anything else, e.g. ``run_id``, filters it).
_NOT_FILTERS = frozenset({"order", "limit", "include", "include[]", "api-version"})


# -- when the state may answer a request the cassette does not have ---------------------------
def knows_objects(ctx: Context) -> bool:
    """A stateful route whose path names only objects the state knows: ones it holds, or ones
    a recording deleted (answered 404, as the service would). An unknown id is not guessed at:
    the pipeline reports the cassette miss instead."""
    endpoint = ctx.endpoint
    if not (endpoint.stateful or endpoint.parents):
        return False
    named = [(collection, ctx.params[param]) for param, collection in endpoint.parents]
    if endpoint.id_param is not None and endpoint.collection is not None:
        named.append((endpoint.collection, ctx.object_id))
    deleted = _deleted(ctx.state)
    return all(
        ctx.state.get(collection, object_id) is not None or (collection, object_id) in deleted
        for collection, object_id in named
    )


def _deleted(state: StateStore) -> set[tuple[str, str]]:
    tombstones: set[tuple[str, str]] = state.extras.setdefault(_DELETED, set())
    return tombstones


def _guessed(state: StateStore) -> set[tuple[str, str]]:
    made_up: set[tuple[str, str]] = state.extras.setdefault(_GUESSED, set())
    return made_up


# -- one exchange -----------------------------------------------------------------------------
def learn_exchange(ctx: Context, response: httpx.Response) -> None:
    """Keep what one successful answer of a stateful route shows. Best effort: an answer that
    cannot be read (or a body that is not JSON) seeds nothing and never fails the request."""
    endpoint = ctx.endpoint
    if response.status_code >= 300 or not (endpoint.stateful or endpoint.parents):
        return
    if endpoint.kind == "delete" and endpoint.collection:
        ctx.state.delete(endpoint.collection, ctx.object_id)
        _deleted(ctx.state).add((endpoint.collection, ctx.object_id))
        # A deleted response's input items go with it, as the Responses module does.
        ctx.state.extras.get(INPUT_ITEMS, {}).pop(ctx.object_id, None)
    for data in answered_objects(response):
        if isinstance(data, dict) and data.get("object") == "list":
            _learn_listing(ctx, data)
        elif isinstance(data, dict):
            _learn_object(ctx, data)


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


def _learn_object(ctx: Context, data: dict[str, Any]) -> None:
    kind = data.get("object")
    if kind is None and "conversations" in ctx.parent_links:
        _put_conversation_items(ctx.state, ctx.parent_links["conversations"], [data])
    elif kind == "response":
        _learn_response(ctx, data)
    elif kind == "conversation":
        _learn_conversation(ctx, data)
    else:
        ctx.state.learn(data, **ctx.parent_links)


def _learn_listing(ctx: Context, listing: dict[str, Any]) -> None:
    items = [item for item in listing.get("data") or [] if isinstance(item, dict)]
    if ctx.query.get("order") != "asc":
        items.reverse()  # pages default to newest first; the store keeps oldest first
    complete = _is_complete(ctx, listing)
    if ctx.endpoint.sdk.endswith("responses.input_items.list"):
        if complete:
            _replace_input_items(ctx.state, ctx.params["response_id"], items)
        return
    collection = ctx.endpoint.collection
    if complete and ctx.endpoint.kind == "list" and collection:
        listed = {str(item.get("id")) for item in items}
        guessed = _guessed(ctx.state)
        for child in ctx.state.ids(collection, **ctx.parent_links):
            if (collection, child) in guessed and child not in listed:
                ctx.state.delete(collection, child)
    for item in items:
        _learn_object(ctx, item)


def _is_complete(ctx: Context, listing: dict[str, Any]) -> bool:
    """A page that is a parent's whole set of children: first page, no filter, nothing more."""
    narrowed = any(key not in _NOT_FILTERS for key in ctx.query)
    cursor = "after" in ctx.query or "before" in ctx.query
    return bool(ctx.endpoint.parents) and not (narrowed or cursor or listing.get("has_more"))


# -- Responses and Conversations --------------------------------------------------------------
def _learn_response(ctx: Context, data: dict[str, Any]) -> None:
    # ``store: false`` responses cannot be retrieved from the service either.
    if data.get("store") is False and not data.get("background"):
        return
    state = ctx.state
    if not state.learn(data):
        return
    response_id = str(data["id"])
    # A response the recording shows is no longer the mock's to drive.
    state.extras.get(_PENDING, {}).pop(response_id, None)
    inputs = _input_items(ctx, response_id)
    conversation = data.get("conversation")
    if isinstance(conversation, dict) and data.get("status") in ("completed", "incomplete"):
        conversation_id = str(conversation.get("id"))
        _put_conversation_items(state, conversation_id, [dump_model(i) for i in inputs], True)
        _put_conversation_items(state, conversation_id, data.get("output") or [])


def _input_items(ctx: Context, response_id: str) -> list[BaseModel]:
    """The response's input items: from its creating request, the first time it is seen."""
    stored: dict[str, list[BaseModel]] = ctx.state.extras.setdefault(INPUT_ITEMS, {})
    if response_id not in stored and ctx.endpoint.sdk.endswith("responses.create"):
        stored[response_id] = _validated(_request_items(ctx, "input"), validated_response_items)
    return stored.get(response_id, [])


def _replace_input_items(state: StateStore, response_id: str, items: list[dict[str, Any]]) -> None:
    # The listed items carry the ids the service gave the input, which the request lacked.
    stored: dict[str, list[BaseModel]] = state.extras.setdefault(INPUT_ITEMS, {})
    stored[response_id] = _validated(items, validated_response_items)


def _learn_conversation(ctx: Context, data: dict[str, Any]) -> None:
    state = ctx.state
    new = state.get("conversations", str(data.get("id"))) is None
    if state.learn(data) and new and ctx.endpoint.kind == "create":
        # The service adds the creating request's ``items``; the answer does not list them.
        _put_conversation_items(state, str(data["id"]), _request_items(ctx, "items"), True)


def _request_items(ctx: Context, field: str) -> list[dict[str, Any]]:
    try:
        body = ctx.body
        return item_dicts(body.get(field), lambda item_id: find_item(ctx.state, item_id))
    except (MalformedBody, ValueError, TypeError):
        return []


def _put_conversation_items(
    state: StateStore, conversation_id: str, items: list[dict[str, Any]], guessed: bool = False
) -> None:
    for item in _validated(items, conversation_items):
        state.put(item, "conversation_items", conversations=conversation_id)
        if guessed:
            _guessed(state).add(("conversation_items", str(getattr(item, "id", ""))))


def _validated(
    items: list[dict[str, Any]], validate: Callable[[list[dict[str, Any]]], list[BaseModel]]
) -> list[BaseModel]:
    """Each item as its SDK type; one the type rejects is left out rather than failing all."""
    kept: list[BaseModel] = []
    for item in items:
        try:
            kept += validate([item])
        except (pydantic.ValidationError, ValueError):
            continue
    return kept


# -- a whole cassette -------------------------------------------------------------------------
def seed_from_cassette(state: StateStore, path: Path) -> StateStore:
    """Seed ``state`` with every interaction of the cassette at ``path``, in recorded order."""
    for interaction in load_cassette(path):
        learn_interaction(state, interaction)
    return state


def learn_interaction(state: StateStore, interaction: Interaction) -> None:
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
