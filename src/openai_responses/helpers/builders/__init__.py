"""Builders: a new openai object as the mock would answer it, with your partial merged in.

``build(Model | "sdk.path", partial, request=..., **path_params)`` works for every model of the
endpoint table (and any other openai model, from its skeleton). Generated names, for every
model the table answers: ``build_<model>(partial, **path_params)`` and, where a route creates
it, ``<model>_from_create_request(*path_ids, request, extra=None)``. The area modules keep
openai-responses 0.13's names (``builders.runs.run_from_create_request``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._generic import build, model_names, row_for

__all__ = ["build", "from_create_request", "names"]

_BUILD = "build_"
_FROM_REQUEST = "_from_create_request"


def from_create_request(
    target: type[Any] | str, *path_ids: str, request: Any, extra: Mapping[str, Any] | None = None
) -> Any:
    """What the create route answers for ``request``: ``path_ids`` fill the row's path
    parameters in order (else they are read from the request's URL), ``extra`` merges over."""
    row = row_for(target)
    params = dict(zip(_path_names(row.path) if row else [], path_ids, strict=False))
    return build(target, extra, request=request, **params)


def _path_names(path: str) -> list[str]:
    import re

    return re.findall(r"\{(\w+)\}", path)


def names() -> list[str]:
    """Every generated builder name."""
    found = [f"{_BUILD}{name}" for name in model_names()]
    found += [f"{name}{_FROM_REQUEST}" for name, model in model_names().items() if _creates(model)]
    return sorted(found)


def _creates(model: type[Any]) -> bool:
    row = row_for(model)
    return row is not None and row.kind == "create"


def __getattr__(name: str) -> Callable[..., Any]:
    if name.startswith(_BUILD) and name[len(_BUILD) :] in model_names():
        return _builder(model_names()[name[len(_BUILD) :]])
    stem = name.removesuffix(_FROM_REQUEST)
    if stem != name and stem in model_names() and _creates(model_names()[stem]):
        return _from_request(model_names()[stem])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *names()})


def _builder(model: type[Any]) -> Callable[..., Any]:
    def build_model(partial: Mapping[str, Any] | None = None, **path_params: str) -> Any:
        return build(model, partial, **path_params)

    build_model.__name__ = f"{_BUILD}{model.__name__}"
    return build_model


def _from_request(model: type[Any]) -> Callable[..., Any]:
    def from_request(*args: Any, extra: Mapping[str, Any] | None = None) -> Any:
        *path_ids, request = args
        return from_create_request(model, *path_ids, request=request, extra=extra)

    return from_request
