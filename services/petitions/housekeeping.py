"""Time-driven work the worker runs every few seconds when it has no job: release idle claims,
escalate deadlines, deliver queued notifications. Each task is safe to run in several workers
at once and commits its own small transactions."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from services.petitions.processing import ProcessingContext

log = logging.getLogger(__name__)


def run_housekeeping(engine: Engine, ctx: ProcessingContext, *, now: datetime) -> None:
    """Runs every periodic task once; one failing task does not stop the others.

    A task is `task(engine, ctx, now=now)` and opens its own sessions (`session_scope`).
    """
    for task in _tasks():
        try:
            task(engine, ctx, now=now)
        except Exception:
            log.exception("housekeeping task %s failed", getattr(task, "__name__", task))


def _tasks() -> list:  # type: ignore[type-arg]
    from services.audit.service import prune_sealed_pending, seal_audit_events
    from services.notifications.delivery import deliver_notifications
    from services.petitions.claims import release_stale_claims
    from services.petitions.deadlines import escalate_deadlines

    return [
        escalate_deadlines,
        release_stale_claims,
        deliver_notifications,
        seal_audit_events,  # last: seals what the tasks above recorded
        prune_sealed_pending,
    ]
