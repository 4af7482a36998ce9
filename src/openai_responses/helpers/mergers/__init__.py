"""Mergers: a copy of an openai object with a partial merged in, as the API updates objects.

``merge(obj, partial)`` works for every model; ``merge_<model>_with_partial(obj, partial)``
exists for every model of the endpoint table. The area modules keep openai-responses 0.13's
names (``mergers.runs.merge_run_with_partial``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._generic import merge, model_names

__all__ = ["merge", "names"]


def names() -> list[str]:
    """Every generated merger name."""
    return sorted(f"merge_{name}_with_partial" for name in model_names())


def __getattr__(name: str) -> Callable[..., Any]:
    stem = name.removeprefix("merge_").removesuffix("_with_partial")
    if f"merge_{stem}_with_partial" == name and stem in model_names():
        return _merger(model_names()[stem])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *names()})


def _merger(model: type[Any]) -> Callable[..., Any]:
    def merge_model(obj: Any, partial: Any) -> Any:
        if not isinstance(obj, model):
            raise TypeError(f"expected {model.__name__}, got {type(obj).__name__}")
        return merge(obj, partial)

    return merge_model
