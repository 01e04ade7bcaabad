"""Posting to a citizen's mailbox and marking messages read or unread."""

from __future__ import annotations

from sqlmodel import Session

from portal.db import utcnow
from services.mailbox.models import MailboxMessage, MessageKind
from services.mailbox.queries import get_citizen_message
from services.notifications.service import queue_citizen_notifications


def post_to_mailbox(
    db: Session,
    *,
    citizen_id: int,
    kind: MessageKind | str,
    subject_th: str,
    subject_en: str,
    body_th: str,
    body_en: str,
    petition_id: str | None = None,
    document_number: str | None = None,
    base_url: str | None = None,
) -> MailboxMessage:
    """Writes a message to the citizen's mailbox and queues the notifications they chose,
    both in the caller's transaction (a rollback takes back both).

    `base_url` builds the link in the notification; default `PORTAL_BASE_URL`.
    """
    message = MailboxMessage(
        citizen_id=citizen_id,
        kind=MessageKind(kind),
        subject_th=subject_th[:255],
        subject_en=subject_en[:255],
        body_th=body_th,
        body_en=body_en,
        petition_id=petition_id,
        document_number=document_number,
    )
    db.add(message)
    db.flush()
    if base_url is None:
        from portal.settings import get_settings

        base_url = get_settings().base_url
    queue_citizen_notifications(
        db,
        citizen_id=citizen_id,
        mailbox_message_id=message.id,
        subject_th=message.subject_th,
        subject_en=message.subject_en,
        base_url=base_url.rstrip("/"),
    )
    return message


def open_message(db: Session, *, citizen_id: int, message_id: str) -> MailboxMessage:
    """The citizen's message, marked read the first time it is opened (404 if not theirs)."""
    message = get_citizen_message(db, citizen_id=citizen_id, message_id=message_id)
    if message.read_at is None:
        message.read_at = utcnow()
        db.add(message)
        db.flush()
    return message


def mark_unread(db: Session, *, citizen_id: int, message_id: str) -> MailboxMessage:
    """Marks the citizen's message unread again (the only change a citizen can make)."""
    message = get_citizen_message(db, citizen_id=citizen_id, message_id=message_id)
    message.read_at = None
    db.add(message)
    db.flush()
    return message
