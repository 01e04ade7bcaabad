"""Registering officers, opening their sessions and checking their second factor (TOTP)."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import bindparam
from sqlmodel import Session, select

from identity.citizen_ids import is_valid_citizen_id, mask_citizen_id
from identity.officers.errors import (
    InvalidTotpCodeError,
    NotAnOfficerError,
    OfficerAlreadyRegisteredError,
    TotpSecretUnreadableError,
)
from identity.officers.models import Office, Officer, OfficerRole, OfficerSession
from identity.officers.secrets import (
    SealedSecretError,
    is_sealed,
    open_totp_secret,
    seal_totp_secret,
)
from identity.tokens import hash_token
from portal.db import utcnow
from portal.errors import BadRequestError
from portal.settings import get_settings

logger = logging.getLogger(__name__)

TOTP_ISSUER = "Citizen Service Portal"
SESSION_LIFETIME = timedelta(hours=8)  # absolute: one working day, then sign in again
SESSION_IDLE_LIFETIME = timedelta(minutes=30)
LAST_SEEN_GRANULARITY = timedelta(minutes=1)
MAX_SECOND_FACTOR_FAILURES = 5  # per session; then the session ends and sign-in starts over
# RFC 8176 `amr` values that prove a factor beyond the password: one-time code, multi-factor,
# hardware key, face or fingerprint biometrics.
SECOND_FACTOR_AMR = frozenset({"otp", "mfa", "hwk", "face", "fpt"})
_AGENCY_CODE = re.compile(r"^[a-z]{2,16}$")
_OFFICE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# -- officers --------------------------------------------------------------------------------


def register_officer(
    db: Session,
    *,
    national_id: str,
    agency: str,
    roles: Iterable[str],
    office_code: str | None = None,
    email: str = "",
) -> Officer:
    """Makes a citizen an officer of one agency; the only way into the back office.

    `office_code` limits their queue to one office of the agency (and its shared pool);
    `email` is where escalations reach a supervisor.
    """
    if not is_valid_citizen_id(national_id):
        raise BadRequestError("Not a valid citizen ID", "เลขประจำตัวประชาชนไม่ถูกต้อง")
    if not _AGENCY_CODE.match(agency):
        raise BadRequestError("Not an agency code", "รหัสหน่วยงานไม่ถูกต้อง")
    wanted = list(dict.fromkeys(roles))
    known = {r.value for r in OfficerRole}
    if not wanted or not set(wanted) <= known:
        raise BadRequestError(
            f"Roles must be some of {', '.join(sorted(known))}",
            f"บทบาทต้องเป็น {', '.join(sorted(known))}",
        )
    if office_code is not None:
        office = db.get(Office, office_code)
        if office is None or office.agency != agency:
            raise BadRequestError(
                "No such office of this agency (portal offices list)",
                "ไม่พบสำนักงานนี้ในหน่วยงาน (portal offices list)",
            )
    if email and not _EMAIL.match(email):
        raise BadRequestError("Not a valid e-mail address", "อีเมลไม่ถูกต้อง")
    if get_officer_by_national_id(db, national_id) is not None:
        raise OfficerAlreadyRegisteredError()
    officer = Officer(
        national_id=national_id, agency=agency, roles=wanted, office_code=office_code, email=email
    )
    db.add(officer)
    db.flush()
    return officer


def add_office(db: Session, *, code: str, agency: str, name_th: str, name_en: str) -> Office:
    """Opens an office with its own queue (a district office, a branch) for an agency."""
    if not _OFFICE_CODE.match(code) or not _AGENCY_CODE.match(agency):
        raise BadRequestError(
            "Office codes are lower-case letters, digits and hyphens (e.g. dopa-bangrak)",
            "รหัสสำนักงานใช้อักษรอังกฤษตัวเล็ก ตัวเลข และขีด (เช่น dopa-bangrak)",
        )
    if not name_th.strip() or not name_en.strip():
        raise BadRequestError(
            "Give the office's Thai and English names", "กรุณาระบุชื่อสำนักงานภาษาไทยและภาษาอังกฤษ"
        )
    if db.get(Office, code) is not None:
        raise BadRequestError("That office code is taken", "รหัสสำนักงานนี้มีอยู่แล้ว")
    office = Office(code=code, agency=agency, name_th=name_th.strip(), name_en=name_en.strip())
    db.add(office)
    db.flush()
    return office


def list_offices(db: Session, *, agency: str | None = None) -> list[Office]:
    query = select(Office).order_by(Office.agency, Office.code)  # type: ignore[arg-type]
    if agency:
        query = query.where(Office.agency == agency)
    return list(db.exec(query))


def get_officer_by_national_id(db: Session, national_id: str) -> Officer | None:
    return db.exec(select(Officer).where(Officer.national_id == national_id)).first()


def disable_officer(db: Session, officer: Officer) -> None:
    """Takes an officer out of the back office; their open sessions stop working at once."""
    officer.active = False
    officer.disabled_at = utcnow()
    db.add(officer)
    db.flush()


def officer_from_claims(db: Session, claims: dict[str, object]) -> Officer:
    """The active officer named by validated ID-token claims (`pid`), names refreshed."""
    officer = get_officer_by_national_id(db, str(claims.get("pid", "")))
    if officer is None or not officer.active:
        raise NotAnOfficerError()
    name_th = " ".join(str(claims.get(k, "")) for k in ("title", "given_name", "family_name"))
    name_en = " ".join(
        str(claims.get(k, "")) for k in ("title_en", "given_name_en", "family_name_en")
    )
    officer.name_th, officer.name_en = name_th.strip(), name_en.strip()
    db.add(officer)
    db.flush()
    return officer


# -- sessions --------------------------------------------------------------------------------


def start_officer_session(
    db: Session, *, officer: Officer, amr: Iterable[str] | None = None, id_token: str = ""
) -> str:
    """Opens a back-office session and returns its cookie token (stored only as a hash).

    The session is two-factor from the start only if the provider says so in `amr`.
    """
    if not officer.active or officer.id is None:
        raise NotAnOfficerError()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    proven = bool(SECOND_FACTOR_AMR & {str(v) for v in (amr or ())})
    db.add(
        OfficerSession(
            id=hash_token(token),
            officer_id=officer.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
            second_factor_at=now if proven else None,
            id_token=id_token,
        )
    )
    db.flush()
    return token


_SESSION_WITH_OFFICER = (
    select(OfficerSession, Officer)
    .join(Officer, Officer.id == OfficerSession.officer_id)  # type: ignore[arg-type]
    .where(OfficerSession.id == bindparam("session_id"))
)


def get_active_officer_session(
    db: Session, token: str | None
) -> tuple[OfficerSession, Officer] | None:
    """The live session and its active officer, or None (unknown, revoked, idle, expired,
    or the officer was disabled since)."""
    if not token:
        return None
    # One round trip for both, one prebuilt statement: every back-office request asks.
    found = db.exec(_SESSION_WITH_OFFICER, params={"session_id": hash_token(token)}).first()
    if found is None:
        return None
    session, officer = found
    if session.revoked_at is not None:
        return None
    now = utcnow()
    if session.expires_at <= now or now - session.last_seen_at > SESSION_IDLE_LIFETIME:
        return None
    if not officer.active:
        return None
    if now - session.last_seen_at > LAST_SEEN_GRANULARITY:
        session.last_seen_at = now
        db.add(session)
    return session, officer


def revoke_officer_session(db: Session, token: str | None) -> OfficerSession | None:
    """Ends a session (sign-out, too many wrong codes); returns it for RP-initiated logout."""
    if not token:
        return None
    session = db.get(OfficerSession, hash_token(token))
    if session is not None and session.revoked_at is None:
        session.revoked_at = utcnow()
        db.add(session)
        db.flush()
    return session


# -- second factor (TOTP, RFC 6238) ------------------------------------------------------------
#
# `Officer.totp_secret` holds the secret sealed with AES-256-GCM (`identity.officers.secrets`)
# under a key derived from the portal's secret key. Every function below takes that key as
# `key_material`; without it they use the configured one (`Settings.resolved_secret_key`).


def _default_key_material() -> str:
    return get_settings().resolved_secret_key()


def _key(key_material: str | None) -> str:
    return key_material if key_material is not None else _default_key_material()


def _open_secret(officer: Officer, key_material: str) -> str | None:
    """The officer's clear base32 secret, or None if none is stored.

    Raises:
        TotpSecretUnreadableError: the stored value does not open (wrong key, tampered, another
            officer's row); logged, and the officer cannot pass TOTP (fail closed).
    """
    if officer.totp_secret is None:
        return None
    if officer.id is None:
        raise TotpSecretUnreadableError()
    try:
        return open_totp_secret(
            officer.totp_secret, officer_id=officer.id, key_material=key_material
        )
    except SealedSecretError as error:
        logger.warning(
            "officer %s: stored TOTP secret cannot be opened (%s); second factor refused",
            officer.id,
            error,
        )
        raise TotpSecretUnreadableError() from error


def _store_secret(officer: Officer, secret: str, key_material: str) -> None:
    assert officer.id is not None  # registered officers are flushed, so they have an id
    officer.totp_secret = seal_totp_secret(secret, officer_id=officer.id, key_material=key_material)


def begin_totp_enrolment(db: Session, officer: Officer, *, key_material: str | None = None) -> str:
    """A new secret for an officer without a confirmed one; returns the otpauth:// URI.

    Calling it again before confirmation keeps the same secret, so reloading the page does
    not invalidate a code the officer has already scanned. The secret is stored sealed.
    """
    if officer.totp_confirmed_at is not None:
        raise BadRequestError("A second factor is already set up", "ตั้งค่าการยืนยันตัวตนปัจจัยที่สองไว้แล้ว")
    key_material = _key(key_material)
    secret = _open_secret(officer, key_material)
    if secret is None:
        if officer.id is None:
            db.add(officer)
            db.flush()  # the row id is the sealed secret's associated data
        secret = pyotp.random_base32(length=32)  # 160 bits (RFC 4226 §4)
        _store_secret(officer, secret, key_material)
        db.add(officer)
        db.flush()
    return provisioning_uri(officer, secret)


def provisioning_uri(officer: Officer, secret: str) -> str:
    """The otpauth:// URI for an authenticator app, from the officer's clear `secret`."""
    # The label shows only the masked citizen ID: authenticator apps sync labels to clouds.
    label = f"{officer.agency} {mask_citizen_id(officer.national_id)}"
    return pyotp.TOTP(secret).provisioning_uri(name=label, issuer_name=TOTP_ISSUER)


def _accepted_timestep(officer: Officer, secret: str, code: str, now: datetime) -> int | None:
    """The time step `code` belongs to (±1 step of clock drift), if it is right and unused."""
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    if not totp.verify(code, for_time=now, valid_window=1):
        return None
    # verify() says "somewhere in the window"; find which step, to refuse replays (RFC 6238 §5.2).
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if officer.totp_last_timestep is not None and step <= officer.totp_last_timestep:
                return None
            return step
    return None


def _accept(
    db: Session,
    officer: Officer,
    session: OfficerSession | None,
    step: int,
    *,
    secret: str,
    key_material: str,
) -> None:
    now = utcnow()
    officer.totp_last_timestep = step
    if officer.totp_secret is not None and not is_sealed(officer.totp_secret):
        # A clear-text secret from an older database: sealed now that it has proven right.
        _store_secret(officer, secret, key_material)
    db.add(officer)
    if session is not None:
        session.second_factor_at = now
        session.second_factor_failures = 0
        db.add(session)
    db.flush()


def _refuse(db: Session, session: OfficerSession | None) -> None:
    if session is not None:
        session.second_factor_failures += 1
        if session.second_factor_failures >= MAX_SECOND_FACTOR_FAILURES:
            session.revoked_at = utcnow()
        db.add(session)
        db.flush()
    raise InvalidTotpCodeError()


def confirm_totp(
    db: Session,
    officer: Officer,
    code: str,
    *,
    session: OfficerSession | None = None,
    key_material: str | None = None,
) -> None:
    """Finishes enrolment with a first code from the app; the session (if given) is then
    two-factor too."""
    if officer.totp_secret is None or officer.totp_confirmed_at is not None:
        raise InvalidTotpCodeError()
    key_material = _key(key_material)
    secret = _open_secret(officer, key_material)
    assert secret is not None
    step = _accepted_timestep(officer, secret, code, utcnow())
    if step is None:
        _refuse(db, session)
        return
    officer.totp_confirmed_at = utcnow()
    _accept(db, officer, session, step, secret=secret, key_material=key_material)


def verify_second_factor(
    db: Session,
    session: OfficerSession,
    officer: Officer,
    code: str,
    *,
    key_material: str | None = None,
) -> None:
    """Marks the session two-factor if `code` is right and not used before.

    Each wrong code counts against the session; after five it is revoked. The caller commits
    either way, so the count and the revocation stick. A stored secret that does not open
    refuses every code (`TotpSecretUnreadableError`) without counting against the session.
    """
    if officer.totp_confirmed_at is None or session.officer_id != officer.id:
        raise InvalidTotpCodeError()
    if session.revoked_at is not None:
        raise InvalidTotpCodeError()
    key_material = _key(key_material)
    secret = _open_secret(officer, key_material)
    if secret is None:
        raise InvalidTotpCodeError()
    step = _accepted_timestep(officer, secret, code, utcnow())
    if step is None:
        _refuse(db, session)
        return
    _accept(db, officer, session, step, secret=secret, key_material=key_material)


def rotate_officer_session(db: Session, session: OfficerSession) -> str:
    """A new token for a session that just gained its second factor; the old one is revoked.

    A token seen before the second factor (by a shoulder-surfer, a proxy log) is then worth
    nothing (OWASP session management: renew the id on any privilege change).
    """
    token = secrets.token_urlsafe(32)
    db.add(
        OfficerSession(
            id=hash_token(token),
            officer_id=session.officer_id,
            created_at=session.created_at,
            last_seen_at=utcnow(),
            expires_at=session.expires_at,  # the absolute limit runs from the sign-in
            second_factor_at=session.second_factor_at,
            id_token=session.id_token,
        )
    )
    session.revoked_at = utcnow()
    db.add(session)
    db.flush()
    return token
