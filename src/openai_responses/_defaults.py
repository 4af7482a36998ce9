"""Default objects built from the openai SDK's own types.

Every default starts as the *skeleton* of the response type (each required field at its
zero value, literals at their first value), gets realistic ids and timestamps, echoes the
request the way the API does, is deep-merged with what the endpoint row and the user supply,
and is validated by the SDK type itself. Nothing here knows one endpoint from another.
"""

from __future__ import annotations

import copy
import functools
import secrets
import string
import time
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import pydantic
from pydantic import BaseModel

__all__ = ["deep_merge", "new_id", "now", "skeleton", "validate_echo"]

ModelT = TypeVar("ModelT", bound=BaseModel)

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """An id shaped like the API's (``chatcmpl-…``, ``asst_…``, ``file-…``)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(24))


def now() -> int:
    return int(time.time())


def deep_merge(base: Any, override: Any) -> Any:
    """Merge ``override`` over ``base``: dicts key by key, lists item by item.

    A list item the base does not have is merged over the base's first item, so a partial
    ``choices: [{...}, {...}]`` gets every choice completed from the default choice, with its
    ``index`` following its position unless the user set one.
    """
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return [_merge_item(base, i, item) for i, item in enumerate(override)]
    return override


def _merge_item(base: list[Any], i: int, item: Any) -> Any:
    template = base[i] if i < len(base) else (base[0] if base else None)
    if not isinstance(template, Mapping) or not isinstance(item, Mapping):
        return item
    merged = deep_merge(template, item)
    if "index" in template and "index" not in item:
        merged["index"] = i
    return merged


def skeleton(model: type[BaseModel]) -> dict[str, Any]:
    """The smallest dict that validates as ``model``: required fields at zero values.

    A fresh copy each time (callers merge into it); the walk over the type is done once.
    """
    return copy.deepcopy(_skeleton(model))


@functools.cache
def _skeleton(model: type[BaseModel]) -> dict[str, Any]:
    return {
        field.alias or name: _zero(field.annotation)
        for name, field in model.model_fields.items()
        if field.is_required()
    }


def _zero(annotation: Any) -> Any:
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is typing.Annotated:
        return _zero(args[0])
    if origin is Literal:
        return args[0]
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return None if len(options) < len(args) else _zero(options[0])
    if origin in (list, tuple, set, frozenset):
        return []
    if origin in (dict, Mapping):
        return {}
    return _zero_of_type(annotation)


def _zero_of_type(annotation: Any) -> Any:
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return _skeleton(annotation)
        if issubclass(annotation, bool):
            return False
        if issubclass(annotation, (int, float)):
            return annotation(0)
        if issubclass(annotation, str):
            return ""
        if issubclass(annotation, (list, tuple)):
            return []
        if issubclass(annotation, dict):
            return {}
    return None


def validate_echo(model: type[ModelT], data: dict[str, Any], echoed: Mapping[str, Any]) -> ModelT:
    """Validate ``data`` merged with request fields the response echoes.

    Request and response shapes of an echoed field sometimes differ (a tool given in request
    form the response type spells otherwise); such a field is dropped instead of failing.
    """
    merged = {**data, **{k: v for k, v in echoed.items() if k in model.model_fields}}
    for _ in range(len(echoed) + 1):
        try:
            return model.model_validate(merged)
        except pydantic.ValidationError as error:
            bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]} & set(echoed)
            if not bad:
                raise
            for key in bad:
                merged[key] = data[key] if key in data else merged.pop(key)
                if key not in data:
                    merged.pop(key, None)
    return model.model_validate(merged)
