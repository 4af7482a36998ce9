"""Turning a live exchange into a storable Interaction: secrets out, noise out, user filters."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any, TypeAlias
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from ._body import (
    SSE_EVENT_END,
    decode_body,
    looks_like_sse,
    remove_json_path,
    replace_json_path,
)
from ._credentials import is_credential_header, is_credential_param
from ._model import Headers, Interaction, RecordedRequest, RecordedResponse

# Credentials and account identifiers (see _credentials: `authorization`, `x-api-key`,
# `*-token`, `cookie`, `openai-organization`, query `api_key`, `key`, ...) are never written,
# whatever the user configures: user filters add to these, never replace them.

# Headers that change on every call and would only bloat cassettes and diffs.
NOISE_REQUEST_HEADERS = frozenset(
    {"user-agent", "accept-encoding", "connection", "content-length", "host", "keep-alive"}
)
NOISE_REQUEST_PREFIXES = ("x-stainless-",)
NOISE_RESPONSE_HEADERS = frozenset(
    {
        "cf-ray",
        "cf-cache-status",
        "date",
        "server",
        "alt-svc",
        "strict-transport-security",
        "x-envoy-upstream-service-time",
        "openai-processing-ms",
        "x-content-type-options",
        "access-control-expose-headers",
        "connection",
        "keep-alive",
        "transfer-encoding",  # the stored body is whole, not chunked
        "via",
        "nel",
        "report-to",
        "x-openai-proxy-wasm",
    }
)
NOISE_RESPONSE_PREFIXES = ("x-ratelimit-",)

# A filter entry is a header/param name (removed) or (name, replacement); None removes too.
HeaderFilter: TypeAlias = "str | tuple[str, str | None]"
JsonPathFilter: TypeAlias = "str | tuple[str, Any]"


@dataclass
class RecordFilters:
    """What to scrub before an interaction is stored. Names follow vcrpy's options."""

    filter_headers: Sequence[HeaderFilter] = ()
    filter_response_headers: Sequence[HeaderFilter] = ()
    filter_query_parameters: Sequence[HeaderFilter] = ()
    # Dotted paths into the request's JSON body ("user", "metadata.key"); a bare path removes
    # the field, (path, value) replaces it. Pass the same paths as `ignore_json_paths` when
    # replaying, since the live request still carries them.
    filter_json_paths: Sequence[JsonPathFilter] = ()
    # vcrpy semantics: return a (possibly modified) object to store, or None to not record.
    before_record_request: Callable[[RecordedRequest], RecordedRequest | None] | None = None
    before_record_response: Callable[[RecordedResponse], RecordedResponse | None] | None = None
    drop_noise_headers: bool = True


def interaction_from_exchange(
    request: httpx.Request,
    status: int,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    *,
    filters: RecordFilters,
) -> Interaction | None:
    """Build the Interaction to store for one live exchange; None when a hook dropped it."""
    recorded_request = _filter_request(_request_from_httpx(request), filters)
    if recorded_request is None:
        return None
    recorded_response = _filter_response(_response(status, headers, body), filters)
    if recorded_response is None:
        return None
    return Interaction(recorded_request, recorded_response, _now())


def event_offsets(body: bytes, arrivals: Sequence[tuple[int, float]]) -> tuple[float, ...] | None:
    """When each SSE event of ``body`` arrived: ``arrivals`` holds (bytes received so far,
    seconds since the request) per chunk; an event counts from the chunk that completed it."""
    if not arrivals or not looks_like_sse(body):
        return None
    offsets: list[float] = []
    chunk = 0
    for match in SSE_EVENT_END.finditer(body):
        while chunk < len(arrivals) - 1 and arrivals[chunk][0] < match.end():
            chunk += 1
        offsets.append(round(arrivals[chunk][1], 4))
    return tuple(offsets) or None


def _request_from_httpx(request: httpx.Request) -> RecordedRequest:
    # `.raw` keeps the casing the SDK sent, which makes cassettes match what users read in docs.
    headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw)
    return RecordedRequest(request.method.upper(), str(request.url), headers, request.read())


def _response(status: int, headers: Sequence[tuple[str, str]], body: bytes) -> RecordedResponse:
    decoded_headers, decoded_body = decode_body(tuple(headers), body)
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return RecordedResponse(status, reason, decoded_headers, decoded_body)


def _filter_request(request: RecordedRequest, filters: RecordFilters) -> RecordedRequest | None:
    headers = _without_credentials(request.headers)
    if filters.drop_noise_headers:
        headers = _drop(headers, NOISE_REQUEST_HEADERS, NOISE_REQUEST_PREFIXES)
    request = replace(
        request,
        headers=_apply_header_filters(headers, filters.filter_headers),
        url=filter_query(_without_credential_params(request.url), filters.filter_query_parameters),
        body=_filter_json(request.body, filters.filter_json_paths),
    )
    hook = filters.before_record_request
    return hook(request) if hook is not None else request


def _filter_response(response: RecordedResponse, filters: RecordFilters) -> RecordedResponse | None:
    headers = _without_credentials(response.headers)
    if filters.drop_noise_headers:
        headers = _drop(headers, NOISE_RESPONSE_HEADERS, NOISE_RESPONSE_PREFIXES)
    response = replace(
        response, headers=_apply_header_filters(headers, filters.filter_response_headers)
    )
    hook = filters.before_record_response
    return hook(response) if hook is not None else response


def _without_credentials(headers: Headers) -> Headers:
    return tuple((key, value) for key, value in headers if not is_credential_header(key))


def _without_credential_params(url: str) -> str:
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(is_credential_param(key) for key, _ in pairs):
        return url  # untouched: re-encoding would change how the query is spelled
    kept = [(key, value) for key, value in pairs if not is_credential_param(key)]
    return urlunsplit(parts._replace(query=urlencode(kept)))


_ACCOUNT_IDS = frozenset({"openai-organization", "openai-project"})


def credential_values(request: httpx.Request) -> set[str]:
    """Credentials a live request carries (headers, query): saving refuses to write them."""
    values: set[str] = set()
    for key, value in request.headers.items():
        # Organization and project ids are dropped from headers but are not secrets: answers
        # (admin API, error messages) legitimately contain them.
        if is_credential_header(key) and key.lower() not in _ACCOUNT_IDS:
            values.update((value.strip(), value.split(" ", 1)[-1].strip()))  # "Bearer <token>"
    for key, value in request.url.params.multi_items():
        if is_credential_param(key):
            values.add(value)
    return {value for value in values if len(value) >= 8}


def _drop(headers: Headers, names: frozenset[str], prefixes: tuple[str, ...]) -> Headers:
    return tuple(
        (key, value)
        for key, value in headers
        if key.lower() not in names and not key.lower().startswith(prefixes)
    )


def _normalize_filters(entries: Sequence[HeaderFilter]) -> dict[str, str | None]:
    return {
        (entry if isinstance(entry, str) else entry[0]).lower(): (
            None if isinstance(entry, str) else entry[1]
        )
        for entry in entries
    }


def _apply_header_filters(headers: Headers, entries: Sequence[HeaderFilter]) -> Headers:
    if not entries:
        return headers
    rules = _normalize_filters(entries)
    result: list[tuple[str, str]] = []
    for key, value in headers:
        lowered = key.lower()
        if lowered not in rules:
            result.append((key, value))
        elif rules[lowered] is not None:
            result.append((key, str(rules[lowered])))
    return tuple(result)


def filter_query(url: str, entries: Sequence[HeaderFilter]) -> str:
    if not entries:
        return url
    rules = _normalize_filters(entries)
    parts = urlsplit(url)
    kept: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() not in rules:
            kept.append((key, value))
        elif rules[key.lower()] is not None:
            kept.append((key, str(rules[key.lower()])))
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _filter_json(body: bytes, entries: Sequence[JsonPathFilter]) -> bytes:
    if not entries or not body:
        return body
    try:
        data = json.loads(body)
    except ValueError:
        return body  # not JSON (multipart, binary): nothing addressable by a JSON path
    for entry in entries:
        if isinstance(entry, str):
            remove_json_path(data, entry)
        else:
            replace_json_path(data, entry[0], entry[1])
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _now() -> datetime:
    # Whole seconds: what the file keeps, so a recording equals itself read back.
    return datetime.now(timezone.utc).replace(microsecond=0)
