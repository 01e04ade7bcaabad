"""Database engine and sessions: SQLite by default, PostgreSQL by URL.

Every table is a SQLModel model in its domain package; `import_all_models()` gathers them so
Alembic and the test fixtures see one metadata.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel, create_engine


def utcnow() -> datetime:
    """Timezone-aware now; every timestamp the portal stores is UTC."""
    return datetime.now(UTC)


class AwareDateTime(TypeDecorator[datetime]):
    """A timestamp that is UTC-aware on the way in and on the way out.

    PostgreSQL keeps the offset (timestamptz); SQLite drops it, so values read back from SQLite
    are marked UTC again. A naive value is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: the portal stores timezone-aware UTC timestamps")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def normalise_url(url: str) -> str:
    """Uses psycopg 3 for plain `postgresql://` URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets the in-process worker read while a request writes; busy_timeout waits out locks.
    # The driver begins a transaction at the first write, so a read-then-write never fails on a
    # stale snapshot; the price is that SAVEPOINT must not be used on SQLite (RELEASE outside a
    # transaction commits), and the portal does not use it.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def ensure_sqlite_directory(url: str) -> None:
    """SQLite creates the file but not its folder; a fresh data dir has neither."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


DEFAULT_POOL_SIZE = 10
DEFAULT_MAX_OVERFLOW = 10


_ENGINES: dict[tuple[str, int, int, bool], Engine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(
    url: str,
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
    max_overflow: int = DEFAULT_MAX_OVERFLOW,
    pre_ping: bool = True,
) -> Engine:
    """One engine per URL (and pool settings) per process: engines own connection pools.

    On PostgreSQL each process holds up to `pool_size + max_overflow` connections, so
    (web workers + worker processes) × (pool_size + max_overflow) must stay below the server's
    `max_connections` (`PORTAL_DB_POOL_SIZE`, `PORTAL_DB_MAX_OVERFLOW`). `pre_ping` tests each
    connection as it leaves the pool (`PORTAL_DB_POOL_PRE_PING`): one round trip per request,
    so that a connection a database restart broke is replaced instead of failing once.
    """
    url = normalise_url(url)
    key = (url, pool_size, max_overflow, pre_ping)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = _create_engine(url, pool_size, max_overflow, pre_ping)
    return engine


def dispose_engines() -> None:
    """Closes and forgets every engine this process made.

    For a schema dropped and created again under a running process (the test suite does this):
    pooled connections and the driver's cached type ids must not outlive the tables they knew.
    """
    with _ENGINES_LOCK:
        engines = list(_ENGINES.values())
        _ENGINES.clear()
    for engine in engines:
        engine.dispose()


def _create_engine(url: str, pool_size: int, max_overflow: int, pre_ping: bool) -> Engine:
    ensure_sqlite_directory(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=pre_ping,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=10,  # a request waits at most this long for a connection, then fails
    )


def get_engines(
    url: str,
    replica_url: str = "",
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
    max_overflow: int = DEFAULT_MAX_OVERFLOW,
    pre_ping: bool = True,
) -> tuple[Engine, Engine]:
    """(primary, read-only) engines: the replica's when `replica_url` is set, else the primary.

    Read-only traffic (catalogue, public verification, public statistics) may lag the primary
    by the replica's replication delay; nothing a citizen just wrote is read through it.
    """
    pool = {"pool_size": pool_size, "max_overflow": max_overflow, "pre_ping": pre_ping}
    primary = get_engine(url, **pool)  # type: ignore[arg-type]
    if not replica_url:
        return primary, primary
    return primary, get_engine(replica_url, **pool)  # type: ignore[arg-type]


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work outside a request (CLI, worker): commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def import_all_models() -> type[SQLModel]:
    """Imports every module that defines tables, so `SQLModel.metadata` is complete."""
    import documents.models  # noqa: F401
    import identity.delegation.models  # noqa: F401
    import identity.kiosks.models  # noqa: F401
    import identity.models  # noqa: F401
    import identity.officers.models  # noqa: F401
    import portal.ratelimit  # noqa: F401  (rate_limit_bucket)
    import services.audit.models  # noqa: F401
    import services.calendar.models  # noqa: F401
    import services.exchange.models  # noqa: F401
    import services.mailbox.models  # noqa: F401
    import services.notifications.models  # noqa: F401
    import services.payments.models  # noqa: F401
    import services.petitions.casework_models  # noqa: F401
    import services.petitions.models  # noqa: F401

    return SQLModel


def database_state(engine: Engine) -> dict[str, str]:
    """For /healthz: can we reach the database, and which migration is it at."""
    from sqlalchemy import text

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            try:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except Exception:
                revision = None
        return {"status": "ok", "dialect": engine.dialect.name, "revision": revision or "none"}
    except Exception as exc:  # the health check reports, it never raises
        return {"status": "error", "dialect": engine.dialect.name, "error": type(exc).__name__}


# Files written inside a transaction (a signed certificate, an uploaded copy) are removed if the
# transaction rolls back: no file may hold personal data that no committed record vouches for.
_UNCOMMITTED_FILES = "portal.uncommitted_files"


def remove_on_rollback(db: Session, path: Path) -> None:
    """Deletes `path` if the session's transaction rolls back; keeps it once committed."""
    db.info.setdefault(_UNCOMMITTED_FILES, []).append(path)


@event.listens_for(OrmSession, "after_commit")
def _keep_committed_files(session: OrmSession) -> None:
    session.info.pop(_UNCOMMITTED_FILES, None)


@event.listens_for(OrmSession, "after_rollback")
def _remove_uncommitted_files(session: OrmSession) -> None:
    for path in session.info.pop(_UNCOMMITTED_FILES, []):
        path.unlink(missing_ok=True)
