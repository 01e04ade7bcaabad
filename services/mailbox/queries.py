"""Reads of the mailbox, each limited to the citizen who owns it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, and_, bindparam, func, or_
from sqlmodel import Session, col, select

from services.mailbox.errors import MessageNotFoundError
from services.mailbox.models import MailboxMessage

PAGE_SIZE = 100


def list_messages(
    db: Session,
    *,
    citizen_id: int,
    before: tuple[datetime, str] | None = None,
    limit: int = PAGE_SIZE,
) -> list[MailboxMessage]:
    """The citizen's messages, newest first.

    `before` = (created_at, id) of the last message shown pages back (keyset, no OFFSET).
    """
    query = select(MailboxMessage).where(MailboxMessage.citizen_id == citizen_id)
    if before is not None:
        at, last_id = before
        query = query.where(
            or_(
                col(MailboxMessage.created_at) < at,
                and_(col(MailboxMessage.created_at) == at, col(MailboxMessage.id) < last_id),
            )
        )
    query = query.order_by(col(MailboxMessage.created_at).desc(), col(MailboxMessage.id).desc())
    return list(db.exec(query.limit(limit)).all())


def get_citizen_message(db: Session, *, citizen_id: int, message_id: str) -> MailboxMessage:
    """One of the citizen's messages; another citizen's is "not found", never "forbidden"."""
    message = db.get(MailboxMessage, message_id) if len(message_id) <= 36 else None
    if message is None or message.citizen_id != citizen_id:
        raise MessageNotFoundError()
    return message


def _unread(citizen_id: Any) -> ColumnElement[bool]:
    return and_(MailboxMessage.citizen_id == citizen_id, col(MailboxMessage.read_at).is_(None))


_COUNT_UNREAD = select(func.count()).select_from(MailboxMessage).where(_unread(bindparam("cid")))


def count_unread(db: Session, *, citizen_id: int) -> int:
    """Unread messages, for the page header: one COUNT on the (citizen_id, created_at) index."""
    return db.exec(_COUNT_UNREAD, params={"cid": citizen_id}).one()


def unread_count_of(citizen_id: ColumnElement[int]) -> ScalarSelect[int]:
    """The same count as a correlated subquery, so the page header's figure comes back in the
    round trip that reads the citizen (portal.deps)."""
    return (
        select(func.count())
        .select_from(MailboxMessage)
        .where(_unread(citizen_id))
        .correlate_except(MailboxMessage)
        .scalar_subquery()
    )
