"""`portal keys list | rotate-seal | revoke-seal | crl`, against the migrated databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner, Result

from documents.crl import crl_path, get_revocation
from documents.pki import clear_signer_cache, ensure_agency_seal, load_cert, seal_paths
from portal.cli import app
from portal.settings import get_settings
from services.audit.service import list_events_for

DOPA_NAME_EN = "Department of Provincial Administration"


@pytest.fixture
def db(clean_engine: Engine) -> Iterator[Session]:
    """The suite's migrated database (SQLite, and PostgreSQL when configured)."""
    with Session(clean_engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def var(tmp_path: Path) -> Path:
    return tmp_path / "var"


@pytest.fixture
def portal(
    monkeypatch: pytest.MonkeyPatch, var: Path, database_url: str, clean_engine: Engine
) -> Iterator[Callable[..., Result]]:
    monkeypatch.setenv("PORTAL_DATA_DIR", str(var))
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)

    def run(*args: str) -> Result:
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args))
        finally:
            get_settings.cache_clear()

    yield run
    clear_signer_cache()


def _serial(var: Path, code: str = "dopa") -> str:
    return format(load_cert(seal_paths(var, code)[1]).serial_number, "x")


def test_rotate_seal_issues_a_new_seal_and_records_it(
    db: Session, portal: Callable[..., Result], var: Path
) -> None:
    ensure_agency_seal(var, "dopa", DOPA_NAME_EN, base_url="https://portal.example")
    old = _serial(var)

    result = portal("keys", "rotate-seal", "dopa")

    assert result.exit_code == 0, result.output
    new = _serial(var)
    assert new != old and f"{old} -> {new}" in result.output
    trail = list_events_for(db, object_type="seal", object_id="dopa")
    assert [(e.actor, e.action) for e in trail] == [("cli", "seal.rotate")]
    assert trail[0].details == {"old_serial": old, "new_serial": new}
    listing = portal("keys", "list").output
    assert f"seal          dopa   {new}" in listing and f"retired-seal  dopa   {old}" in listing


def test_revoke_seal_lists_it_on_the_crl_replaces_it_and_is_audited(
    db: Session, portal: Callable[..., Result], var: Path
) -> None:
    ensure_agency_seal(var, "dopa", DOPA_NAME_EN, base_url="https://portal.example")
    serial = _serial(var)

    result = portal("keys", "revoke-seal", "dopa", "--serial", serial, "--reason", "key_compromise")

    assert result.exit_code == 0, result.output
    revoked = get_revocation(db, serial)
    assert (
        revoked is not None and revoked.reason == "key_compromise" and revoked.issuer == "issuing"
    )
    assert _serial(var) != serial  # a revoked key never signs again
    crl = x509.load_der_x509_crl(crl_path(var, "issuing").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None
    trail = list_events_for(db, object_type="seal", object_id="dopa")
    assert [e.action for e in trail] == ["seal.revoke"]
    assert "revoked" in portal("keys", "list").output

    again = portal("keys", "revoke-seal", "dopa", "--serial", serial, "--reason", "superseded")
    assert again.exit_code == 1
    assert "already revoked" in again.output and "เพิกถอนไปแล้ว" in again.output


@pytest.mark.parametrize(
    ("args", "english", "thai"),
    [
        (("keys", "rotate-seal", "nope"), "unknown agency", "ไม่พบหน่วยงาน"),
        (("keys", "rotate-seal", "../x"), "not an agency code", "รหัสหน่วยงาน"),
        (
            ("keys", "revoke-seal", "dopa", "--serial", "zz", "--reason", "superseded"),
            "not a hexadecimal serial",
            "ฐานสิบหก",
        ),
        (
            ("keys", "revoke-seal", "dopa", "--serial", "abc", "--reason", "superseded"),
            "has no seal with serial",
            "ไม่มีตราประทับ",
        ),
    ],
)
def test_refusals_exit_1_in_thai_and_english(
    portal: Callable[..., Result], var: Path, args: tuple[str, ...], english: str, thai: str
) -> None:
    ensure_agency_seal(var, "dopa", DOPA_NAME_EN, base_url="https://portal.example")
    result = portal(*args)
    assert result.exit_code == 1
    assert english in result.output and thai in result.output


def test_crl_command_writes_both_crls(portal: Callable[..., Result], var: Path) -> None:
    result = portal("keys", "crl")
    assert result.exit_code == 0, result.output
    for issuer in ("root", "issuing"):
        crl = x509.load_der_x509_crl(crl_path(var, issuer).read_bytes())
        assert len(crl) == 0 and crl.next_update_utc is not None
    assert "next update" in result.output


def test_rotate_qr_key_keeps_old_codes_verifying_and_is_audited(
    db: Session, portal: Callable[..., Result], var: Path
) -> None:
    from documents.qrpayload import (
        ensure_qr_key,
        load_public_keys,
        qr_payload,
        verify_qr_payload,
    )

    old_kid = ensure_qr_key(var)
    printed = qr_payload(var, "https://portal.example", "DOPA-2569-7K3M9QXD", "7K3M9Q")

    result = portal("keys", "rotate-qr")

    assert result.exit_code == 0, result.output
    new_kid = ensure_qr_key(var)
    assert new_kid != old_kid and new_kid in result.output
    keys = load_public_keys(var)
    assert {old_kid, new_kid} <= set(keys)
    assert verify_qr_payload(printed, keys).status == "valid"
    trail = list_events_for(db, object_type="qr_key", object_id=new_kid)
    assert [(e.actor, e.action) for e in trail] == [("cli", "qr_key.rotate")]
