"""OpenAIMock: one router, one route tree, one StateStore (and optionally one cassette)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import httpx
import respx

from . import _pipeline
from ._calls import PendingCalls
from ._clock import Clock
from ._endpoints import ENDPOINTS, Context, Endpoint
from ._errors import OpenAIMockError
from ._faults import FAULT_HEADER
from ._interception import PASSTHROUGH, has_header
from ._ratelimit import RateLimiter
from ._router import OpenAIRouter
from ._routes import Route, RouteIndex, build_tree
from ._shaping import check_pace
from ._state import StateStore

if TYPE_CHECKING:
    from ._cassette import Interaction
    from ._session import CassetteSession

__all__ = ["DEFAULT_BASE_URL", "ON_MISS", "OpenAIMock"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# What a request a replay-only cassette does not hold gets: an error, or the mock's answer.
ON_MISS = ("fail", "mock")

# The row behind requests no endpoint knows: answered by a cassette or not at all.
UNROUTED = Endpoint("unrouted", "*", "/{path}", "stateless")


# An Azure base URL: ``{endpoint}/openai``, perhaps with one deployment.
_AZURE_TAIL = re.compile(r"/openai(?:/deployments/[^/]+)?$")


@dataclass(frozen=True)
class BaseURL:
    """Where the mock answers. ``path`` is the root the API's paths hang under, without a
    trailing slash; an Azure base (``{endpoint}/openai[/deployments/{name}]``) is cut back to
    its endpoint, since the Azure client sends under ``/openai`` and ``/openai/deployments/…``
    whatever deployment it names."""

    scheme: str
    host: str
    port: int | None
    path: str

    @classmethod
    def parse(cls, base_url: str) -> BaseURL:
        url = httpx.URL(base_url)
        return cls(url.scheme, url.host, url.port, _AZURE_TAIL.sub("", url.path.rstrip("/")))

    def owns(self, url: httpx.URL) -> bool:
        return url.scheme == self.scheme and url.host == self.host and url.port == self.port

    def endpoint_path(self, path: str) -> str | None:
        """The API path a request names under this base (``/chat/completions``), or None.

        The Azure layout is accepted under any base: ``/openai`` and ``/deployments/{name}``
        are dropped, so a deployment never decides the route (call history keeps it).
        """
        if not path.startswith(self.path):
            return None
        rest = path[len(self.path) :]
        if rest.startswith("/openai/"):
            rest = rest[len("/openai") :]
        if rest.startswith("/deployments/"):
            rest = rest[rest.find("/", len("/deployments/")) :] if rest.count("/") > 2 else "/"
        return rest.rstrip("/") or "/"


# A replayed answer as the pool hands it out: status, raw headers, body, extensions.
Ready = tuple[int, list[tuple[bytes, bytes]], bytes, dict[str, Any]]


def _recorded_response(request: httpx.Request, interaction: Interaction) -> httpx.Response:
    """The response the pipeline's replay step answers (and respx's history keeps)."""
    from ._cassette import response_to_httpx  # only cassettes replay

    response = _pipeline.without_delays(response_to_httpx(interaction, request), replayed=True)
    response.read()
    return response


def openai_api_path(path: str) -> str | None:
    """``/api/v1/chat/completions`` -> ``/chat/completions``: the OpenAI API path inside
    another host's URL (None when the path has no ``/v1`` segment)."""
    _, marker, rest = path.partition("/v1/")
    return f"/{rest}" if marker else None


class OpenAIMock:
    """A typed, stateful mock of the OpenAI API.

    Routes hang at the SDK's attribute paths (``openai_mock.chat.completions.create``);
    ``router`` is the respx router that intercepts the openai client's transport while
    entered (``with openai_mock.router:``) and whose ``handler`` serves ``MockTransport``.
    """

    # The route tree is built at runtime from the endpoint table.
    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"OpenAIMock has no route or namespace {name!r}")

    def __init__(
        self,
        base_url: str | None = None,
        state: StateStore | None = None,
        *,
        cassette: str | Path | None = None,
        record_mode: str | None = None,
        on_miss: Literal["fail", "mock"] = "fail",
        pace: Literal["recorded"] | float | None = None,
        rate_limits: Mapping[str, int] | None = None,
        **cassette_options: Any,
    ) -> None:
        if on_miss not in ON_MISS:
            raise ValueError(f"on_miss must be 'fail' or 'mock', not {on_miss!r}")
        # Time (``_clock``, ``_shaping``): virtual, except the pace streams are delivered at.
        self.clock = Clock()
        self.pace = check_pace(pace)
        self.rate_limiter = RateLimiter(self.clock, rate_limits) if rate_limits else None
        self.faulted_routes: set[Route] = set()
        # Set when served: stalls then pause for real, since a remote client keeps wall time.
        self.real_time = False
        self.on_miss = on_miss
        self.base_url = base_url or DEFAULT_BASE_URL
        self.base = BaseURL.parse(self.base_url)
        self.state = state if state is not None else StateStore()
        self.failures: list[OpenAIMockError] = []
        self.cassette: CassetteSession | None = None
        if cassette:  # the cassette machinery (YAML, matching, saving) loads with the first
            from ._session import open_cassette

            self.cassette = open_cassette(cassette, record_mode, **cassette_options)
        self.routes: dict[str, Route] = {}
        for endpoint in ENDPOINTS:
            route = Route(endpoint, self)
            for sdk_path in (endpoint.sdk, *endpoint.aliases):
                self.routes[sdk_path] = route
        build_tree(self, self.routes.items())
        self._index = RouteIndex({id(r): r for r in self.routes.values()}.values())
        # Requests to the base URL that no endpoint row knows still replay from (or record
        # into) a cassette; without one they stay unmocked.
        self._unrouted = Route(UNROUTED, self)
        self.router = OpenAIRouter(self._dispatch, self.failures.append, self.finish)
        self.router.clock = self.clock
        self.pending_calls = PendingCalls(lambda: self.router.history, _recorded_response)
        self.router.pending = self.pending_calls
        self.router.plain_replay = self._plain_replay
        self.router.plain_replay_ok = self._plain_replay_ok
        # The answer of each replayed interaction, ready for the pool (``_plain_replay``).
        self._ready: dict[int, Ready] = {}
        # Set by the vcr adapter: every host goes through the cassette, recorded in it or not.
        self.all_hosts = False

    def _dispatch(self, request: httpx.Request) -> tuple[respx.Route, Any] | None:
        url = request.url
        if self.base.owns(url):
            path = self.base.endpoint_path(url.path)
        elif self.cassette is not None and (self.all_hosts or self.cassette.records_host(url)):
            # Another host the cassette answers for (OpenRouter, a proxy): OpenAI-shaped
            # paths still reach their endpoint row (call history, state); others replay raw.
            path = openai_api_path(url.path)
        else:
            return None
        found = None if path is None else self._index.find(request.method, path)
        if found is None and self.cassette is None:
            return None
        route, params = found or (self._unrouted, {})
        return route.route, _pipeline.answer(self, route, request, params)

    @property
    def time_or_faults(self) -> bool:
        """Whether faults are queued, or pace or rate limits set: answers may then differ from
        what the pipeline alone gives (a request's ``x-mock-fault`` header is the other way)."""
        if self.pace is not None or self.rate_limiter is not None:
            return True
        return any(route.has_faults for route in self.faulted_routes)

    # -- the plain replay: a recorded answer served at the transport ----------------------
    def _plain_replay_ok(self) -> bool:
        """Whether requests may take the plain replay, which answers a recorded interaction
        straight from the cassette index, skipping respx's resolution and the pipeline.

        THE one place for every condition that needs the full pipeline: a feature that
        changes how a replayed request is answered or observed (user routes, per-route
        faults, stream pacing, a journal…) adds its condition here. Per request,
        ``_plain_replay`` also leaves to the pipeline: pass-through requests, other hosts,
        unrouted paths, routes with a ``.response`` override and rows that feed the state.
        """
        session = self.cassette
        return (
            session is not None
            and not self.router.routes
            and not self.time_or_faults  # faults, pace, rate limits shape the answer
            and session.options.record_mode != "verify"  # each replay is also sent live
        )

    def _plain_replay(self, request: httpx.Request) -> Ready | None:
        """The recorded answer to ``request``, ready to hand out, or None (the pipeline's).
        Asked only once ``_plain_replay_ok`` said yes for this request (``_interception``)."""
        if request.extensions.get(PASSTHROUGH):
            return None
        if has_header(request, FAULT_HEADER):  # a fault named per request (``_faults``)
            return None
        session = self.cassette
        url = request.url
        path = self.base.endpoint_path(url.path) if self.base.owns(url) else None
        found = self._index.find(request.method, path) if path is not None else None
        if session is None or found is None:
            return None
        route = found[0]
        endpoint = route.endpoint
        if route.response is not None or endpoint.stateful or endpoint.parents:
            return None  # the pipeline's override, or seeding (``learn_exchange``)
        interaction = session.take(request)  # what the pipeline's replay step asks
        if interaction is None:
            return None  # record, state or miss: the pipeline decides
        self.pending_calls.note(route.route, request, interaction)
        ready = self._ready.get(id(interaction))
        if ready is None:
            # interactions live as long as the session's index: their ids stay theirs
            response = _recorded_response(request, interaction)
            ready = (
                response.status_code,
                response.headers.raw,
                response.content,
                response.extensions,
            )
            self._ready[id(interaction)] = ready
        return ready

    def answers_miss(self, ctx: Context) -> bool:
        """Whether a request the cassette cannot answer falls through to the mock: what the
        row lets the state answer, or (``on_miss="mock"``) every request a row routes."""
        if ctx.endpoint is UNROUTED:
            return False
        return self.on_miss == "mock" or ctx.endpoint.state_may_answer(ctx)

    # -- used by the decorator and the pytest fixture --------------------------------------
    def __enter__(self) -> OpenAIMock:
        self.router.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.router.__exit__(exc_type, exc, tb)  # which ends the session: finish()

    def fail(self, error: OpenAIMockError) -> OpenAIMockError:
        """Note a failure for ``finish`` (in case the code under test hides it) and return it."""
        self.failures.append(error)
        return error

    def finish(self, exc: BaseException | None = None) -> None:
        """Surface a mock failure that the code under test turned into another error.

        A failure that reached the test as itself is left alone (the test may expect it);
        one that ended as some other exception (a wrapper, a bare ``except:`` re-raising
        something else) is raised instead, with that exception as its cause.
        """
        failures, self.failures[:] = list(self.failures), []
        if exc is not None and failures and not any(f is exc for f in failures):
            raise failures[0] from exc
        if self.cassette is not None:
            problem = self.cassette.close(failed=exc is not None)
            if problem is not None and exc is None:
                raise problem
