"""Cassette data layer: file format, lenient loading, matching, recording filters, saving.

Pure data: nothing here patches or routes anything. The request pipeline calls these.
"""

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
