"""Fixtures for the documents package: a data dir with keys, and a database with its tables.

Keys are generated once per session (RSA 3072 + 2048 take about half a second) and copied into
each test's own data dir.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, Table
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from documents.models import Document, RevokedCertificate
from documents.pki import clear_signer_cache, ensure_agency_seal
from tests.documents.factories import AGENCY_CODE, AGENCY_NAME_EN

try:  # the real citizen table, so the foreign key resolves to it
    import identity.models  # noqa: F401
except ModuleNotFoundError as exc:  # pragma: no cover - only before identity.models existed
    if exc.name != "identity.models":
        raise

if "citizen" not in SQLModel.metadata.tables:  # pragma: no cover - see above
    # Stand-in only while identity.models does not exist, so it can never collide with it.
    Table("citizen", SQLModel.metadata, Column("id", Integer, primary_key=True))


@pytest.fixture(scope="session")
def seeded_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("seeded")
    ensure_agency_seal(data_dir, AGENCY_CODE, AGENCY_NAME_EN)
    return data_dir / "pki"


@pytest.fixture
def data_dir(tmp_path: Path, seeded_pki: Path) -> Iterator[Path]:
    """A fresh data dir holding the session's root CA and DOPA seal."""
    path = tmp_path / "data"
    path.mkdir()
    shutil.copytree(seeded_pki, path / "pki")
    yield path
    clear_signer_cache()


@pytest.fixture
def db_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'documents.db'}")
    # Foreign keys stay off (SQLite's default): these tests use citizen ids, not citizens.
    tables = [SQLModel.metadata.tables["citizen"], Document.__table__, RevokedCertificate.__table__]
    SQLModel.metadata.create_all(engine, tables=tables)  # type: ignore[arg-type]
    yield engine
    engine.dispose()


@pytest.fixture
def db(db_engine: Engine) -> Iterator[Session]:
    """A session on a private SQLite file; overrides the suite's migrated `db` fixture here."""
    with Session(db_engine, expire_on_commit=False) as session:
        yield session
