"""Fixtures for the verification tests (pages and API): a small app of their own on every test
database (SQLite, and PostgreSQL when configured); no provider or registries are needed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from documents.models import Document
from documents.pki import clear_signer_cache, ensure_agency_seal
from identity.models import Citizen
from portal.app import create_app
from portal.settings import Settings
from tests.documents.factories import AGENCY_CODE, AGENCY_NAME_EN, create_document

__all__ = [
    "BASE_URL", "NATIONAL_ID", "citizen", "make_document", "no_citizen_id", "seeded_verify_pki",
    "verify_app", "verify_settings", "web",
]  # fmt: skip

NATIONAL_ID = "1101700230708"
BASE_URL = "https://portal.example.go.th"


@pytest.fixture(scope="session")
def seeded_verify_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("verify-seeded")
    ensure_agency_seal(data_dir, AGENCY_CODE, AGENCY_NAME_EN)
    return data_dir / "pki"


@pytest.fixture
def verify_settings(tmp_path: Path, seeded_verify_pki: Path, database_url: str) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copytree(seeded_verify_pki, data_dir / "pki")
    return Settings(
        env="development",
        data_dir=data_dir,
        database_url=database_url,
        base_url=BASE_URL,
        run_worker_in_process=False,
        verify_cache_seconds=0,  # each test sees its own writes at once
    )


@pytest.fixture
def verify_app(verify_settings: Settings, clean_engine: Engine) -> Iterator[FastAPI]:
    yield create_app(verify_settings)
    clear_signer_cache()


@pytest.fixture
def web(verify_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(verify_app, base_url="https://testserver") as client:
        yield client


@pytest.fixture
def citizen(db: Session) -> Citizen:
    person = Citizen(national_id=NATIONAL_ID, subject="verify-test", issuer="test")
    db.add(person)
    db.commit()
    return person


@pytest.fixture
def make_document(db: Session, citizen: Citizen):  # type: ignore[no-untyped-def]
    """A committed Document row (no PDF) with a check code unless told otherwise."""

    def make(**values: Any) -> Document:
        values.setdefault("check_code", "7K3M9Q")
        values.setdefault("valid_until", date(2099, 12, 31))
        document = create_document(db, citizen_id=citizen.id, **values)
        db.commit()
        return document

    return make


def no_citizen_id(text: str) -> bool:
    return NATIONAL_ID not in text and "1-1017-00230-70-8" not in text
