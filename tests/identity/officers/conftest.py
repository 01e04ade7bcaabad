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


TEST_KEY_MATERIAL = "officer-tests-secret-key-0123456789abcdef"


@pytest.fixture
def officers(clean_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The officers package (models, service, authz, errors) with its tables in place.

    The service's default key for sealing TOTP secrets is pinned to a test value, so no
    `var/secret.key` is generated in the working directory.
    """
    create_officer_tables(clean_engine)
    from identity.officers import authz, errors, models, service

    monkeypatch.setattr(service, "_default_key_material", lambda: TEST_KEY_MATERIAL)
    return SimpleNamespace(authz=authz, errors=errors, models=models, service=service)


@pytest.fixture
def odb(officers: SimpleNamespace, clean_engine: Engine) -> Iterator[Session]:
    with Session(clean_engine, expire_on_commit=False) as session:
        yield session
