"""openai types named by ``"<module under openai.types>:<Name>"``, imported on first use.

The SDK's types are most of what a mock would import: ~1,300 modules, 0.7 s. Rows and
collections name their type instead of importing it, and the type loads when a request first
needs it, so creating a mock and answering a chat call imports only the chat types.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

__all__ = ["LazyType", "TypeName", "available", "resolve"]

# An openai type, or its name ("beta.threads.run:Run"), or None.
TypeName = type[BaseModel] | str | None

_Owner = TypeVar("_Owner")


@functools.cache
def resolve(spec: str) -> type[BaseModel] | None:
    """The openai type ``"batch:Batch"`` names, or None when the installed SDK lacks it."""
    module_name, _, name = spec.partition(":")
    try:
        module = importlib.import_module(f"openai.types.{module_name}")
    except ImportError:
        return None
    found = getattr(module, name, None)
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


@functools.cache
def _types_root() -> Path | None:
    found = importlib.util.find_spec("openai.types")
    origin = found.origin if found is not None else None
    return Path(origin).parent if origin else None


@functools.cache
def available(spec: str) -> bool:
    """Whether the installed SDK has the module ``spec`` names, checked without importing it
    (a missing module is how an older SDK lacks an area: openai 2.x has no admin types)."""
    module_name = spec.partition(":")[0]
    root = _types_root()
    if root is None:
        return resolve(spec) is not None
    *package, name = module_name.split(".")
    # One listing per package rather than a file check per row: the table names ~200 types.
    found = _listing(root.joinpath(*package))
    return f"{name}.py" in found or (name in found and _has_init(root.joinpath(*package, name)))


@functools.cache
def _listing(directory: Path) -> frozenset[str]:
    try:
        return frozenset(os.listdir(directory))
    except OSError:
        return frozenset()


def _has_init(directory: Path) -> bool:
    return "__init__.py" in _listing(directory)


def imported(spec: str) -> bool:
    """Whether the module ``spec`` names is already imported (resolving it costs nothing)."""
    import sys

    return f"openai.types.{spec.partition(':')[0]}" in sys.modules


class LazyType(Generic[_Owner]):
    """A dataclass field holding an openai type, given as the type or as its name.

    Reading the field resolves a name (once); ``spec_of(obj)`` gives what was written, so
    code that only needs to know whether there is a type does not import it.
    """

    def __set_name__(self, owner: type[_Owner], name: str) -> None:
        self._given = f"_{name}_given"
        self._resolved = f"_{name}_resolved"

    def __get__(self, obj: _Owner | None, owner: Any = None) -> type[BaseModel] | None:
        if obj is None:
            return None  # the dataclass default
        state = obj.__dict__
        if self._resolved not in state:
            given = state[self._given]
            state[self._resolved] = resolve(given) if isinstance(given, str) else given
        found: type[BaseModel] | None = state[self._resolved]
        return found

    def __set__(self, obj: _Owner, value: TypeName) -> None:
        obj.__dict__[self._given] = value
        obj.__dict__.pop(self._resolved, None)

    def spec_of(self, obj: _Owner) -> TypeName:
        given: TypeName = obj.__dict__[self._given]
        return given
