"""Rate limits on the mock's virtual clock: token buckets per minute, OpenAI's headers.

``OpenAIMock(rate_limits={"requests_per_minute": N, "tokens_per_minute": M})``: each request
takes one request and its estimated tokens from buckets that refill continuously over a
minute of *virtual* time. A request the buckets cannot cover is answered 429 with the wait
it needs as ``retry-after``; the SDK's retry wait passes on the same clock (``_clock``), so a
retried request is admitted without anybody sleeping.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping

import httpx

from ._clock import Clock
from ._faults import duration, rate_limit_answer

__all__ = ["LIMITS", "RateLimiter", "estimate_tokens"]

LIMITS = {"requests_per_minute": "requests", "tokens_per_minute": "tokens"}


class _Bucket:
    def __init__(self, per_minute: int) -> None:
        self.capacity = per_minute
        self.level = float(per_minute)
        self.rate = per_minute / 60.0  # refill per second
        self.at = 0.0

    def refill(self, now: float) -> None:
        self.level = min(self.capacity, self.level + (now - self.at) * self.rate)
        self.at = now

    def wait_for(self, cost: int) -> float:
        return max(0.0, (cost - self.level) / self.rate)

    def reset(self) -> float:
        return (self.capacity - self.level) / self.rate


class RateLimiter:
    def __init__(self, clock: Clock, limits: Mapping[str, int]) -> None:
        unknown = set(limits) - set(LIMITS)
        if unknown:
            names = ", ".join(sorted(unknown))
            raise ValueError(f"rate_limits takes {', '.join(LIMITS)}, not {names}")
        for name, value in limits.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"rate_limits[{name!r}] must be a positive count, not {value!r}")
        self._clock = clock
        self._buckets = {LIMITS[name]: _Bucket(value) for name, value in limits.items()}
        self._lock = threading.Lock()

    def admit(self, request: httpx.Request) -> tuple[httpx.Response | None, dict[str, str]]:
        """(a 429 to answer, or None) and the ``x-ratelimit-*`` headers of the answer."""
        costs = {"requests": 1, "tokens": estimate_tokens(request)}
        with self._lock:
            for bucket in self._buckets.values():
                bucket.refill(self._clock.now)
            waits = {name: b.wait_for(costs[name]) for name, b in self._buckets.items()}
            short = max(waits, key=waits.__getitem__)
            if waits[short] > 0:
                return self._refusal(short, waits[short]), {}
            for name, bucket in self._buckets.items():
                bucket.level -= costs[name]
            return None, self._headers()

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name, bucket in self._buckets.items():
            headers[f"x-ratelimit-limit-{name}"] = str(bucket.capacity)
            headers[f"x-ratelimit-remaining-{name}"] = str(math.floor(bucket.level))
            headers[f"x-ratelimit-reset-{name}"] = duration(bucket.reset())
        return headers

    def _refusal(self, name: str, wait: float) -> httpx.Response:
        bucket = self._buckets[name]
        response = rate_limit_answer(
            f"Rate limit reached on {name} per min (RPM/TPM) (simulated by openai_responses): "
            f"Limit {bucket.capacity}, Used {bucket.capacity - math.floor(bucket.level)}. "
            f"Please try again in {duration(wait)}.",
            retry_after=round(wait, 3),
            limit_requests=0,
            limit_tokens=0,
            type=name,
        )
        # The buckets' real figures replace the placeholders the helper wrote.
        response.headers.update(self._headers())
        return response


def estimate_tokens(request: httpx.Request) -> int:
    """What OpenAI counts against a token limit: the prompt (the mocked answers' own estimate,
    about 4 characters a token) plus the output the request reserves (``max_tokens`` and its
    newer names)."""
    from ._endpoints.core import estimate_tokens as estimate  # the table loads with the mock

    try:
        body = json.loads(request.content or b"null")
    except ValueError:
        return max(1, len(request.content) // 4)
    if not isinstance(body, dict):
        return estimate(body)
    reserved = sum(
        value
        for name in ("max_tokens", "max_completion_tokens", "max_output_tokens")
        if isinstance(value := body.get(name), int) and not isinstance(value, bool)
    )
    prompt = {k: v for k, v in body.items() if k in ("messages", "input", "prompt", "instructions")}
    return estimate(prompt or body) + reserved
