"""Virtual time: the mock's clock, and the SDK's retry waits spent on it instead of for real.

The SDK sleeps before each retry (exponential back-off, or the server's ``retry-after``).
Faults and rate limits make it retry, so while a mock is active the wait the SDK computes is
added to every active mock's clock and the SDK sleeps 0 s. The patch is on
``_calculate_retry_timeout``, the one method both SDK majors (openai 2.x and 3.x), sync and
async, ask how long to wait: the SDK's own sleep call then gets 0, so no event loop, thread or
``time`` module is touched. Tests assert on the clock (``openai_mock.clock.sleeps``), never on
wall time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar

__all__ = ["Clock", "RetryWaits"]


class Clock:
    """Seconds of virtual time since the mock was made; only ``advance`` moves it.

    ``sleeps`` lists the retry waits the SDK asked for (and did not really wait) while the
    mock was active; stalls and rate-limit windows are measured on the same clock.
    """

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    @property
    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Let ``seconds`` of virtual time pass; returns the new time."""
        if seconds < 0:
            raise ValueError(f"the clock only moves forward, not by {seconds}")
        with self._lock:
            self._now += seconds
            return self._now

    def sleep(self, seconds: float) -> None:
        """A wait the SDK asked for: noted, then spent on this clock."""
        self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))

    def __repr__(self) -> str:
        return f"<Clock now={self._now:g}s sleeps={len(self.sleeps)}>"


class RetryWaits:
    """While any mock is active, the SDK's retry waits pass on the active mocks' clocks.

    Counted like the interception mockers, so nested mocks patch once and restore once.
    """

    _clocks: ClassVar[list[Clock]] = []
    _lock = threading.Lock()
    _restore: ClassVar[Callable[[], None] | None] = None

    @classmethod
    def start(cls, clock: Clock) -> None:
        with cls._lock:
            cls._clocks.append(clock)
            if cls._restore is None:
                cls._restore = _patch_sdk(cls._spend)

    @classmethod
    def stop(cls, clock: Clock) -> None:
        with cls._lock:
            if clock in cls._clocks:
                cls._clocks.remove(clock)
            if not cls._clocks and cls._restore is not None:
                cls._restore()
                cls._restore = None

    @classmethod
    def _spend(cls, seconds: float) -> float:
        for clock in list(cls._clocks):
            clock.sleep(seconds)
        return 0.0


def _patch_sdk(spend: Callable[[float], float]) -> Callable[[], None] | None:
    try:
        from openai._base_client import BaseClient
    except ImportError:  # no SDK, nothing sleeps
        return None
    original = BaseClient.__dict__.get("_calculate_retry_timeout")
    if original is None:  # an SDK without the method: retry-after-ms hints still apply
        return None

    def calculate_retry_timeout(self: Any, *args: Any, **kwargs: Any) -> float:
        return spend(original(self, *args, **kwargs))

    BaseClient._calculate_retry_timeout = calculate_retry_timeout  # type: ignore[method-assign]
    return lambda: setattr(BaseClient, "_calculate_retry_timeout", original)
