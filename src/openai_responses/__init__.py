"""openai_responses: test code that calls OpenAI offline — a typed, stateful mock of the
OpenAI API plus record/replay cassettes, behind one router."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._decorator import mock
from ._errors import (
    CassetteDriftWarning,
    CassetteExpiredError,
    CassetteExpiredWarning,
    CassetteMismatchError,
    CassetteSchemaDriftWarning,
    CassetteVerifyError,
    InvalidMockResponseError,
    OpenAIMockError,
    UnmockedRequestError,
    UnplayedInteractionsError,
)
from ._state import Hooks, StateStore, connect

if TYPE_CHECKING:
    from ._cassette import CassetteFormatError, CassetteSecretError, RecordFilters
    from ._mock import OpenAIMock
    from ._routes import Route
    from ._serve import ServedMock, serve

# The engine (its endpoint table imports most of the openai SDK's types) loads on first use,
# so that the pytest plugin costs nothing to test suites that never touch it.
_LAZY = {
    "CassetteFormatError": "_cassette",
    "CassetteSecretError": "_cassette",
    "OpenAIMock": "_mock",
    "RecordFilters": "_cassette",
    "Route": "_routes",
    "ServedMock": "_serve",
    "serve": "_serve",
}


# The store imports no endpoint: it loads the table (which registers the collections) and
# seeds from cassettes through these, on first use, so `StateStore()` works before any mock.
def _load_table() -> object:
    from . import _endpoints

    return _endpoints


def _seed_from_cassette(state: StateStore, path: Path) -> StateStore:
    from ._seeding import seed_from_cassette

    return seed_from_cassette(state, path)


connect(Hooks(_load_table, _seed_from_cassette))

# Submodules openai-responses 0.13 exposed as attributes (``openai_responses.helpers``).
_SUBMODULES = frozenset({"ext", "helpers", "stores", "streaming"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CassetteDriftWarning",
    "CassetteExpiredError",
    "CassetteExpiredWarning",
    "CassetteFormatError",
    "CassetteMismatchError",
    "CassetteSchemaDriftWarning",
    "CassetteSecretError",
    "CassetteVerifyError",
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
