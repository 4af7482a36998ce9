"""What a test run learns about the cassettes it uses: how much of each was replayed,
recorded and left unplayed, whether its recordings drifted from the installed SDK's types,
and whether they are older than ``max_age``.

Sessions report here when they close; the pytest plugin collects the reports per test (so
that they travel with pytest-xdist's test reports) for the terminal summary and the index
of opened cassettes (``openai-responses cassette orphans``). Outside pytest nobody collects
them: ``drain`` is never called and the list is cut short.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ._cassette import Interaction
from ._cassette._age import oldest_recording, parse_max_age
from ._errors import CassetteSchemaDriftWarning

__all__ = ["CassetteUsage", "check_drift_once", "closed", "drain", "expired", "reset"]


@dataclass
class CassetteUsage:
    path: str
    replayed: int = 0
    recorded: int = 0
    unplayed: int = 0
    drift: int = 0  # findings of the SDK drift check
    verified: int = 0  # verify mode: answers compared with the live API
    differed: int = 0  # ... and found different

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CassetteUsage:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def add(self, other: CassetteUsage) -> None:
        self.replayed += other.replayed
        self.recorded += other.recorded
        self.unplayed += other.unplayed
        self.drift = max(self.drift, other.drift)  # one check per cassette, seen by many
        self.verified += other.verified
        self.differed += other.differed


_CLOSED: list[CassetteUsage] = []
_KEEP = 10_000  # outside pytest nobody drains: keep memory bounded
_DRIFT: dict[str, int] = {}


def closed(usage: CassetteUsage) -> None:
    _CLOSED.append(usage)
    del _CLOSED[:-_KEEP]


def drain() -> list[CassetteUsage]:
    taken = list(_CLOSED)
    _CLOSED.clear()
    return taken


def reset() -> None:
    _CLOSED.clear()
    _DRIFT.clear()


def check_drift_once(path: Path, digest: str, interactions: Sequence[Interaction]) -> int:
    """Read a replayed cassette against the SDK's types, warning the first time a test run
    replays it; the number of findings (the same number every later time)."""
    from ._drift import check_interactions  # loads the endpoint table: only once in use

    key = f"{path}\0{digest}"  # the file's SHA-256 as loaded
    if key in _DRIFT:
        return _DRIFT[key]
    try:
        findings = check_interactions(interactions)
    except Exception as error:  # a checker bug must not fail the test that replayed
        warnings.warn(f"openai_responses: drift check of {path} failed: {error!r}", stacklevel=4)
        findings = []
    _DRIFT[key] = len(findings)
    if findings:
        warnings.warn(CassetteSchemaDriftWarning(str(path), findings), stacklevel=4)
    return len(findings)


def expired(
    path: Path, interactions: Sequence[Interaction], max_age: str | float | timedelta
) -> str | None:
    """Why the cassette is expired, or None while its oldest recording is young enough."""
    limit = parse_max_age(max_age)
    try:
        modified = path.stat().st_mtime
    except OSError:
        return None
    oldest = oldest_recording(interactions, modified)
    if oldest is None:
        return None
    age = datetime.now(timezone.utc) - oldest
    if age <= limit:
        return None
    return (
        f"openai_responses: cassette {path} holds a recording from {oldest:%Y-%m-%d %H:%M} UTC, "
        f"{_days(age)} old, older than max_age={max_age!r}"
    )


def _days(age: timedelta) -> str:
    return f"{age.days} days" if age.days >= 2 else f"{int(age.total_seconds() // 3600)} hours"
