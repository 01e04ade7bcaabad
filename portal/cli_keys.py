"""`portal keys …`: the portal CA, agency seals, the timestamp authority, CRLs.

    portal keys list                         every certificate, with serial, expiry, revocation
    portal keys rotate-seal AGENCY           a new seal; the old one stays valid for its documents
    portal keys revoke-seal AGENCY --serial HEX --reason key_compromise|superseded|…
    portal keys crl                          re-sign and write both CRLs from the database

Rotations and revocations are recorded in the audit chain. A refused command prints Thai and
English and exits 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlmodel import Session

keys_app = typer.Typer(
    help="Signing keys: CA, agency seals, timestamps, CRLs", no_args_is_help=True
)


class RevocationReason(StrEnum):
    key_compromise = "key_compromise"
    superseded = "superseded"
    cessation_of_operation = "cessation_of_operation"


def _refuse(message_en: str, message_th: str) -> typer.Exit:
    typer.secho(f"{message_en} / {message_th}", fg="red", err=True)
    return typer.Exit(1)


@contextmanager
def _session() -> Iterator[Session]:
    from portal.db import get_engine, session_scope
    from portal.settings import get_settings

    with session_scope(get_engine(get_settings().database_url)) as db:
        yield db


def _agency_name_en(code: str) -> str | None:
    from services.agencies import get_agency

    agency = get_agency(code)
    return agency.name_en if agency is not None else None


@keys_app.command("list")
def list_keys() -> None:
    """Every certificate of the portal CA: kind, agency, serial, expiry, revocation."""
    from documents.crl import get_revocation
    from documents.pki import ensure_ca, list_certificates
    from portal.settings import get_settings

    data_dir = get_settings().data_dir
    ensure_ca(data_dir)
    with _session() as db:
        for c in list_certificates(data_dir):
            revoked = get_revocation(db, c.serial_hex)
            state = f"revoked {revoked.reason}" if revoked is not None else "valid"
            if c.not_after < datetime.now(UTC):
                state = "expired"
            typer.echo(
                f"{c.kind:<13} {c.agency or '-':<6} {c.serial_hex:<40} "
                f"until {c.not_after:%Y-%m-%d}  {state}  {c.subject}"
            )


@keys_app.command("rotate-seal")
def rotate_seal_command(agency: str) -> None:
    """Issues a new seal for AGENCY; documents sealed by the old one stay valid."""
    from documents.pki import rotate_seal, seal_paths
    from portal.settings import get_settings
    from services.audit.service import record_event

    code = agency.lower()
    name_en = _agency_name_en(code)
    try:
        seal_paths(get_settings().data_dir, code)
    except ValueError:
        raise _refuse(f"not an agency code: {agency}", f"รหัสหน่วยงานไม่ถูกต้อง: {agency}") from None
    if name_en is None:
        raise _refuse(f"unknown agency: {agency}", f"ไม่พบหน่วยงาน: {agency}")
    with _session() as db:
        old, new = rotate_seal(get_settings().data_dir, code, name_en)
        record_event(
            db,
            actor="cli",
            action="seal.rotate",
            object_type="seal",
            object_id=code,
            details={"old_serial": old, "new_serial": new},
        )
    typer.echo(f"seal of {code} rotated: {old or '-'} -> {new}")


@keys_app.command("revoke-seal")
def revoke_seal_command(
    agency: str,
    serial: str = typer.Option(..., "--serial", help="hex serial of the seal certificate"),
    reason: RevocationReason = typer.Option(..., "--reason"),
) -> None:
    """Revokes one of AGENCY's seals (current or retired); a current one is replaced at once."""
    from documents.crl import get_revocation, publish_crls, revoke_certificate
    from documents.pki import list_certificates, rotate_seal
    from portal.settings import get_settings
    from services.audit.service import record_event

    data_dir = get_settings().data_dir
    code = agency.lower()
    try:
        wanted = int(serial, 16)
    except ValueError:
        raise _refuse(
            f"not a hexadecimal serial: {serial}", f"เลขประจำใบรับรองต้องเป็นเลขฐานสิบหก: {serial}"
        ) from None
    seal = next(
        (
            c
            for c in list_certificates(data_dir)
            if c.kind in ("seal", "retired-seal")
            and c.agency == code
            and c.certificate.serial_number == wanted
        ),
        None,
    )
    if seal is None:
        raise _refuse(
            f"{code} has no seal with serial {serial}",
            f"หน่วยงาน {code} ไม่มีตราประทับเลขประจำ {serial}",
        )
    with _session() as db:
        if get_revocation(db, seal.serial_hex) is not None:
            raise _refuse(
                f"seal {seal.serial_hex} is already revoked",
                f"ตราประทับ {seal.serial_hex} ถูกเพิกถอนไปแล้ว",
            )
        revoke_certificate(db, data_dir, serial_hex=seal.serial_hex, reason=reason.value)
        replacement = None
        if seal.kind == "seal":  # never sign another document with a revoked key
            _, replacement = rotate_seal(data_dir, code, _agency_name_en(code))
        record_event(
            db,
            actor="cli",
            action="seal.revoke",
            object_type="seal",
            object_id=code,
            details={"serial": seal.serial_hex, "reason": reason.value, "replaced_by": replacement},
        )
        publish_crls(db, data_dir)
    typer.echo(f"seal {seal.serial_hex} of {code} revoked ({reason.value})")
    if replacement:
        typer.echo(f"new seal of {code}: {replacement}")


@keys_app.command("crl")
def crl_command() -> None:
    """Re-signs both CRLs from the database and writes them under data_dir/pki/crl."""
    from cryptography import x509

    from documents.crl import crl_path, publish_crls
    from portal.settings import get_settings

    data_dir = get_settings().data_dir
    with _session() as db:
        published = publish_crls(db, data_dir)
    for issuer, der in published.items():
        crl = x509.load_der_x509_crl(der)
        typer.echo(
            f"{crl_path(data_dir, issuer)}: {len(crl)} revoked, "
            f"next update {crl.next_update_utc:%Y-%m-%d %H:%M} UTC"
        )


@keys_app.command("rotate-qr")
def rotate_qr_command() -> None:
    """Makes a new QR signing key current; old public keys stay in the published JWKS, so
    every printed QR code keeps verifying."""
    from documents.qrpayload import rotate_qr_key
    from portal.settings import get_settings
    from services.audit.service import record_event

    with _session() as db:
        kid = rotate_qr_key(get_settings().data_dir)
        record_event(db, actor="cli", action="qr_key.rotate", object_type="qr_key", object_id=kid)
    typer.echo(f"QR signing key rotated; new key id {kid}")
