"""Sending queued notifications: claim, send outside any transaction, mark sent or retry.

A row is claimed by a conditional UPDATE (state, lease and attempts checked in the WHERE
clause, as `services.petitions.worker` claims jobs), so two workers never send the same row,
on SQLite too; on PostgreSQL the candidate read also uses `FOR UPDATE SKIP LOCKED`. The send
happens after the claim is committed, so no database lock is held while an SMTP server
answers. Only the holder of the current lease may record the outcome.

Delivery is at least once: a worker that dies after the server accepted a message but before
it was marked sent leaves a lease that runs out, and the message is sent again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from portal.db import session_scope, utcnow
from services.notifications.models import Channel, Notification, NotificationState
from services.notifications.providers import NotificationProviders, file_providers

if TYPE_CHECKING:
    from services.petitions.processing import ProcessingContext

log = logging.getLogger(__name__)

# A batch is sent before its outcome is recorded: the lease covers BATCH sends at the SMTP
# timeout (20 x 10 s), so no other worker takes a row over while it is still being sent.
LEASE = timedelta(minutes=5)
# After the n-th failed attempt the next one waits BACKOFF_MINUTES[n-1].
BACKOFF_MINUTES = (1, 5, 15, 60, 120, 240, 480)
MAX_ATTEMPTS = 8
BATCH = 20


class NoSmsProviderError(Exception):
    """PORTAL_SMS_PROVIDER=none: an SMS cannot be sent (retried, in case it is configured)."""


@dataclass(frozen=True)
class ClaimedNotification:
    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    lease_until: datetime


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return and_(
        col(Notification.attempts) < MAX_ATTEMPTS,
        or_(
            and_(
                col(Notification.state) == NotificationState.PENDING,
                col(Notification.run_after) <= now,
            ),
            and_(
                col(Notification.state) == NotificationState.SENDING,
                col(Notification.locked_until) < now,
            ),
        ),
    )


def claim_notifications(
    engine: Engine, *, now: datetime, limit: int = BATCH
) -> list[ClaimedNotification]:
    """Claims up to `limit` due notifications for this worker (committed before returning)."""
    claimed = []
    lease_until = now + LEASE
    with session_scope(engine) as db:
        candidates = db.exec(
            select(Notification.id)
            .where(_claimable(now))
            .order_by(col(Notification.run_after), col(Notification.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for notification_id in candidates:
            result = db.exec(  # type: ignore[call-overload]
                update(Notification)
                .where(col(Notification.id) == notification_id, _claimable(now))
                .values(
                    state=NotificationState.SENDING,
                    locked_until=lease_until,
                    attempts=Notification.attempts + 1,
                )
            )
            if result.rowcount != 1:  # another worker was quicker
                continue
            row = db.get(Notification, notification_id)
            assert row is not None
            claimed.append(
                ClaimedNotification(
                    row.id,  # type: ignore[arg-type]
                    row.channel,
                    row.recipient,
                    row.subject,
                    row.body,
                    lease_until,
                )
            )
    return claimed


def send_one(providers: NotificationProviders, notification: ClaimedNotification) -> None:
    """Hands one notification to its provider; raises on failure."""
    if notification.channel == Channel.EMAIL:
        providers.email.send(notification.recipient, notification.subject, notification.body)
    elif notification.channel == Channel.SMS:
        if providers.sms is None:
            raise NoSmsProviderError("no SMS provider is configured (PORTAL_SMS_PROVIDER=none)")
        providers.sms.send(notification.recipient, notification.body)
    else:
        raise ValueError(f"unknown channel {notification.channel!r}")


def record_outcome(
    engine: Engine, notification: ClaimedNotification, *, now: datetime, error: str | None
) -> None:
    """Marks a claimed notification sent, or schedules its retry, or gives up on it."""
    with session_scope(engine) as db:
        row = db.exec(
            select(Notification).where(
                col(Notification.id) == notification.id,
                col(Notification.state) == NotificationState.SENDING,
                col(Notification.locked_until) == notification.lease_until,
            )
        ).first()
        if row is None:  # our lease ran out and another worker took it over
            return
        row.locked_until = None
        if error is None:
            row.state = NotificationState.SENT
            row.sent_at = utcnow()
            row.last_error = ""
        elif row.attempts >= MAX_ATTEMPTS:
            row.state = NotificationState.FAILED
            row.last_error = error[:1000]
            log.warning("notification %s failed for good: %s", row.id, error)
        else:
            row.state = NotificationState.PENDING
            row.last_error = error[:1000]
            delay = BACKOFF_MINUTES[min(row.attempts, len(BACKOFF_MINUTES)) - 1]
            row.run_after = now + timedelta(minutes=delay)
        db.add(row)


def record_sent(engine: Engine, notifications: list[ClaimedNotification]) -> int:
    """Marks a batch sent in one transaction (one commit, not one per message); only rows
    whose lease is still ours change."""
    if not notifications:
        return 0
    with session_scope(engine) as db:
        result = db.exec(  # type: ignore[call-overload]
            update(Notification)
            .where(
                col(Notification.id).in_([n.id for n in notifications]),
                col(Notification.state) == NotificationState.SENDING,
                col(Notification.locked_until) == notifications[0].lease_until,
            )
            .values(
                state=NotificationState.SENT, sent_at=utcnow(), locked_until=None, last_error=""
            )
        )
        return int(result.rowcount)


def deliver_notifications(
    engine: Engine, ctx: ProcessingContext, *, now: datetime, max_batches: int = 5
) -> int:
    """Housekeeping task: sends what is due; returns how many were sent.

    Uses `ctx.notifications`, or file providers under `ctx.data_dir` when none are set.
    """
    providers = getattr(ctx, "notifications", None) or file_providers(ctx.data_dir)
    sent = 0
    for _ in range(max_batches):
        batch = claim_notifications(engine, now=now)
        delivered = []
        for notification in batch:
            try:
                send_one(providers, notification)
            except Exception as exc:  # any provider failure is retried, never raised
                log.info("notification %s not sent: %s", notification.id, exc)
                record_outcome(engine, notification, now=now, error=f"{type(exc).__name__}: {exc}")
            else:
                delivered.append(notification)
        sent += record_sent(engine, delivered)
        if len(batch) < BATCH:
            break
    return sent
