"""Faults: what a route answers instead of (or on top of) its normal answer.

Three families, by where the SDK meets them:

- answers (``rate_limit``, ``server_error``, ``overloaded``): an OpenAI-shaped error response;
- transport errors (``timeout``, ``connection``): the pool raises the transport's own
  exception, which httpx (or httpx2) maps and the SDK turns into ``APITimeoutError`` /
  ``APIConnectionError``;
- stream faults (``disconnect``, ``truncate``, ``stall``, ``corrupt``): the normal answer,
  whatever produced it (override, cassette, record, state, default), is cut or spoiled after
  ``after_events`` SSE events.

A fault is queued on a route (``route.fault(kind, times=1, **options)``) or named by the
request itself (the ``x-mock-fault`` header, for clients in other languages).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._errors import InvalidRequest, openai_error

__all__ = [
    "FAULT_HEADER",
    "KINDS",
    "Fault",
    "FaultQueue",
    "FaultRaised",
    "fault_from_header",
    "transport_error",
]

FAULT_HEADER = "x-mock-fault"

# kind -> the options it takes
KINDS: Mapping[str, frozenset[str]] = {
    "rate_limit": frozenset({"retry_after", "limit_requests", "limit_tokens"}),
    "server_error": frozenset({"retry_after"}),
    "overloaded": frozenset({"retry_after"}),
    "timeout": frozenset({"seconds"}),
    "connection": frozenset(),
    "disconnect": frozenset({"after_events"}),
    "truncate": frozenset({"after_events"}),
    "stall": frozenset({"after_events", "seconds"}),
    "corrupt": frozenset({"after_events"}),
}
ANSWER_KINDS = frozenset({"rate_limit", "server_error", "overloaded"})
TRANSPORT_KINDS = frozenset({"timeout", "connection"})
STREAM_KINDS = frozenset({"disconnect", "truncate", "stall", "corrupt"})

_NUMBERS = frozenset({"retry_after", "seconds"})
_COUNTS = frozenset({"limit_requests", "limit_tokens", "after_events"})


@dataclass(frozen=True)
class Fault:
    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def make(cls, kind: str, **options: Any) -> Fault:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of: {', '.join(KINDS)}")
        unknown = set(options) - KINDS[kind]
        if unknown:
            takes = ", ".join(sorted(KINDS[kind])) or "no options"
            raise ValueError(f"fault {kind!r} takes {takes}, not {', '.join(sorted(unknown))}")
        for name, value in options.items():
            _check(name, value)
        return cls(kind, dict(options))

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)

    @property
    def after_events(self) -> int:
        """Events sent before the fault; by default one, and for ``truncate`` all but the
        final one (a fault due past the end hits the last event)."""
        default = sys.maxsize if self.kind == "truncate" else 1
        return int(self.option("after_events", default))


def _check(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"fault option {name} must be a number, not {value!r}")
    if value < 0 or (name in _COUNTS and value != int(value)):
        what = "count" if name in _COUNTS else "number"
        raise ValueError(f"fault option {name} must be a non-negative {what}")


class FaultQueue:
    """Faults queued on one route, first in first out; ``times=None`` repeats forever."""

    def __init__(self) -> None:
        self._entries: list[list[Any]] = []  # [fault, remaining or None]
        self._lock = threading.Lock()

    def add(self, fault: Fault, times: int | None) -> None:
        if times is not None and (isinstance(times, bool) or times < 1):
            raise ValueError(f"times must be a positive count or None (every call), not {times!r}")
        with self._lock:
            self._entries.append([fault, times])

    def take(self) -> Fault | None:
        with self._lock:
            if not self._entries:
                return None
            entry = self._entries[0]
            if entry[1] is not None:
                entry[1] -= 1
                if entry[1] == 0:
                    self._entries.pop(0)
            return entry[0]  # type: ignore[no-any-return]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __bool__(self) -> bool:
        return bool(self._entries)


# -- the x-mock-fault header -------------------------------------------------------------------
# Grammar: ``kind`` or ``kind; name=value; name=value`` (numbers only), e.g.
# ``x-mock-fault: rate_limit; retry_after=2`` or ``x-mock-fault: disconnect; after_events=3``.


def fault_from_header(request: httpx.Request) -> Fault | None:
    """The fault a request names in its ``x-mock-fault`` header; a bad header is a 400."""
    value = request.headers.get(FAULT_HEADER)
    if value is None:
        return None
    kind, *pairs = (part.strip() for part in value.split(";"))
    options: dict[str, Any] = {}
    try:
        for pair in filter(None, pairs):
            name, equals, text = pair.partition("=")
            if not equals:
                raise ValueError(f"expected name=value, got {pair!r}")
            options[name.strip()] = _number(text.strip())
        return Fault.make(kind, **options)
    except ValueError as error:
        message = f"invalid {FAULT_HEADER} header {value!r}: {error}"
        raise InvalidRequest(message, param=FAULT_HEADER) from None


def _number(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


# -- answers -----------------------------------------------------------------------------------

_MESSAGES = {
    "server_error": (
        500,
        "The server had an error while processing your request. Sorry about that!",
    ),
    "overloaded": (503, "The engine is currently overloaded, please try again later."),
}


def error_answer(fault: Fault) -> httpx.Response:
    """The HTTP answer of an answer-kind fault."""
    if fault.kind == "rate_limit":
        return rate_limit_answer(
            "Rate limit reached for requests (simulated by openai_responses).",
            retry_after=fault.option("retry_after"),
            limit_requests=fault.option("limit_requests", 500),
            limit_tokens=fault.option("limit_tokens", 30000),
        )
    status, message = _MESSAGES[fault.kind]
    response = openai_error(status, message, type="server_error")
    response.headers.update(retry_headers(fault.option("retry_after")))
    return response


def rate_limit_answer(
    message: str,
    *,
    retry_after: float | None,
    limit_requests: int,
    limit_tokens: int,
    remaining_requests: int = 0,
    remaining_tokens: int = 0,
    type: str = "requests",
) -> httpx.Response:
    response = openai_error(429, message, type=type, code="rate_limit_exceeded")
    reset = duration(retry_after or 0.0)
    response.headers.update(
        {
            **retry_headers(retry_after),
            "x-ratelimit-limit-requests": str(limit_requests),
            "x-ratelimit-limit-tokens": str(limit_tokens),
            "x-ratelimit-remaining-requests": str(remaining_requests),
            "x-ratelimit-remaining-tokens": str(remaining_tokens),
            "x-ratelimit-reset-requests": reset,
            "x-ratelimit-reset-tokens": reset,
        }
    )
    return response


def retry_headers(retry_after: float | None) -> dict[str, str]:
    """``retry-after`` and ``retry-after-ms``; without a value, "retry at once" (1 ms: the SDK
    takes 0 as "no hint" and would back off exponentially instead)."""
    if retry_after is None:
        return {"retry-after": "0", "retry-after-ms": "1"}
    return {"retry-after": f"{retry_after:g}", "retry-after-ms": f"{retry_after * 1000:g}"}


def duration(seconds: float) -> str:
    """OpenAI's reset format: ``20ms``, ``1s``, ``6m0s``."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    minutes, rest = divmod(seconds, 60)
    text = f"{rest:.3g}s" if rest != int(rest) else f"{int(rest)}s"
    return f"{int(minutes)}m{text}" if minutes else text


# -- transport errors --------------------------------------------------------------------------


class FaultRaised(Exception):
    """Mixed into every transport error a fault raises; ``fault`` is the fault."""

    fault: Fault


_ERROR_NAMES = {
    "timeout": "ReadTimeout",
    "connection": "ConnectError",
    "disconnect": "RemoteProtocolError",
}
_ERROR_TEXT = {
    "timeout": "timed out (simulated by openai_responses)",
    "connection": "connection refused (simulated by openai_responses)",
    "disconnect": "peer closed connection without sending complete message body "
    "(simulated by openai_responses)",
}


@functools.cache
def _error_class(kind: str) -> type[FaultRaised]:
    """One exception class that is the transport error of every stack installed.

    The pool raises it: httpx maps httpcore's errors, httpx2 maps httpcore2's, and a
    ``MockTransport`` (no pool) raises it as is, where it already is httpx's and httpx2's.
    """
    name = _ERROR_NAMES[kind]
    bases: list[type] = [FaultRaised]
    for module in ("httpx", "httpx2", "httpcore", "httpcore2"):
        if importlib.util.find_spec(module) is not None:
            bases.append(getattr(importlib.import_module(module), name))
    return type(f"Simulated{name}", tuple(bases), {})


def transport_error(fault: Fault, kind: str | None = None) -> FaultRaised:
    kind = kind or fault.kind
    error = _error_class(kind)(_ERROR_TEXT[kind])
    error.fault = fault
    return error
