"""``match_on``: vcrpy's matcher names and callables, checked when the cassette opens.

Two forms are accepted:

- one callable ``(live: httpx.Request, recorded: RecordedRequest) -> bool``: it replaces our
  body comparison (method, URL and query still have to agree);
- a sequence, as vcrpy takes it: matcher names (``"method"``, ``"uri"``, ``"host"``,
  ``"path"``, ``"query"``, ``"body"``, …) and vcrpy-style callables ``(r1, r2)`` that get
  request views with vcrpy's attributes and either return a bool or raise AssertionError.

Either way the body may differ from the recording; ``body_drift`` names where, for the
end-of-test drift report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from ._canonical import canonical_body, sdk_injected
from ._model import RecordedRequest

__all__ = [
    "VCR_DEFAULT_MATCH_ON",
    "RequestView",
    "VcrMatcher",
    "compile_match_on",
    "json_paths_differing",
]

VCR_DEFAULT_MATCH_ON = ("method", "scheme", "host", "port", "path", "query")


class RequestView:
    """A request as vcrpy's matchers and hooks see it (``uri``, ``path``, ``query``, ``body``…).

    Mutable, like vcrpy's Request, so ``before_record_request`` hooks can edit it in place.
    """

    def __init__(self, method: str, uri: str, body: bytes, headers: dict[str, str]) -> None:
        self.method = method.upper()
        self.uri = uri
        self.body = body
        self.headers = headers

    @classmethod
    def of(cls, request: httpx.Request | RecordedRequest) -> RequestView:
        if isinstance(request, RecordedRequest):
            return cls(request.method, request.url, request.body, dict(request.headers))
        return cls(request.method, str(request.url), request.read(), dict(request.headers))

    def recorded(self) -> RecordedRequest:
        return RecordedRequest(self.method, self.uri, tuple(self.headers.items()), self.body)

    @property
    def url(self) -> str:
        return self.uri

    @property
    def _parsed(self) -> httpx.URL:
        return httpx.URL(self.uri)

    @property
    def scheme(self) -> str:
        return self._parsed.scheme

    @property
    def host(self) -> str:
        return self._parsed.host

    @property
    def port(self) -> int:
        url = self._parsed
        return url.port or {"https": 443, "http": 80}.get(url.scheme, 0)

    @property
    def path(self) -> str:
        return self._parsed.path

    @property
    def query(self) -> list[tuple[str, str]]:
        raw = self._parsed.query.decode("ascii", "replace")
        return sorted(parse_qsl(raw, keep_blank_values=True))

    def __repr__(self) -> str:
        return f"<Request ({self.method}) {self.uri}>"


def _body(view: RequestView) -> Any:
    return canonical_body(view.body, (), sdk_injected(view.method, view.path))


def _headers(view: RequestView) -> dict[str, str]:
    return {key.lower(): value for key, value in view.headers.items()}


# vcrpy's matcher names, with its meaning (``body`` compares parsed JSON, as vcrpy does).
_NAMED: dict[str, Callable[[RequestView], Any]] = {
    "method": lambda r: r.method,
    "uri": lambda r: r.uri,
    "url": lambda r: r.uri,
    "scheme": lambda r: r.scheme,
    "host": lambda r: r.host,
    "port": lambda r: r.port,
    "path": lambda r: r.path,
    "query": lambda r: r.query,
    "raw_body": lambda r: r.body,
    "body": _body,
    "headers": _headers,
}

VcrCallable = Callable[[Any, Any], Any]
Matcher = Callable[[httpx.Request, RecordedRequest], bool]


@dataclass(frozen=True)
class VcrMatcher:
    """A compiled vcrpy ``match_on``; ``prepare`` applies the recording filters to a live
    request first (vcrpy matches the request as it would have been recorded)."""

    names: tuple[str, ...]
    callables: tuple[VcrCallable, ...] = ()
    prepare: Callable[[RequestView], RequestView | None] | None = field(default=None)

    @property
    def compares_body(self) -> bool:
        return "body" in self.names or "raw_body" in self.names

    def live(self, request: httpx.Request) -> RequestView | None:
        view = RequestView.of(request)
        return self.prepare(view) if self.prepare is not None else view

    def matches(self, live: RequestView, recorded: RecordedRequest) -> bool:
        other = RequestView.of(recorded)
        for name in self.names:
            if _NAMED[name](live) != _NAMED[name](other):
                return False
        return all(_passes(check, live, other) for check in self.callables)


def _passes(check: VcrCallable, live: RequestView, recorded: RequestView) -> bool:
    try:
        verdict = check(live, recorded)
    except AssertionError:
        return False
    return verdict is None or bool(verdict)


def compile_match_on(match_on: Any) -> Matcher | VcrMatcher | None:
    """Check ``match_on`` now, so a bad value fails when the cassette opens, naming it."""
    if match_on is None or isinstance(match_on, VcrMatcher):
        return match_on
    if callable(match_on):
        return match_on  # type: ignore[no-any-return]
    if isinstance(match_on, (str, bytes)) or not isinstance(match_on, Iterable):
        raise ValueError(
            f"match_on must be a callable or a sequence of vcrpy matcher names and callables; "
            f"got {match_on!r}"
        )
    names: list[str] = []
    callables: list[VcrCallable] = []
    for item in match_on:
        if callable(item):
            callables.append(item)
        elif isinstance(item, str) and item in _NAMED:
            names.append(item)
        else:
            raise ValueError(
                f"match_on: unknown matcher {item!r}; use a callable or one of "
                f"{', '.join(sorted(_NAMED))}"
            )
    return VcrMatcher(tuple(names), tuple(callables))


def json_paths_differing(recorded: bytes, live: bytes, limit: int = 8) -> list[str]:
    """Dotted paths (``messages.0.content``) where two JSON bodies differ; [] if either is
    not JSON or they are equal. Paths use the syntax of ``ignore_json_paths``."""
    try:
        left, right = json.loads(recorded), json.loads(live)
    except ValueError:
        return []
    found: list[str] = []
    _walk(left, right, (), found, limit)
    return found[:limit]


def _walk(left: Any, right: Any, path: tuple[str, ...], found: list[str], limit: int) -> None:
    if len(found) >= limit or left == right:
        return
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted({*left, *right}, key=str):
            if key in left and key in right:
                _walk(left[key], right[key], (*path, str(key)), found, limit)
            else:
                found.append(".".join((*path, str(key))))
        return
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for position, (a, b) in enumerate(zip(left, right, strict=True)):
            _walk(a, b, (*path, str(position)), found, limit)
        return
    found.append(".".join(path) or "(the whole body)")


def body_drift(recorded: RecordedRequest, request: httpx.Request) -> list[str] | None:
    """Where a matched request's body differs from its recording (None when equal)."""
    method, path = request.method, request.url.path
    injected = sdk_injected(method, path)
    if canonical_body(recorded.body, (), injected) == canonical_body(request.read(), (), injected):
        return None
    return json_paths_differing(recorded.body, request.read()) or ["(body)"]
