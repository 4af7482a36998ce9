"""``--unknown-ids=create``: every id a request's path names exists.

For conformance runs (an SDK's generated test suite sends made-up ids like ``"thread_id"``)
the served mock may answer as if each object existed: before the request is answered, every
object its path names that the state does not hold is made from its endpoint's default
(the create row's skeleton and defaults, else the type's skeleton) under the given id, parents
first, and stored, so later requests see it too. An id the state saw deleted stays deleted:
the mode invents what nobody made, it does not undo what a test did. Off by default.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel

from ._defaults import now, skeleton
from ._endpoints import ENDPOINTS, Context, Endpoint
from ._endpoints._members import FAMILIES, _members
from ._handlers import build_object
from ._seeding import find_endpoint
from ._state import _COLLECTIONS, StateStore

__all__ = ["UNKNOWN_IDS", "create_named_objects"]

UNKNOWN_IDS = ("fail", "create")

# The row that makes objects of each collection (the first create in the table).
_CREATORS: dict[str, Endpoint] = {}
for _row in ENDPOINTS:
    if _row.kind == "create" and _row.collection:
        _CREATORS.setdefault(_row.collection, _row)
# Assignment families (a role given to a group): their paths, and the member's parameter.
_FAMILIES = {row.path: FAMILIES[row.sdk] for row in ENDPOINTS if row.sdk in FAMILIES}


def create_named_objects(state: StateStore, request: httpx.Request) -> None:
    """Store a default object for each id ``request``'s path names that nobody made."""
    found = find_endpoint(request.method, request.url.path)
    if found is None:
        return
    endpoint, params = found
    links: dict[str, str] = {}  # the parents made so far: each object is made inside them
    for param, collection in _named_objects(endpoint):
        object_id = params[param]
        known = state.get(collection, object_id, **links) is not None
        if not known and not state.was_deleted(collection, object_id):
            state.put(_made_up(state, collection, object_id, params, links), collection, **links)
        links[collection] = object_id
    _assign_member(state, endpoint, params)


def _assign_member(state: StateStore, endpoint: Endpoint, params: dict[str, str]) -> None:
    """A path naming a member of an assignment family (``/groups/{g}/roles/{role_id}``)
    names an assignment too: it is made, as a create of the family would."""
    family, _, last = endpoint.path.rpartition("/")
    param = _FAMILIES.get(family)
    if param is not None and last == f"{{{param}}}":
        request = httpx.Request(endpoint.method, "http://unknown-ids.invalid/")
        _members(Context(request, params, state, endpoint), family).add(params[param])


def _named_objects(endpoint: Endpoint) -> list[tuple[str, str]]:
    """The path's ids and their collections, parents first. A create names only parents
    (its own id, if any, is the one it makes); a list's own id is the object it lists of
    (a fine-tuning job's events)."""
    named = list(endpoint.parents)
    own = endpoint.id_param
    if own and endpoint.collection and endpoint.kind != "create":
        named.append((own, endpoint.collection))
    return named


def _made_up(
    state: StateStore,
    collection: str,
    object_id: str,
    params: dict[str, str],
    links: dict[str, str],
) -> BaseModel:
    spec = _COLLECTIONS[collection]
    data = {**_default(state, collection, params), "id": object_id}
    if spec.parent and spec.parent_field and spec.parent in links:
        data[spec.parent_field] = links[spec.parent]
    try:
        return spec.model.model_validate(data)
    except ValueError:  # a default the type refuses with this id: kept as made, like seeding
        return spec.model.model_construct(**data)


def _default(state: StateStore, collection: str, params: dict[str, str]) -> dict[str, Any]:
    """What the collection's create row answers to an empty request, else the type's
    skeleton. A row whose defaults need request fields falls back to the skeleton."""
    model = _COLLECTIONS[collection].model
    row = _CREATORS.get(collection)
    if row is not None and row.model is not None:
        ctx = Context(httpx.Request("POST", "http://unknown-ids.invalid/"), params, state, row)
        try:
            made = build_object(ctx)
        except Exception:  # any failure means: use the skeleton
            made = None
        if isinstance(made, model):
            return made.model_dump(mode="json", by_alias=True, exclude_unset=True)
    data = skeleton(model)
    for name in ("created", "created_at"):
        if name in model.model_fields:
            data[name] = now()
    return data
