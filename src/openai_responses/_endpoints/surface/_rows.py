"""How a surface row is written: ``row(sdk, method, path, kind, "module:Type", collection, …)``.

Types are named as ``"<module under openai.types>:<Name>"`` and imported when a request first
needs them (``_sdk_types``), so one table serves every installed openai release and costs little
to load: a row whose type module the installed SDK lacks (openai 2.x has no admin, agents or
skills types) is dropped instead of breaking the import of the package.
The handler of a row is picked from its kind and statefulness (``_kinds``) unless given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ..._sdk_types import available, resolve
from ..._state import Collection, register_collection
from .._misses import Rule
from .._table import Answer, Context, Endpoint, Kind
from . import _kinds

__all__ = ["collection", "model", "row", "rows"]

Handler = Callable[[Context, "dict[str, Any] | None"], Answer]
Defaults = Callable[[Context], "dict[str, Any]"]


def model(spec: str) -> type[BaseModel] | None:
    """The openai type ``"batch:Batch"`` names, or None when the installed SDK lacks it."""
    return resolve(spec)


def collection(name: str, spec: str, parent: str | None = None) -> None:
    if available(spec):
        register_collection(Collection(name, spec, parent=parent))


def row(
    sdk: str,
    method: str,
    path: str,
    kind: Kind,
    spec: str | None,
    collection: str | None = None,
    *,
    noun: str = "object",
    id_prefix: str = "",
    parents: tuple[tuple[str, str], ...] = (),
    defaults: Defaults | None = None,
    handler: Handler | None = None,
    aliases: tuple[str, ...] = (),
    required: tuple[str, ...] = (),
    streams: bool = False,
    pages: bool = False,  # a POST answering a page of ``spec`` objects (search, activate)
    state_answers: Rule | None = None,
) -> Endpoint | None:
    if spec and not available(spec):
        return None
    return Endpoint(
        sdk,
        method,
        path,
        kind,
        spec,
        collection,
        noun,
        id_prefix=id_prefix,
        parents=parents,
        required=required,
        defaults=_kinds.with_path_echo(defaults),
        handler=handler or _kinds.default_handler(kind, collection, spec, streams, pages),
        aliases=aliases,
        state_answers=state_answers,
    )


def rows(*items: Endpoint | None) -> tuple[Endpoint, ...]:
    return tuple(item for item in items if item is not None)
