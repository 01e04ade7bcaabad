"""Granting, revoking and looking up delegations."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from identity.citizen_ids import is_valid_citizen_id
from identity.delegation.errors import (
    DelegationNotFoundError,
    InvalidDelegationExpiryError,
    InvalidDelegationScopeError,
    InvalidGranteeError,
)
from identity.delegation.models import ALL_SERVICES, Delegation
from identity.models import Citizen
from portal.db import utcnow

MAX_DURATION = timedelta(days=365)
_SERVICE_CODE = re.compile(r"^[a-z]{2,16}\.[a-z0-9-]{1,47}$")


def grant_delegation(
    db: Session,
    *,
    grantor: Citizen,
    grantee_national_id: str,
    services: Iterable[str],
    expires_at: datetime,
) -> Delegation:
    """Lets the holder of `grantee_national_id` file petitions for `grantor`.

    `services` are service codes, or ["*"] for all; the caller checks codes against the
    catalogue (identity does not know it).
    """
    grantee_national_id = grantee_national_id.strip().replace("-", "").replace(" ", "")
    if not is_valid_citizen_id(grantee_national_id):
        raise InvalidGranteeError()
    if grantee_national_id == grantor.national_id:
        raise InvalidGranteeError()
    now = utcnow()
    if expires_at.tzinfo is None or expires_at <= now or expires_at > now + MAX_DURATION:
        raise InvalidDelegationExpiryError()
    scope = list(dict.fromkeys(s.strip() for s in services if s.strip()))
    if ALL_SERVICES in scope:
        scope = [ALL_SERVICES]
    if not scope or not all(_SERVICE_CODE.match(s) for s in scope if s != ALL_SERVICES):
        raise InvalidDelegationScopeError()
    delegation = Delegation(
        grantor_id=grantor.id,  # type: ignore[arg-type]
        grantee_national_id=grantee_national_id,
        services=scope,
        created_at=now,
        expires_at=expires_at,
    )
    db.add(delegation)
    db.flush()
    return delegation


def record_parental_delegation(
    db: Session, *, child: Citizen, parent_national_id: str, until: datetime
) -> Delegation:
    """A parent may act for their minor child in every service (parental power, Civil and
    Commercial Code s.1566), as the population register shows it.

    Derived, not granted: the caller has just read the parent-child link from the register.
    Renewed (the same row, a later expiry) each time the register confirms it; `until` is the
    child's majority or the next time it must be confirmed, whichever is sooner.
    """
    now = utcnow()
    if until <= now:
        raise InvalidDelegationExpiryError()
    existing = db.exec(
        select(Delegation).where(
            Delegation.grantor_id == child.id,
            Delegation.grantee_national_id == parent_national_id,
            Delegation.basis == "parent",
            col(Delegation.revoked_at).is_(None),
        )
    ).first()
    if existing is not None:
        existing.expires_at = until
        db.add(existing)
        db.flush()
        return existing
    delegation = Delegation(
        grantor_id=child.id,  # type: ignore[arg-type]
        grantee_national_id=parent_national_id,
        basis="parent",
        services=[ALL_SERVICES],
        created_at=now,
        expires_at=until,
    )
    db.add(delegation)
    db.flush()
    return delegation


def revoke_delegation(db: Session, *, grantor_id: int, delegation_id: str) -> Delegation:
    """Ends a delegation at once; only its grantor may (404 for anyone else: never reveal it)."""
    delegation = db.get(Delegation, delegation_id) if delegation_id else None
    if delegation is None or delegation.grantor_id != grantor_id:
        raise DelegationNotFoundError()
    if delegation.revoked_at is None:
        delegation.revoked_at = utcnow()
        db.add(delegation)
        db.flush()
    return delegation


def list_given(db: Session, *, grantor_id: int) -> list[Delegation]:
    """Every delegation this citizen has given, newest first, revoked and expired included."""
    return list(
        db.exec(
            select(Delegation)
            .where(Delegation.grantor_id == grantor_id)
            .order_by(col(Delegation.created_at).desc())
        )
    )


def list_received(db: Session, *, grantee_national_id: str) -> list[Delegation]:
    """The delegations this citizen may act under now."""
    return list(
        db.exec(
            select(Delegation)
            .where(
                Delegation.grantee_national_id == grantee_national_id,
                col(Delegation.revoked_at).is_(None),
                Delegation.expires_at > utcnow(),
            )
            .order_by(col(Delegation.created_at).desc())
        )
    )


def find_active_delegation(
    db: Session, *, grantee_national_id: str, grantor_id: int, service_code: str
) -> Delegation | None:
    """A live delegation from `grantor_id` to this grantee that covers `service_code`."""
    candidates = db.exec(
        select(Delegation).where(
            Delegation.grantee_national_id == grantee_national_id,
            Delegation.grantor_id == grantor_id,
            col(Delegation.revoked_at).is_(None),
            Delegation.expires_at > utcnow(),
        )
    )
    return next((d for d in candidates if d.covers(service_code)), None)


def grantors_for_service(db: Session, *, grantee: Citizen, service_code: str) -> list[Citizen]:
    """The people this citizen may apply for, for one service (for the "Apply for" choice)."""
    ids = {
        d.grantor_id
        for d in list_received(db, grantee_national_id=grantee.national_id)
        if d.covers(service_code) and d.grantor_id != grantee.id
    }
    if not ids:
        return []
    return list(db.exec(select(Citizen).where(col(Citizen.id).in_(ids)).order_by(Citizen.id)))


def masked_name(citizen: Citizen | None, lang: str = "th") -> str:
    """ "นาย สมชาย ใ***": enough to recognise someone, too little to look them up."""
    if citizen is None:
        return ""
    if lang == "th" or not citizen.given_name_en:
        title, given, family = citizen.title_th, citizen.given_name_th, citizen.family_name_th
    else:
        title, given, family = citizen.title_en, citizen.given_name_en, citizen.family_name_en
    family = family.strip()
    parts = [title.strip(), given.strip(), f"{family[0]}***" if family else ""]
    return " ".join(p for p in parts if p)
