"""Officer tables on the test database.

The domain is imported here, inside a fixture, not at the top of the test modules: importing
`identity.officers` adds its tables to `SQLModel.metadata`, and until the migration that creates
them lands, a migrated test database without them would break `empty_all_tables` for every test
collected before these. `create_all(checkfirst)` is a no-op once the migration exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel


def create_officer_tables(engine: Engine) -> None:
    from identity.officers.models import OFFICER_TABLES

    SQLModel.metadata.create_all(engine, tables=OFFICER_TABLES, checkfirst=True)


@pytest.fixture
def officers(clean_engine: Engine) -> SimpleNamespace:
    """The officers package (models, service, authz, errors) with its tables in place."""
    create_officer_tables(clean_engine)
    from identity.officers import authz, errors, models, service

    return SimpleNamespace(authz=authz, errors=errors, models=models, service=service)


@pytest.fixture
def odb(officers: SimpleNamespace, clean_engine: Engine) -> Iterator[Session]:
    with Session(clean_engine, expire_on_commit=False) as session:
        yield session
