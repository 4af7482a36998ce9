"""StateStore: the objects stateful routes create, read, list, update and delete.

Collections are data (name, openai type, parent link), registered by the endpoint table. One
store holds every collection; objects keep their openai pydantic type; listing and cursor
pagination are written once here; deleting a parent deletes its children.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from ._object_literals import OBJECT_LITERALS
from ._params import page_params
from ._sdk_types import LazyType, TypeName, imported

__all__ = [
    "Collection",
    "Hooks",
    "Page",
    "StateStore",
    "connect",
    "paginate",
    "register_collection",
]


@dataclass(frozen=True)
class Collection:
    """A kind of stored object: ``messages`` of type Message, children of ``threads``."""

    name: str
    # the openai type, or its name (``_sdk_types``): imported when an object of it is met
    model: LazyType[Collection] = LazyType()  # noqa: RUF009 - a descriptor, shared on purpose
    parent: str | None = None
    parent_field: str | None = None  # the attribute holding the parent's id
    sort_key: str = "created_at"
    # Extra parents whose deletion also deletes these objects (a run step belongs to a run
    # and, through it, to a thread).
    also_owned_by: tuple[tuple[str, str], ...] = ()

    @property
    def model_spec(self) -> TypeName:
        return Collection.__dict__["model"].spec_of(self)  # type: ignore[no-any-return]


_COLLECTIONS: dict[str, Collection] = {}
_BY_MODEL: dict[type[BaseModel], Collection] = {}
_BY_OBJECT: dict[str, Collection] = {}  # the API's "object" literal -> collection
# Registered by type name, type not imported yet: indexed when an object of theirs shows up,
# an answer's "object" literal (known without the import: OBJECT_LITERALS) or an instance.
_PENDING: dict[str, Collection] = {}
_ORDER: dict[str, int] = {}  # registration order


def register_collection(collection: Collection) -> Collection:
    _COLLECTIONS[collection.name] = collection
    _ORDER.setdefault(collection.name, len(_ORDER))
    spec = collection.model_spec
    if isinstance(spec, str) and spec in OBJECT_LITERALS:
        _PENDING[collection.name] = collection
    else:
        _index(collection)
    return collection


def _index(collection: Collection) -> None:
    _PENDING.pop(collection.name, None)
    model = collection.model
    if model is None:  # named a type the installed SDK lacks
        return
    _claim(_BY_MODEL, model, collection)
    object_field = model.model_fields.get("object")
    for literal in get_args(object_field.annotation) if object_field else ():
        if isinstance(literal, str):
            _claim(_BY_OBJECT, literal, collection)


def _claim(index: dict[Any, Collection], key: Any, collection: Collection) -> None:
    # The first collection registered keeps a type or literal several share, in whatever
    # order their types happen to be imported.
    held = index.get(key)
    if held is None or _ORDER[collection.name] < _ORDER[held.name]:
        index[key] = collection


def _by_object(literal: str) -> Collection | None:
    for pending in list(_PENDING.values()):
        if literal in OBJECT_LITERALS[str(pending.model_spec)]:
            _index(pending)
    return _BY_OBJECT.get(literal)


def _by_model(model: type[BaseModel]) -> Collection | None:
    # ``model`` is imported, and so is any pending type it can be (its module, or a parent)
    if _PENDING:
        for pending in list(_PENDING.values()):
            if imported(str(pending.model_spec)):
                _index(pending)
    return _BY_MODEL.get(model)


@dataclass
class Page:
    data: list[BaseModel]
    has_more: bool

    def to_json(self) -> dict[str, Any]:
        items = [i.model_dump(mode="json", by_alias=True, exclude_unset=True) for i in self.data]
        return {
            "object": "list",
            "data": items,
            "first_id": items[0].get("id") if items else None,
            "last_id": items[-1].get("id") if items else None,
            "has_more": self.has_more,
        }


@dataclass
class _Entry:
    obj: BaseModel
    seq: int
    parents: dict[str, str] = field(default_factory=dict)


class StateStore:
    """Typed collections of openai objects, shared by every stateful route of one mock."""

    def __init__(self) -> None:
        self._data: dict[str, dict[str, _Entry]] = {}
        self._content: dict[tuple[str, str], bytes] = {}
        self._seq = itertools.count()
        self.extras: dict[str, Any] = {}  # per-area scratch space (run scripts, lifecycles)
        self._deleted: set[tuple[str, str]] = set()
        _hooks.load_table()  # registers the collections and seeders, once
        for seed in _SEEDERS:
            seed(self)

    def __getattr__(self, name: str) -> Any:
        # Only for names the class lacks: the store by SDK path, ``state.beta.threads``.
        if name.startswith("_"):
            raise AttributeError(name)
        from ._state_paths import namespace

        return namespace(self, name)

    # -- writing -----------------------------------------------------------------------
    def put(self, obj: BaseModel, collection: str | None = None, **parents: str) -> BaseModel:
        """Insert or replace ``obj`` (latest snapshot wins), dispatching on its type."""
        spec = self._spec(obj, collection)
        entries = self._data.setdefault(spec.name, {})
        object_id = str(getattr(obj, "id"))  # noqa: B009 - every stored type has an id
        links = self._links(spec, obj, parents)
        previous = entries.get(object_id)
        seq = previous.seq if previous else next(self._seq)
        if previous:
            links = {**previous.parents, **links}
        entries[object_id] = _Entry(obj, seq, links)
        self._deleted.discard((spec.name, object_id))
        return obj

    @staticmethod
    def holds(collection: str, obj: BaseModel) -> bool:
        """Whether ``obj`` is of the collection's type (an action may answer another type)."""
        spec = _COLLECTIONS.get(collection)
        model = spec.model if spec is not None else None
        return model is not None and isinstance(obj, model)

    def put_content(self, collection: str, object_id: str, content: bytes) -> None:
        self._content[(collection, object_id)] = content

    def delete(self, collection: str, object_id: str) -> bool:
        """Delete one object and, recursively, everything that belongs to it. The id is
        remembered as deleted even when the store did not hold it (a recorded deletion)."""
        self._deleted.add((collection, object_id))
        entry = self._data.get(collection, {}).pop(object_id, None)
        if entry is None:
            return False
        self._content.pop((collection, object_id), None)
        for child in _COLLECTIONS.values():
            if child.parent == collection or any(p == collection for p, _ in child.also_owned_by):
                for child_id in self.ids(child.name, **{collection: object_id}):
                    self.delete(child.name, child_id)
        return True

    # -- reading -----------------------------------------------------------------------
    def get(self, collection: str, object_id: str, **parents: str) -> BaseModel | None:
        """The object, or None; with ``parents`` (e.g. ``threads=...``) only if it belongs
        to them, as a path like ``/threads/{thread_id}/messages/{message_id}`` demands."""
        entry = self._data.get(collection, {}).get(object_id)
        if entry is None or any(entry.parents.get(k, v) != v for k, v in parents.items()):
            return None
        return entry.obj

    def was_deleted(self, collection: str, object_id: str) -> bool:
        return (collection, object_id) in self._deleted

    def content(self, collection: str, object_id: str) -> bytes | None:
        return self._content.get((collection, object_id))

    def ids(self, collection: str, **parents: str) -> list[str]:
        return [
            object_id
            for object_id, entry in self._data.get(collection, {}).items()
            if all(entry.parents.get(k) == v for k, v in parents.items())
        ]

    def all(
        self,
        collection: str,
        *,
        where: Callable[[BaseModel], bool] | None = None,
        **parents: str,
    ) -> list[BaseModel]:
        """Objects of a collection, oldest first (the API's ``order=asc``)."""
        spec = _COLLECTIONS.get(collection)
        key = spec.sort_key if spec else "created_at"
        entries = [
            e
            for e in self._data.get(collection, {}).values()
            if all(e.parents.get(k) == v for k, v in parents.items())
            and (where is None or where(e.obj))
        ]
        entries.sort(key=lambda e: (getattr(e.obj, key, 0) or 0, e.seq))
        return [e.obj for e in entries]

    def page(
        self,
        collection: str,
        params: Mapping[str, Any],
        *,
        where: Callable[[BaseModel], bool] | None = None,
        default_order: str = "desc",
        **parents: str,
    ) -> Page:
        """Cursor pagination as the API does it: limit, order, after, before."""
        return paginate(self.all(collection, where=where, **parents), params, default_order)

    # -- seeding -----------------------------------------------------------------------
    def learn(self, data: Any, **parents: str) -> bool:
        """Take in an object the API answered, as JSON: stored by its ``object`` type.

        Deletion answers (``{"object": "x.deleted", "deleted": true}``, or the Responses API's
        ``{"object": "response", "deleted": true}``) delete. A recorded object the current SDK
        type no longer validates (an older API left out a field now required) is kept as
        sent, built without validation as the SDK itself reads answers. Anything that is not
        a known stateful object is ignored: seeding is best effort and never fails a replay.
        """
        if not isinstance(data, dict) or not isinstance(data.get("object"), str):
            return False
        kind = data["object"]
        if data.get("deleted") is True and "id" in data:
            spec = _by_object(kind.removesuffix(".deleted"))
            return spec is not None and self.delete(spec.name, str(data["id"]))
        spec = _by_object(kind) if "id" in data else None
        if spec is None or spec.model is None:
            return False
        try:
            obj = spec.model.model_validate(data)
        except ValueError:
            obj = spec.model.model_construct(**data)
        self.put(obj, spec.name, **{k: v for k, v in parents.items() if k != spec.name})
        return True

    @classmethod
    def from_cassette(cls, path: str | Path) -> StateStore:
        """A store holding every stateful object a cassette's answers show, the latest
        snapshot winning: ``OpenAIMock(state=StateStore.from_cassette(path))`` starts a pure
        mock test from recorded objects. Seeds exactly as a replay does (``_seeding``)."""
        return _hooks.seed_from_cassette(cls(), Path(path))

    def seed(self, objects: Iterable[BaseModel]) -> StateStore:
        for obj in objects:
            self.put(obj)
        return self

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def _spec(obj: BaseModel, collection: str | None) -> Collection:
        if collection is not None:
            return _COLLECTIONS[collection]
        for model in type(obj).__mro__:
            found = _by_model(model) if isinstance(model, type) else None
            if found is not None:
                return found
        raise TypeError(f"StateStore has no collection for {type(obj).__name__}")

    @staticmethod
    def _links(spec: Collection, obj: BaseModel, given: Mapping[str, str]) -> dict[str, str]:
        links = dict(given)
        pairs = list(spec.also_owned_by)
        if spec.parent and spec.parent_field:
            pairs.insert(0, (spec.parent, spec.parent_field))
        for parent, attribute in pairs:
            value = getattr(obj, attribute, None)
            if parent not in links and isinstance(value, str):
                links[parent] = value
        return links


def paginate(
    items: list[BaseModel], params: Mapping[str, Any], default_order: str = "desc"
) -> Page:
    """Cursor pagination as the API does it over ``items`` (oldest first): limit, order,
    after, before. Public so lists kept outside a collection page the same way."""
    items = list(items)
    limit, order = page_params(params, default_order)
    if order == "desc":
        items.reverse()
    ids = [str(getattr(item, "id", "")) for item in items]
    start, stop = 0, len(items)
    if params.get("after") in ids:
        start = ids.index(str(params["after"])) + 1
    if params.get("before") in ids:
        stop = ids.index(str(params["before"]))
    window = items[start:stop]
    if params.get("before") and not params.get("after"):
        window = window[-limit:]
        return Page(window, has_more=start < stop - len(window))
    return Page(window[:limit], has_more=len(window) > limit)


# Callables that put built-in objects (the model list) into every new store.
_SEEDERS: list[Callable[[StateStore], None]] = []


def register_seeder(seeder: Callable[[StateStore], None]) -> None:
    _SEEDERS.append(seeder)


@dataclass(frozen=True)
class Hooks:
    """What the store calls back into: the endpoint table (which registers the collections
    and seeders when it loads) and the seeding from a cassette. Both live above this
    module; the package connects them (``openai_responses/__init__``), so that the store
    imports no endpoint and no cassette."""

    load_table: Callable[[], object]
    seed_from_cassette: Callable[[StateStore, Path], StateStore]


def _unconnected(*args: object) -> Any:
    raise RuntimeError("openai_responses._state is used before the package connected it")


_hooks = Hooks(_unconnected, _unconnected)


def connect(hooks: Hooks) -> None:
    global _hooks
    _hooks = hooks
