"""Registering and activating kiosks, authenticating them, and their citizens' short sessions."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, delete, select

from identity.kiosks.errors import (
    InvalidActivationCodeError,
    InvalidPrinterStatusError,
    InvalidPrintModeError,
    KioskAgentCredentialError,
    KioskAlreadyRegisteredError,
    KioskNotFoundError,
    KioskNotRegisteredError,
    KioskOutOfServiceError,
)
from identity.kiosks.models import (
    PRINT_MODES,
    PRINT_PRINTED,
    PRINT_SENT,
    PRINTER_STATUSES,
    KioskDevice,
    KioskPrint,
    KioskSession,
    KioskSignIn,
)
from identity.kiosks.printing import cancel_session_prints, cancel_stale_prints
from identity.officers.errors import RoleRequiredError
from identity.officers.models import Officer, OfficerRole
from identity.tokens import hash_token
from portal.db import utcnow
from portal.errors import BadRequestError
from services.audit.service import record_event
from services.calendar.business_days import BANGKOK, bangkok_date

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
    # A form sent twice (a reload, a double click) must not register two kiosks.
    twin = db.exec(
        select(KioskDevice).where(
            col(KioskDevice.agency) == agency,
            col(KioskDevice.name) == name,
            col(KioskDevice.location) == location,
            col(KioskDevice.disabled_at).is_(None),
        )
    ).first()
    if twin is not None:
        raise KioskAlreadyRegisteredError(details={"kiosk_id": twin.id})
    device = KioskDevice(name=name, location=location, agency=agency)
    db.add(device)
    db.flush()
    return device, _new_activation_code(device)


def _new_activation_code(device: KioskDevice) -> str:
    code = "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_LENGTH))
    device.activation_code_hash = hash_token(code)
    device.activation_expires_at = utcnow() + ACTIVATION_LIFETIME
    return format_activation_code(code)


def issue_activation_code(db: Session, *, device_id: int) -> tuple[KioskDevice, str]:
    """A fresh one-time code for a kiosk (a lost code, a new browser, a reinstalled host).

    The kiosk's current credential keeps working until the new code is used.
    """
    device = get_kiosk(db, device_id)
    if device.disabled_at is not None:
        raise KioskOutOfServiceError()
    code = _new_activation_code(device)
    db.add(device)
    db.flush()
    return device, code


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


def authenticate_kiosk(db: Session, credential: str | None) -> KioskDevice:
    """Like `authenticate_device`, but says why not: unknown, or registered and disabled
    (the "not in service" page)."""
    device = authenticate_device(db, credential)
    if device is not None:
        return device
    if credential:
        known = db.exec(
            select(KioskDevice).where(KioskDevice.credential_hash == hash_token(credential))
        ).first()
        if known is not None:
            raise KioskOutOfServiceError()
    raise KioskNotRegisteredError()


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
    cancel_stale_prints(db, device=device)
    return device


def enable_kiosk(db: Session, *, device_id: int) -> KioskDevice:
    """Puts a disabled kiosk back in service; its device credential works again."""
    device = get_kiosk(db, device_id)
    if device.disabled_at is not None:
        device.disabled_at = None
        db.add(device)
        db.flush()
    return device


def set_print_mode(db: Session, *, device_id: int, print_mode: str) -> KioskDevice:
    """'browser' (Chromium prints silently) or 'cups' (the print agent on the kiosk host)."""
    if print_mode not in PRINT_MODES:
        raise InvalidPrintModeError()
    device = get_kiosk(db, device_id)
    device.print_mode = print_mode
    db.add(device)
    db.flush()
    return device


def record_printer_status(
    db: Session, *, device: KioskDevice, status: str, detail: str | None = None, actor: str
) -> KioskDevice:
    """What the kiosk (browser mode) or its print agent (CUPS mode) says about the printer;
    a change of status is audited (`actor`: "kiosk" or "kiosk-agent")."""
    if status not in PRINTER_STATUSES:
        raise InvalidPrinterStatusError()
    if status != device.printer_status:
        record_event(
            db,
            actor=f"{actor}:{device.id}",
            action="kiosk.printer_status",
            object_type="kiosk",
            object_id=device.id or 0,
            details={"status": status, "was": device.printer_status},
        )
    device.printer_status = status
    device.printer_detail = (detail or "").strip()[:200] or None
    device.status_reported_at = utcnow()
    db.add(device)
    db.flush()
    return device


# -- the print agent's credential -----------------------------------------------------------------

AGENT_CREDENTIAL_CONTEXT = b"portal kiosk print agent v1"


def agent_credential_for(device: KioskDevice, *, secret_key: str) -> str:
    """The print agent's credential: derived from the device credential's hash, so it needs no
    table of its own, changes when the kiosk is re-activated, and stops with the kiosk.

    The browser's device credential is an HttpOnly cookie the agent cannot read; the agent runs
    beside it on the kiosk host and is given this value by an administrator (`portal kiosks
    agent-credential`), as the technician is given the activation code.
    """
    if device.id is None or device.credential_hash is None:
        raise BadRequestError("The kiosk has not been activated yet", "ตู้บริการนี้ยังไม่ได้เปิดใช้งาน")
    mac = hmac.new(
        secret_key.encode(),
        AGENT_CREDENTIAL_CONTEXT + f":{device.id}:{device.credential_hash}".encode(),
        hashlib.sha256,
    ).hexdigest()
    return f"{device.id}.{mac}"


def authenticate_agent(db: Session, credential: str | None, *, secret_key: str) -> KioskDevice:
    """The active, activated kiosk whose agent presents `credential`."""
    device_part, _, _ = (credential or "").partition(".")
    # ASCII digits only, within an INTEGER id: "²" is a digit to str.isdigit, not to int().
    readable = re.fullmatch(r"[0-9]{1,10}", device_part) and int(device_part) < 2**31
    device = db.get(KioskDevice, int(device_part)) if readable else None
    if (
        device is None
        or device.disabled_at is not None
        or device.credential_hash is None
        or not hmac.compare_digest(
            agent_credential_for(device, secret_key=secret_key), credential or ""
        )
    ):
        raise KioskAgentCredentialError()
    now = utcnow()
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_GRANULARITY:
        device.last_seen_at = now
        db.add(device)
    return device


# -- the administrators' overview ---------------------------------------------------------------

KIOSK_MANAGER_ROLES = (OfficerRole.SUPERVISOR.value, OfficerRole.AGENCY_ADMIN.value)


def kiosk_agency_scope(officer: Officer) -> str | None:
    """The kiosks an officer manages: None for every agency's (portal administrators), else
    their own agency's (supervisors, agency administrators).

    Raises:
        RoleRequiredError: any other officer.
    """
    if officer.active and OfficerRole.PORTAL_ADMIN.value in officer.roles:
        return None
    if officer.active and any(role in officer.roles for role in KIOSK_MANAGER_ROLES):
        return officer.agency
    raise RoleRequiredError()


def get_kiosk_for_officer(db: Session, *, officer: Officer, device_id: int) -> KioskDevice:
    """A kiosk the officer manages; another agency's is "not found", as for petitions."""
    scope = kiosk_agency_scope(officer)
    device = get_kiosk(db, device_id)
    if scope is not None and device.agency != scope:
        raise KioskNotFoundError()
    return device


PRINT_DAYS = 7


@dataclass(frozen=True)
class KioskOverview:
    """A kiosk with its documents printed on each of the last PRINT_DAYS Bangkok days."""

    device: KioskDevice
    prints_by_day: list[tuple[date, int]]  # oldest first, today last

    @property
    def prints_total(self) -> int:
        return sum(n for _, n in self.prints_by_day)


def list_kiosks(db: Session, *, agency: str | None = None) -> list[KioskOverview]:
    """Every kiosk (or one agency's), with prints per day from one aggregate query."""
    from services.petitions.stats import bangkok_date as sql_bangkok_date

    query = select(KioskDevice).order_by(col(KioskDevice.agency), col(KioskDevice.id))
    if agency is not None:
        query = query.where(col(KioskDevice.agency) == agency)
    devices = list(db.exec(query).all())
    today = bangkok_date(utcnow())
    days = [today - timedelta(days=n) for n in range(PRINT_DAYS - 1, -1, -1)]
    since = datetime.combine(days[0], time(0), tzinfo=BANGKOK).astimezone(UTC)
    day = sql_bangkok_date(col(KioskPrint.created_at))
    counts_query = (
        select(col(KioskPrint.device_id), day, func.count())
        .where(
            col(KioskPrint.created_at) >= since,
            col(KioskPrint.state).in_((PRINT_SENT, PRINT_PRINTED)),
        )
        .group_by(col(KioskPrint.device_id), day)
    )
    if agency is not None:
        counts_query = counts_query.join(
            KioskDevice, col(KioskDevice.id) == col(KioskPrint.device_id)
        ).where(col(KioskDevice.agency) == agency)
    counts: dict[tuple[int, date], int] = {}
    for device_id, printed_on, n in db.exec(counts_query).all():
        if isinstance(printed_on, str):  # pragma: no cover (a driver without date parsing)
            printed_on = date.fromisoformat(printed_on)
        counts[(device_id, printed_on)] = n
    return [
        KioskOverview(device, [(d, counts.get((device.id or 0, d), 0)) for d in days])
        for device in devices
    ]


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
    cancel_stale_prints(db, device=device)
    db.add(
        KioskSession(
            id=hash_token(token),
            device_id=device.id,
            citizen_id=citizen_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            last_activity_at=now,
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
    """Ends a session ("Finish", the idle timeout); ending an ended or unknown one is harmless.

    Its print jobs not yet sent to a printer are cancelled with it.
    """
    if not token:
        return None
    session = db.get(KioskSession, hash_token(token))
    if session is not None and session.ended_at is None:
        session.ended_at = utcnow()
        db.add(session)
        db.flush()
    if session is not None:
        cancel_session_prints(db, session=session)
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
