"""Workers: claim queued petition jobs and run them, with retries and backoff.

A job is claimed by a conditional UPDATE (state, lease and attempts checked in the WHERE
clause), so two workers never run the same job even on SQLite; on PostgreSQL the candidate
read also uses `FOR UPDATE SKIP LOCKED`. A job whose worker died is claimed again when its
lease runs out, and only the worker holding the current lease may finish it. A job that keeps
failing is handed to an officer (`in_review`) instead of being retried forever.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from portal.db import session_scope, utcnow
from portal.observability import log_context, new_request_id, request_id_scope
from services.audit.service import seal_all
from services.petitions.housekeeping import run_housekeeping
from services.petitions.models import JobState, PetitionJob
from services.petitions.processing import (
    Outcome,
    ProcessingContext,
    ProcessingResult,
    advance_petition,
    send_to_review,
)
from services.petitions.reissue import KIND_PREFIX as REISSUE_PREFIX
from services.petitions.reissue import run_reissue

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BACKOFF_SECONDS = (5, 15, 60, 300, 900, 3600)
MAX_ATTEMPTS = 30
HOUSEKEEPING_SECONDS = 5
# How often a worker links recorded audit events into the chain (ADR 0007, issue 8 update).
AUDIT_SEAL_SECONDS = 1.0
MAX_STEPS = 50  # far more than any service has; stops a state machine bug from spinning


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    petition_id: str
    lease_until: datetime
    attempts: int
    kind: str = "process"


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return and_(
        col(PetitionJob.attempts) < MAX_ATTEMPTS,
        or_(
            and_(col(PetitionJob.state) == JobState.PENDING, col(PetitionJob.run_after) <= now),
            and_(col(PetitionJob.state) == JobState.RUNNING, col(PetitionJob.locked_until) < now),
        ),
    )


def claim_next_job(engine: Engine, *, lease: timedelta = LEASE) -> ClaimedJob | None:
    """Claims one due job for `lease`, or None when nothing is due."""
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
            lease_until = now + lease
            result = db.exec(  # type: ignore[call-overload]
                update(PetitionJob)
                .where(col(PetitionJob.id) == job_id, _claimable(now))
                .values(
                    state=JobState.RUNNING,
                    locked_until=lease_until,
                    attempts=PetitionJob.attempts + 1,
                )
            )
            if result.rowcount == 1:
                job = db.get(PetitionJob, job_id)
                assert job is not None
                return ClaimedJob(job_id, job.petition_id, lease_until, job.attempts, job.kind)
    return None


def _finish(engine: Engine, job: ClaimedJob, *, done: bool, error: str = "") -> None:
    with session_scope(engine) as db:
        row = db.exec(
            select(PetitionJob).where(
                col(PetitionJob.id) == job.id,
                col(PetitionJob.state) == JobState.RUNNING,
                col(PetitionJob.locked_until) == job.lease_until,
            )
        ).first()
        if row is None:  # our lease ran out and another worker took the job over
            return
        row.last_error = error[:1000]
        row.locked_until = None
        if done:
            row.state = JobState.DONE
        elif row.attempts >= MAX_ATTEMPTS:
            row.state = JobState.FAILED
            # A failed reissue leaves a valid document the citizen may ask to reissue again.
            if not row.kind.startswith(REISSUE_PREFIX):
                send_to_review(
                    db,
                    petition_id=row.petition_id,
                    note=f"automatic processing stopped after {row.attempts} attempts: {error}",
                )
        else:
            delay = BACKOFF_SECONDS[min(row.attempts, len(BACKOFF_SECONDS)) - 1]
            row.state = JobState.PENDING
            row.run_after = utcnow() + timedelta(seconds=delay)
        db.add(row)


def process_petition(engine: Engine, petition_id: str, ctx: ProcessingContext) -> ProcessingResult:
    """Advances a petition step by step, committing after each step."""
    result = ProcessingResult(Outcome.CONTINUE)
    for _ in range(MAX_STEPS):
        with session_scope(engine) as db:
            result = advance_petition(db, petition_id=petition_id, ctx=ctx)
        if result.outcome != Outcome.CONTINUE:
            return result
    return ProcessingResult(Outcome.RETRY, f"more than {MAX_STEPS} steps")


def run_next_job(engine: Engine, ctx: ProcessingContext) -> bool:
    """Runs one due job; False when there was none. Never raises for a job's own failure."""
    job = claim_next_job(engine, lease=timedelta(seconds=ctx.job_lease_seconds))
    if job is None:
        return False
    # Every log line of the job (and the registries' logs, via the exchange's correlation
    # header) names the job and its petition.
    with (
        request_id_scope(f"job-{job.id}-{new_request_id()[:8]}"),
        log_context(petition_id=job.petition_id, job_id=job.id),
    ):
        return _run_claimed_job(engine, job, ctx)


def _run_claimed_job(engine: Engine, job: ClaimedJob, ctx: ProcessingContext) -> bool:
    try:
        if job.kind.startswith(REISSUE_PREFIX):
            result = run_reissue(engine, job.kind.removeprefix(REISSUE_PREFIX), ctx)
        else:
            result = process_petition(engine, job.petition_id, ctx)
    except Exception as exc:  # a bug or outage in one job must not stop the worker
        log.exception("petition job %s failed", job.id)
        _finish(engine, job, done=False, error=f"{type(exc).__name__}: {exc}")
        return True
    _finish(engine, job, done=result.outcome == Outcome.DONE, error=result.reason)
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
        self._last_housekeeping: datetime | None = None
        self._last_seal = 0.0

    def notify(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        self.join(timeout)

    def run(self) -> None:
        while not self._stopping.is_set():
            # Cleared before looking for work, so a notify() during the run is not lost.
            self._wake.clear()
            try:
                worked = run_next_job(self.engine, self.ctx)
            except Exception:  # database briefly unreachable: wait and try again
                log.exception("worker loop error")
                worked = False
            self._seal_audit_when_due()
            if not worked:
                self._housekeeping_when_due()
                self._wake.wait(min(self.poll_seconds, AUDIT_SEAL_SECONDS))

    def _seal_audit_when_due(self) -> None:
        """Seals recorded audit events about every second, busy or idle: recording takes no
        lock, so some process must link them into the chain (several workers take turns on
        the chain's tail lock)."""
        if time.monotonic() - self._last_seal < AUDIT_SEAL_SECONDS:
            return
        self._last_seal = time.monotonic()
        try:
            seal_all(self.engine)
        except Exception:
            log.exception("sealing audit events failed; retrying in a second")

    def _housekeeping_when_due(self) -> None:
        now = utcnow()
        if (
            self._last_housekeeping is None
            or (now - self._last_housekeeping).total_seconds() >= HOUSEKEEPING_SECONDS
        ):
            self._last_housekeeping = now
            run_housekeeping(self.engine, self.ctx, now=now)
