"""OpenAI-shaped error answers, and the exceptions this library raises into tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = [
    "CassetteDriftWarning",
    "CassetteExpiredError",
    "CassetteExpiredWarning",
    "CassetteMismatchError",
    "CassetteSchemaDriftWarning",
    "CassetteVerifyError",
    "InvalidMockResponseError",
    "InvalidRequest",
    "OpenAIMockError",
    "UnmockedRequestError",
    "UnplayedInteractionsError",
    "bad_request",
    "json_type",
    "not_found",
    "openai_error",
]


class OpenAIMockError(BaseException):
    """Base of the errors the mock raises into the test.

    It derives from BaseException on purpose, like ``pytest.fail``'s outcome: openai 2.x wraps
    every ``Exception`` a transport raises into an ``APIConnectionError`` and retries it with
    back-off sleeps, which would both hide the message and slow the test down. A BaseException
    passes through the SDK (and through ``except Exception`` in the code under test) unchanged.
    """


class InvalidMockResponseError(OpenAIMockError):
    """A ``.response`` the user set does not make a valid answer for its route."""


class UnmockedRequestError(OpenAIMockError):
    """A request reached the mock that no route, cassette or pass-through answers."""

    def __init__(self, method: str, url: str, hint: str = "") -> None:
        self.method = method
        self.url = url
        message = f"openai_responses: no mock answers {method} {url}"
        if hint:
            message = f"{message}\n{hint}"
        super().__init__(message)


class CassetteMismatchError(OpenAIMockError):
    """Replay-only cassette and no recorded interaction matches the request."""

    def __init__(self, cassette: str, request_line: str, nearest: str) -> None:
        self.cassette = cassette
        self.request_line = request_line
        self.nearest = nearest
        lines = [
            f"openai_responses: cassette {cassette} has no unplayed interaction matching",
            f"  {request_line}",
            "and the record mode does not allow recording it.",
        ]
        if nearest:
            lines.append(nearest)
        lines.append("Re-record with `pytest --record-mode=once` (new file) or `new_episodes`.")
        super().__init__("\n".join(lines))


class CassetteDriftWarning(UserWarning):
    """Requests matched recordings (by a matcher that leaves the body out) with other bodies."""

    def __init__(self, cassette: str, drift: Sequence[tuple[str, Sequence[str]]]) -> None:
        self.cassette = cassette
        self.drift = list(drift)
        lines = [
            f"openai_responses: {len(self.drift)} request(s) replayed from {cassette} "
            "with a body that differs from the recording:"
        ]
        lines += [f"  {request}: {', '.join(paths)}" for request, paths in self.drift[:10]]
        lines.append(
            "Re-record (--record-mode=rewrite), or match bodies too: "
            'match_on=(..., "body"), or leave match_on out (openai_responses\'s default).'
        )
        super().__init__("\n".join(lines))


class UnplayedInteractionsError(OpenAIMockError):
    """The test ended with recorded interactions it never requested (``unplayed="fail"``)."""

    def __init__(self, cassette: str, unplayed: Sequence[Any]) -> None:
        self.cassette = cassette
        self.unplayed = list(unplayed)
        lines = [
            f"openai_responses: {len(self.unplayed)} interaction(s) of {cassette} never played:"
        ]
        lines += [f"  {i.request.method} {i.request.url}" for i in self.unplayed[:10]]
        super().__init__("\n".join(lines))


class CassetteVerifyError(OpenAIMockError):
    """Verify mode: live answers differ in structure from the recorded ones."""

    def __init__(self, cassette: str, differences: Sequence[tuple[str, Sequence[str]]]) -> None:
        self.cassette = cassette
        self.differences = list(differences)
        lines = [
            f"openai_responses: {len(self.differences)} live answer(s) differ in structure "
            f"from cassette {cassette} (verify mode):"
        ]
        for request, found in self.differences:
            lines.append(f"  {request}")
            lines += [f"    {line}" for line in found]
        lines.append(
            "Re-record the cassette (--record-mode=all), or ignore a field that varies: "
            'verify_ignore=("path.to.field", ...).'
        )
        super().__init__("\n".join(lines))


class CassetteExpiredError(OpenAIMockError):
    """A cassette's recordings are older than ``max_age`` (``on_expiry="fail"``)."""


class CassetteExpiredWarning(UserWarning):
    """A cassette's recordings are older than ``max_age`` (``on_expiry="warn"``)."""


class CassetteSchemaDriftWarning(UserWarning):
    """Recorded answers the installed openai SDK's types read differently."""

    def __init__(self, cassette: str, findings: Sequence[Any]) -> None:
        self.cassette = cassette
        self.findings = list(findings)
        lines = [
            f"openai_responses: cassette {cassette} drifted from the installed openai SDK "
            f"({len(self.findings)} finding(s)):"
        ]
        lines += [f"  {finding.describe()}" for finding in self.findings[:10]]
        if len(self.findings) > 10:
            lines.append(f"  ... and {len(self.findings) - 10} more")
        lines.append(f"All of them: openai-responses cassette check --sdk {cassette}")
        super().__init__("\n".join(lines))


class InvalidRequest(ValueError):
    """Request data the API refuses. Raised where the request is read, answered as a 400 in
    OpenAI's shape by the pipeline: a bad request is the client's answer, not an exception."""

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.param = param
        self.code = code

    def response(self) -> httpx.Response:
        return bad_request(str(self), param=self.param, code=self.code)


def json_type(value: Any) -> str:
    """How OpenAI's messages name a JSON value's type: 'an array', 'a string'…"""
    names = {bool: "a boolean", int: "an integer", float: "a decimal", str: "a string"}
    names.update({list: "an array", dict: "an object", type(None): "null"})
    return names.get(type(value), type(value).__name__)


def openai_error(
    status: int,
    message: str,
    *,
    type: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """An error response exactly as the OpenAI API shapes it."""
    import httpx  # imported here: the pytest plugin imports these errors, not httpx

    body: dict[str, Any] = {
        "error": {"message": message, "type": type, "param": param, "code": code}
    }
    return httpx.Response(status, json=body, headers=headers)


def not_found(kind: str, object_id: str) -> httpx.Response:
    return openai_error(404, f"No {kind} found with id '{object_id}'.")


def bad_request(
    message: str, *, param: str | None = None, code: str | None = None
) -> httpx.Response:
    return openai_error(400, message, param=param, code=code)
