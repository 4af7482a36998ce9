"""Items: what a Responses ``input`` or a conversation ``items`` body becomes once stored.

The API stores every input entry as a complete item with an id: a bare string is a user
message, easy messages (``{"role", "content": "text"}``) get typed content parts, and
``item_reference`` entries resolve to the item they name. Responses and Conversations share
this, each validating the dicts into its own item union.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import pydantic
from openai.types.responses import ResponseItem
from pydantic import BaseModel, TypeAdapter

from .._defaults import new_id
from .._sse import dump_model
from .._state import StateStore
from ._table import Context, MalformedBody

__all__ = [
    "INPUT_ITEMS",
    "conversation_items",
    "find_item",
    "guessed",
    "item_dicts",
    "request_items",
    "response_items",
    "valid_only",
]

# StateStore.extras key: response id -> that response's input items, in request order. Kept
# outside a collection because one item (an output sent back as input) may belong to several
# responses, and a collection keys objects by id alone.
INPUT_ITEMS = "responses.input_items"
# StateStore.extras key: (collection, id) of items seeded with ids the seeding made up (a
# request's items carry none); a complete recorded listing of their parent replaces them.
_GUESSED = "items.guessed"


# Built on first use: a TypeAdapter of these unions costs ~25 ms each to build.
@functools.cache
def _adapter(union: Any) -> TypeAdapter[Any]:
    return TypeAdapter(union)


_ID_PREFIXES = {
    "message": "msg_",
    "function_call": "fc_",
    "function_call_output": "fco_",
    "reasoning": "rs_",
}
# Item types whose schema has a required ``status``; the API reports stored input as done.
_WITH_STATUS = frozenset({"message", "function_call", "function_call_output"})

Lookup = Callable[[str], "dict[str, Any] | None"]


def item_dicts(entries: Any, lookup: Lookup) -> list[dict[str, Any]]:
    """Complete item dicts (ids, types, content parts) for a request's ``input``/``items``."""
    if entries is None:
        return []
    if isinstance(entries, str):
        entries = [{"role": "user", "content": entries}]
    if not isinstance(entries, list):
        raise ValueError("expected a string or an array of input items")
    items = [_item(entry, lookup) for entry in entries]
    return [item for item in items if item is not None]


def _item(entry: Any, lookup: Lookup) -> dict[str, Any] | None:
    if not isinstance(entry, dict):
        raise ValueError(f"expected an object as input item, got {type(entry).__name__}")
    kind = str(entry.get("type") or "message")  # easy messages may leave the type out
    if kind == "item_reference":
        return lookup(str(entry.get("id")))
    item: dict[str, Any] = {**entry, "type": kind}
    item.setdefault("id", new_id(_ID_PREFIXES.get(kind, f"{kind}_")))
    if kind in _WITH_STATUS:
        item.setdefault("status", "completed")
    if kind == "message":
        item["content"] = _parts(str(item.get("role", "user")), item.get("content"))
    return item


def _parts(role: str, content: Any) -> list[dict[str, Any]]:
    text_type = "output_text" if role == "assistant" else "input_text"
    if isinstance(content, str):
        content = [{"type": text_type, "text": content}]
    if content is not None and not isinstance(content, list):
        raise ValueError(f"expected a string or an array as content, got {type(content).__name__}")
    parts: list[dict[str, Any]] = []
    for part in content or []:
        if isinstance(part, dict) and part.get("type") == "output_text":
            part = {"annotations": [], **part}
        parts.append(part)
    return parts


def response_items(items: Iterable[dict[str, Any]]) -> list[BaseModel]:
    """The dicts as the SDK's ``ResponseItem`` types (input_items.list)."""
    return [_adapter(ResponseItem).validate_python(item) for item in items]


def conversation_items(items: Iterable[dict[str, Any]]) -> list[BaseModel]:
    """The dicts as the SDK's ``ConversationItem`` types (conversations.items)."""
    from openai.types.conversations import ConversationItem  # with the area's first request

    return [_adapter(ConversationItem).validate_python(item) for item in items]


def find_item(state: StateStore, item_id: str) -> dict[str, Any] | None:
    """A stored item by id (what ``item_reference`` names): conversations, outputs, inputs."""
    stored = state.get("conversation_items", item_id)
    if stored is not None:
        return dict(dump_model(stored))
    outputs = (
        item for response in state.all("responses") for item in getattr(response, "output", [])
    )
    inputs = (item for items in state.extras.get(INPUT_ITEMS, {}).values() for item in items)
    for candidate in (*outputs, *inputs):
        if getattr(candidate, "id", None) == item_id:
            return dict(dump_model(candidate))
    return None


# -- seeding: the items a recorded request sent --------------------------------------------
def request_items(ctx: Context, field: str) -> list[dict[str, Any]]:
    """The request's ``input``/``items`` as complete item dicts; [] when they cannot be read."""
    try:
        body = ctx.body
        return item_dicts(body.get(field), lambda item_id: find_item(ctx.state, item_id))
    except (MalformedBody, ValueError, TypeError):
        return []


def guessed(state: StateStore) -> set[tuple[str, str]]:
    made_up: set[tuple[str, str]] = state.extras.setdefault(_GUESSED, set())
    return made_up


def valid_only(
    items: list[dict[str, Any]], validate: Callable[[list[dict[str, Any]]], list[BaseModel]]
) -> list[BaseModel]:
    """Each item as its SDK type; one the type rejects is left out rather than failing all
    (seeding is best effort and never fails a replay)."""
    kept: list[BaseModel] = []
    for item in items:
        try:
            kept += validate([item])
        except (pydantic.ValidationError, ValueError):
            continue
    return kept
