"""openai_responses: test code that calls OpenAI offline — a typed, stateful mock of the
OpenAI API plus record/replay cassettes, behind one router."""

from ._cassette import CassetteFormatError, CassetteSecretError, RecordFilters
from ._decorator import mock
from ._errors import (
    CassetteMismatchError,
    OpenAIMockError,
    UnmockedRequestError,
    UnplayedInteractionsError,
)
from ._mock import OpenAIMock
from ._pipeline import InvalidMockResponseError
from ._routes import Route
from ._serve import ServedMock, serve
from ._state import StateStore

__all__ = [
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
