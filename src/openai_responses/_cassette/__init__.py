"""Cassette data layer: file format, lenient loading, matching, recording filters, saving.

Pure data: nothing here patches or routes anything. The request pipeline calls these.

Names load with their module on first use: a mock without a cassette, and the pytest
plugin of a suite that never opens one, pay for neither YAML nor the matchers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._canonical import canonical_body
    from ._index import InteractionIndex, request_summary
    from ._load import load_cassette, parse_cassette
    from ._matchers import VCR_DEFAULT_MATCH_ON, Matcher, RequestView, VcrMatcher
    from ._model import (
        CassetteFormatError,
        CassetteSecretError,
        Interaction,
        RecordedRequest,
        RecordedResponse,
    )
    from ._record import RecordFilters, interaction_from_exchange
    from ._replay import response_to_httpx
    from ._save import save_cassette, serialize_cassette

# Each public name and the module that defines it.
_HOMES = {
    "canonical_body": "_canonical",
    "InteractionIndex": "_index",
    "request_summary": "_index",
    "load_cassette": "_load",
    "parse_cassette": "_load",
    "VCR_DEFAULT_MATCH_ON": "_matchers",
    "Matcher": "_matchers",
    "RequestView": "_matchers",
    "VcrMatcher": "_matchers",
    "CassetteFormatError": "_model",
    "CassetteSecretError": "_model",
    "Interaction": "_model",
    "RecordedRequest": "_model",
    "RecordedResponse": "_model",
    "RecordFilters": "_record",
    "interaction_from_exchange": "_record",
    "response_to_httpx": "_replay",
    "save_cassette": "_save",
    "serialize_cassette": "_save",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


__all__ = [
    "VCR_DEFAULT_MATCH_ON",
    "CassetteFormatError",
    "CassetteSecretError",
    "Interaction",
    "InteractionIndex",
    "Matcher",
    "RecordFilters",
    "RecordedRequest",
    "RecordedResponse",
    "RequestView",
    "VcrMatcher",
    "canonical_body",
    "interaction_from_exchange",
    "load_cassette",
    "parse_cassette",
    "request_summary",
    "response_to_httpx",
    "save_cassette",
    "serialize_cassette",
]
