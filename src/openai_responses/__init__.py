"""openai_responses: test code that calls OpenAI offline — a typed, stateful mock of the
OpenAI API plus record/replay cassettes, behind one router."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._cassette import CassetteFormatError, CassetteSecretError, RecordFilters
from ._decorator import mock
from ._errors import (
    CassetteDriftWarning,
    CassetteMismatchError,
    InvalidMockResponseError,
    OpenAIMockError,
    UnmockedRequestError,
    UnplayedInteractionsError,
)
from ._state import StateStore

if TYPE_CHECKING:
    from ._mock import OpenAIMock
    from ._routes import Route
    from ._serve import ServedMock, serve

# The engine (its endpoint table imports most of the openai SDK's types) loads on first use,
# so that the pytest plugin costs nothing to test suites that never touch it.
_LAZY = {"OpenAIMock": "_mock", "Route": "_routes", "ServedMock": "_serve", "serve": "_serve"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CassetteDriftWarning",
    "CassetteFormatError",
    "CassetteMismatchError",
    "CassetteSecretError",
    "InvalidMockResponseError",
    "OpenAIMock",
    "OpenAIMockError",
    "RecordFilters",
    "Route",
    "ServedMock",
    "StateStore",
    "UnmockedRequestError",
    "UnplayedInteractionsError",
    "mock",
    "serve",
]
