"""Behaviour shared by the surface rows, written once: echo, stored CRUD, lifecycles, content.

Core kinds (``_handlers``) already answer stateful create/retrieve/update/content; this module adds
what the wider SDK surface needs on top: path parameters echoed into answers, deletes answered in
whatever ``*Deleted`` type a resource uses, lists with every cursor field the SDK's page classes
read, actions on stored objects, status lifecycles that advance as a client polls, and answers
for stateless lists, binary content, empty bodies and empty event streams.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pydantic
from pydantic import BaseModel

from ..._defaults import deep_merge, now, skeleton
from ..._errors import bad_request, not_found
from ..._handlers import build_object, json_response, updated
from ..._sdk_types import TypeName
from ..._sse import encode_event
from ..._state import StateStore
from .._table import Answer, Context, Kind

__all__ = [
    "Lifecycle",
    "default_handler",
    "json_answer",
    "stored",
    "stored_action",
    "with_path_echo",
]

Handler = Callable[[Context, "dict[str, Any] | None"], Answer]
Changes = Mapping[str, Any] | Callable[[BaseModel, Context], "dict[str, Any]"]

# Polling helpers (``*_and_poll``, ``videos.poll``) honour this header; 0 keeps tests sleepless.
POLL_HEADERS = {"openai-poll-after-ms": "0"}
EMPTY_PAGE: dict[str, Any] = {
    "object": "list",
    "data": [],
    "first_id": None,
    "last_id": None,
    "has_more": False,
    "next": None,
}


def with_path_echo(
    defaults: Callable[[Context], dict[str, Any]] | None,
) -> Callable[[Context], dict[str, Any]]:
    """Row defaults over the path parameters the answer type also has (``vector_store_id``)."""

    def combined(ctx: Context) -> dict[str, Any]:
        echoed = path_fields(ctx)
        return deep_merge(echoed, defaults(ctx)) if defaults else echoed

    return combined


def path_fields(ctx: Context) -> dict[str, Any]:
    model = ctx.endpoint.model
    fields = model.model_fields if model else {}
    echoed = {name: value for name, value in ctx.params.items() if name in fields}
    own = ctx.endpoint.id_param
    if own and "id" in fields and ctx.endpoint.kind != "create":
        echoed["id"] = ctx.params[own]
    return echoed


def json_answer(
    obj: BaseModel | dict[str, Any], headers: Mapping[str, str] | None = None
) -> Answer:
    return json_response(obj, headers)


# -- stateless answers -----------------------------------------------------------------------
def _object(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    return build_object(ctx, partial)


def _empty_page(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    page: dict[str, Any] = deep_merge(EMPTY_PAGE, partial or {})
    return page


def _page_of_one(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    item = build_object(ctx, None).model_dump(mode="json", by_alias=True, exclude_unset=True)
    page: dict[str, Any] = deep_merge({**EMPTY_PAGE, "data": [item]}, partial or {})
    return page


def _binary(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    return httpx.Response(200, content=b"", headers={"content-type": "application/octet-stream"})


def _void(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    # The SDK types these answers as None and never reads the body.
    return httpx.Response(200, content=b"")


def _empty_stream(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    # Nothing happens on its own; a partial is one event of the row's type.
    content = encode_event(build_object(ctx, partial)) if partial else b""
    return httpx.Response(200, content=content, headers={"content-type": "text/event-stream"})


# -- stored objects --------------------------------------------------------------------------
def stored(ctx: Context, collection: str | None = None) -> BaseModel | httpx.Response:
    """The object the path names in the row's collection, or OpenAI's 404."""
    name = collection or ctx.endpoint.collection
    assert name is not None, ctx.endpoint.sdk
    obj = ctx.state.get(name, ctx.object_id, **ctx.parent_links)
    return obj if obj is not None else not_found(ctx.endpoint.noun, ctx.object_id)


def _stored_create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    obj = build_object(ctx, partial)
    assert ctx.endpoint.collection is not None
    ctx.state.put(obj, ctx.endpoint.collection, **ctx.parent_links)
    return obj


def _stored_list(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    assert ctx.endpoint.collection is not None
    page = ctx.state.page(
        ctx.endpoint.collection, ctx.query, where=None, default_order="desc", **ctx.parent_links
    ).to_json()
    # NextCursorPage and TokenPage follow ``next``; CursorPage follows the last id.
    page["next"] = page["last_id"] if page["has_more"] else None
    listing: dict[str, Any] = deep_merge(page, partial or {})
    return listing


def _stored_delete(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    obj = stored(ctx)
    if isinstance(obj, httpx.Response):
        return obj
    assert ctx.endpoint.collection is not None
    ctx.state.delete(ctx.endpoint.collection, ctx.object_id)
    model = ctx.endpoint.model
    if model is None:
        return _void(ctx, partial)
    return model.model_validate(deep_merge(deleted_answer(model, obj, ctx), partial or {}))


def _stored_update(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    obj = stored(ctx)
    if isinstance(obj, httpx.Response):
        return obj
    fields = type(obj).model_fields
    changes = {k: v for k, v in ctx.body.items() if k in fields}
    try:
        return apply(ctx, obj, deep_merge(changes, partial or {}))
    except pydantic.ValidationError as error:
        return bad_request(f"Invalid update: {str(error).splitlines()[0]}")


def deleted_answer(model: type[BaseModel], obj: BaseModel, ctx: Context) -> dict[str, Any]:
    """A ``*Deleted`` answer in the shape of ``model`` (literal ``object`` kept from its type)."""
    data: dict[str, Any] = deep_merge(skeleton(model), path_fields(ctx))
    fields = model.model_fields
    if "id" in fields:
        data["id"] = ctx.object_id
    if "deleted" in fields:
        data["deleted"] = True
    if "object" in fields and not data.get("object"):
        data["object"] = f"{getattr(obj, 'object', ctx.endpoint.noun)}.deleted"
    return data


def stored_action(changes: Changes | None = None) -> Handler:
    """An action on a stored object (cancel, pause, archive…): apply ``changes``, keep, answer."""

    def handler(ctx: Context, partial: dict[str, Any] | None) -> Answer:
        obj = stored(ctx)
        if isinstance(obj, httpx.Response):
            return obj
        update = changes(obj, ctx) if callable(changes) else dict(changes or {})
        return apply(ctx, obj, deep_merge(update, partial or {}))

    return handler


def apply(ctx: Context, obj: BaseModel, changes: dict[str, Any]) -> BaseModel:
    """Store ``obj`` with ``changes`` and answer it in the row's type."""
    kept = updated(obj, changes)  # the API's update semantics, written once in _handlers
    data = kept.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert ctx.endpoint.collection is not None
    ctx.state.put(kept, ctx.endpoint.collection)
    model = ctx.endpoint.model or type(obj)
    return (
        kept if isinstance(kept, model) else model.model_validate(deep_merge(skeleton(model), data))
    )


# -- lifecycles ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lifecycle:
    """Statuses a stored object walks through, one step per retrieve, as a poll loop sees them.

    ``stamps`` names the timestamp field set on entering a status; ``on_done`` adds the fields
    the final status brings (an output file, a fine-tuned model).
    """

    statuses: tuple[str, ...]
    stamps: Mapping[str, str] = ()  # type: ignore[assignment]
    on_done: Callable[[BaseModel, Context], dict[str, Any]] | None = None

    def advance(self, ctx: Context, obj: BaseModel) -> BaseModel:
        status = getattr(obj, "status", None)
        if status not in self.statuses[:-1]:
            return obj
        following = self.statuses[self.statuses.index(status) + 1]
        changes: dict[str, Any] = {"status": following}
        stamp = dict(self.stamps).get(following)
        if stamp:
            changes[stamp] = now()
        if following == self.statuses[-1] and self.on_done is not None:
            changes.update(self.on_done(obj, ctx))
        return apply(ctx, obj, changes)

    def retrieve(self, ctx: Context, partial: dict[str, Any] | None) -> Answer:
        obj = stored(ctx)
        if isinstance(obj, httpx.Response):
            return obj
        obj = self.advance(ctx, obj)
        if partial:
            obj = apply(ctx, obj, partial)
        return json_answer(obj, POLL_HEADERS)


def default_handler(
    kind: Kind, collection: str | None, model: TypeName, streams: bool, pages: bool
) -> Handler | None:
    """The handler a row gets from its kind; None leaves it to the core kinds."""
    if streams:
        return _empty_stream
    if pages:
        return _page_of_one
    if collection is not None:
        return _STATEFUL.get(kind)
    if kind == "list":
        return _empty_page
    if kind == "content":
        return _binary
    return _object if model is not None else _void


_STATEFUL: dict[str, Handler] = {
    "create": _stored_create,
    "list": _stored_list,
    "delete": _stored_delete,
    "update": _stored_update,
    "action": stored_action(),
}


def state_extras(state: StateStore, key: str) -> dict[str, Any]:
    """Per-store scratch space of one area (upload parts, chat messages…)."""
    value: dict[str, Any] = state.extras.setdefault(key, {})
    return value
