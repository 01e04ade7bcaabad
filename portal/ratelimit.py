"""Rate limits per client: a `RateLimiter` interface and an in-memory token bucket.

Each client (the IP address uvicorn reports, after `--proxy-headers` from trusted proxies) has
a bucket of `burst` tokens refilled at `rate_per_minute`; a request takes one token or is
refused with the seconds until the next token (`Retry-After`).

The in-memory limiter is per process: with N workers a client gets up to N times the limit.
Issue 8 puts the buckets in the database or Redis behind the same interface.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0  # whole seconds until a request would be allowed (0 when allowed)


class RateLimiter(Protocol):
    """Takes one token for `key`; the decision says whether the request may proceed."""

    def hit(self, key: str) -> RateDecision: ...


class TokenBucketLimiter:
    """Token buckets in this process's memory; thread-safe; idle full buckets are forgotten."""

    def __init__(
        self,
        *,
        rate_per_minute: float,
        burst: int,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_minute <= 0 or burst < 1:
            raise ValueError("rate_per_minute must be > 0 and burst >= 1")
        self.rate = rate_per_minute / 60.0  # tokens per second
        self.burst = float(burst)
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last seen)
        self._lock = threading.Lock()

    def hit(self, key: str) -> RateDecision:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_clients:
                    self._forget_full(now)
                return RateDecision(True)
            self._buckets[key] = (tokens, now)
            return RateDecision(False, max(1, math.ceil((1.0 - tokens) / self.rate)))

    def _forget_full(self, now: float) -> None:
        """Drops clients whose buckets have refilled: they are indistinguishable from new ones."""
        full_after = self.burst / self.rate
        stale = [k for k, (_, last) in self._buckets.items() if now - last >= full_after]
        for key in stale:
            del self._buckets[key]


RATE_LIMITED_TH = "มีคำขอจากเครื่องของคุณมากเกินไป กรุณารอ {seconds} วินาทีแล้วลองใหม่"
RATE_LIMITED_EN = "Too many requests from your address; please wait {seconds} s and try again"


def rate_limited_body(retry_after: int) -> dict[str, object]:
    """The JSON body of a 429 answer, in the shape of every other error of the API."""
    return {
        "error": "rate_limited",
        "message": {
            "th": RATE_LIMITED_TH.format(seconds=retry_after),
            "en": RATE_LIMITED_EN.format(seconds=retry_after),
        },
        "details": {"retry_after": retry_after},
    }
