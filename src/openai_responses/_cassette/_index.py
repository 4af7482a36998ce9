"""InteractionIndex: which recorded interaction answers a live request.

Interactions are bucketed by (method, scheme, host, port, path). Inside a bucket they are
grouped by (canonical query, canonical body) the first time the bucket is asked, so a lookup is
one hash on the request plus a dict access, however big the cassette. Each recorded body is
canonicalised once. Identical requests are answered in recorded order (polling).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from typing import Any

import httpx

from ._canonical import (
    CanonicalBody,
    canonical_body,
    canonical_query,
    parse_multipart,
    pretty_json,
    route_key,
    sdk_injected,
)
from ._keys import MatchKeys, url_keys
from ._matchers import Matcher, VcrMatcher, body_drift, compile_match_on, json_paths_differing
from ._model import Interaction

_RouteKey = tuple[str, str, str, "int | None", str]
_MatchKey = tuple[tuple[tuple[str, str], ...], CanonicalBody]
_NEAREST_CANDIDATES = 100
_KEYS_LIMIT = 256  # match keys kept, of bodies up to 64 KB: 16 MB at most
_KEYS_BODY_LIMIT = 64 * 1024


class _Entry:
    __slots__ = ("body", "interaction", "played", "position", "query", "route")

    def __init__(
        self, position: int, interaction: Interaction, played: bool, keys: MatchKeys | None
    ) -> None:
        self.position = position
        self.interaction = interaction
        self.played = played
        if keys is None:
            self.route, self.query = url_keys(interaction.request.method, interaction.request.url)
            self.body: CanonicalBody | None = None  # computed when first needed
        else:
            self.route, self.query, self.body = keys


class _Group:
    """Recorded copies of one identical request, in recorded order, with a play cursor."""

    __slots__ = ("cursor", "entries")

    def __init__(self) -> None:
        self.entries: list[_Entry] = []
        self.cursor = 0

    def next_unplayed(self) -> _Entry | None:
        while self.cursor < len(self.entries) and self.entries[self.cursor].played:
            self.cursor += 1
        return self.entries[self.cursor] if self.cursor < len(self.entries) else None


class InteractionIndex:
    def __init__(
        self,
        interactions: Iterable[Interaction],
        *,
        ignore_json_paths: Sequence[str] = (),
        match_on: Matcher | VcrMatcher | Sequence[Any] | None = None,
        allow_playback_repeats: bool = False,
        keys: Sequence[MatchKeys] = (),
    ) -> None:
        """`keys`, when given, are the first interactions' precomputed match keys (see
        `_keys`): with them, building the index canonicalises nothing."""
        self._ignore = tuple(ignore_json_paths)
        self._match_on = compile_match_on(match_on)
        # Matched requests whose body differs from the recording: (recorded url, JSON paths).
        self.drift: list[tuple[str, list[str]]] = []
        self.plays = 0  # recorded answers handed out, repeats included (vcrpy's play_count)
        self._repeats = allow_playback_repeats
        self._entries: list[_Entry] = []
        self._buckets: dict[Any, list[_Entry]] = {}
        self._groups: dict[Any, dict[_MatchKey, _Group]] = {}
        self._keys: dict[tuple[str, bytes, bytes], _MatchKey] = {}
        for position, interaction in enumerate(interactions):
            self._append(interaction, played=False, keys=_at(keys, position))
        if self._match_on is None:
            for route in self._buckets:  # now, not on the first request: it stays cheap
                self._grouped(route)

    def __len__(self) -> int:
        return len(self._entries)

    def take(self, request: httpx.Request) -> Interaction | None:
        """The next unplayed recorded answer to `request` (now marked played), or None."""
        if isinstance(self._match_on, VcrMatcher):
            return self._note_drift(self._take_vcr(self._match_on, request), request)
        route = route_key(request.method, request.url)
        if route not in self._buckets:
            return None
        if self._match_on is not None:
            matches = self._scan(route, request)
        else:
            group = self._grouped(route).get(self._match_key(request))
            matches = group.entries if group is not None else []
            entry = group.next_unplayed() if group is not None else None
            return self._play(entry, matches)
        played = self._play(next((e for e in matches if not e.played), None), matches)
        return self._note_drift(played, request)

    def _take_vcr(self, matcher: VcrMatcher, request: httpx.Request) -> Interaction | None:
        # vcrpy's way: every recorded request is a candidate (its matchers may ignore the host
        # or the path); vcr-style suites keep cassettes small.
        live = matcher.live(request)
        if live is None:
            return None
        matches = [e for e in self._entries if matcher.matches(live, e.interaction.request)]
        return self._play(next((e for e in matches if not e.played), None), matches)

    def _note_drift(self, played: Interaction | None, request: httpx.Request) -> Interaction | None:
        # Only matchers that leave the body out can let a drifted body through.
        matcher = self._match_on
        if played is None or matcher is None:
            return played
        if isinstance(matcher, VcrMatcher) and matcher.compares_body:
            return played
        paths = body_drift(played.request, request)
        if paths is not None:
            self.drift.append((f"{played.request.method} {played.request.url}", paths))
        return played

    def add(self, interaction: Interaction) -> None:
        """Register a newly recorded interaction; it counts as already played."""
        self._append(interaction, played=True)

    def interactions(self) -> list[Interaction]:
        """Every interaction, recorded ones first, then those recorded by this session."""
        return [entry.interaction for entry in self._entries]

    def has_host(self, scheme: str, host: str, port: int | None) -> bool:
        return any(key[1:4] == (scheme, host, port) for key in self._buckets)

    def unplayed(self) -> list[Interaction]:
        return [entry.interaction for entry in self._entries if not entry.played]

    def nearest(self, request: httpx.Request) -> str:
        """Nearest recorded candidate and a diff of bodies, for miss messages ("" if empty)."""
        if not self._entries:
            return ""
        method, path = request.method.upper(), request.url.path
        if not any(e.route[0] == method and e.route[4] == path for e in self._entries):
            return self._endpoints_listing(method, path)
        body = request.read()
        best = _closest(self._candidates(request), body, self._ignore)
        return _describe(best, request, body, self._ignore)

    def _endpoints_listing(self, method: str, path: str) -> str:
        counts: dict[str, int] = {}
        for entry in self._entries:
            line = f"{entry.route[0]} {entry.route[1]}://{entry.route[2]}{entry.route[4]}"
            counts[line] = counts.get(line, 0) + 1
        listed = [f"    {line}" + (f" (x{n})" if n > 1 else "") for line, n in counts.items()]
        return "\n".join(
            [f"  no recorded request is {method} {path}; the cassette records:", *listed[:20]]
            + ([f"    … and {len(listed) - 20} more"] if len(listed) > 20 else [])
        )

    # internals -----------------------------------------------------------------------------

    def _append(
        self, interaction: Interaction, *, played: bool, keys: MatchKeys | None = None
    ) -> None:
        entry = _Entry(len(self._entries), interaction, played, keys)
        self._entries.append(entry)
        self._buckets.setdefault(entry.route, []).append(entry)
        groups = self._groups.get(entry.route)
        if groups is not None:  # bucket already grouped: keep it current
            groups.setdefault(self._entry_key(entry), _Group()).entries.append(entry)

    def _grouped(self, route: Any) -> dict[_MatchKey, _Group]:
        groups = self._groups.get(route)
        if groups is None:
            groups = {}
            for entry in self._buckets[route]:
                groups.setdefault(self._entry_key(entry), _Group()).entries.append(entry)
            self._groups[route] = groups
        return groups

    def _entry_key(self, entry: _Entry) -> _MatchKey:
        if self._ignore or entry.body is None:
            injected = sdk_injected(entry.route[0], entry.route[4])
            body = canonical_body(entry.interaction.request.body, self._ignore, injected)
            if self._ignore:
                return (entry.query, body)
            entry.body = body
        return (entry.query, entry.body)

    def _match_key(self, request: httpx.Request) -> _MatchKey:
        # A pure function of method, path+query and body bytes, asked again for every repeat
        # of a request (polling, retries, loops): kept, bounded, instead of re-parsing JSON.
        raw = (request.method, request.url.raw_path, request.read())
        found = self._keys.get(raw)
        if found is None:
            injected = sdk_injected(request.method, request.url.path)
            body = canonical_body(raw[2], self._ignore, injected)
            found = (canonical_query(request.url), body)
            if len(raw[2]) <= _KEYS_BODY_LIMIT:
                if len(self._keys) >= _KEYS_LIMIT:
                    self._keys.clear()
                self._keys[raw] = found
        return found

    def _scan(self, route: Any, request: httpx.Request) -> list[_Entry]:
        matcher = self._match_on
        assert matcher is not None and not isinstance(matcher, VcrMatcher)
        query = canonical_query(request.url)
        return [
            entry
            for entry in self._buckets[route]
            if entry.query == query and matcher(request, entry.interaction.request)
        ]

    def _play(self, entry: _Entry | None, matches: Sequence[_Entry]) -> Interaction | None:
        if entry is not None:
            entry.played = True
            self.plays += 1
            return entry.interaction
        if self._repeats and matches:
            self.plays += 1
            return matches[-1].interaction
        return None

    def _candidates(self, request: httpx.Request) -> list[_Entry]:
        route = route_key(request.method, request.url)
        same_route = self._buckets.get(route)
        if same_route:
            pool = same_route
        else:
            pool = [e for e in self._entries if e.route[4] == request.url.path] or self._entries
        # Unplayed first: they are what a miss most likely should have matched.
        ordered = [e for e in pool if not e.played] + [e for e in pool if e.played]
        return ordered[:_NEAREST_CANDIDATES]


def _at(keys: Sequence[MatchKeys], position: int) -> MatchKeys | None:
    return keys[position] if position < len(keys) else None


def _body_lines(body: bytes, ignore: Sequence[str]) -> list[str]:
    pretty = pretty_json(body, ignore)
    if pretty is not None:
        return pretty.splitlines()
    parts = parse_multipart(body)
    if parts is not None:
        return [
            f"part {name!r} filename={filename!r}: {len(data)} bytes"
            for name, filename, data in parts
        ]
    return body.decode("utf-8", "replace").splitlines()


def _closest(candidates: Sequence[_Entry], body: bytes, ignore: Sequence[str]) -> _Entry:
    wanted = _body_lines(body, ignore)

    def similarity(entry: _Entry) -> float:
        lines = _body_lines(entry.interaction.request.body, ignore)
        return difflib.SequenceMatcher(None, lines, wanted, autojunk=False).ratio()

    return max(candidates, key=similarity)


def _describe(entry: _Entry, request: httpx.Request, body: bytes, ignore: Sequence[str]) -> str:
    recorded = entry.interaction.request
    state = "already played" if entry.played else "unplayed"
    lines = [
        f"nearest recorded request: #{entry.position} {recorded.method} {recorded.url} ({state})"
    ]
    if recorded.method != request.method.upper() or recorded.url != str(request.url):
        lines.append(f"  recorded: {recorded.method} {recorded.url}")
        lines.append(f"  request:  {request.method.upper()} {request.url}")
    diff = list(
        difflib.unified_diff(
            _body_lines(recorded.body, ignore),
            _body_lines(body, ignore),
            fromfile=f"recorded #{entry.position} body",
            tofile="request body",
            lineterm="",
        )
    )
    if diff:
        lines.extend(diff)
        paths = json_paths_differing(recorded.body, body)
        if paths:
            lines.append(f"  the bodies differ at: {', '.join(paths)}")
            lines.append(f"  if those may differ, pass ignore_json_paths={tuple(paths)!r}")
    elif entry.played:
        lines.append(
            "  bodies are identical: every recorded copy of this request was already played"
        )
    else:
        lines.append("  bodies are identical")
    return "\n".join(lines)


def request_summary(method: str, url: str | httpx.URL, body: bytes) -> str:
    """One line describing a request, for error messages."""
    text = f"{method.upper()} {url}"
    details = _body_details(body)
    return f"{text} ({details})" if details else text


def _body_details(body: bytes) -> str:
    if not body:
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        parts = parse_multipart(body)
        if parts is not None:
            return "multipart: " + ", ".join(name for name, _, _ in parts)
        return f"{len(body)} bytes"
    if not isinstance(data, dict):
        return f"JSON, {len(body)} bytes"
    fields = [f"{key}={data[key]!r}" for key in ("model", "stream") if key in data]
    return ", ".join([*fields, f"{len(body)} bytes"])
