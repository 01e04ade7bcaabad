"""Server-side sessions and the citizen record kept from ID-token claims.

The cookie holds a random token; the database holds only its SHA-256, so a database leak does
not yield usable sessions. Sessions end after idle or absolute time limits, or on sign-out.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row, Select, bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from identity.citizen_ids import is_valid_citizen_id
from identity.errors import SignInError
from identity.models import Citizen, WebSession
from identity.tokens import hash_token
from portal.db import utcnow

# Touch last_seen at most once a minute, so reading pages does not write on every request.
LAST_SEEN_GRANULARITY = timedelta(minutes=1)


_CITIZEN_BY_NATIONAL_ID = select(Citizen).where(Citizen.national_id == bindparam("national_id"))


def get_citizen_by_national_id(db: Session, *, national_id: str) -> Citizen | None:
    """The citizen with this 13-digit ID, if they have ever signed in (every API request asks:
    the statement is built once)."""
    return db.exec(_CITIZEN_BY_NATIONAL_ID, params={"national_id": national_id}).first()


def upsert_citizen_from_claims(db: Session, *, issuer: str, claims: dict[str, Any]) -> Citizen:
    """Creates or refreshes the citizen named by ThaID-style claims (`pid` is the citizen ID)."""
    national_id = str(claims.get("pid", ""))
    if not is_valid_citizen_id(national_id):
        raise SignInError(reason="invalid_pid")
    citizen = get_citizen_by_national_id(db, national_id=national_id) or _insert_citizen(
        db, national_id=national_id, subject=str(claims["sub"]), issuer=issuer
    )
    citizen.subject = str(claims.get("sub", citizen.subject))
    citizen.issuer = issuer
    for attr in ("title", "given_name", "family_name"):
        if claims.get(attr):
            setattr(citizen, f"{attr}_th", str(claims[attr]))
        if claims.get(f"{attr}_en"):
            setattr(citizen, f"{attr}_en", str(claims[f"{attr}_en"]))
    if claims.get("birthdate"):
        try:
            citizen.birthdate = date.fromisoformat(str(claims["birthdate"]))
        except ValueError:
            pass
    try:
        citizen.ial = float(claims.get("ial", citizen.ial))
    except (TypeError, ValueError):
        pass
    citizen.last_sign_in_at = utcnow()
    db.add(citizen)
    db.flush()
    return citizen


def _insert_citizen(db: Session, *, national_id: str, subject: str, issuer: str) -> Citizen:
    """A new citizen row, or the one a concurrent first request inserted meanwhile (an app
    making two API calls at once with a new token): the loser's flush fails on the unique
    citizen ID, and the winner's row is used. No savepoint: on SQLite one outside a
    transaction commits when released (portal.db), so the session rolls back; callers have
    nothing uncommitted before this."""
    citizen = Citizen(national_id=national_id, subject=subject, issuer=issuer)
    db.add(citizen)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        existing = get_citizen_by_national_id(db, national_id=national_id)
        if existing is None:
            raise
        return existing
    return citizen


def create_session(
    db: Session,
    *,
    citizen_id: int,
    id_token: str,
    absolute_lifetime: timedelta,
) -> str:
    """Opens a session and returns the cookie token (shown once, stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    db.add(
        WebSession(
            id=hash_token(token),
            citizen_id=citizen_id,
            id_token=id_token,
            expires_at=utcnow() + absolute_lifetime,
        )
    )
    db.flush()
    return token


def session_lookup(*columns: Any) -> Select[Any]:
    """The statement that reads a session by its token's hash (bound as `session_id`) with its
    citizen, and any `columns` a caller needs in the same round trip. Callers build it once, at
    import: a prebuilt statement spares SQLAlchemy building it and its cache key per request."""
    return (
        select(WebSession, Citizen, *columns)
        .join(Citizen, Citizen.id == WebSession.citizen_id)  # type: ignore[arg-type]
        .where(WebSession.id == bindparam("session_id"))
    )


SESSION_WITH_CITIZEN = session_lookup()


def get_active_session(
    db: Session,
    *,
    token: str | None,
    idle_lifetime: timedelta,
    lookup: Select[Any] = SESSION_WITH_CITIZEN,
) -> Row[Any] | None:
    """The live session for a cookie token as the row of `lookup` (session, citizen, then its
    extra columns), or None if unknown, revoked, idle or expired. One query: every page needs
    the citizen next."""
    if not token:
        return None
    found = db.exec(lookup, params={"session_id": hash_token(token)}).first()
    if found is None:
        return None
    session = found[0]
    if session.revoked_at is not None:
        return None
    now = utcnow()
    if session.expires_at <= now or now - session.last_seen_at > idle_lifetime:
        return None
    if now - session.last_seen_at > LAST_SEEN_GRANULARITY:
        session.last_seen_at = now
        db.add(session)
    return found


def revoke_session(db: Session, *, token: str | None) -> WebSession | None:
    """Ends a session (sign-out); returns it so the caller can log out at the provider too."""
    if not token:
        return None
    session = db.get(WebSession, hash_token(token))
    if session is not None and session.revoked_at is None:
        session.revoked_at = utcnow()
        db.add(session)
        db.flush()
    return session


def list_active_sessions(db: Session, *, citizen_id: int) -> list[WebSession]:
    """The citizen's sessions that are neither revoked nor past their absolute limit."""
    now = utcnow()
    return list(
        db.exec(
            select(WebSession)
            .where(
                WebSession.citizen_id == citizen_id,
                WebSession.revoked_at.is_(None),  # type: ignore[union-attr]
                WebSession.expires_at > now,  # type: ignore[operator]
            )
            .order_by(WebSession.last_seen_at.desc())  # type: ignore[attr-defined]
        )
    )


def revoke_all_sessions(db: Session, *, citizen_id: int) -> int:
    """Signs the citizen out everywhere (a lost phone, a shared computer); returns how many."""
    sessions = list_active_sessions(db, citizen_id=citizen_id)
    now = utcnow()
    for session in sessions:
        session.revoked_at = now
        db.add(session)
    db.flush()
    return len(sessions)
