"""How old a cassette's recordings are, and ``max_age`` durations ("30d", "12h", "2w")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from ._model import Interaction

__all__ = ["oldest_recording", "parse_max_age"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", re.IGNORECASE)


def parse_max_age(value: str | int | float | timedelta) -> timedelta:
    """``"30d"`` -> 30 days; units s, m, h, d, w; a bare number is days; a timedelta as is."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(days=value)
    if isinstance(value, str):
        if value.strip().replace(".", "", 1).isdigit():
            return timedelta(days=float(value))
        match = _DURATION.fullmatch(value)
        if match:
            return timedelta(seconds=float(match[1]) * _UNITS[match[2].lower()])
    raise ValueError(f"max_age must look like '30d', '12h', '90m' or '2w'; got {value!r}")


def oldest_recording(interactions: Sequence[Interaction], modified: float) -> datetime | None:
    """When the oldest interaction was recorded: its ``recorded_at``, else the file's
    modification time ``modified`` (files vcrpy wrote carry no time of their own)."""
    if not interactions:
        return None
    fallback = datetime.fromtimestamp(modified, timezone.utc)
    return min(i.recorded_at or fallback for i in interactions)
