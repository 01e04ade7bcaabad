"""Queueing notifications (placeholder until the outbox lands: queues nothing yet)."""

from __future__ import annotations

from sqlmodel import Session


def queue_officer_notification(
    db: Session,
    *,
    officer_id: int,
    subject_th: str,
    subject_en: str,
    body_th: str,
    body_en: str,
) -> None:
    """Queues an e-mail to an officer (a supervisor's escalation) in the caller's transaction."""
    return None
