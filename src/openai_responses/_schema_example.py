"""The smallest JSON value a JSON Schema accepts, for structured-output defaults.

``chat.completions.parse`` and Responses ``text.format`` ask for JSON matching a schema;
a mock answer must parse into the user's pydantic model, so the default content is the
schema's minimal instance (required properties only, first enum/const/anyOf option).
"""

from __future__ import annotations

from typing import Any

__all__ = ["example_for_schema"]

_ZERO: dict[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False, "null": None}


def example_for_schema(schema: dict[str, Any]) -> Any:
    return _example(schema, schema, depth=0)


def _example(node: Any, root: dict[str, Any], depth: int) -> Any:
    if not isinstance(node, dict) or depth > 32:
        return None
    if "$ref" in node:
        return _example(_resolve(node["$ref"], root), root, depth + 1)
    for key in ("const", "default"):
        if key in node:
            return node[key]
    if node.get("enum"):
        return node["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if node.get(key):
            return _example(node[key][0], root, depth + 1)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in node:
        properties = node.get("properties", {})
        required = node.get("required", list(properties))
        return {
            name: _example(properties[name], root, depth + 1)
            for name in required
            if name in properties
        }
    if kind == "array":
        count = int(node.get("minItems", 0))
        return [_example(node.get("items", {}), root, depth + 1) for _ in range(count)]
    return _ZERO.get(str(kind))


def _resolve(ref: str, root: dict[str, Any]) -> Any:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node
