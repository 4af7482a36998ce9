"""What the index compares for each recorded request, computed once when a cassette is read.

A big cassette's first lookup used to canonicalise every recorded body of the route it asked
for (JSON parsed and re-dumped sorted). These keys are computed while loading instead and kept
in the parsed-cassette cache beside the interactions, so a warm load hands the index
everything it needs: the first call costs what the hundredth does.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

import httpx

from ._canonical import CanonicalBody, canonical_body, canonical_query, route_key, sdk_injected
from ._model import Interaction

RouteKey = tuple[str, str, str, "int | None", str]
Query = tuple[tuple[str, str], ...]


class MatchKeys(NamedTuple):
    route: RouteKey
    query: Query
    # Under the default matching (no ignored JSON paths); other options compute their own.
    body: CanonicalBody


class Parsed(NamedTuple):
    """A cassette as read: its interactions and, aligned with them, their match keys."""

    interactions: list[Interaction]
    keys: list[MatchKeys]


def match_keys(interaction: Interaction) -> MatchKeys:
    request = interaction.request
    route, query = url_keys(request.method, request.url)
    injected = sdk_injected(route[0], route[4])
    return MatchKeys(route, query, canonical_body(request.body, (), injected))


# Cassettes repeat a few URLs thousands of times: each is parsed once.
@functools.lru_cache(maxsize=4096)
def url_keys(method: str, url: str) -> tuple[RouteKey, Query]:
    parsed = httpx.URL(url)
    return route_key(method, parsed), canonical_query(parsed)


# JSON forms for the on-disk cache. Bytes travel as latin-1 text (lossless byte<->codepoint).
def encode_keys(keys: MatchKeys) -> list[Any]:
    kind, value = keys.body
    if kind == "raw":
        value = value.decode("latin-1")
    elif kind == "multipart":
        value = [[name, filename, data.decode("latin-1")] for name, filename, data in value]
    return [list(keys.route), [list(pair) for pair in keys.query], [kind, value]]


def decode_keys(row: list[Any], seen: dict[Any, Any]) -> MatchKeys:
    """Keys of one cache row; `seen` shares the routes and queries rows repeat."""
    route, query, (kind, value) = row
    if kind == "raw":
        value = value.encode("latin-1")
    elif kind == "multipart":
        value = tuple((str(n), str(f), d.encode("latin-1")) for n, f, d in value)
    elif kind not in ("json", "empty"):
        raise ValueError(f"unknown body kind {kind!r}")
    elif type(value) is not str:
        raise ValueError("a JSON or empty body key is text")
    return MatchKeys(_route(route, seen), _query(query, seen), (kind, value))


def _route(row: list[Any], seen: dict[Any, Any]) -> Any:
    route = tuple(row)
    known = seen.get(route)
    if known is None:
        method, scheme, host, port, path = route
        known = seen[route] = (
            str(method),
            str(scheme),
            str(host),
            None if port is None else int(port),
            str(path),
        )
    return known


def _query(rows: list[Any], seen: dict[Any, Any]) -> Any:
    query: Any = tuple(map(tuple, rows))
    known = seen.get(query)
    if known is None:
        known = seen[query] = tuple((str(key), str(value)) for key, value in query)
    return known
