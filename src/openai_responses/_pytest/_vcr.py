"""pytest-recording's ``vcr_config`` and marker kwargs, translated onto one OpenAIMock.

No second engine: a vcr-marked test runs inside an ordinary ``OpenAIMock`` whose cassette
session is built from vcrpy's options (vcrpy's names and meanings), and which takes every
host (``all_hosts``) so the test's whole HTTP traffic replays from the cassette.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._cassette import (
    VCR_DEFAULT_MATCH_ON,
    Interaction,
    RecordedRequest,
    RecordedResponse,
    RecordFilters,
    RequestView,
    VcrMatcher,
)
from .._cassette._matchers import compile_match_on
from .._cassette._record import filter_query
from .._session import CassetteOptions, CassetteSession
from .._settings import normalize_record_mode

if TYPE_CHECKING:
    from .._mock import OpenAIMock
    from .._state import StateStore

__all__ = ["VcrCassette", "merge_config", "resolve_record_mode", "vcr_mock"]

_LOCALHOSTS = ("localhost", "0.0.0.0", "127.0.0.1")


def merge_config(config: dict[str, Any], markers: Sequence[Any]) -> dict[str, Any]:
    """``vcr_config`` updated by the markers' kwargs, the closest marker last (it wins)."""
    merged = copy.deepcopy(config)
    for marker in reversed(markers):
        merged.update(marker.kwargs)
    return merged


def resolve_record_mode(cli_mode: str | None, merged: dict[str, Any]) -> str:
    # pytest-recording: a record_mode in vcr_config or a marker beats the command line.
    return str(merged.get("record_mode") or cli_mode or "none")


def _hooks(value: Any) -> list[Callable[[Any], Any]]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _request_hook(
    hooks: list[Callable[[Any], Any]],
) -> Callable[[RequestView], RequestView | None] | None:
    if not hooks:
        return None

    def run(view: RequestView) -> RequestView | None:
        current: RequestView | None = view
        for hook in hooks:
            current = hook(current) if current is not None else None
        return current

    return run


def _recorded_request_hook(
    hook: Callable[[RequestView], RequestView | None] | None,
) -> Callable[[RecordedRequest], RecordedRequest | None] | None:
    if hook is None:
        return None

    def run(recorded: RecordedRequest) -> RecordedRequest | None:
        view = hook(RequestView.of(recorded))
        return view.recorded() if view is not None else None

    return run


def response_dict(response: RecordedResponse) -> dict[str, Any]:
    """A response as vcrpy hands it to hooks and lists it in ``cassette.responses``."""
    headers: dict[str, list[str]] = {}
    for key, value in response.headers:
        headers.setdefault(key, []).append(value)
    return {
        "status": {"code": response.status, "message": response.reason},
        "headers": headers,
        "body": {"string": response.body},
    }


def _from_response_dict(data: dict[str, Any]) -> RecordedResponse:
    status = data.get("status", {})
    body = data.get("body", {}).get("string", b"")
    headers = tuple(
        (key, str(value))
        for key, values in data.get("headers", {}).items()
        for value in (values if isinstance(values, list) else [values])
    )
    return RecordedResponse(
        int(status.get("code", 200)),
        str(status.get("message", "")),
        headers,
        body.encode() if isinstance(body, str) else bytes(body),
    )


def _recorded_response_hook(
    hooks: list[Callable[[Any], Any]],
) -> Callable[[RecordedResponse], RecordedResponse | None] | None:
    if not hooks:
        return None

    def run(response: RecordedResponse) -> RecordedResponse | None:
        data: dict[str, Any] | None = response_dict(response)
        for hook in hooks:
            data = hook(data) if data is not None else None
        return _from_response_dict(data) if data is not None else None

    return run


def _matching_preparer(
    config: dict[str, Any], hook: Callable[[RequestView], RequestView | None] | None
) -> Callable[[RequestView], RequestView | None]:
    """vcrpy matches a live request as it would be recorded: filtered, then hooked."""
    query_filters = tuple(config.get("filter_query_parameters", ()))

    def prepare(view: RequestView) -> RequestView | None:
        view.uri = filter_query(view.uri, query_filters)
        return hook(view) if hook is not None else view

    return prepare


def cassette_options(config: dict[str, Any], record_mode: str, extras: Sequence[Path]) -> Any:
    """vcrpy's options -> our CassetteOptions (our secret filters always apply on top)."""
    request_hook = _request_hook(_hooks(config.get("before_record_request")))
    filters = RecordFilters(
        filter_headers=tuple(config.get("filter_headers", ())),
        filter_query_parameters=tuple(config.get("filter_query_parameters", ())),
        # vcrpy removes these names from form and JSON bodies: top-level JSON paths here
        filter_json_paths=tuple(config.get("filter_post_data_parameters", ())),
        before_record_request=_recorded_request_hook(request_hook),
        before_record_response=_recorded_response_hook(
            _hooks(config.get("before_record_response"))
        ),
    )
    match_on = compile_match_on(tuple(config.get("match_on", VCR_DEFAULT_MATCH_ON)))
    assert isinstance(match_on, VcrMatcher)
    matcher = dataclasses.replace(match_on, prepare=_matching_preparer(config, request_hook))
    options: dict[str, Any] = {
        "record_mode": normalize_record_mode(record_mode),
        "filters": filters,
        "match_on": matcher,
        "allow_playback_repeats": bool(config.get("allow_playback_repeats", False)),
        "extra_paths": tuple(extras),
    }
    fields = CassetteOptions.__dataclass_fields__
    if "record_on_exception" in config and "record_on_exception" in fields:
        options["record_on_exception"] = config["record_on_exception"]  # issue 10's option
    return CassetteOptions(**options)


def ignored_hosts(config: dict[str, Any]) -> list[str]:
    hosts = list(config.get("ignore_hosts", ()))
    return hosts + list(_LOCALHOSTS) if config.get("ignore_localhost") else hosts


def vcr_mock(
    path: Path,
    config: dict[str, Any],
    record_mode: str,
    extras: Sequence[Path] = (),
    *,
    base_url: str | None = None,
    state: StateStore | None = None,
) -> OpenAIMock:
    """An OpenAIMock (not entered) that answers every host from the cassette at ``path``."""
    from .._mock import OpenAIMock

    openai_mock = OpenAIMock(base_url=base_url, state=state)
    openai_mock.cassette = CassetteSession(path, cassette_options(config, record_mode, extras))
    openai_mock.all_hosts = True
    for host in ignored_hosts(config):  # vcrpy lets these through to the network
        openai_mock.router.route(host=host).pass_through()
    return openai_mock


class VcrCassette:
    """What pytest-recording's ``vcr`` fixture yields, read from our cassette session."""

    def __init__(self, session: CassetteSession, record_mode: str) -> None:
        self._session = session
        self.record_mode = record_mode
        self._path = str(session.path)

    @property
    def _interactions(self) -> list[Interaction]:
        return self._session.index.interactions()

    @property
    def play_count(self) -> int:
        return self._session.index.plays

    @property
    def all_played(self) -> bool:
        return not self._session.index.unplayed()

    @property
    def requests(self) -> list[RequestView]:
        return [RequestView.of(i.request) for i in self._interactions]

    @property
    def responses(self) -> list[dict[str, Any]]:
        return [response_dict(i.response) for i in self._interactions]

    @property
    def data(self) -> list[tuple[RequestView, dict[str, Any]]]:
        return list(zip(self.requests, self.responses, strict=True))

    @property
    def dirty(self) -> bool:
        return bool(self._session.new)

    @property
    def write_protected(self) -> bool:
        return not self._session.may_record

    def __len__(self) -> int:
        return len(self._interactions)

    def __repr__(self) -> str:
        return f"<VcrCassette {self._path} ({len(self)} interactions, {self.play_count} played)>"
