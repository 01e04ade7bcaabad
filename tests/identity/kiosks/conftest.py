"""Kiosk tables on the test database.

As for officers (tests/identity/officers/conftest.py), the domain is imported inside fixtures:
importing `identity.kiosks.models` adds its tables to `SQLModel.metadata`, and until their
migration lands a migrated test database without them would break `empty_all_tables`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

T0 = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


def create_kiosk_tables(engine: Engine) -> None:
    from identity.kiosks.models import KIOSK_TABLES

    SQLModel.metadata.create_all(engine, tables=KIOSK_TABLES, checkfirst=True)


@pytest.fixture
def kiosks(clean_engine: Engine) -> SimpleNamespace:
    """The kiosks package (models, service, errors) with its tables in place."""
    create_kiosk_tables(clean_engine)
    from identity.kiosks import errors, models, printing, service

    return SimpleNamespace(errors=errors, models=models, service=service, printing=printing)


@pytest.fixture
def kdb(kiosks: SimpleNamespace, clean_engine: Engine) -> Iterator[Session]:
    with Session(clean_engine, expire_on_commit=False) as session:
        yield session


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(kiosks: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The kiosk service's and printing's clock, moved by the test."""
    from identity.kiosks import printing

    clock = Clock()
    monkeypatch.setattr(kiosks.service, "utcnow", clock)
    monkeypatch.setattr(printing, "utcnow", clock)
    return clock
