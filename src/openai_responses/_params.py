"""Reading values the client controls: typed, or an ``InvalidRequest`` naming the parameter.

Query strings and bodies are the client's; a value the API refuses becomes its 400
(``invalid_type``, ``integer_below_min_value``, ``invalid_value``…), never a Python exception.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pydantic

from ._errors import InvalidRequest, json_type

__all__ = [
    "check_query",
    "choice",
    "integer",
    "mapping",
    "objects",
    "page_params",
    "request_fault",
    "strings",
]

_INTEGER = re.compile(r"[+-]?\d+")


def integer(
    params: Mapping[str, Any],
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """``params[name]`` as an integer (absent or empty: ``default``)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool) or not (isinstance(raw, int) or _INTEGER.fullmatch(str(raw))):
        raise InvalidRequest(
            f"Invalid type for '{name}': expected an integer, but got {json_type(raw)} instead.",
            param=name,
            code="invalid_type",
        )
    value = int(raw)
    if minimum is not None and value < minimum:
        raise _out_of_range(name, value, "below minimum", f">= {minimum}")
    if maximum is not None and value > maximum:
        raise _out_of_range(name, value, "above maximum", f"<= {maximum}")
    return value


def _out_of_range(name: str, value: int, where: str, expected: str) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid '{name}': integer {where} value. Expected a value {expected}, "
        f"but got {value} instead.",
        param=name,
        code=f"integer_{where.replace(' ', '_')}_value",
    )


def objects(body: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """``body[name]`` as a list of objects (absent: empty), as ``messages`` must be."""
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _wrong_type(name, "an array of objects", value)
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise _wrong_type(f"{name}[{index}]", "an object", item)
    return value


def mapping(body: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``body[name]`` as an object (absent: empty)."""
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _wrong_type(name, "an object", value)
    return value


def strings(body: Mapping[str, Any], name: str) -> list[str]:
    """``body[name]`` as a list of strings (absent: empty), as ``file_ids`` must be."""
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _wrong_type(name, "an array of strings", value)
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise _wrong_type(f"{name}[{index}]", "a string", item)
    return value


def _wrong_type(param: str, expected: str, value: Any) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid type for '{param}': expected {expected}, but got {json_type(value)} instead.",
        param=param,
        code="invalid_type",
    )


def choice(params: Mapping[str, Any], name: str, default: str, allowed: Collection[str]) -> str:
    """``params[name]``, one of ``allowed`` (absent or empty: ``default``)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if raw not in allowed:
        supported = " and ".join(f"'{a}'" for a in allowed)
        raise InvalidRequest(
            f"Invalid value: '{raw}'. Supported values are: {supported}.",
            param=name,
            code="invalid_value",
        )
    return str(raw)


def page_params(params: Mapping[str, Any], default_order: str = "desc") -> tuple[int, str]:
    """A list's ``limit`` (1 and up; the maximum differs per list, so none is enforced)
    and ``order``."""
    limit = integer(params, "limit", 20, minimum=1)
    return limit, choice(params, "order", default_order, ("asc", "desc"))


def check_query(params: Mapping[str, Any], *, listing: bool) -> None:
    """Refuse what no endpoint takes, whether or not its answer reads it: a ``limit`` is a
    count wherever the API has one (pages, usage buckets); a list's ``order`` is asc/desc."""
    if listing:
        page_params(params)
    else:
        integer(params, "limit", 0, minimum=1)


# pydantic's error types, as OpenAI's messages name what they expected.
_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "list_type": "an array",
}


def request_fault(
    error: pydantic.ValidationError, body: Mapping[str, Any], partial: Mapping[str, Any] | None
) -> InvalidRequest | None:
    """The 400 for a validation error that the request's body caused, or None.

    An error at a place the user's ``.response`` partial sets is the partial's (a bug in the
    test, not a bad request): None. Otherwise the first error at a place the body sets is
    the request's, named by its path in the body (``messages[0].content``, as OpenAI does).
    Without a partial every error is the request's: the surface walk checks that the table
    builds valid objects from valid requests.
    """
    found: InvalidRequest | None = None
    details = error.errors()
    for detail in details:
        if partial and _path_in(partial, detail["loc"]) is not None:
            return None
        path = _path_in(body, detail["loc"]) or _nested(body, detail["loc"], detail.get("input"))
        if path is not None and found is None:
            found = _invalid(_dotted(path), detail)
    if found is None and not partial:
        # Nothing but the request went into the object: its fault, even where no body path
        # shows (a content part the API would refuse for a missing field).
        return InvalidRequest(f"Invalid request: {details[0]['msg']}.", code="invalid_value")
    return found


def _nested(body: Any, loc: Sequence[int | str], value: Any) -> list[int | str] | None:
    """Where in the body an object built from a part of it (a thread's ``messages[0]``) holds
    ``value`` at ``loc``: that part's path, then ``loc``. Iterative, bounded by the body."""
    stack: list[tuple[Any, list[int | str]]] = [(body, [])]
    while stack:
        node, path = stack.pop()
        if path and _at(node, loc) == (True, value):
            return path + list(loc)
        children = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        stack.extend((child, [*path, key]) for key, child in children)
    return None


def _at(data: Any, loc: Sequence[int | str]) -> tuple[bool, Any]:
    for step in loc:
        found, data = _step(data, step)
        if not found:
            return False, None
    return True, data


def _step(data: Any, step: int | str) -> tuple[bool, Any]:
    if isinstance(data, dict) and step in data:
        return True, data[step]
    if isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
        return True, data[step]
    return False, None


def _invalid(param: str, detail: Any) -> InvalidRequest:
    expected = _EXPECTED.get(detail["type"])
    if expected is not None:
        return _wrong_type(param, expected, detail.get("input"))
    message = f"Invalid value for '{param}': {detail['msg']}."
    return InvalidRequest(message, param=param, code="invalid_value")


def _path_in(data: Any, loc: Sequence[int | str]) -> list[int | str] | None:
    """The part of pydantic's ``loc`` that indexes into ``data`` (union and validator tags,
    which name no key, are skipped), or None when ``data`` does not set that place."""
    path: list[int | str] = []
    for step in loc:
        found, value = _step(data, step)
        if found:
            data = value
        elif isinstance(step, str) and not path:
            return None  # the top-level field is not there at all
        else:
            continue  # a tag such as 'ResponseOutputMessage' or 'function-after[...]'
        path.append(step)
    return path or None


def _dotted(path: Sequence[int | str]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text
