"""Route objects at the SDK's attribute paths, and the index that finds them fast."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import httpx
import respx
from pydantic import BaseModel

from ._calls import HistoryRoute
from ._endpoints import Endpoint
from ._faults import Fault, FaultQueue
from ._state import StateStore

if TYPE_CHECKING:
    from ._mock import OpenAIMock

__all__ = ["Namespace", "ResponseSetting", "Route", "RouteIndex", "build_tree"]

# What ``route.response = ...`` accepts: a partial dict, a full openai model, an httpx (or
# httpx2) Response, or a callable returning any of those.
ResponseSetting = dict[str, Any] | BaseModel | httpx.Response | Callable[..., Any] | Any


class Route:
    """One endpoint of one mock: its respx route (call history) and the user's override."""

    def __init__(self, endpoint: Endpoint, mock: OpenAIMock) -> None:
        self.endpoint = endpoint
        self._mock = mock
        self._response: ResponseSetting | None = None

    @functools.cached_property
    def route(self) -> HistoryRoute:
        """The respx Route holding this endpoint's call history.

        Built on first use: a mock has hundreds of routes and most tests touch a few, so
        building them all would make every mock slow to create.
        """
        base = self._mock.base
        route = HistoryRoute(
            method=self.endpoint.method,
            scheme=base.scheme,
            host=base.host,
            # the Azure layout too (``BaseURL.endpoint_path``): any deployment, same route
            path__regex=(
                f"^{re.escape(base.path)}(?:/openai)?(?:/deployments/[^/]+)?"
                f"{self.endpoint.path_regex}/?$"
            ),
        )
        route.pending = self._mock.pending_calls
        return route

    def __repr__(self) -> str:
        return f"<Route {self.endpoint.method} {self.endpoint.path} ({self.endpoint.sdk})>"

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the class lacks: the row's declared helpers, bound to this
        # route. Read through __dict__ so a half-built instance (copy, pickle) cannot recurse.
        endpoint: Endpoint | None = self.__dict__.get("endpoint")
        for helper_name, helper in endpoint.helpers if endpoint else ():
            if helper_name == name:
                return functools.partial(helper, self)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    @property
    def response(self) -> ResponseSetting | None:
        return self._response

    @response.setter
    def response(self, value: ResponseSetting | None) -> None:
        self._response = value

    def fault(self, kind: str, *, times: int | None = 1, **options: Any) -> Route:
        """Queue a fault for the next ``times`` calls of this route (``None``: every call);
        kinds and options in ``_faults.KINDS``. Returns the route, so faults chain."""
        faults = self.__dict__.get("_faults")
        if faults is None:
            faults = self.__dict__["_faults"] = FaultQueue()
        faults.add(Fault.make(kind, **options), times)
        self._mock.faulted_routes.add(self)
        return self

    def take_fault(self) -> Fault | None:
        faults: FaultQueue | None = self.__dict__.get("_faults")
        return faults.take() if faults else None

    @property
    def has_faults(self) -> bool:
        return bool(self.__dict__.get("_faults"))

    def clear_faults(self) -> None:
        faults: FaultQueue | None = self.__dict__.get("_faults")
        if faults is not None:
            faults.clear()

    @property
    def calls(self) -> respx.models.CallList:
        return self.route.calls

    @property
    def call_count(self) -> int:
        return self.route.call_count

    @property
    def state(self) -> StateStore:
        return self._mock.state


class Namespace:
    """A node of the attribute tree: ``openai_mock.beta.threads`` …"""

    def __init__(self, path: str) -> None:
        self._path = path

    def __repr__(self) -> str:
        return f"<openai_mock.{self._path}>" if self._path else "<openai_mock>"


def build_tree(root: Any, routes: Iterable[tuple[str, Route]]) -> None:
    """Hang every route at its SDK attribute path under ``root``."""
    for sdk_path, route in routes:
        *parents, leaf = sdk_path.split(".")
        node = root
        walked: list[str] = []
        for name in parents:
            walked.append(name)
            child = getattr(node, name, None)
            if not isinstance(child, Namespace):
                child = Namespace(".".join(walked))
                setattr(node, name, child)
            node = child
        setattr(node, leaf, route)


@functools.cache
def _compiled(path_regex: str) -> re.Pattern[str]:
    return re.compile(path_regex + "$")


class RouteIndex:
    """Finds the route of a request by (method, path depth), then one regex each.

    A bucket's regexes are compiled when a request first reaches it: a mock has hundreds of
    rows and a test touches a few, so compiling all would make the first mock slow.
    """

    def __init__(self, routes: Iterable[Route]) -> None:
        self._routes: dict[tuple[str, int], list[Route]] = {}
        for route in routes:
            endpoint = route.endpoint
            self._routes.setdefault((endpoint.method, endpoint.path.count("/")), []).append(route)
        self._table: dict[tuple[str, int, str], list[tuple[re.Pattern[str], Route]]] = {}
        # What ``find`` answered per (method, path): a bucket holds dozens of regexes and a
        # test sends the same few paths again and again. Bounded: ids make paths many.
        self._found: dict[tuple[str, str], tuple[Route, dict[str, str]] | None] = {}

    def _bucket(self, method: str, path: str) -> list[tuple[re.Pattern[str], Route]]:
        # Bucketed by the first segment too: templates starting with it (or a parameter).
        first = path.split("/", 2)[1] if path.count("/") else ""
        key = (method, path.count("/"), first)
        found = self._table.get(key)
        if found is None:
            routes = [
                route
                for route in self._routes.get(key[:2], ())
                if _first_segment(route) in (first, "{")
            ]
            # Literal segments win over parameters: /threads/runs before /threads/{thread_id}.
            ordered = sorted(routes, key=lambda route: route.endpoint.path.count("{"))
            found = self._table[key] = [(_compiled(r.endpoint.path_regex), r) for r in ordered]
        return found

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route of ``path``, a path under the base URL (``BaseURL.endpoint_path``)."""
        key = (method, path)
        if key in self._found:
            found = self._found[key]
            return (found[0], dict(found[1])) if found is not None else None
        found = self._search(method, path)
        if len(self._found) >= _FOUND_LIMIT:
            self._found.clear()
        self._found[key] = found
        return (found[0], dict(found[1])) if found is not None else None

    def _search(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for pattern, route in self._bucket(method, path):
            match = pattern.match(path)
            if match:
                return route, match.groupdict()
        return None


_FOUND_LIMIT = 4096


def _first_segment(route: Route) -> str:
    """The template's first segment, or "{" when it is a parameter."""
    first = route.endpoint.path.split("/", 2)[1] if route.endpoint.path.count("/") else ""
    return "{" if first.startswith("{") else first
