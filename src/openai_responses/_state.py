"""StateStore: the objects stateful routes create, read, list, update and delete.

Collections are data (name, openai type, parent link), registered by the endpoint table. One
store holds every collection; objects keep their openai pydantic type; listing and cursor
pagination are written once here; deleting a parent deletes its children.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

__all__ = ["Collection", "Page", "StateStore", "register_collection"]


@dataclass(frozen=True)
class Collection:
    """A kind of stored object: ``messages`` of type Message, children of ``threads``."""

    name: str
    model: type[BaseModel]
    parent: str | None = None
    parent_field: str | None = None  # the attribute holding the parent's id
    sort_key: str = "created_at"
    # Extra parents whose deletion also deletes these objects (a run step belongs to a run
    # and, through it, to a thread).
    also_owned_by: tuple[tuple[str, str], ...] = ()


_COLLECTIONS: dict[str, Collection] = {}
_BY_MODEL: dict[type[BaseModel], Collection] = {}


def register_collection(collection: Collection) -> Collection:
    _COLLECTIONS[collection.name] = collection
    _BY_MODEL.setdefault(collection.model, collection)
    return collection


@dataclass
class Page:
    data: list[BaseModel]
    has_more: bool

    def to_json(self) -> dict[str, Any]:
        items = [item.model_dump(mode="json", exclude_unset=True) for item in self.data]
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
        for seed in _SEEDERS:
            seed(self)

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
        return obj

    def put_content(self, collection: str, object_id: str, content: bytes) -> None:
        self._content[(collection, object_id)] = content

    def delete(self, collection: str, object_id: str) -> bool:
        """Delete one object and, recursively, everything that belongs to it."""
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
    def get(self, collection: str, object_id: str) -> BaseModel | None:
        entry = self._data.get(collection, {}).get(object_id)
        return entry.obj if entry else None

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
        items = self.all(collection, where=where, **parents)
        if str(params.get("order") or default_order) == "desc":
            items.reverse()
        ids = [str(getattr(item, "id", "")) for item in items]
        start, stop = 0, len(items)
        if params.get("after") in ids:
            start = ids.index(str(params["after"])) + 1
        if params.get("before") in ids:
            stop = ids.index(str(params["before"]))
        limit = int(params.get("limit") or 20)
        window = items[start:stop]
        if params.get("before") and not params.get("after"):
            window = window[-limit:]
            return Page(window, has_more=start < stop - len(window))
        return Page(window[:limit], has_more=len(window) > limit)

    # -- seeding -----------------------------------------------------------------------
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
            if model in _BY_MODEL:
                return _BY_MODEL[model]
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


# Callables that put built-in objects (the model list) into every new store.
_SEEDERS: list[Callable[[StateStore], None]] = []


def register_seeder(seeder: Callable[[StateStore], None]) -> None:
    _SEEDERS.append(seeder)
