"""Reads end with COMMIT, so PostgreSQL keeps the statements psycopg prepared.

psycopg prepares a query on a connection after its fifth run there, and forgets every prepared
statement of the connection when that connection rolls back (a pool's reset on return is a
rollback). A read path that ended with ROLLBACK therefore made PostgreSQL parse and plan the
next requests' queries afresh on that connection.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from documents.lookup import PublicRowReader
from portal.db import get_engine
from portal.deps import get_read_db
from portal.ratelimit import DatabaseBucketLimiter
from services.calendar.models import Holiday

RUNS = 8  # more than psycopg's prepare threshold (5)


@pytest.fixture
def one_connection(database_url: str, clean_engine: Engine):
    """An engine with a single pooled connection: every read below reuses it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("prepared statements are PostgreSQL's (psycopg)")
    engine = get_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _prepared_on(engine: Engine) -> int:
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
        conn.commit()
    return int(count)


def _read_only_session(engine: Engine) -> None:
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(read_engine=engine)))
    reads = get_read_db(request)  # type: ignore[arg-type]
    session = next(reads)
    session.exec(select(Holiday).limit(1)).all()
    with pytest.raises(StopIteration):
        next(reads)


def _verification_lookup(engine: Engine) -> None:
    PublicRowReader(engine).lookup("DOPA-2569-ABCDEFGH")  # well formed, never issued


def _limiter_check(engine: Engine) -> None:
    DatabaseBucketLimiter(engine, limit="test", rate_per_minute=60, burst=5).check("someone")


@pytest.mark.parametrize(
    "read", [_read_only_session, _verification_lookup, _limiter_check], ids=lambda f: f.__name__
)
def test_a_read_keeps_the_prepared_statements_of_its_connection(
    one_connection: Engine, read: Callable[[Engine], None]
):
    for _ in range(RUNS):
        read(one_connection)
    assert _prepared_on(one_connection) >= 1


def test_a_rollback_does_drop_them(one_connection: Engine):
    """The control: what the reads above avoid."""
    for _ in range(RUNS):
        _read_only_session(one_connection)
    with one_connection.connect() as conn:
        conn.execute(text("SELECT 1")).all()
        conn.rollback()
    assert _prepared_on(one_connection) == 0
