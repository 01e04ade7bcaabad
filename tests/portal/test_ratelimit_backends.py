"""Shared rate limits: the database and Redis token buckets hold their budget exactly under
concurrency, and the sign-in and submission routes answer 429 with Retry-After in Thai and
English (issue 8)."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal.ratelimit import (
    DatabaseBucketLimiter,
    RateLimitBucket,
    RateLimiter,
    RedisBucketLimiter,
    TokenBucketLimiter,
    bucket_key,
    build_limiter,
    resolve_backend,
)
from portal.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
        return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(
    not redis_reachable(), reason="no Redis server on 127.0.0.1:6379 (the Redis backend test)"
)


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def hammer(limiter: RateLimiter, key: str, *, threads: int, hits_each: int) -> int:
    """Hits `key` from `threads` threads at once; returns how many hits were allowed."""
    allowed = 0
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run() -> None:
        nonlocal allowed
        start.wait()
        mine = sum(limiter.hit(key).allowed for _ in range(hits_each))
        with lock:
            allowed += mine

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    return allowed


class TestDatabaseBuckets:
    def test_a_bucket_allows_its_burst_then_refuses_with_retry_after(self, clean_engine: Engine):
        clock = FakeClock()
        limiter = DatabaseBucketLimiter(
            clean_engine, limit="t", rate_per_minute=6, burst=3, clock=clock
        )
        assert [limiter.hit("1.2.3.4").allowed for _ in range(4)] == [True, True, True, False]
        refused = limiter.hit("1.2.3.4")
        assert not refused.allowed and refused.retry_after == 10  # 6 a minute: one per 10 s
        assert limiter.hit("5.6.7.8").allowed  # another client has its own bucket
        clock.now += 10
        assert limiter.hit("1.2.3.4").allowed
        assert not limiter.hit("1.2.3.4").allowed

    def test_a_refused_hit_does_not_spend_the_refill(self, clean_engine: Engine):
        clock = FakeClock()
        limiter = DatabaseBucketLimiter(
            clean_engine, limit="t", rate_per_minute=60, burst=1, clock=clock
        )
        assert limiter.hit("k").allowed
        clock.now += 0.5
        assert not limiter.hit("k").allowed
        clock.now += 0.5  # one second since the token was taken: one token again
        assert limiter.hit("k").allowed

    def test_check_looks_without_taking(self, clean_engine: Engine):
        limiter = DatabaseBucketLimiter(clean_engine, limit="t", rate_per_minute=1, burst=1)
        assert limiter.check("k").allowed and limiter.check("k").allowed
        assert limiter.hit("k").allowed
        assert not limiter.check("k").allowed

    def test_concurrent_hits_allow_exactly_the_budget(self, clean_engine: Engine):
        limiter = DatabaseBucketLimiter(clean_engine, limit="race", rate_per_minute=0.001, burst=25)
        allowed = hammer(limiter, "203.0.113.9", threads=8, hits_each=10)
        assert allowed == 25
        with Session(clean_engine) as db:
            row = db.get(RateLimitBucket, "race:203.0.113.9")
            assert row is not None and row.tokens < 1

    def test_two_limiters_on_one_database_share_the_bucket(self, clean_engine: Engine):
        """As two web processes do: each has its own limiter object, the row is shared."""
        first, second = (
            DatabaseBucketLimiter(clean_engine, limit="shared", rate_per_minute=0.001, burst=4)
            for _ in range(2)
        )
        results = [(first if i % 2 else second).hit("k").allowed for i in range(8)]
        assert results.count(True) == 4

    def test_a_requests_buckets_are_taken_in_one_transaction_stopping_at_a_refusal(
        self, clean_engine: Engine
    ):
        """A submission's address and account buckets: one BEGIN/COMMIT for both; a refused
        address leaves the account's bucket untouched."""
        from sqlalchemy import event

        from portal.ratelimit import hit_in_turn

        address = DatabaseBucketLimiter(clean_engine, limit="a", rate_per_minute=0.001, burst=1)
        account = DatabaseBucketLimiter(clean_engine, limit="b", rate_per_minute=0.001, burst=5)
        transactions: list[object] = []

        def began(connection: object) -> None:
            transactions.append(connection)

        event.listen(clean_engine, "begin", began)
        try:
            first = hit_in_turn([(address, "1.2.3.4"), (account, "citizen:1")])
            assert [d.allowed for d in first] == [True, True] and len(transactions) == 1
            second = hit_in_turn([(address, "1.2.3.4"), (account, "citizen:1")])
        finally:
            event.remove(clean_engine, "begin", began)
        assert [d.allowed for d in second] == [False] and len(transactions) == 2
        with Session(clean_engine) as db:
            bucket = db.get(RateLimitBucket, "b:citizen:1")
            assert bucket is not None and 3.9 < bucket.tokens < 4.1  # one token, not two

    def test_full_buckets_are_pruned_and_long_keys_fit(self, clean_engine: Engine):
        clock = FakeClock()
        limiter = DatabaseBucketLimiter(
            clean_engine, limit="p", rate_per_minute=60, burst=2, clock=clock
        )
        long_key = "x" * 500
        assert limiter.hit(long_key).allowed
        assert limiter.hit("short").allowed
        assert len(bucket_key("p", long_key)) <= 200
        clock.now += 3  # both refilled completely (2 tokens at 1/s)
        assert limiter.prune(clock.now) == 2
        with Session(clean_engine) as db:
            count = db.execute(select(func.count()).select_from(RateLimitBucket)).scalar_one()
        assert count == 0

    def test_a_failing_database_lets_requests_through(self):
        from sqlalchemy import create_engine

        broken = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
        limiter = DatabaseBucketLimiter(broken, limit="t", rate_per_minute=1, burst=1)
        assert limiter.hit("k").allowed and limiter.hit("k").allowed


@needs_redis
class TestRedisBuckets:
    @pytest.fixture
    def limit(self) -> Callable[..., RedisBucketLimiter]:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        names: list[str] = []

        def make(**budget: float) -> RedisBucketLimiter:
            name = f"test-{uuid.uuid4().hex[:8]}"
            names.append(name)
            return RedisBucketLimiter(client, limit=name, **budget)  # type: ignore[arg-type]

        yield make
        for name in names:
            for key in client.scan_iter(f"portal:ratelimit:{name}:*"):
                client.delete(key)

    def test_a_bucket_allows_its_burst_then_refuses(self, limit):
        limiter = limit(rate_per_minute=6, burst=3)
        assert [limiter.hit("1.2.3.4").allowed for _ in range(4)] == [True, True, True, False]
        refused = limiter.hit("1.2.3.4")
        assert not refused.allowed and 1 <= refused.retry_after <= 10
        assert limiter.check("5.6.7.8").allowed

    def test_concurrent_hits_allow_exactly_the_budget(self, limit):
        limiter = limit(rate_per_minute=0.001, burst=25)
        assert hammer(limiter, "k", threads=8, hits_each=10) == 25

    def test_keys_expire_once_the_bucket_would_be_full(self, limit):
        limiter = limit(rate_per_minute=60, burst=5)
        limiter.hit("k")
        ttl = limiter.client.ttl(f"portal:ratelimit:{limiter.limit}:k")
        assert 0 < ttl <= 5

    def test_an_unreachable_redis_lets_requests_through(self):
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
        limiter = RedisBucketLimiter(client, limit="t", rate_per_minute=1, burst=1)
        assert limiter.hit("k").allowed and limiter.hit("k").allowed


def test_auto_picks_redis_then_database_in_production_then_memory(tmp_path):
    base = Settings(data_dir=tmp_path)
    assert resolve_backend(base) == "memory"
    assert resolve_backend(base.model_copy(update={"redis_url": REDIS_URL})) == "redis"
    assert resolve_backend(base.model_copy(update={"env": "production"})) == "database"
    explicit = base.model_copy(update={"rate_limit_backend": "database", "redis_url": REDIS_URL})
    assert resolve_backend(explicit) == "database"


def test_build_limiter_makes_the_configured_backend(tmp_path, clean_engine: Engine):
    settings = Settings(data_dir=tmp_path)
    made = build_limiter(settings, clean_engine, limit="x", rate_per_minute=1, burst=1)
    assert isinstance(made, TokenBucketLimiter) and made.local
    db_settings = settings.model_copy(update={"rate_limit_backend": "database"})
    made = build_limiter(db_settings, clean_engine, limit="x", rate_per_minute=1, burst=1)
    assert isinstance(made, DatabaseBucketLimiter) and not made.local
    with pytest.raises(ValueError, match="PORTAL_REDIS_URL"):
        build_limiter(
            settings.model_copy(update={"rate_limit_backend": "redis"}),
            clean_engine,
            limit="x",
            rate_per_minute=1,
            burst=1,
        )
