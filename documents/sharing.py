"""Share links: a citizen lets one named recipient see one document for a limited time.

1. `create_share_link` draws a token (`secrets.token_urlsafe(32)`, 256 bits) and stores only
   its SHA-256: the link exists in the citizen's hands and in the recipient's, never in ours.
2. The recipient opens `/s/{token}`; `open_share_link` counts the view with one conditional
   UPDATE whose WHERE clause holds every rule (not revoked, not expired, under the maximum
   views, document not revoked), so concurrent openings can never exceed the maximum.
3. The caller logs each view in the citizen's "Who used my data", naming the recipient.
4. The citizen sees the view count and may revoke the link at any time.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, update
from sqlmodel import Session, col, select

from documents.models import Document, ShareLink
from documents.wallet_errors import (
    DocumentRevokedError,
    DocumentSupersededError,
    InvalidShareError,
    ShareLinkGoneError,
    ShareLinkNotFoundError,
)
from portal.db import utcnow

# Offered lifetimes, in minutes: an appointment, a morning, a day, a week, the most allowed.
EXPIRY_CHOICES: tuple[int, ...] = (15, 60, 24 * 60, 7 * 24 * 60, 30 * 24 * 60)
RECIPIENT_MAX = 200
PURPOSE_MAX = 300
MAX_VIEWS_LIMIT = 1000

# token_urlsafe(32) is 43 characters of the URL-safe alphabet; anything else is not ours.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_well_formed_token(token: str) -> bool:
    return bool(_TOKEN.fullmatch(token))


def create_share_link(
    db: Session,
    *,
    document: Document,
    citizen_id: int,
    recipient_name: str,
    purpose: str = "",
    expires_in_minutes: int,
    max_views: int | None = None,
    now: datetime | None = None,
) -> tuple[ShareLink, str]:
    """Creates a link for `recipient_name`; returns the row and the token (shown once).

    The caller has already checked that the document is the citizen's (documents.wallet).
    A revoked or superseded document cannot be shared: the recipient would be shown a
    document its owner can no longer rely on.
    """
    if document.status == "revoked":
        raise DocumentRevokedError(
            "A revoked document cannot be shared", "เอกสารที่ถูกเพิกถอนแล้วแชร์ไม่ได้"
        )
    if document.status == "superseded":
        raise DocumentSupersededError(
            f"This document was replaced by {document.superseded_by}; share the new one",
            f"เอกสารนี้ถูกแทนที่ด้วยเลขที่ {document.superseded_by} แล้ว กรุณาแชร์ฉบับใหม่",
        )
    recipient_name = " ".join(recipient_name.split())
    purpose = " ".join(purpose.split())
    if not recipient_name:
        raise InvalidShareError(
            "Please name the person or organisation you are sharing with",
            "กรุณาระบุชื่อผู้รับหรือหน่วยงานที่ท่านจะแชร์ให้",
        )
    if len(recipient_name) > RECIPIENT_MAX:
        raise InvalidShareError(
            f"The recipient's name may be at most {RECIPIENT_MAX} characters",
            f"ชื่อผู้รับยาวได้ไม่เกิน {RECIPIENT_MAX} ตัวอักษร",
        )
    if len(purpose) > PURPOSE_MAX:
        raise InvalidShareError(
            f"The purpose may be at most {PURPOSE_MAX} characters",
            f"วัตถุประสงค์ยาวได้ไม่เกิน {PURPOSE_MAX} ตัวอักษร",
        )
    if expires_in_minutes not in EXPIRY_CHOICES:
        raise InvalidShareError(
            "Please choose how long the link stays valid (15 minutes to 30 days)",
            "กรุณาเลือกระยะเวลาที่ลิงก์ใช้ได้ (15 นาทีถึง 30 วัน)",
        )
    if max_views is not None and not 1 <= max_views <= MAX_VIEWS_LIMIT:
        raise InvalidShareError(
            f"The maximum number of views must be between 1 and {MAX_VIEWS_LIMIT}",
            f"จำนวนครั้งที่เปิดได้ต้องอยู่ระหว่าง 1 ถึง {MAX_VIEWS_LIMIT}",
        )
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    link = ShareLink(
        token_sha256=token_hash(token),
        document_id=document.id,  # type: ignore[arg-type]
        citizen_id=citizen_id,
        recipient_name=recipient_name,
        purpose=purpose,
        created_at=now,
        expires_at=now + timedelta(minutes=expires_in_minutes),
        max_views=max_views,
    )
    db.add(link)
    db.flush()
    return link, token


def list_share_links(db: Session, *, citizen_id: int, document_id: int) -> list[ShareLink]:
    """The citizen's links for one document, newest first (revoked and expired included)."""
    statement = (
        select(ShareLink)
        .where(ShareLink.citizen_id == citizen_id, ShareLink.document_id == document_id)
        .order_by(col(ShareLink.created_at).desc(), col(ShareLink.id).desc())
    )
    return list(db.exec(statement).all())


def get_citizen_share_link(db: Session, *, citizen_id: int, share_id: int) -> ShareLink | None:
    """The link if it is this citizen's; None for a missing one and for someone else's alike."""
    statement = select(ShareLink).where(
        ShareLink.id == share_id, ShareLink.citizen_id == citizen_id
    )
    return db.exec(statement).first()


def revoke_share_link(
    db: Session, *, citizen_id: int, share_id: int, now: datetime | None = None
) -> ShareLink:
    """Revokes the citizen's link (a second revocation keeps the first time); 404 otherwise."""
    link = get_citizen_share_link(db, citizen_id=citizen_id, share_id=share_id)
    if link is None:
        raise ShareLinkNotFoundError()
    db.exec(  # type: ignore[call-overload]
        update(ShareLink)
        .where(col(ShareLink.id) == link.id, col(ShareLink.revoked_at).is_(None))
        .values(revoked_at=now or utcnow())
    )
    db.refresh(link)
    return link


def share_link_state(link: ShareLink, *, now: datetime | None = None) -> str:
    """active, revoked, expired or used_up: what the citizen's list shows."""
    now = now or utcnow()
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    if link.max_views is not None and link.view_count >= link.max_views:
        return "used_up"
    return "active"


@dataclass(frozen=True)
class SharedView:
    """One counted opening of a link: the link after counting, and its document."""

    link: ShareLink
    document: Document


def open_share_link(db: Session, *, token: str, now: datetime | None = None) -> SharedView:
    """Counts one view of the link and returns it with its document.

    The rules are all in the UPDATE's WHERE clause, checked against the row as it is when the
    write happens: on PostgreSQL a concurrent UPDATE waits for the other and re-checks the
    WHERE on the new row; SQLite has one writer at a time. So of any number of concurrent
    openings, exactly `max_views` succeed.

    Raises:
        ShareLinkNotFoundError: malformed or unknown token.
        ShareLinkGoneError: expired, revoked, used up, or the document was revoked.
    """
    if not is_well_formed_token(token):
        raise ShareLinkNotFoundError()
    digest = token_hash(token)
    now = now or utcnow()
    document_live = exists().where(
        col(Document.id) == col(ShareLink.document_id), col(Document.revoked_at).is_(None)
    )
    result = db.exec(  # type: ignore[call-overload]
        update(ShareLink)
        .where(
            col(ShareLink.token_sha256) == digest,
            col(ShareLink.revoked_at).is_(None),
            col(ShareLink.expires_at) > now,
            (col(ShareLink.max_views).is_(None))
            | (col(ShareLink.view_count) < ShareLink.max_views),
            document_live,
        )
        .values(view_count=ShareLink.view_count + 1, last_viewed_at=now)
        .execution_options(synchronize_session=False)
    )
    link = db.exec(
        select(ShareLink)
        .where(ShareLink.token_sha256 == digest)
        .execution_options(populate_existing=True)
    ).first()
    if link is None:
        raise ShareLinkNotFoundError()
    document = db.get(Document, link.document_id)
    assert document is not None  # the foreign key guarantees it
    if result.rowcount != 1:
        raise ShareLinkGoneError(_gone_reason(link, document, now) or "used_up")
    return SharedView(link=link, document=document)


def peek_share_link(db: Session, *, token: str, now: datetime | None = None) -> SharedView:
    """The link and its document if it would open now; counts nothing (the landing page)."""
    if not is_well_formed_token(token):
        raise ShareLinkNotFoundError()
    link = db.exec(select(ShareLink).where(ShareLink.token_sha256 == token_hash(token))).first()
    if link is None:
        raise ShareLinkNotFoundError()
    document = db.get(Document, link.document_id)
    assert document is not None  # the foreign key guarantees it
    reason = _gone_reason(link, document, now or utcnow())
    if reason is not None:
        raise ShareLinkGoneError(reason)
    return SharedView(link=link, document=document)


def _gone_reason(link: ShareLink, document: Document, now: datetime) -> str | None:
    if link.revoked_at is not None:
        return "revoked"
    if document.revoked_at is not None:
        return "document_revoked"
    if link.expires_at <= now:
        return "expired"
    if link.max_views is not None and link.view_count >= link.max_views:
        return "used_up"
    return None
