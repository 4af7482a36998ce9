"""What counts as a credential: header and query-parameter names, and OpenAI-key-shaped values.

One place for the rules, used by recording (filter by default), saving (refuse key shapes),
matching (credential query parameters never take part) and `cassette check` (report them).
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote

# Headers that carry credentials or account identifiers, by exact (lower-cased) name ...
_CREDENTIAL_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "apikey",
        "cookie",
        "set-cookie",
        "openai-organization",
        "openai-project",
    }
)
# ... and by the shape of the name: `x-api-key`, `x-goog-api-key`, `ocp-apim-subscription-key`,
# `x-auth-token`, `x-amz-security-token`, `x-client-secret`. `-tokens` (rate-limit counters)
# does not match.
_CREDENTIAL_NAME = re.compile(
    r"(?:^|[-_.])(?:key|token|secret|password|passwd|credentials?|signature|sig|auth)$"
    r"|api[-_]?key$|access[-_]?key",
    re.IGNORECASE,
)


def is_credential_header(name: str) -> bool:
    lowered = name.strip().lower()
    return lowered in _CREDENTIAL_HEADERS or bool(_CREDENTIAL_NAME.search(lowered))


def is_credential_param(name: str) -> bool:
    """`api_key`, `api-key`, `key`, `access_token`, `token`, `sig`, `client_secret`, ..."""
    return bool(_CREDENTIAL_NAME.search(name.strip()))


# An OpenAI key as issued: `sk-`, `sk-proj-`, `sk-svcacct-`, `sk-admin-`, then 32+ random
# base64url characters. Not preceded by a letter or digit ("task-..."); the tail may hold only
# a few separators, so hyphenated slugs after an "sk-" and placeholders
# ("sk-fake123", "sk-xxxx...") do not count.
_KEY = re.compile(r"(?<![A-Za-z0-9])sk-(?:proj-|svcacct-|admin-)?([A-Za-z0-9_-]{32,})")
_KEY_BYTES = re.compile(_KEY.pattern.encode())
_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/]{44,}={0,2}")


def _key_like(tail: str) -> bool:
    separators = tail.count("-") + tail.count("_")
    return separators * 8 <= len(tail) and tail.strip("xX") != ""


def find_key(text: str) -> str | None:
    """The first OpenAI-key-shaped value in `text` (percent-decoded too), or None."""
    for candidate in (text, unquote(text)) if "%" in text else (text,):
        for match in _KEY.finditer(candidate):
            if _key_like(match.group(1)):
                return match.group(0)
    return None


def find_key_in_bytes(data: bytes) -> str | None:
    """Like `find_key`, also looking inside base64 runs (uploads, data URLs, binary bodies)."""
    found = _find_raw(data)
    if found is not None:
        return found
    for run in _BASE64_RUN.finditer(data):
        chunk = run.group(0).rstrip(b"=")
        try:
            decoded = base64.b64decode(chunk[: len(chunk) // 4 * 4], validate=True)
        except (binascii.Error, ValueError):
            continue
        found = _find_raw(decoded)
        if found is not None:
            return found
    return None


def _find_raw(data: bytes) -> str | None:
    for match in _KEY_BYTES.finditer(data):
        if _key_like(match.group(1).decode("ascii")):
            return match.group(0).decode("ascii")
    return None


def mask(value: str) -> str:
    """Enough of a secret to recognise it (its kind), never enough to use it."""
    kind = re.match(r"sk-(?:proj-|svcacct-|admin-)?", value)
    shown = kind.group(0) if kind else value[:3]
    return shown + "…" if len(value) > 8 else "…"
