"""Plain data shapes for recorded HTTP exchanges.

Everything here is immutable and cheap: a cassette of thousands of interactions is a list of
these tuples-with-names, nothing heavier. Header lookups are case-insensitive because real
cassettes mix `content-type`, `Content-Type` and `CONTENT-TYPE` freely.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

Headers = tuple[tuple[str, str], ...]

# The interaction key of ``Interaction.event_offsets`` in a cassette file.
EVENT_OFFSETS_KEY = "event_offsets"


class CassetteFormatError(Exception):
    """A cassette file cannot be read or written; the message names the file and the reason."""


class CassetteSecretError(CassetteFormatError):
    """Saving was refused because a secret would have been written to the cassette."""


def header_get(headers: Headers, name: str) -> str | None:
    """First value of header `name` (case-insensitive), or None."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


def headers_without(headers: Headers, names: Collection[str]) -> Headers:
    """`headers` minus every header whose lower-cased name is in `names`."""
    return tuple((key, value) for key, value in headers if key.lower() not in names)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    url: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        return header_get(self.headers, name)


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    status: int
    reason: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        return header_get(self.headers, name)


@dataclass(frozen=True, slots=True)
class Interaction:
    request: RecordedRequest
    response: RecordedResponse
    # When it was recorded (aware UTC); None for files written without it (vcrpy's), whose
    # age is the file's modification time. Saved as an extra key vcrpy ignores.
    recorded_at: datetime | None = None
    # Seconds from the request to each SSE event of the answer, as recorded (for pace);
    # saved as an extra interaction key vcrpy ignores, absent from older cassettes.
    event_offsets: tuple[float, ...] | None = None
