"""``--unknown-ids=create``: every id a request names exists.

For conformance runs (an SDK's generated test suite sends made-up ids like ``"string"``)
the served mock may answer as if each object existed. Two places, one rule (an object is
made from its endpoint's default: the create row's skeleton and defaults, else the type's
skeleton, under the given id, and stored, so later requests see it too):

- before a request is answered, every object its *path* names, parents first, inside its
  parents (so listing a made-up thread's messages shows the made-up message);
- ``LenientStateStore.get`` makes any other object a handler looks up by id (the files an
  assistant's ``tool_resources`` names, a ``previous_response_id``…).

An id deleted earlier is made again on its next use: generated suites delete and retrieve
the same placeholder id (``"assistant_id"``) in tests that must not depend on each other's
order. Off by default: there, unknown and deleted ids are the service's 404s.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
from pydantic import BaseModel

from ._defaults import now, skeleton
from ._endpoints import ENDPOINTS, Context, Endpoint
from ._endpoints._members import FAMILIES, _members
from ._handlers import build_object
from ._seeding import find_endpoint
from ._state import _COLLECTIONS, StateStore

__all__ = ["UNKNOWN_IDS", "LenientStateStore", "create_named_objects", "lenient"]

UNKNOWN_IDS = ("fail", "create")

# The row that makes objects of each collection (the first create in the table).
_CREATORS: dict[str, Endpoint] = {}
for _row in ENDPOINTS:
    if _row.kind == "create" and _row.collection:
        _CREATORS.setdefault(_row.collection, _row)
# Assignment families (a role given to a group): their paths, and the member's parameter.
_FAMILIES = {row.path: FAMILIES[row.sdk] for row in ENDPOINTS if row.sdk in FAMILIES}


# Set while an object is being made: its default may look others up, and those are not
# made up too. Per thread: the server answers requests in several.
_making = threading.local()


class LenientStateStore(StateStore):
    """A StateStore in which every id looked up exists (made on first look-up)."""

    def get(self, collection: str, object_id: str, **parents: str) -> BaseModel | None:
        found = super().get(collection, object_id, **parents)
        busy = getattr(_making, "now", False)
        if found is not None or busy or not _may_make(collection, object_id):
            return found
        _making.now = True
        try:
            params = _params_for(collection, parents)
            made = _made_up(self, collection, object_id, params, parents)
        finally:
            _making.now = False
        return self.put(made, collection, **parents)


def lenient(state: StateStore) -> LenientStateStore:
    """``state`` (its very collections, shared) as a lenient store."""
    if isinstance(state, LenientStateStore):
        return state
    made = LenientStateStore.__new__(LenientStateStore)
    made.__dict__.update(vars(state))
    return made


def _may_make(collection: str, object_id: str) -> bool:
    return bool(object_id) and collection in _COLLECTIONS


def _params_for(collection: str, parents: dict[str, str]) -> dict[str, str]:
    # The create row names its parents by path parameter; the look-up by collection.
    row = _CREATORS.get(collection)
    given = row.parents if row is not None else ()
    return {param: parents[name] for param, name in given if name in parents}


def create_named_objects(state: StateStore, request: httpx.Request) -> None:
    """Store a default object for each id ``request``'s path names that nobody made."""
    found = find_endpoint(request.method, request.url.path)
    if found is None:
        return
    endpoint, params = found
    links: dict[str, str] = {}  # the parents made so far: each object is made inside them
    for param, collection in _named_objects(endpoint):
        object_id = params[param]
        known = StateStore.get(state, collection, object_id, **links) is not None
        if not known and _may_make(collection, object_id):
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
    model = spec.model
    assert model is not None  # every collection names its type
    try:
        return model.model_validate(data)
    except ValueError:  # a default the type refuses with this id: kept as made, like seeding
        return model.model_construct(**data)


def _default(state: StateStore, collection: str, params: dict[str, str]) -> dict[str, Any]:
    """What the collection's create row answers to an empty request, else the type's
    skeleton. A row whose defaults need request fields falls back to the skeleton."""
    model = _COLLECTIONS[collection].model
    assert model is not None  # every collection names its type
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
