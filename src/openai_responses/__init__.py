"""openai_responses: test code that calls OpenAI offline — a typed, stateful mock of the
OpenAI API plus record/replay cassettes, behind one router."""

from ._decorator import mock
from ._errors import CassetteMismatchError, OpenAIMockError, UnmockedRequestError
from ._mock import OpenAIMock
from ._pipeline import InvalidMockResponseError
from ._routes import Route
from ._state import StateStore

__all__ = [
    "CassetteMismatchError",
    "InvalidMockResponseError",
    "OpenAIMock",
    "OpenAIMockError",
    "Route",
    "StateStore",
    "UnmockedRequestError",
    "mock",
]
