"""Builders and mergers for every model of the endpoint table, on the mock's own defaults.

A builder makes what the row's route would answer before any handler logic: the type's
skeleton, a realistic id and timestamps, the request's fields echoed, the row's defaults,
then the caller's partial (``_handlers.build_object``). It touches no StateStore the caller
can see; putting the object somewhere is the caller's choice.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import pydantic
from pydantic import BaseModel

from .._conversion import is_httpx2, to_httpx_request
from .._defaults import deep_merge, new_id, now, skeleton

if TYPE_CHECKING:
    from .._endpoints import Context, Endpoint

__all__ = ["build", "merge", "model_names", "row_for"]

ModelT = TypeVar("ModelT", bound=BaseModel)

# Ids of objects whose rows make them in a handler (no ``id_prefix`` on the row), by the
# API's ``object`` literal: the prefixes those handlers use.
_PREFIXES = {
    "thread": "thread_",
    "thread.message": "msg_",
    "thread.run": "run_",
    "thread.run.step": "step_",
    "file": "file-",
    "vector_store.file": "file-",
    "vector_store.files_batch": "vsfb_",
    "response": "resp_",
}
# Which row stands for a model when several answer it: the one that makes it.
_KIND_ORDER = ("create", "stateless", "action", "retrieve", "update", "list", "delete", "content")


@functools.cache
def _rows_by_model() -> dict[type[BaseModel], Endpoint]:
    from .._endpoints import ENDPOINTS  # the table loads the SDK's types: only on first use

    def rank(row: Endpoint) -> tuple[int, bool]:
        # a plain ``create`` before ``create_and_run``, which makes a run too
        return _KIND_ORDER.index(row.kind), not row.sdk.endswith(f".{row.kind}")

    found: dict[type[BaseModel], Endpoint] = {}
    for row in sorted((r for r in ENDPOINTS if r.model is not None), key=rank):
        assert row.model is not None
        found.setdefault(row.model, row)
    return found


@functools.cache
def _rows_by_sdk() -> dict[str, Endpoint]:
    from .._endpoints import ENDPOINTS

    return {sdk: row for row in ENDPOINTS for sdk in (row.sdk, *row.aliases)}


def row_for(target: type[BaseModel] | str) -> Endpoint | None:
    """The endpoint row that builds ``target``: a model type, or an SDK path such as
    ``"beta.threads.runs.create"``."""
    if isinstance(target, str):
        try:
            return _rows_by_sdk()[target]
        except KeyError:
            raise ValueError(f"no endpoint at SDK path {target!r}") from None
    return _rows_by_model().get(target)


def build(
    target: type[ModelT] | str,
    partial: Mapping[str, Any] | None = None,
    *,
    request: Any = None,
    **path_params: str,
) -> Any:
    """A new object as the mock would answer it, ``partial`` merged over it (deep).

    ``target`` is an openai model type or the SDK path of a row; ``request`` (httpx or
    httpx2) is echoed the way the route echoes it; ``path_params`` fill the row's path
    (``thread_id=...``), read from ``partial`` when not given.
    """
    row = row_for(target)
    model = row.model if row is not None else target
    if not isinstance(model, type) or not issubclass(model, BaseModel):
        raise ValueError(f"the row at {target!r} answers no openai model")
    data = dict(partial or {})
    if "id" in model.model_fields and "id" not in data and not (row and row.id_prefix):
        data["id"] = new_id(_prefix(model))
    if row is not None:
        try:
            return _build_with_row(row, data, request, path_params)
        except pydantic.ValidationError:
            raise
        except Exception:  # defaults that need a live request: fall back to the skeleton
            data.setdefault("id", new_id(row.id_prefix))
    times = {name: now() for name in ("created", "created_at") if name in model.model_fields}
    return model.model_validate(deep_merge({**skeleton(model), **times}, data))


def _build_with_row(
    row: Endpoint, partial: dict[str, Any], request: Any, path_params: Mapping[str, str]
) -> BaseModel:
    from .._endpoints import Context
    from .._handlers import build_object
    from .._state import StateStore

    if request is None:
        request = httpx.Request(row.method if row.method != "*" else "POST", "http://mock.invalid/")
    elif is_httpx2(request):
        request = to_httpx_request(request)
    # Path parameters: given, else in the request's URL, else in the partial.
    found = re.search(row.path_regex + "$", request.url.path)
    in_url = found.groupdict() if found else {}
    names = re.findall(r"\{(\w+)\}", row.path)
    params = {n: str(path_params.get(n) or in_url.get(n) or partial.get(n, "")) for n in names}
    # A store of its own: row defaults may look things up, and nothing leaks to the caller's.
    ctx = Context(request, params, StateStore(), row)
    if row.model is not None:
        # Path parameters the answer type carries (``thread_id``) are echoed, as routes do.
        fields = row.model.model_fields
        partial = {**{k: v for k, v in params.items() if k in fields and v}, **partial}
    made = _handled(ctx, partial)
    return made if made is not None else build_object(ctx, partial)


def _handled(ctx: Context, partial: dict[str, Any]) -> BaseModel | None:
    """What the row's own handler makes (a message's content blocks from the request's
    string, a thread's messages), when it can make one from this request alone; a run
    needs its assistant in the state, so it is built from the row's defaults instead."""
    from .._handlers import handle

    if ctx.endpoint.handler is None or ctx.endpoint.kind != "create":
        return None
    from .._state import _COLLECTIONS

    for param, parent in ctx.endpoint.parents:  # the handler checks its parents exist
        model = _COLLECTIONS[parent].model
        assert model is not None  # a registered collection's type exists
        stand_in = model.model_construct(id=ctx.params[param])
        ctx.state.put(stand_in, parent)
    try:
        made = handle(ctx, partial)
    except pydantic.ValidationError:
        raise
    except Exception:  # a handler that needs more than the request: use the defaults
        return None
    return made if ctx.endpoint.model and isinstance(made, ctx.endpoint.model) else None


def _prefix(model: type[BaseModel]) -> str:
    literal = skeleton(model).get("object")
    return _PREFIXES.get(literal, "") if isinstance(literal, str) else ""


def merge(obj: ModelT, partial: Mapping[str, Any]) -> ModelT:
    """A copy of ``obj`` with ``partial`` merged in as the API updates objects: nested
    objects merge, lists and ``metadata`` are replaced. Validated as ``obj``'s type."""
    from .._handlers import updated

    merged = updated(obj, dict(partial))
    assert isinstance(merged, type(obj))
    return merged


@functools.cache
def model_names() -> dict[str, type[BaseModel]]:
    """Every model of the endpoint table by snake_case name (``vector_store_file_batch``);
    where two types share a name, the first row's wins (threads' Message before
    conversations')."""
    from .._endpoints import ENDPOINTS

    names: dict[str, type[BaseModel]] = {}
    for row in ENDPOINTS:
        if row.model is not None:
            names.setdefault(_snake(row.model.__name__), row.model)
    return names


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
