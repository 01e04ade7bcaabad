"""CRLs of the portal's CA: the root's (lists issuing CAs) and the issuing CA's (seals, TSA).

1. The `revoked_certificate` table is the source of truth; `revoke_certificate` adds a row and
   `publish_crls` re-signs both CRLs from the table into `data_dir/pki/crl/*.crl` (DER).
2. The web routes (`/pki/root.crl`, `/pki/issuing-ca.crl`) serve `crl_from_db`: the file,
   re-published when the table lists other serials or the file is near its nextUpdate.
3. Signing embeds `current_crls` in each PDF (PAdES B-LT) without a database handle or a
   network fetch: the published files, re-signed from their own entries when they grow stale.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from asn1crypto import crl as asn1_crl
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from sqlmodel import Session, select

from documents.models import RevokedCertificate
from documents.pki import (
    ensure_ca,
    issuing_ca_paths,
    list_certificates,
    load_cert,
    load_private_key,
    pki_dir,
    root_ca_paths,
    write_private,
)

Issuer = Literal["root", "issuing"]
ISSUERS: tuple[Issuer, ...] = ("root", "issuing")
CRL_VALIDITY = timedelta(days=4)
# Re-sign this long before nextUpdate, so a relying party never holds an expired CRL.
CRL_REFRESH_BEFORE = timedelta(days=2)
REASONS = {
    "key_compromise": x509.ReasonFlags.key_compromise,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "unspecified": x509.ReasonFlags.unspecified,
}
_FILE_NAMES = {"root": "root.crl", "issuing": "issuing-ca.crl"}


@dataclass(frozen=True)
class RevokedEntry:
    serial: int
    revoked_at: datetime
    reason: str


class UnknownCertificateError(LookupError):
    """No certificate of ours has that serial."""


def crl_path(data_dir: Path, issuer: Issuer) -> Path:
    return pki_dir(data_dir) / "crl" / _FILE_NAMES[issuer]


def build_crl(data_dir: Path, issuer: Issuer, entries: list[RevokedEntry]) -> bytes:
    """A DER CRL for `issuer`, signed with its key, valid CRL_VALIDITY from now."""
    paths = root_ca_paths(data_dir) if issuer == "root" else issuing_ca_paths(data_dir)
    key, cert = load_private_key(paths[0]), load_cert(paths[1])
    now = datetime.now(UTC)
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(cert.subject)
        .last_update(now - timedelta(minutes=1))
        .next_update(now + CRL_VALIDITY)
        # RFC 5280 §5.2.3: a monotonically increasing number; microseconds since 1970 is.
        .add_extension(x509.CRLNumber(int(now.timestamp() * 1_000_000)), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
    )
    for entry in sorted(entries, key=lambda e: e.serial):
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(entry.revoked_at)
            .add_extension(x509.CRLReason(REASONS[entry.reason]), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(revoked)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _entries_from_db(db: Session, issuer: Issuer) -> list[RevokedEntry]:
    rows = db.exec(select(RevokedCertificate).where(RevokedCertificate.issuer == issuer)).all()
    return [
        RevokedEntry(int(row.serial_hex, 16), _aware(row.revoked_at), row.reason) for row in rows
    ]


def _entries_from_crl(crl: x509.CertificateRevocationList) -> list[RevokedEntry]:
    entries = []
    for revoked in crl:
        try:
            flag = revoked.extensions.get_extension_for_class(x509.CRLReason).value.reason
            reason = next(name for name, value in REASONS.items() if value == flag)
        except (x509.ExtensionNotFound, StopIteration):
            reason = "unspecified"
        entries.append(RevokedEntry(revoked.serial_number, revoked.revocation_date_utc, reason))
    return entries


_lock = threading.Lock()
_cache: dict[Path, tuple[float, bytes]] = {}


def _read_crl(path: Path) -> bytes | None:
    """The file's bytes, cached by mtime (signing reads both CRLs for every document)."""
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _cache.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    data = path.read_bytes()
    _cache[path] = (mtime, data)
    return data


def _write_crl(data_dir: Path, issuer: Issuer, entries: list[RevokedEntry]) -> bytes:
    der = build_crl(data_dir, issuer, entries)
    path = crl_path(data_dir, issuer)
    write_private(path, der)
    _cache.pop(path, None)
    return der


def _fresh(der: bytes) -> x509.CertificateRevocationList | None:
    crl = x509.load_der_x509_crl(der)
    next_update = crl.next_update_utc
    if next_update is None or next_update - datetime.now(UTC) < CRL_REFRESH_BEFORE:
        return None
    return crl


def publish_crls(db: Session, data_dir: Path) -> dict[Issuer, bytes]:
    """Re-signs both CRLs from the revoked_certificate table (after every revocation)."""
    ensure_ca(data_dir)
    with _lock:
        return {
            issuer: _write_crl(data_dir, issuer, _entries_from_db(db, issuer)) for issuer in ISSUERS
        }


def crl_from_db(db: Session, data_dir: Path, issuer: Issuer) -> bytes:
    """The issuer's current CRL, consistent with the table (what the web route serves)."""
    ensure_ca(data_dir)
    entries = _entries_from_db(db, issuer)
    with _lock:
        der = _read_crl(crl_path(data_dir, issuer))
        crl = _fresh(der) if der is not None else None
        if crl is not None and {e.serial for e in _entries_from_crl(crl)} == {
            e.serial for e in entries
        }:
            assert der is not None
            return der
        return _write_crl(data_dir, issuer, entries)


def current_crls(data_dir: Path) -> list[bytes]:
    """[root CRL, issuing CA CRL] for embedding at signing time: no database, no network.

    A missing or stale file is re-signed from its own entries; revocations reach the files
    through `publish_crls`, which every revocation command runs.
    """
    result = []
    with _lock:
        for issuer in ISSUERS:
            der = _read_crl(crl_path(data_dir, issuer))
            crl = _fresh(der) if der is not None else None
            if der is None or crl is None:
                old = x509.load_der_x509_crl(der) if der is not None else None
                der = _write_crl(data_dir, issuer, _entries_from_crl(old) if old else [])
            result.append(der)
    return result


def asn1_crls(ders: list[bytes]) -> list[asn1_crl.CertificateList]:
    return [asn1_crl.CertificateList.load(der) for der in ders]


def revoke_certificate(
    db: Session, data_dir: Path, *, serial_hex: str, reason: str, at: datetime | None = None
) -> RevokedCertificate:
    """Lists one of our certificates as revoked (flushes; the caller publishes and commits).

    Raises:
        UnknownCertificateError: no certificate under data_dir/pki has this serial.
        ValueError: an unknown reason, a root, or a serial already revoked.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown revocation reason: {reason}")
    serial = int(serial_hex, 16)
    info = next(
        (c for c in list_certificates(data_dir) if c.certificate.serial_number == serial), None
    )
    if info is None:
        raise UnknownCertificateError(serial_hex)
    if info.kind in ("root", "retired-root"):
        raise ValueError("a root cannot be revoked: remove it from the trust list instead")
    normalised = format(serial, "x")
    existing = db.exec(
        select(RevokedCertificate).where(RevokedCertificate.serial_hex == normalised)
    ).first()
    if existing is not None:
        raise ValueError(f"certificate {normalised} is already revoked")
    issuer: Issuer = "root" if info.kind == "issuing" else "issuing"
    row = RevokedCertificate(
        serial_hex=normalised,
        issuer=issuer,
        subject=info.subject[:500],
        reason=reason,
        revoked_at=at or datetime.now(UTC),
    )
    db.add(row)
    db.flush()
    return row


def get_revocation(db: Session, serial_hex: str) -> RevokedCertificate | None:
    """The table's entry for a certificate serial (hex, any case), if revoked."""
    try:
        normalised = format(int(serial_hex, 16), "x")
    except ValueError:
        return None
    return db.exec(
        select(RevokedCertificate).where(RevokedCertificate.serial_hex == normalised)
    ).first()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
