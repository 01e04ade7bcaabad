"""Rate limits per client address and per account, shared across processes when configured.

Every limit is a token bucket: a key (an address, an IPv6 /64, or an account) has `burst`
tokens refilled at `rate_per_minute`; a request takes one token or is refused with the seconds
until the next one (429 + `Retry-After`). Three backends behind one `RateLimiter` interface:

1. `RedisBucketLimiter` (`PORTAL_REDIS_URL`): one Lua script per hit, atomic in Redis, timed
   by the Redis server's clock, so any number of processes and machines share one budget.
2. `DatabaseBucketLimiter`: one `INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING` per hit
   on `rate_limit_bucket` (atomic on PostgreSQL and SQLite), in its own short transaction.
3. `TokenBucketLimiter`: this process's memory; the fallback for tests and the demo (with N
   workers a client gets N times the budget).

`PORTAL_RATE_LIMIT_BACKEND=auto` picks Redis when configured, the database in production, and
memory otherwise. A shared backend that fails (Redis down) lets the request through and logs:
a rate limit must not take the portal down with it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Field, SQLModel

from portal.errors import PortalError
from portal.runtime import run_sync

if TYPE_CHECKING:
    from fastapi import FastAPI, Request

    from portal.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0  # whole seconds until a request would be allowed (0 when allowed)


class RateLimiter(Protocol):
    """Takes one token for `key`; the decision says whether the request may proceed.

    `local` is True when a hit never leaves the process (no I/O): async code may then call it
    on the event loop; otherwise it runs it in the thread pool.
    """

    local: bool

    def hit(self, key: str) -> RateDecision: ...

    def check(self, key: str) -> RateDecision: ...


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

    local = True

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


RATE_LIMITED_ACCOUNT_TH = "มีคำขอจากบัญชีของคุณมากเกินไป กรุณารอ {seconds} วินาทีแล้วลองใหม่"
RATE_LIMITED_ACCOUNT_EN = (
    "Too many requests from your account; please wait {seconds} s and try again"
)


class RateLimitedError(PortalError):
    """429 with `Retry-After`: the error handler copies `headers` onto the answer."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, *, account: bool = False) -> None:
        th, en = (
            (RATE_LIMITED_ACCOUNT_TH, RATE_LIMITED_ACCOUNT_EN)
            if account
            else (RATE_LIMITED_TH, RATE_LIMITED_EN)
        )
        super().__init__(
            en.format(seconds=retry_after), th.format(seconds=retry_after), retry_after=retry_after
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


# -- shared backends ----------------------------------------------------------------------------

MAX_KEY_LENGTH = 200


def bucket_key(limit: str, key: str) -> str:
    """`limit:key`, within the column's 200 characters (a long key is replaced by its hash)."""
    full = f"{limit}:{key}"
    if len(full) <= MAX_KEY_LENGTH:
        return full
    return f"{limit}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def _retry_after(tokens: float, rate_per_second: float) -> int:
    return max(1, math.ceil((1.0 - tokens) / rate_per_second))


class RateLimitBucket(SQLModel, table=True):
    """One token bucket of the database backend (migration 0017)."""

    __tablename__ = "rate_limit_bucket"

    key: str = Field(primary_key=True, max_length=MAX_KEY_LENGTH)
    tokens: float
    updated_at: float = Field(index=True)  # epoch seconds of the last hit (pruning scans it)


class DatabaseBucketLimiter:
    """Token buckets in the `rate_limit_bucket` table, shared by every process on the database.

    A hit is one statement: insert a full bucket less one token, or, if the key exists, refill
    it by the time elapsed and take a token only `WHERE` the refilled bucket holds one. The row
    comes back (`RETURNING`) exactly when a token was taken. PostgreSQL re-evaluates the
    `WHERE` on the latest row version under the row lock and SQLite serialises writers, so N
    concurrent hits on a bucket of B tokens allow exactly min(N, B). Each hit is its own
    transaction on its own connection: a request that rolls back does not get its token back,
    and no bucket row stays locked while a request runs.
    """

    local = False
    PRUNE_EVERY = 1000  # hits per process between deletions of buckets that are full again

    def __init__(
        self,
        engine: Engine,
        *,
        limit: str,
        rate_per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if rate_per_minute <= 0 or burst < 1:
            raise ValueError("rate_per_minute must be > 0 and burst >= 1")
        self.engine = engine
        self.limit = limit
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._hits = 0
        self._statement = self._build_statement()

    def _build_statement(self) -> Any:
        table = RateLimitBucket.__table__  # type: ignore[attr-defined]
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert

            least, greatest = func.least, func.greatest
        else:
            from sqlalchemy.dialects.sqlite import insert

            least, greatest = func.min, func.max  # SQLite's scalar min/max of two values
        from sqlalchemy import bindparam

        now = bindparam("now")
        refilled = least(
            self.burst, table.c.tokens + greatest(0.0, now - table.c.updated_at) * self.rate
        )
        return (
            insert(table)
            .values(key=bindparam("key"), tokens=self.burst - 1.0, updated_at=now)
            .on_conflict_do_update(
                index_elements=[table.c.key],
                set_={"tokens": refilled - 1.0, "updated_at": now},
                where=refilled >= 1.0,
            )
            .returning(table.c.tokens)
        )

    def hit(self, key: str) -> RateDecision:
        """Takes a token for `key` if one is left (one atomic statement)."""
        return self.hit_in_turn([(self, key)])[0]

    @staticmethod
    def hit_in_turn(hits: Sequence[tuple[DatabaseBucketLimiter, str]]) -> list[RateDecision]:
        """`hit` for several buckets of one database in one transaction, in turn, stopping at
        the first refusal (the decisions so far, that refusal last): one BEGIN and COMMIT for
        a request's address and account buckets instead of one each."""
        engine = hits[0][0].engine
        decisions: list[RateDecision] = []
        try:
            with engine.begin() as conn:
                if engine.dialect.name == "postgresql" and all(
                    limiter.limit not in DURABLE_LIMITS for limiter, _ in hits
                ):
                    # A bucket's last few milliseconds need not survive a crash: its commit
                    # does not wait for the WAL flush (about 1 ms here, per limited request).
                    conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                for limiter, key in hits:
                    decisions.append(limiter._take(conn, key))
                    if not decisions[-1].allowed:
                        break
        except SQLAlchemyError:
            limits = ", ".join(limiter.limit for limiter, _ in hits)
            log.warning("rate limit %s: database backend failed; allowing", limits, exc_info=True)
            return [RateDecision(True)]
        for limiter, _ in hits[: len(decisions)]:
            limiter._count_hit()
        return decisions

    def _take(self, conn: Any, key: str) -> RateDecision:
        full_key = bucket_key(self.limit, key)
        now = self._clock()
        if conn.execute(self._statement, {"key": full_key, "now": now}).first() is not None:
            return RateDecision(True)
        return self._refusal(conn, full_key, now)

    def _count_hit(self) -> None:
        self._hits += 1
        if self._hits % self.PRUNE_EVERY == 0:
            self.prune(self._clock())

    def check(self, key: str) -> RateDecision:
        """Whether `key` has a token left, without taking it."""
        full_key = bucket_key(self.limit, key)
        now = self._clock()
        try:
            with self.engine.connect() as conn:
                state = self._state(conn, full_key, now)
                conn.commit()  # not the pool's rollback: that drops psycopg's prepared statements
                return state
        except SQLAlchemyError:
            log.warning(
                "rate limit %s: database backend failed; allowing", self.limit, exc_info=True
            )
            return RateDecision(True)

    def _state(self, conn: Any, full_key: str, now: float) -> RateDecision:
        table = RateLimitBucket.__table__  # type: ignore[attr-defined]
        row = conn.execute(
            table.select()
            .with_only_columns(table.c.tokens, table.c.updated_at)
            .where(table.c.key == full_key)
        ).first()
        if row is None:
            return RateDecision(True)
        tokens = min(self.burst, row.tokens + max(0.0, now - row.updated_at) * self.rate)
        if tokens >= 1.0:
            return RateDecision(True)
        return RateDecision(False, _retry_after(tokens, self.rate))

    def _refusal(self, conn: Any, full_key: str, now: float) -> RateDecision:
        decision = self._state(conn, full_key, now)
        # A token may have come back between the two statements: still refuse this hit.
        return decision if not decision.allowed else RateDecision(False, 1)

    def prune(self, now: float) -> int:
        """Deletes this limit's buckets that have refilled completely (same as absent)."""
        table = RateLimitBucket.__table__  # type: ignore[attr-defined]
        full_after = self.burst / self.rate
        try:
            with self.engine.begin() as conn:
                result = conn.execute(
                    table.delete().where(
                        table.c.key.startswith(f"{self.limit}:", autoescape=True),
                        table.c.updated_at < now - full_after,
                    )
                )
            return int(result.rowcount or 0)
        except SQLAlchemyError:
            log.warning("rate limit %s: pruning failed", self.limit, exc_info=True)
            return 0


# KEYS[1] bucket; ARGV: tokens per second, burst, 1 to take a token (0 to look), TTL seconds.
# Times come from the Redis server, so every web process and machine shares one clock.
_REDIS_TOKEN_BUCKET = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(bucket[1])
local ts = tonumber(bucket[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  allowed = 1
  if ARGV[3] == '1' then tokens = tokens - 1 end
end
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
end
return {allowed, tostring(tokens)}
"""


class RedisBucketLimiter:
    """Token buckets in Redis: one atomic Lua script per hit; keys expire once full again."""

    local = False

    def __init__(self, client: Any, *, limit: str, rate_per_minute: float, burst: int) -> None:
        if rate_per_minute <= 0 or burst < 1:
            raise ValueError("rate_per_minute must be > 0 and burst >= 1")
        self.client = client
        self.limit = limit
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.ttl = max(1, math.ceil(self.burst / self.rate))
        self._script = client.register_script(_REDIS_TOKEN_BUCKET)

    def _run(self, key: str, *, consume: bool) -> RateDecision:
        try:
            allowed, tokens = self._script(
                keys=[f"portal:ratelimit:{bucket_key(self.limit, key)}"],
                args=[repr(self.rate), repr(self.burst), "1" if consume else "0", self.ttl],
            )
        except Exception:  # redis.RedisError and connection failures alike
            log.warning("rate limit %s: Redis backend failed; allowing", self.limit, exc_info=True)
            return RateDecision(True)
        if int(allowed):
            return RateDecision(True)
        return RateDecision(False, _retry_after(float(tokens), self.rate))

    def hit(self, key: str) -> RateDecision:
        return self._run(key, consume=True)

    def check(self, key: str) -> RateDecision:
        return self._run(key, consume=False)


# -- choosing a backend and enforcing limits in routes -----------------------------------------


def resolve_backend(settings: Settings) -> str:
    """The backend `auto` stands for: Redis if configured, the database in production, memory."""
    if settings.rate_limit_backend != "auto":
        return settings.rate_limit_backend
    if settings.redis_url:
        return "redis"
    return "database" if settings.is_production else "memory"


_REDIS_CLIENTS: dict[str, Any] = {}
_REDIS_LOCK = threading.Lock()


def redis_client(url: str) -> Any:
    """One Redis connection pool per URL per process; short timeouts (a limit must be quick)."""
    with _REDIS_LOCK:
        client = _REDIS_CLIENTS.get(url)
        if client is None:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
            _REDIS_CLIENTS[url] = client
        return client


_SIDE_ENGINES: dict[str, Engine] = {}


def bucket_engine(engine: Engine) -> Engine:
    """Where the database backend keeps its buckets: the portal's database on PostgreSQL; on
    SQLite a side file next to it (`<db>-ratelimit`), shared by the processes of the machine.

    SQLite has one write lock per file: a request that has written (a session's last-seen
    time, a citizen's first API call) holds it until it commits, and its own rate-limit hit on
    another connection would wait for it. PostgreSQL locks only the bucket's row.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return engine
    with _REDIS_LOCK:
        side = _SIDE_ENGINES.get(database)
        if side is None:
            from portal.db import get_engine

            side = get_engine(f"sqlite:///{database}-ratelimit")
            RateLimitBucket.__table__.create(side, checkfirst=True)  # type: ignore[attr-defined]
            _SIDE_ENGINES[database] = side
        return side


def build_limiter(
    settings: Settings, engine: Engine, *, limit: str, rate_per_minute: float, burst: int
) -> RateLimiter:
    """A limiter named `limit` on the configured backend."""
    backend = resolve_backend(settings)
    if backend == "redis":
        if not settings.redis_url:
            raise ValueError("PORTAL_RATE_LIMIT_BACKEND=redis needs PORTAL_REDIS_URL")
        return RedisBucketLimiter(
            redis_client(settings.redis_url),
            limit=limit,
            rate_per_minute=rate_per_minute,
            burst=burst,
        )
    if backend == "database":
        return DatabaseBucketLimiter(
            bucket_engine(engine), limit=limit, rate_per_minute=rate_per_minute, burst=burst
        )
    return TokenBucketLimiter(rate_per_minute=rate_per_minute, burst=burst)


class Limits:
    """Names of the limits routes enforce, and where their budgets are in the settings."""

    SIGNIN = "signin"
    SECOND_FACTOR = "second_factor"
    SUBMISSION = "submission"
    SUBMISSION_ACCOUNT = "submission_account"

    BUDGETS: ClassVar[dict[str, tuple[str, str]]] = {
        SIGNIN: ("signin_rate_per_minute", "signin_burst"),
        SECOND_FACTOR: ("second_factor_rate_per_minute", "second_factor_burst"),
        SUBMISSION: ("submission_rate_per_minute", "submission_burst"),
        SUBMISSION_ACCOUNT: ("submission_account_rate_per_minute", "submission_account_burst"),
    }


# Buckets whose every hit survives a crash: guesses at an officer's second factor. The others
# (sign-in starts, submissions, verification) may forget their last milliseconds of hits.
DURABLE_LIMITS = frozenset({Limits.SECOND_FACTOR})


def app_limiter(app: FastAPI, limit: str) -> RateLimiter:
    """The app's limiter for one of `Limits`, made on first use from its settings."""
    with _APP_LIMITERS_LOCK:
        limiters: dict[str, RateLimiter] | None = getattr(app.state, "rate_limiters", None)
        if limiters is None:
            limiters = app.state.rate_limiters = {}
        limiter = limiters.get(limit)
        if limiter is None:
            settings: Settings = app.state.settings
            rate_name, burst_name = Limits.BUDGETS[limit]
            limiter = limiters[limit] = build_limiter(
                settings,
                app.state.engine,
                limit=limit,
                rate_per_minute=getattr(settings, rate_name),
                burst=getattr(settings, burst_name),
            )
        return limiter


_APP_LIMITERS_LOCK = threading.Lock()


def client_address_key(request: Request) -> str:
    """The client's address (after uvicorn's trusted proxy headers), an IPv6 one by its /64."""
    return address_key(request.client.host) if request.client else "unknown"


def enforce_rate_limit(
    request: Request,
    *,
    by_address: str | None = None,
    by_account: tuple[str, str] | None = None,
) -> None:
    """Takes a token from the client address's bucket of limit `by_address` and from the
    `(limit, account)` bucket; raises `RateLimitedError` (429) when either is empty.

    Call it before any work, and (on SQLite) before the request writes: the database backend
    hits in its own transaction.
    """
    from portal.metrics import RATE_LIMITED

    hits: list[tuple[RateLimiter, str, str, bool]] = []  # limiter, key, limit, per account
    if by_address:
        limiter = app_limiter(request.app, by_address)
        hits.append((limiter, client_address_key(request), by_address, False))
    if by_account:
        limit, account = by_account
        hits.append((app_limiter(request.app, limit), account, limit, True))
    decisions = hit_in_turn([(limiter, key) for limiter, key, _, _ in hits])
    for (_, _, limit, per_account), decision in zip(hits, decisions, strict=False):
        if not decision.allowed:
            RATE_LIMITED.labels(limit=limit).inc()
            raise RateLimitedError(decision.retry_after, account=per_account)


def hit_in_turn(hits: Sequence[tuple[RateLimiter, str]]) -> list[RateDecision]:
    """Takes a token from each (limiter, key) in turn, stopping at the first refusal; the
    decisions so far, that refusal last. Database buckets of one database are hit in one
    transaction (`DatabaseBucketLimiter.hit_in_turn`)."""
    if hits and all(isinstance(limiter, DatabaseBucketLimiter) for limiter, _ in hits):
        engines = {limiter.engine for limiter, _ in hits}  # type: ignore[attr-defined]
        if len(engines) == 1:
            return DatabaseBucketLimiter.hit_in_turn(hits)  # type: ignore[arg-type]
    decisions: list[RateDecision] = []
    for limiter, key in hits:
        decisions.append(limiter.hit(key))
        if not decisions[-1].allowed:
            break
    return decisions


def enforce_submission_limits(request: Request, *, citizen_id: int | None) -> None:
    """Petition submissions (web form and API): per client address and per filing citizen."""
    enforce_rate_limit(
        request,
        by_address=Limits.SUBMISSION,
        by_account=(Limits.SUBMISSION_ACCOUNT, f"citizen:{citizen_id}"),
    )


async def hit_async(limiter: RateLimiter, key: str) -> RateDecision:
    """`limiter.hit(key)` from async code: on the loop if in memory, else `run_sync`."""
    if limiter.local:
        return limiter.hit(key)
    return await run_sync(limiter.hit, key)


async def check_async(limiter: RateLimiter, key: str) -> RateDecision:
    """`limiter.check(key)` from async code (see `hit_async`)."""
    if limiter.local:
        return limiter.check(key)
    return await run_sync(limiter.check, key)
