"""The StateStore by SDK path: ``state.beta.threads.messages.put(message)``.

The attribute tree mirrors the client's (``client.beta.threads.messages``) and is generated
from the endpoint table: each namespace of SDK paths (a row's path less its method) names
the collection most of its rows serve, and the rows' path parameters (``thread_id``) name
the parents. Nothing here is written per resource; every view reads and writes the same
flat store (``state.put``, ``state.get(collection, id)``, ...), so both APIs see one state.
"""

from __future__ import annotations

import builtins
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import BaseModel

if TYPE_CHECKING:
    from ._endpoints import Endpoint
    from ._state import StateStore

__all__ = ["ContentView", "StateView", "namespace", "paths"]

_PAGINATION = frozenset({"limit", "order", "after", "before"})
# Rows that create or read a namespace's own objects outvote its side actions (a
# ``beta.threads.create_and_run`` row makes runs, yet ``beta.threads`` holds threads).
_WEIGHT = {"create": 2, "retrieve": 3, "update": 2, "delete": 3, "list": 2}


@dataclass(frozen=True)
class _Node:
    collection: str | None  # None for a pure namespace such as ``beta``
    children: frozenset[str]
    parents: tuple[tuple[str, str], ...]  # (path parameter, parent collection)
    list_row: Endpoint | None
    has_content: bool


@functools.cache
def _tree() -> dict[tuple[str, ...], _Node]:
    from ._endpoints import ENDPOINTS  # the table loads the SDK's types: only on first use

    rows: dict[tuple[str, ...], list[Endpoint]] = {}
    for row in ENDPOINTS:
        for sdk in (row.sdk, *row.aliases):
            rows.setdefault(tuple(sdk.split("."))[:-1], []).append(row)
    tree: dict[tuple[str, ...], _Node] = {}
    children: dict[tuple[str, ...], set[str]] = {}
    for path in rows:
        for depth in range(len(path)):
            children.setdefault(path[:depth], set()).add(path[depth])
    for path in sorted({*rows, *children}, key=len):
        # A path never holds its ancestor's collection: ``fine_tuning.jobs.checkpoints.list``
        # is a row of the jobs collection, yet checkpoints are not jobs.
        above = {tree[path[:depth]].collection for depth in range(len(path))}
        tree[path] = _node(rows.get(path, []), frozenset(children.get(path, ())), above)
    return tree


def _node(rows: list[Endpoint], children: frozenset[str], above: set[str | None]) -> _Node:
    votes: Counter[str] = Counter()
    for row in rows:
        if row.collection and row.collection not in above:
            votes[row.collection] += _WEIGHT.get(row.kind, 1)
    collection = votes.most_common(1)[0][0] if votes else None
    own = [row for row in rows if row.collection == collection]
    parents = {param: parent for row in own for param, parent in row.parents}
    list_rows = [row for row in own if row.kind == "list" and row.sdk.endswith(".list")]
    return _Node(
        collection,
        children,
        tuple(parents.items()),
        list_rows[0] if list_rows else None,
        any(row.kind == "content" for row in own),
    )


def paths() -> dict[str, str]:
    """Every SDK path of the store that holds a collection: ``{"beta.threads": "threads"}``."""
    return {
        ".".join(path): node.collection
        for path, node in sorted(_tree().items())
        if node.collection and path
    }


def namespace(store: StateStore, name: str) -> StateView:
    """``store.<name>``: the view at that SDK path, or AttributeError."""
    return StateView(store, ()).__getattr__(name)


class StateView:
    """One SDK path of a StateStore: ``put``, ``get``, ``list``, ``delete`` on its collection,
    and the nested paths below it as attributes (``state.beta.threads.runs.steps``)."""

    def __init__(self, store: StateStore, path: tuple[str, ...]) -> None:
        self._store = store
        self._path = path
        self._node = _tree()[path]

    def __getattr__(self, name: str) -> StateView:
        if name.startswith("_") or name not in self._node.children:
            where = ".".join(("state", *self._path))
            raise AttributeError(f"{where} has no collection or namespace {name!r}")
        return StateView(self._store, (*self._path, name))

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._node.children})

    def __repr__(self) -> str:
        return f"<StateView state.{'.'.join(self._path)} ({self._node.collection})>"

    @property
    def collection(self) -> str:
        """The flat store's name for this path's collection (``state.get(collection, id)``)."""
        if self._node.collection is None:
            where = ".".join(("state", *self._path))
            raise TypeError(f"{where} is a namespace, not a collection")
        return self._node.collection

    @property
    def content(self) -> ContentView:
        """Raw bytes of this collection's objects (a file's content), by object id."""
        if not self._node.has_content:
            raise AttributeError(f"state.{'.'.join(self._path)} has no content")
        return ContentView(self._store, self.collection)

    def put(self, obj: BaseModel, **parents: str) -> BaseModel:
        """Insert or replace ``obj``; parents come from its fields (``thread_id``) or from
        keyword arguments named like the API's path parameters."""
        links = self._links(parents)
        for param, parent in self._node.parents:
            value = getattr(obj, param, None)
            if parent not in links and isinstance(value, str):
                links[parent] = value
        return self._store.put(obj, self.collection, **links)

    def get(self, object_id: str, **parents: str) -> BaseModel | None:
        return self._store.get(self.collection, object_id, **self._links(parents))

    def delete(self, object_id: str) -> bool:
        """Delete the object and everything that belongs to it; False if there was none."""
        return self._store.delete(self.collection, object_id)

    def list(self, **params: Any) -> list[BaseModel]:
        """Objects as the API's list call pages them: parents by path parameter
        (``thread_id=``), ``limit``/``order``/``after``/``before``, and filters: the list
        row's own (``purpose=``), or equality on a field of the objects (``run_id=``,
        ``status=``; ``filter=`` is the API's name for the status filter)."""
        param_names = {param for param, _ in self._node.parents}
        parents = {k: str(v) for k, v in params.items() if k in param_names}
        query = {k: v for k, v in params.items() if k not in param_names and v is not None}
        filters = [self._row_filter(query, parents), *self._field_filters(query)]
        page = self._store.page(
            self.collection,
            {k: v for k, v in query.items() if k in _PAGINATION},
            where=(lambda obj: all(f(obj) for f in filters)) if filters else None,
            **self._links(parents),
        )
        return page.data

    # -- helpers -----------------------------------------------------------------------
    def _links(self, parents: dict[str, str]) -> dict[str, str]:
        by_param = dict(self._node.parents)
        return {by_param.get(key, key): value for key, value in parents.items()}

    def _row_filter(
        self, query: dict[str, Any], parents: dict[str, str]
    ) -> Callable[[BaseModel], bool]:
        row = self._node.list_row
        if row is None or row.where is None:
            return lambda obj: True
        from ._endpoints import Context

        # The route's filter reads a request's query: give it one, so both filter alike.
        params = {k: str(v) for k, v in query.items() if k not in _PAGINATION}
        request = httpx.Request("GET", "http://state.invalid/", params=params)
        where = row.where(Context(request, parents, self._store, row))
        return where or (lambda obj: True)

    def _field_filters(self, query: dict[str, Any]) -> builtins.list[Callable[[BaseModel], bool]]:
        # Keys that are not fields of the objects are left to the row's own filter.
        fields = self._store_model_fields()
        pairs = [("status" if k == "filter" else k, v) for k, v in query.items()]
        return [_equals(k, v) for k, v in pairs if k in fields and k not in _PAGINATION]

    def _store_model_fields(self) -> set[str]:
        from ._state import _COLLECTIONS

        model = _COLLECTIONS[self.collection].model
        return set(model.model_fields) if model is not None else set()


def _equals(attribute: str, value: Any) -> Callable[[BaseModel], bool]:
    return lambda obj: getattr(obj, attribute, None) == value


@dataclass(frozen=True)
class ContentView:
    """``state.files.content``: the bytes stored for objects of one collection."""

    store: StateStore
    collection: str

    def put(self, object_id: str, content: bytes) -> None:
        self.store.put_content(self.collection, object_id, content)

    def get(self, object_id: str) -> bytes | None:
        return self.store.content(self.collection, object_id)
