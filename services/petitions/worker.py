"""Workers: claim queued petition jobs and run them, with retries and backoff.

A job is claimed by a conditional UPDATE (state and lease checked in the WHERE clause), so two
workers never run the same job even on SQLite; on PostgreSQL the candidate read also uses
`FOR UPDATE SKIP LOCKED`. A job whose worker died is claimed again when its lease runs out.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from portal.db import session_scope, utcnow
from services.petitions.models import JobState, PetitionJob
from services.petitions.processing import Outcome, ProcessingContext, process_petition

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BACKOFF_SECONDS = (5, 15, 60, 300, 900, 3600)
MAX_ATTEMPTS = 30


def _claimable(now):  # type: ignore[no-untyped-def]
    return or_(
        and_(col(PetitionJob.state) == JobState.PENDING, col(PetitionJob.run_after) <= now),
        and_(col(PetitionJob.state) == JobState.RUNNING, col(PetitionJob.locked_until) < now),
    )


def claim_next_job(engine: Engine) -> tuple[int, str] | None:
    """Claims one due job; returns (job id, petition id) or None when nothing is due."""
    with session_scope(engine) as db:
        now = utcnow()
        candidates = db.exec(
            select(PetitionJob.id)
            .where(_claimable(now))
            .order_by(col(PetitionJob.run_after))
            .limit(5)
            .with_for_update(skip_locked=True)
        ).all()
        for job_id in candidates:
            result = db.exec(  # type: ignore[call-overload]
                update(PetitionJob)
                .where(col(PetitionJob.id) == job_id, _claimable(now))
                .values(
                    state=JobState.RUNNING,
                    locked_until=now + LEASE,
                    attempts=PetitionJob.attempts + 1,
                )
            )
            if result.rowcount == 1:
                job = db.get(PetitionJob, job_id)
                assert job is not None
                return job_id, job.petition_id
    return None


def _finish(engine: Engine, job_id: int, *, done: bool, error: str = "") -> None:
    with session_scope(engine) as db:
        job = db.get(PetitionJob, job_id)
        if job is None:
            return
        job.last_error = error[:1000]
        job.locked_until = None
        if done:
            job.state = JobState.DONE
        elif job.attempts >= MAX_ATTEMPTS:
            job.state = JobState.FAILED
        else:
            delay = BACKOFF_SECONDS[min(job.attempts, len(BACKOFF_SECONDS)) - 1]
            job.state = JobState.PENDING
            job.run_after = utcnow() + timedelta(seconds=delay)
        db.add(job)


def run_next_job(engine: Engine, ctx: ProcessingContext) -> bool:
    """Runs one due job; False when there was none. Never raises for a job's own failure."""
    claimed = claim_next_job(engine)
    if claimed is None:
        return False
    job_id, petition_id = claimed
    try:
        with session_scope(engine) as db:
            result = process_petition(db, petition_id=petition_id, ctx=ctx)
    except Exception as exc:  # a bug or outage in one job must not stop the worker
        log.exception("petition job %s failed", job_id)
        _finish(engine, job_id, done=False, error=f"{type(exc).__name__}: {exc}")
        return True
    _finish(engine, job_id, done=result.outcome == Outcome.DONE, error=result.reason)
    return True


def run_until_idle(engine: Engine, ctx: ProcessingContext, *, max_jobs: int = 1000) -> int:
    """Runs due jobs until none is left (for `portal worker --once` and tests)."""
    count = 0
    while count < max_jobs and run_next_job(engine, ctx):
        count += 1
    return count


class BackgroundWorker(threading.Thread):
    """The in-process worker of the embedded setup; `notify()` wakes it after a submission."""

    def __init__(self, engine: Engine, ctx: ProcessingContext, *, poll_seconds: float = 2.0):
        super().__init__(name="petition-worker", daemon=True)
        self.engine = engine
        self.ctx = ctx
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def notify(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        self.join(timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                worked = run_next_job(self.engine, self.ctx)
            except Exception:  # database briefly unreachable: wait and try again
                log.exception("worker loop error")
                worked = False
            if not worked:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
