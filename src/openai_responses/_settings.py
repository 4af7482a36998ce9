"""What the pytest plugin configured, the record modes, and whether a request is async:
small, so that the plugin and a mock without a cassette import no cassette machinery."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "RECORD_MODES",
    "SETTINGS",
    "RecordMode",
    "Settings",
    "asynchronous_scope",
    "is_asynchronous",
    "normalize_record_mode",
]

RecordMode = Literal["none", "once", "new_episodes", "all", "verify"]
RECORD_MODES: tuple[str, ...] = ("none", "once", "new_episodes", "all", "verify")


def normalize_record_mode(mode: str) -> RecordMode:
    # pytest-recording's "rewrite" (delete, then record) is vcrpy's "all" for one file.
    mode = "all" if mode == "rewrite" else mode
    if mode not in RECORD_MODES:
        raise ValueError(f"record mode must be one of {', '.join(RECORD_MODES)}; got {mode!r}")
    return mode  # type: ignore[return-value]


_ASYNCHRONOUS: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "openai_responses_async", default=False
)


@contextmanager
def asynchronous_scope() -> Iterator[None]:
    """Marks requests resolved by the router's async path (so recording sends async)."""
    token = _ASYNCHRONOUS.set(True)
    try:
        yield
    finally:
        _ASYNCHRONOUS.reset(token)


def is_asynchronous() -> bool:
    """Whether the request being resolved came through the router's async path."""
    return _ASYNCHRONOUS.get()


@dataclass
class Settings:
    """What pytest configured (filled by the plugin); outside pytest all stay None."""

    cli_record_mode: str | None = None
    ini_record_mode: str | None = None
    cassette_dir: Path | None = None
    ini_max_age: str | None = None
    cli_unplayed: Literal["ignore", "warn", "fail"] | None = None
    network_blocked: bool = False
    ini_check_drift: bool = True


SETTINGS = Settings()
