"""Regenerate ``src/openai_responses/_object_literals.py`` from the installed openai SDK.

Collections name their type (``"batch:Batch"``) so that it is imported only when needed; the
"object" literals those types answer with are listed ahead, so that seeding a replayed answer
finds its collection without importing every type. ``tests/test_lazy_types.py`` fails when
the list is stale. Run: python scripts/object_literals.py
"""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from openai_responses import _endpoints, _state
from openai_responses._sdk_types import resolve

TARGET = Path(__file__).parent.parent / "src" / "openai_responses" / "_object_literals.py"

HEADER = '''"""The "object" literals of the openai types collections name (generated: do not edit).

Regenerate with ``python scripts/object_literals.py``; a type missing here is imported when its
collection registers (slower, still right). ``tests/test_lazy_types.py`` checks the list.
"""

from __future__ import annotations

OBJECT_LITERALS: dict[str, tuple[str, ...]] = {
'''


def literals(spec: str) -> tuple[str, ...]:
    model = resolve(spec)
    field = model.model_fields.get("object") if model is not None else None
    return tuple(a for a in get_args(field.annotation) if isinstance(a, str)) if field else ()


def current() -> dict[str, tuple[str, ...]]:
    assert _endpoints.ENDPOINTS  # every area registers its collections
    specs = {c.model_spec for c in _state._COLLECTIONS.values()}
    return {spec: literals(spec) for spec in sorted(s for s in specs if isinstance(s, str))}


def main() -> None:
    known = {**_state.OBJECT_LITERALS, **current()}
    body = "".join(f"    {spec!r}: {known[spec]!r},\n" for spec in sorted(known))
    TARGET.write_text(HEADER + body + "}\n")


if __name__ == "__main__":
    main()
