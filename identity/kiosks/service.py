"""Registering and activating kiosks, authenticating them, and their citizens' short sessions."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from identity.kiosks.errors import InvalidActivationCodeError, KioskNotFoundError
from identity.kiosks.models import KioskDevice, KioskSession, KioskSignIn
from identity.tokens import hash_token
from portal.db import utcnow
from portal.errors import BadRequestError

ACTIVATION_LIFETIME = timedelta(hours=24)
SESSION_LIFETIME = timedelta(minutes=5)  # absolute: a kiosk is a shared, public screen
LAST_SEEN_GRANULARITY = timedelta(minutes=1)
# Typed by a technician: no vowels (no words) and no 0/O, 1/I look-alikes; 12 of 31 symbols
# is about 59 bits, and a code is single use and lives 24 hours.
ACTIVATION_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"
ACTIVATION_LENGTH = 12
_AGENCY_CODE = re.compile(r"^[a-z]{2,16}$")


def normalise_activation_code(value: str) -> str:
    """What the technician typed, without case, dashes or spaces."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


def format_activation_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# -- devices ---------------------------------------------------------------------------------


def register_kiosk(
    db: Session, *, name: str, location: str, agency: str
) -> tuple[KioskDevice, str]:
    """Registers a kiosk and returns it with its one-time activation code (shown once)."""
    name, location = name.strip(), location.strip()
    if not name or not location:
        raise BadRequestError("A kiosk needs a name and a location", "ตู้บริการต้องมีชื่อและสถานที่ตั้ง")
    if not _AGENCY_CODE.match(agency):
        raise BadRequestError("Not an agency code", "รหัสหน่วยงานไม่ถูกต้อง")
    code = "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_LENGTH))
    device = KioskDevice(
        name=name,
        location=location,
        agency=agency,
        activation_code_hash=hash_token(code),
        activation_expires_at=utcnow() + ACTIVATION_LIFETIME,
    )
    db.add(device)
    db.flush()
    return device, format_activation_code(code)


def activate_kiosk(db: Session, *, activation_code: str) -> str:
    """Trades a valid activation code for the device credential (shown once, stored hashed).

    The code works once and for 24 hours, and never for a disabled kiosk.
    """
    code = normalise_activation_code(activation_code)
    if len(code) != ACTIVATION_LENGTH:
        raise InvalidActivationCodeError()
    device = db.exec(
        select(KioskDevice).where(KioskDevice.activation_code_hash == hash_token(code))
    ).first()
    now = utcnow()
    if (
        device is None
        or device.disabled_at is not None
        or device.activation_expires_at is None
        or device.activation_expires_at <= now
    ):
        raise InvalidActivationCodeError()
    credential = secrets.token_urlsafe(32)
    device.credential_hash = hash_token(credential)
    device.activation_code_hash = None
    device.activation_expires_at = None
    device.activated_at = now
    device.last_seen_at = now
    db.add(device)
    db.flush()
    return credential


def authenticate_device(db: Session, credential: str | None) -> KioskDevice | None:
    """The active kiosk holding `credential`, or None (unknown, never activated, disabled)."""
    if not credential:
        return None
    device = db.exec(
        select(KioskDevice).where(KioskDevice.credential_hash == hash_token(credential))
    ).first()
    if device is None or device.disabled_at is not None:
        return None
    now = utcnow()
    # At most one write a minute per kiosk: the status poll runs every few seconds.
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_GRANULARITY:
        device.last_seen_at = now
        db.add(device)
    return device


def get_kiosk(db: Session, device_id: int) -> KioskDevice:
    device = db.get(KioskDevice, device_id)
    if device is None:
        raise KioskNotFoundError()
    return device


def disable_kiosk(db: Session, *, device_id: int) -> KioskDevice:
    """Takes a kiosk out of service: its credential, pending sign-ins and sessions stop working."""
    device = get_kiosk(db, device_id)
    now = utcnow()
    if device.disabled_at is None:
        device.disabled_at = now
        device.activation_code_hash = None
        device.activation_expires_at = None
        db.add(device)
    db.exec(
        update(KioskSession)
        .where(col(KioskSession.device_id) == device_id, col(KioskSession.ended_at).is_(None))
        .values(ended_at=now)
    )
    db.exec(delete(KioskSignIn).where(col(KioskSignIn.device_id) == device_id))
    db.flush()
    return device


# -- sessions --------------------------------------------------------------------------------


def start_kiosk_session(db: Session, *, device: KioskDevice, citizen_id: int) -> str:
    """Opens a 5-minute session for a citizen at this kiosk; returns the cookie token."""
    assert device.id is not None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    # One citizen at a time: whoever was still signed in on this kiosk is signed out.
    db.exec(
        update(KioskSession)
        .where(col(KioskSession.device_id) == device.id, col(KioskSession.ended_at).is_(None))
        .values(ended_at=now)
    )
    db.add(
        KioskSession(
            id=hash_token(token),
            device_id=device.id,
            citizen_id=citizen_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    db.flush()
    return token


def get_active_kiosk_session(
    db: Session, *, device: KioskDevice, token: str | None
) -> KioskSession | None:
    """The live session for a cookie token on this kiosk, or None (unknown, other kiosk,
    ended or past its 5 minutes)."""
    if not token:
        return None
    session = db.get(KioskSession, hash_token(token))
    if session is None or session.device_id != device.id or session.ended_at is not None:
        return None
    if session.expires_at <= utcnow():
        return None
    return session


def end_kiosk_session(db: Session, *, token: str | None) -> KioskSession | None:
    """Ends a session ("Finish"); ending an ended or unknown one is harmless."""
    if not token:
        return None
    session = db.get(KioskSession, hash_token(token))
    if session is not None and session.ended_at is None:
        session.ended_at = utcnow()
        db.add(session)
        db.flush()
    return session


# -- pending phone sign-ins (RFC 8628) ----------------------------------------------------------


def save_kiosk_sign_in(
    db: Session,
    *,
    device: KioskDevice,
    device_code: str,
    user_code: str,
    verification_uri: str,
    verification_uri_complete: str,
    expires_at: datetime,
    interval: int,
) -> tuple[KioskSignIn, str]:
    """Keeps a started device authorization server-side; returns it and its cookie token.

    A kiosk has one pending sign-in at a time: starting again drops the earlier one.
    """
    assert device.id is not None
    db.exec(delete(KioskSignIn).where(col(KioskSignIn.device_id) == device.id))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    sign_in = KioskSignIn(
        id=hash_token(token),
        device_id=device.id,
        device_code=device_code,
        user_code=user_code,
        verification_uri=verification_uri,
        verification_uri_complete=verification_uri_complete,
        interval=interval,
        next_poll_at=now + timedelta(seconds=interval),
        expires_at=expires_at,
        created_at=now,
    )
    db.add(sign_in)
    db.flush()
    return sign_in, token


def get_kiosk_sign_in(db: Session, *, device: KioskDevice, token: str | None) -> KioskSignIn | None:
    """The pending sign-in named by the cookie token, if it belongs to this kiosk."""
    if not token:
        return None
    sign_in = db.get(KioskSignIn, hash_token(token))
    if sign_in is None or sign_in.device_id != device.id:
        return None
    return sign_in


def sign_in_expired(sign_in: KioskSignIn) -> bool:
    return sign_in.expires_at <= utcnow()


def seconds_left(until: datetime) -> int:
    return max(0, int((until - utcnow()).total_seconds()))


def claim_poll(db: Session, sign_in: KioskSignIn) -> bool:
    """Takes the right to poll the provider now, if the interval has passed.

    A conditional UPDATE, so two status requests racing (two tabs, a retry) poll the provider
    once: RFC 8628 §3.5 asks the client to wait `interval` seconds between polls.
    """
    now = utcnow()
    result = db.exec(
        update(KioskSignIn)
        .where(
            col(KioskSignIn.id) == sign_in.id,
            col(KioskSignIn.state) == "pending",
            col(KioskSignIn.next_poll_at) <= now,
        )
        .values(next_poll_at=now + timedelta(seconds=sign_in.interval))
    )
    db.flush()
    claimed = bool(result.rowcount)  # type: ignore[attr-defined]
    db.refresh(sign_in)
    return claimed


def slow_down_sign_in(db: Session, sign_in: KioskSignIn, *, interval: int) -> None:
    """The provider said slow_down: the new interval holds for every later poll."""
    sign_in.interval = interval
    sign_in.next_poll_at = utcnow() + timedelta(seconds=interval)
    db.add(sign_in)
    db.flush()


def finish_sign_in(db: Session, sign_in: KioskSignIn, *, state: str) -> None:
    """Records the outcome; the device code is erased, it must never be redeemed again."""
    sign_in.state = state
    sign_in.device_code = ""
    db.add(sign_in)
    db.flush()
