"""Behaviour per endpoint kind: written once, used by every row of the table."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import pydantic
from pydantic import BaseModel

from ._defaults import deep_merge, new_id, now, skeleton
from ._endpoints._table import Answer, Context, Endpoint
from ._errors import bad_request, not_found
from ._params import check_query, request_fault

__all__ = [
    "build_object",
    "handle",
    "json_response",
    "missing_parent",
    "updated",
    "with_partial",
]


def handle(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    """Answer a request from defaults and state; ``partial`` is the user's ``.response`` dict."""
    endpoint = ctx.endpoint
    body = ctx.body  # read first: a body the API cannot parse is a 400 on every endpoint
    missing = [name for name in endpoint.required if name not in body]
    if missing:
        return bad_request(f"Missing required parameter: '{missing[0]}'.", param=missing[0])
    check_query(ctx.query, listing=endpoint.kind == "list")
    parent_error = missing_parent(ctx)
    if parent_error is not None:
        return parent_error
    handler = endpoint.handler or _KINDS[endpoint.kind]
    try:
        answer = handler(ctx, partial)
        return answer if not partial else with_partial(ctx, answer, partial)
    except pydantic.ValidationError as error:
        # An object built from request data the answer type refuses: the API's 400. An error
        # the user's partial causes stays an error in the test (raised on).
        raise request_fault(error, ctx.body, partial) or error from None


_STORING = ("create", "update", "action")  # kinds whose answer is the object as now stored


def with_partial(ctx: Context, answer: Answer, partial: dict[str, Any]) -> Answer:
    """The handler's answer with the user's partial merged over it.

    Handlers that build objects merge the partial where it belongs (before storing, before
    a run's lifecycle reads it); this pass makes every other one honour it too. Merging is
    idempotent, so an answer that already carries the partial is unchanged. Errors and
    non-JSON answers (file contents) have nothing to merge into.
    """
    if isinstance(answer, dict):
        merged: dict[str, Any] = deep_merge(answer, partial)
        return merged
    if not isinstance(answer, BaseModel):
        return answer
    data = answer.model_dump(mode="json", by_alias=True, exclude_unset=True)
    new = deep_merge(data, partial)
    if new == data:
        return answer
    obj = type(answer).model_validate(new)
    collection = ctx.endpoint.collection
    if collection and ctx.endpoint.kind in _STORING and ctx.state.holds(collection, obj):
        ctx.state.put(obj, collection, **ctx.parent_links)  # what it made carries the partial
    return obj


def json_response(
    obj: BaseModel | dict[str, Any], headers: Mapping[str, str] | None = None
) -> httpx.Response:
    """A 200 JSON answer; openai objects dumped as the API sends them (aliases, set fields)."""
    data = (
        obj.model_dump(mode="json", by_alias=True, exclude_unset=True)
        if isinstance(obj, BaseModel)
        else obj
    )
    return httpx.Response(
        200,
        content=json.dumps(data).encode(),
        headers={"content-type": "application/json", **(headers or {})},
    )


def missing_parent(ctx: Context) -> httpx.Response | None:
    for param, collection in ctx.endpoint.parents:
        if ctx.state.get(collection, ctx.params[param]) is None:
            return not_found(collection.rstrip("s").replace("_", " "), ctx.params[param])
    return None


def build_object(ctx: Context, partial: dict[str, Any] | None = None) -> BaseModel:
    """A new object of the endpoint's type: skeleton < echo < row defaults < user partial."""
    endpoint = ctx.endpoint
    assert endpoint.model is not None, endpoint.sdk
    model = endpoint.model
    base = deep_merge(skeleton(model), _automatic_fields(model, endpoint))
    echoed = {k: v for k, v in ctx.body.items() if k in model.model_fields} if endpoint.echo else {}
    data = deep_merge(base, echoed)
    if endpoint.defaults is not None:
        data = deep_merge(data, endpoint.defaults(ctx))
    if partial:
        data = deep_merge(data, partial)
    return _validate_dropping_echo(model, data, base, set(echoed) - set(partial or {}))


def _automatic_fields(model: type[BaseModel], endpoint: Endpoint) -> dict[str, Any]:
    fields = model.model_fields
    auto: dict[str, Any] = {}
    if "id" in fields and endpoint.id_prefix:
        auto["id"] = new_id(endpoint.id_prefix)
    for name in ("created", "created_at"):
        if name in fields:
            auto[name] = now()
    return auto


def _validate_dropping_echo(
    model: type[BaseModel], data: dict[str, Any], base: dict[str, Any], echoed: set[str]
) -> BaseModel:
    # A request field may be spelled differently in the answer type; such an echo is
    # dropped rather than failing the whole answer.
    for _ in range(len(echoed) + 1):
        try:
            return model.model_validate(data)
        except pydantic.ValidationError as error:
            bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]} & echoed
            if not bad:
                raise
            for key in bad:
                echoed.discard(key)
                if key in base:
                    data[key] = base[key]
                else:
                    data.pop(key, None)
    return model.model_validate(data)


def _create(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    obj = build_object(ctx, partial)
    if ctx.endpoint.collection:
        ctx.state.put(obj, ctx.endpoint.collection, **ctx.parent_links)
    return obj


def _stored(ctx: Context) -> BaseModel | httpx.Response:
    endpoint = ctx.endpoint
    assert endpoint.collection is not None, endpoint.sdk
    obj = ctx.state.get(endpoint.collection, ctx.object_id, **ctx.parent_links)
    if obj is None:
        return not_found(endpoint.noun, ctx.object_id)
    return obj


def _retrieve(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    obj = _stored(ctx)
    if isinstance(obj, httpx.Response) or not partial:
        return obj
    return updated(obj, partial)


def _update(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    obj = _stored(ctx)
    if isinstance(obj, httpx.Response):
        return obj
    changes = {k: v for k, v in ctx.body.items() if k in type(obj).model_fields}
    new = updated(obj, deep_merge(changes, partial or {}))
    assert ctx.endpoint.collection is not None
    ctx.state.put(new, ctx.endpoint.collection)
    return new


def updated(obj: BaseModel, changes: dict[str, Any]) -> BaseModel:
    data = obj.model_dump(mode="json", by_alias=True, exclude_unset=True)
    for key, value in changes.items():
        # Nested objects merge; lists and metadata maps are replaced, as the API updates them.
        mergeable = isinstance(value, dict) and key != "metadata" and key in data
        data[key] = deep_merge(data[key], value) if mergeable else value
    return type(obj).model_validate(data)


def _delete(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    endpoint = ctx.endpoint
    assert endpoint.collection is not None, endpoint.sdk
    obj = ctx.state.get(endpoint.collection, ctx.object_id, **ctx.parent_links)
    if obj is None or not ctx.state.delete(endpoint.collection, ctx.object_id):
        return not_found(endpoint.noun, ctx.object_id)
    kind = getattr(obj, "object", endpoint.noun)
    answer = {"id": ctx.object_id, "object": f"{kind}.deleted", "deleted": True}
    if endpoint.model and skeleton(endpoint.model).get("object"):
        answer["object"] = skeleton(endpoint.model)["object"]  # a Literal like FileDeleted's "file"
    answer = deep_merge(answer, partial or {})
    return endpoint.model.model_validate(answer) if endpoint.model else answer


def _list(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    endpoint = ctx.endpoint
    assert endpoint.collection is not None, endpoint.sdk
    where = endpoint.where(ctx) if endpoint.where else None
    page = ctx.state.page(endpoint.collection, ctx.query, where=where, **ctx.parent_links)
    listing: dict[str, Any] = deep_merge(page.to_json(), partial or {})
    return listing


def _content(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    endpoint = ctx.endpoint
    assert endpoint.collection is not None, endpoint.sdk
    if ctx.state.get(endpoint.collection, ctx.object_id) is None:
        return not_found(endpoint.noun, ctx.object_id)
    content = ctx.state.content(endpoint.collection, ctx.object_id) or b""
    return httpx.Response(
        200, content=content, headers={"content-type": "application/octet-stream"}
    )


def _stateless(ctx: Context, partial: dict[str, Any] | None) -> Answer:
    return build_object(ctx, partial)


_KINDS = {
    "create": _create,
    "retrieve": _retrieve,
    "update": _update,
    "delete": _delete,
    "list": _list,
    "content": _content,
    "stateless": _stateless,
    "action": _stateless,
}
