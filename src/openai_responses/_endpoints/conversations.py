"""Rows for the Conversations API: conversations and their items.

A conversation is a stored list of items; ``responses.create(conversation=...)`` appends each
turn's input and output items to it (see ``append_items``), and deleting the conversation
deletes its items (the collection's parent link cascades).
"""

from __future__ import annotations

from typing import Any

import httpx
import pydantic
from pydantic import BaseModel

from .._defaults import deep_merge
from .._errors import bad_request, not_found, openai_error
from .._handlers import build_object, updated
from .._sdk_types import resolve
from .._sse import dump_model
from .._state import Collection, StateStore, register_collection
from ._items import conversation_items, find_item, guessed, item_dicts, request_items, valid_only
from ._table import Answer, Context, Endpoint

__all__ = [
    "ENDPOINTS",
    "append_items",
    "conversation_not_found",
    "invalid_items",
    "learn_items",
    "with_partial",
]

# The area's types, by name: ``openai.types.conversations`` loads with its first request.
_CONVERSATION = "conversations.conversation:Conversation"
_DELETED = "conversations.conversation_deleted_resource:ConversationDeletedResource"
_ITEM_LIST = "conversations.conversation_item_list:ConversationItemList"
_MESSAGE = "conversations.message:Message"

register_collection(Collection("conversations", _CONVERSATION))
# Items are a union of types; Message (the commonest) is the one `put(obj)` dispatches on.
register_collection(Collection("conversation_items", _MESSAGE, parent="conversations"))


def _sdk(spec: str) -> type[BaseModel]:
    found = resolve(spec)
    assert found is not None, spec  # the area's rows exist only with its types
    return found


# -- shared with the Responses rows ----------------------------------------------------------
def conversation_not_found(conversation_id: str, param: str | None = None) -> httpx.Response:
    # Worded like the core's answer for a missing parent path id, which the item rows get.
    return openai_error(404, f"No conversation found with id '{conversation_id}'.", param=param)


def invalid_items(param: str, error: Exception) -> httpx.Response:
    detail = error.errors()[0]["msg"] if isinstance(error, pydantic.ValidationError) else str(error)
    return bad_request(f"Invalid '{param}': {detail}", param=param)


def append_items(
    state: StateStore, conversation_id: str, dicts: list[dict[str, Any]]
) -> list[BaseModel]:
    """Validate item dicts as conversation items and append them to the conversation."""
    items = conversation_items(dicts)
    for item in items:
        state.put(item, "conversation_items", conversations=conversation_id)
    return items


def with_partial(obj: BaseModel, partial: dict[str, Any] | None) -> BaseModel:
    """A stored object with the user's ``.response`` partial merged over it."""
    if not partial:
        return obj
    return type(obj).model_validate(deep_merge(dump_model(obj), partial))


# -- seeding from recorded answers (see _seeding) ----------------------------------------------
def learn_items(
    state: StateStore, conversation_id: str, dicts: list[dict[str, Any]], made_up: bool = False
) -> None:
    """Recorded items into the conversation; ``made_up``: their ids are the seeding's own,
    to be replaced by the service's when a complete recorded listing shows them."""
    for item in valid_only(dicts, conversation_items):
        state.put(item, "conversation_items", conversations=conversation_id)
        if made_up:
            guessed(state).add(("conversation_items", str(getattr(item, "id", ""))))


def _learn_created(ctx: Context, data: dict[str, Any]) -> bool:
    # The service adds the creating request's ``items``; the answer does not list them.
    conversation_id = str(data.get("id"))
    if data.get("object") != "conversation" or ctx.state.get("conversations", conversation_id):
        return False
    if ctx.state.learn(data):
        learn_items(ctx.state, conversation_id, request_items(ctx, "items"), made_up=True)
    return True


def _learn_item(ctx: Context, data: dict[str, Any]) -> bool:
    # Items carry no ``object`` literal (nor their conversation's id): the path says both.
    if "object" in data:
        return False
    learn_items(ctx.state, ctx.params["conversation_id"], [data])
    return True


# -- handlers --------------------------------------------------------------------------------
def _new_items(ctx: Context) -> list[dict[str, Any]]:
    return item_dicts(ctx.body.get("items"), lambda item_id: find_item(ctx.state, item_id))


def _conversation(ctx: Context) -> BaseModel | httpx.Response:
    conversation_id = ctx.params["conversation_id"]
    found = ctx.state.get("conversations", conversation_id)
    return found if found is not None else conversation_not_found(conversation_id)


def _create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    try:
        dicts = _new_items(ctx)
        conversation_items(dicts)  # validate every item before anything is stored
    except (ValueError, pydantic.ValidationError) as error:
        return invalid_items("items", error)
    conversation = build_object(ctx, partial)
    ctx.state.put(conversation, "conversations")
    append_items(ctx.state, str(getattr(conversation, "id")), dicts)  # noqa: B009
    return conversation


def _defaults(ctx: Context) -> dict[str, Any]:
    return {} if "metadata" in ctx.body else {"metadata": {}}


def _retrieve(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    found = _conversation(ctx)
    return found if isinstance(found, httpx.Response) else with_partial(found, partial)


def _update(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    found = _conversation(ctx)
    if isinstance(found, httpx.Response):
        return found
    changes = deep_merge({"metadata": ctx.body.get("metadata") or {}}, partial or {})
    new = updated(found, changes)  # the shared update semantics: metadata replaced whole
    ctx.state.put(new, "conversations")
    return new


def _delete(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    found = _conversation(ctx)
    if isinstance(found, httpx.Response):
        return found
    ctx.state.delete("conversations", ctx.params["conversation_id"])
    answer = {
        "id": ctx.params["conversation_id"],
        "object": "conversation.deleted",
        "deleted": True,
    }
    return _sdk(_DELETED).model_validate(deep_merge(answer, partial or {}))


def _item_list(items: list[BaseModel]) -> dict[str, Any]:
    data = [dump_model(item) for item in items]
    # The SDK types these ids as strings, so an empty list answers "" rather than null.
    ids = [str(item["id"]) for item in data] or [""]
    return {
        "object": "list",
        "data": data,
        "first_id": ids[0],
        "last_id": ids[-1],
        "has_more": False,
    }


# The item rows declare the conversation as their parent: the core answers its 404.
def _items_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    try:
        dicts = _new_items(ctx)
        conversation_items(dicts)
    except (ValueError, pydantic.ValidationError) as error:
        return invalid_items("items", error)
    added = append_items(ctx.state, ctx.params["conversation_id"], dicts)
    return _sdk(_ITEM_LIST).model_validate(deep_merge(_item_list(added), partial or {}))


def _items_list(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    conversation_id = ctx.params["conversation_id"]
    page = ctx.state.page("conversation_items", ctx.query, conversations=conversation_id)
    listing: dict[str, Any] = deep_merge(page.to_json(), partial or {})
    return listing


def _item(ctx: Context) -> BaseModel | httpx.Response:
    item_id, conversation_id = ctx.params["item_id"], ctx.params["conversation_id"]
    if item_id not in ctx.state.ids("conversation_items", conversations=conversation_id):
        return not_found("item", item_id)
    item = ctx.state.get("conversation_items", item_id)
    assert item is not None
    return item


def _items_retrieve(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    item = _item(ctx)
    return item if isinstance(item, httpx.Response) else with_partial(item, partial)


def _items_delete(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    item = _item(ctx)
    if isinstance(item, httpx.Response):
        return item
    ctx.state.delete("conversation_items", ctx.params["item_id"])
    # The API answers an item deletion with the conversation the item was removed from.
    conversation = ctx.state.get("conversations", ctx.params["conversation_id"])
    assert conversation is not None
    return with_partial(conversation, partial)


_ONE = "/conversations/{conversation_id}"
_ITEMS = _ONE + "/items"
_PARENT = (("conversation_id", "conversations"),)

ENDPOINTS = (
    Endpoint(
        "conversations.create",
        "POST",
        "/conversations",
        "create",
        _CONVERSATION,
        "conversations",
        "conversation",
        id_prefix="conv_",
        defaults=_defaults,
        handler=_create,
        learn=_learn_created,
    ),
    Endpoint(
        "conversations.retrieve",
        "GET",
        _ONE,
        "retrieve",
        _CONVERSATION,
        "conversations",
        "conversation",
        handler=_retrieve,
    ),
    Endpoint(
        "conversations.update",
        "POST",
        _ONE,
        "update",
        _CONVERSATION,
        "conversations",
        "conversation",
        handler=_update,
    ),
    Endpoint(
        "conversations.delete",
        "DELETE",
        _ONE,
        "delete",
        _DELETED,
        "conversations",
        "conversation",
        handler=_delete,
    ),
    Endpoint(
        "conversations.items.create",
        "POST",
        _ITEMS,
        "action",
        _ITEM_LIST,
        None,  # answers a list, not one storable object: the handler stores the items
        "item",
        parents=_PARENT,
        handler=_items_create,
        learn=_learn_item,
    ),
    Endpoint(
        "conversations.items.list",
        "GET",
        _ITEMS,
        "list",
        None,
        "conversation_items",
        "item",
        parents=_PARENT,
        handler=_items_list,
        learn=_learn_item,
    ),
    Endpoint(
        "conversations.items.retrieve",
        "GET",
        _ITEMS + "/{item_id}",
        "retrieve",
        None,
        "conversation_items",
        "item",
        parents=_PARENT,
        handler=_items_retrieve,
        learn=_learn_item,
    ),
    Endpoint(
        "conversations.items.delete",
        "DELETE",
        _ITEMS + "/{item_id}",
        "delete",
        _CONVERSATION,
        "conversation_items",
        "item",
        parents=_PARENT,
        handler=_items_delete,
    ),
)
