"""Choosing channels and queueing notifications in the caller's transaction."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlmodel import Session, col, select

from identity.officers.models import Officer
from portal.db import utcnow
from services.notifications.errors import PreferencesInvalidError
from services.notifications.models import Channel, Notification, NotificationPreference

EMAIL_PATTERN = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# Thai mobile numbers: 10 digits starting 06, 08 or 09.
MOBILE_PATTERN = re.compile(r"^0[689]\d{8}$")
EMAILS_DIR = Path(__file__).resolve().parents[2] / "templates" / "emails"

PROBLEMS: dict[str, tuple[str, str]] = {
    "email_invalid": (
        "กรุณากรอกอีเมลให้ถูกต้อง เช่น name@example.com",
        "Please enter a valid e-mail address, such as name@example.com",
    ),
    "email_required": (
        "กรุณากรอกอีเมลเพื่อรับการแจ้งเตือนทางอีเมล",
        "Please enter an e-mail address to receive e-mail notifications",
    ),
    "phone_invalid": (
        "กรุณากรอกหมายเลขโทรศัพท์มือถือ 10 หลัก ขึ้นต้นด้วย 06 08 หรือ 09",
        "Please enter a 10-digit Thai mobile number starting with 06, 08 or 09",
    ),
    "phone_required": (
        "กรุณากรอกหมายเลขโทรศัพท์มือถือเพื่อรับการแจ้งเตือนทาง SMS",
        "Please enter a mobile number to receive SMS notifications",
    ),
}


@lru_cache(maxsize=1)
def _emails() -> Environment:
    # Plain text, never HTML: nothing to escape, and no markup a mail client could run.
    return Environment(
        loader=FileSystemLoader(EMAILS_DIR),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render_email(name: str, **context: Any) -> str:
    """A plain-text body from `templates/emails/` (Thai first, then English)."""
    return _emails().get_template(name).render(**context)


def get_preferences(db: Session, *, citizen_id: int) -> NotificationPreference:
    """The citizen's channels; a citizen who never chose gets none (the mailbox only)."""
    return db.get(NotificationPreference, citizen_id) or NotificationPreference(
        citizen_id=citizen_id
    )


def save_preferences(
    db: Session,
    *,
    citizen_id: int,
    email: str,
    phone: str,
    email_enabled: bool,
    sms_enabled: bool,
) -> NotificationPreference:
    """Validates and stores the citizen's channels.

    Raises PreferencesInvalidError listing every field with a problem.
    """
    email = email.strip()
    phone = re.sub(r"[\s-]", "", phone)
    problems: dict[str, tuple[str, str]] = {}
    if email and (len(email) > 254 or not EMAIL_PATTERN.match(email)):
        problems["email"] = PROBLEMS["email_invalid"]
    elif email_enabled and not email:
        problems["email"] = PROBLEMS["email_required"]
    if phone and not MOBILE_PATTERN.match(phone):
        problems["phone"] = PROBLEMS["phone_invalid"]
    elif sms_enabled and not phone:
        problems["phone"] = PROBLEMS["phone_required"]
    if problems:
        raise PreferencesInvalidError(problems)
    preference = db.get(NotificationPreference, citizen_id) or NotificationPreference(
        citizen_id=citizen_id
    )
    preference.email = email
    preference.phone = phone
    preference.email_enabled = email_enabled
    preference.sms_enabled = sms_enabled
    preference.updated_at = utcnow()
    db.add(preference)
    db.flush()
    return preference


def queue_citizen_notifications(
    db: Session,
    *,
    citizen_id: int,
    mailbox_message_id: str,
    subject_th: str,
    subject_en: str,
    base_url: str,
) -> list[Notification]:
    """Queues "you have a new message" on each channel the citizen enabled.

    Only the subject and a link travel: the content stays in the mailbox, behind sign-in.
    """
    preference = db.get(NotificationPreference, citizen_id)
    if preference is None:
        return []
    link = f"{base_url}/me/mailbox/{mailbox_message_id}"
    queued = []
    if preference.email_enabled and preference.email:
        queued.append(
            Notification(
                channel=Channel.EMAIL,
                recipient=preference.email,
                subject=_clip(f"ข้อความใหม่: {subject_th} / New message: {subject_en}", 255),
                body=render_email(
                    "new_message.txt",
                    subject_th=subject_th,
                    subject_en=subject_en,
                    link=link,
                    settings_link=f"{base_url}/me/notifications",
                ),
                mailbox_message_id=mailbox_message_id,
            )
        )
    if preference.sms_enabled and preference.phone:
        queued.append(
            Notification(
                channel=Channel.SMS,
                recipient=preference.phone,
                body=render_email(
                    "new_message_sms.txt", subject_th=subject_th, subject_en=subject_en, link=link
                ).strip(),
                mailbox_message_id=mailbox_message_id,
            )
        )
    for notification in queued:
        db.add(notification)
    return queued


def queue_officer_notification(
    db: Session,
    *,
    officer_id: int,
    subject_th: str,
    subject_en: str,
    body_th: str,
    body_en: str,
) -> Notification | None:
    """Queues an e-mail to an officer (a supervisor's escalation) in the caller's transaction.

    None when the officer has no e-mail address on record.
    """
    officer = db.get(Officer, officer_id)
    if officer is None or not officer.email:
        return None
    from portal.settings import get_settings

    notification = Notification(
        channel=Channel.EMAIL,
        recipient=officer.email,
        subject=_clip(f"{subject_th} / {subject_en}", 255),
        body=render_email(
            "officer.txt",
            body_th=body_th,
            body_en=body_en,
            link=f"{get_settings().base_url}/backoffice",
        ),
        officer_id=officer_id,
    )
    db.add(notification)
    return notification


def list_notifications(
    db: Session, *, mailbox_message_id: str | None = None, state: str | None = None
) -> list[Notification]:
    """Outbox rows, oldest first (for tests and the operator)."""
    query = select(Notification).order_by(col(Notification.id))
    if mailbox_message_id is not None:
        query = query.where(Notification.mailbox_message_id == mailbox_message_id)
    if state is not None:
        query = query.where(Notification.state == state)
    return list(db.exec(query).all())


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
