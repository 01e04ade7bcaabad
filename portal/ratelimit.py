"""Rate limits per client: a `RateLimiter` interface and an in-memory token bucket.

Each client (the IP address uvicorn reports, after `--proxy-headers` from trusted proxies) has
a bucket of `burst` tokens refilled at `rate_per_minute`; a request takes one token or is
refused with the seconds until the next token (`Retry-After`).

The in-memory limiter is per process: with N workers a client gets up to N times the limit.
Issue 8 puts the buckets in the database or Redis behind the same interface.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections import OrderedDict
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


def address_key(host: str) -> str:
    """The rate-limit key of a client address: an IPv6 client is counted by its /64.

    One subscriber usually holds a whole /64, so keying on the full IPv6 address would give
    them 2^64 buckets. IPv4-mapped IPv6 addresses count as their IPv4 address.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class TokenBucketLimiter:
    """Token buckets in this process's memory; thread-safe; at most `max_clients` buckets.

    Buckets are kept in least-recently-seen order; past `max_clients` the oldest is dropped in
    O(1) (its client starts again with a full bucket), so a flood of new addresses costs the
    same per request as one client.
    """

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
        # key -> (tokens, last seen), least recently seen first
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> RateDecision:
        """Takes a token for `key` if one is left."""
        return self._take(key, consume=True)

    def check(self, key: str) -> RateDecision:
        """Whether `key` has a token left, without taking it (refuse before doing the work)."""
        return self._take(key, consume=False)

    def _take(self, key: str, *, consume: bool) -> RateDecision:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            if consume:
                self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
                self._buckets.move_to_end(key)
                while len(self._buckets) > self.max_clients:
                    self._buckets.popitem(last=False)
            if allowed:
                return RateDecision(True)
            return RateDecision(False, max(1, math.ceil((1.0 - tokens) / self.rate)))


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
