"""Finding secret-looking values in loaded cassettes (used by `openai-responses cassette check`).

Severity:
- "high": looks like a real credential or identifier (API key, bearer token, cookie value,
  organization slug, project id).
- "low": the same kind of field, but the value is an obvious placeholder (`AUTHORIZATION-XXX`,
  `Bearer test_openai_api_key`, `FILTERED`, masked `sk-…****`). Still reported, because a
  placeholder in a header means a filter let the header through; the CLI decides what fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from ._credentials import find_key, find_key_in_bytes, is_credential_header, is_credential_param
from ._model import Interaction

_KEY = re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_*\-]{8,}")
_BEARER = re.compile(r"\bBearer\s+[A-Za-z0-9._~+/*\-]{8,}=*")
_COOKIE = re.compile(r"\b(__cf_bm|_cfuvid|__Secure-[A-Za-z0-9_\-]+|sess-[A-Za-z0-9]+)=?")
_PROJECT = re.compile(r"\bproj_[A-Za-z0-9]{8,}")
_PLACEHOLDER = re.compile(
    r"XXX|FILTERED|REDACTED|\*\*\*|test_|dummy|fake|placeholder|example|<[^>]*>|^\s*$",
    re.IGNORECASE,
)

_REQUEST_HEADERS = {
    "authorization": "authorization header",
    "api-key": "api-key header",
    "x-api-key": "api-key header",
    "cookie": "cookie",
    "openai-organization": "openai-organization",
    "openai-project": "openai-project",
}
_RESPONSE_HEADERS = {
    "set-cookie": "cookie",
    "openai-organization": "openai-organization",
    "openai-project": "openai-project",
}
# Identifiers rather than credentials: printing them in full helps the user find them.
_COOKIE_NAME = re.compile(r"(?:^|[;,]\s*)([^=;,\s]+)=")
_COOKIE_ATTRIBUTES = {"path", "expires", "domain", "samesite", "max-age"}
_SHOWN_IN_FULL = {"openai-organization", "openai-project", "project id"}


@dataclass(frozen=True)
class Finding:
    index: int
    field: str
    kind: str
    severity: str
    value: str

    def describe(self) -> str:
        return f"interaction {self.index} {self.field}: {self.kind} [{self.severity}] {self.value}"


def scan_interactions(interactions: Sequence[Interaction]) -> list[Finding]:
    findings: list[Finding] = []
    for index, interaction in enumerate(interactions):
        findings.extend(_scan_one(index, interaction))
    return findings


def _scan_one(index: int, interaction: Interaction) -> Iterator[Finding]:
    request, response = interaction.request, interaction.response
    sides = (
        ("request", request.headers, request.body, _REQUEST_HEADERS),
        ("response", response.headers, response.body, _RESPONSE_HEADERS),
    )
    yield from _scan_text(index, "request uri", request.url)
    for key, value in parse_qsl(urlsplit(request.url).query, keep_blank_values=True):
        if is_credential_param(key):
            yield _finding(index, f"request uri parameter {key}", "credential", value)
    for side, headers, body, sensitive in sides:
        for key, value in headers:
            kind = sensitive.get(key.lower())
            if kind is None and is_credential_header(key):
                kind = "credential header"
            field = f"{side} header {key}"
            if kind is not None:
                yield _finding(index, field, kind, value)
            else:
                yield from _scan_text(index, field, value)
        yield from _scan_text(index, f"{side} body", body.decode("utf-8", "replace"))
        hidden = find_key_in_bytes(body)  # also inside base64 (uploads, data URLs)
        if hidden is not None and find_key(body.decode("utf-8", "replace")) is None:
            yield Finding(index, f"{side} body (encoded)", "API key", "high", _shown_key(hidden))


def _scan_text(index: int, field: str, text: str) -> Iterator[Finding]:
    for pattern, kind in (
        (_KEY, "API key"),
        (_BEARER, "bearer token"),
        (_COOKIE, "cookie"),
        (_PROJECT, "project id"),
    ):
        seen: set[str] = set()
        for match in pattern.finditer(text):
            if match.group(0) not in seen:
                seen.add(match.group(0))
                yield _finding(index, field, kind, match.group(0))


def _finding(index: int, field: str, kind: str, value: str) -> Finding:
    # A value shaped like a real OpenAI key is high whatever words it happens to contain.
    placeholder = _PLACEHOLDER.search(value) and find_key(value) is None
    severity = "low" if placeholder else "high"
    return Finding(index, field, kind, severity, _shown(kind, severity, value))


def _shown(kind: str, severity: str, value: str) -> str:
    if kind in _SHOWN_IN_FULL or severity == "low":
        return value
    if kind == "cookie":
        # Cookie names (`__cf_bm`, `_cfuvid`) say what leaked; their values stay hidden.
        names = [n for n in _COOKIE_NAME.findall(value) if n.lower() not in _COOKIE_ATTRIBUTES]
        return "names: " + ", ".join(dict.fromkeys(names)) if names else value
    return value[:7] + "…" if len(value) > 7 else "…"


def _shown_key(value: str) -> str:
    return _shown("API key", "high", value)
