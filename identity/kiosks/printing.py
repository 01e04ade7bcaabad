"""Printing a citizen's signed document at a kiosk, and the print agent's side of CUPS jobs.

1. `request_print` records a `KioskPrint`: only the signed-in citizen's own valid document,
   only once its fee is paid or waived, and only the first print or a reprint in the same
   session. Browser mode prints at once (state 'sent': the kiosk's Chromium runs with
   `--kiosk-printing` and the page prints `print_pdf_for`); CUPS mode queues the job.
2. The print agent on the kiosk host (`identity.kiosks.agent`) polls `agent_work`, downloads
   each queued PDF (`agent_print_pdf`), hands it to `lp` and reports (`report_print`).
3. When a session ends (Finish, timeout, a new sign-in, the kiosk disabled) its queued jobs are
   cancelled (`cancel_session_prints`, and `cancel_stale_prints` for sessions that simply ran
   out); jobs already in the CUPS spool are listed for the agent to `cancel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, select

from documents.models import Document
from documents.service import read_document_pdf
from identity.kiosks.errors import (
    DocumentNotForSessionError,
    DocumentNotValidError,
    FeeDueError,
    KioskPrintNotFoundError,
    KioskSessionRequiredError,
    PrintJobClosedError,
    PrintLimitReachedError,
    ReprintNotAllowedError,
)
from identity.kiosks.models import (
    PRINT_CANCELLED,
    PRINT_FAILED,
    PRINT_MODE_BROWSER,
    PRINT_MODE_CUPS,
    PRINT_PRINTED,
    PRINT_QUEUED,
    PRINT_SENT,
    KioskDevice,
    KioskPrint,
    KioskSession,
)
from portal.db import utcnow
from portal.errors import BadRequestError
from services.audit.service import record_event
from services.calendar.business_days import bangkok_date

# Paper costs money and a kiosk is shared: the first print and two reprints per session.
MAX_COPIES_PER_SESSION = 3
# A second tap on "Print" within this window returns the print just made, not another copy.
DOUBLE_TAP_WINDOW = timedelta(seconds=5)
# States in which a copy has left, or is about to leave, the printer.
COUNTED_STATES = (PRINT_QUEUED, PRINT_SENT, PRINT_PRINTED)
# What the agent may report, from each state. Anything else is a closed job (409).
AGENT_TRANSITIONS = {
    PRINT_QUEUED: {PRINT_SENT, PRINT_FAILED},
    PRINT_SENT: {PRINT_PRINTED, PRINT_FAILED, PRINT_CANCELLED},
}
AGENT_REPORTS = (PRINT_SENT, PRINT_PRINTED, PRINT_FAILED, PRINT_CANCELLED)
DETAIL_MAX = 200
CUPS_JOB_MAX = 64


def session_is_live(session: KioskSession) -> bool:
    return session.ended_at is None and session.expires_at > utcnow()


def _require_live_session(device: KioskDevice, session: KioskSession) -> None:
    if device.disabled_at is not None or session.device_id != device.id:
        raise KioskSessionRequiredError()
    if not session_is_live(session):
        raise KioskSessionRequiredError()


def _require_printable(db: Session, document: Document) -> None:
    from services.payments.service import is_released

    if document.status_on(bangkok_date(utcnow())) != "valid":
        raise DocumentNotValidError()
    assert document.id is not None
    if not is_released(db, document_id=document.id):
        raise FeeDueError()


def request_print(
    db: Session, *, device: KioskDevice, session: KioskSession, document: Document
) -> KioskPrint:
    """Records one printed copy of `document` for the citizen signed in at `device`.

    Raises:
        KioskSessionRequiredError: the session is over or belongs to another kiosk.
        DocumentNotForSessionError: someone else's document.
        DocumentNotValidError: revoked, superseded or expired.
        FeeDueError: the fee is neither paid nor waived.
        ReprintNotAllowedError: already printed in another session (kiosk or not).
        PrintLimitReachedError: MAX_COPIES_PER_SESSION used up.
    """
    _require_live_session(device, session)
    if document.citizen_id != session.citizen_id:
        raise DocumentNotForSessionError()
    _require_printable(db, document)
    now = utcnow()
    # Taking the session row's write lock first serialises two taps on "Print" (a row lock on
    # PostgreSQL, the database write lock on SQLite): the checks below see each other's prints.
    db.exec(
        update(KioskSession).where(col(KioskSession.id) == session.id).values(last_activity_at=now)
    )
    session.last_activity_at = now
    counted = db.exec(
        select(KioskPrint)
        .where(
            col(KioskPrint.document_id) == document.id,
            col(KioskPrint.state).in_(COUNTED_STATES),
        )
        .order_by(col(KioskPrint.id))
    ).all()
    if any(p.kiosk_session_id != session.id for p in counted):
        raise ReprintNotAllowedError()
    if counted:
        latest = counted[-1]
        if latest.state == PRINT_QUEUED or now - latest.created_at < DOUBLE_TAP_WINDOW:
            return latest
    if len(counted) >= MAX_COPIES_PER_SESSION:
        raise PrintLimitReachedError()
    assert device.id is not None and document.id is not None
    method = PRINT_MODE_CUPS if device.print_mode == PRINT_MODE_CUPS else PRINT_MODE_BROWSER
    job = KioskPrint(
        device_id=device.id,
        kiosk_session_id=session.id,
        document_id=document.id,
        citizen_id=session.citizen_id,
        copy_number=len(counted) + 1,
        method=method,
        state=PRINT_QUEUED if method == PRINT_MODE_CUPS else PRINT_SENT,
        created_at=now,
    )
    db.add(job)
    db.flush()
    record_event(
        db,
        actor=f"kiosk:{device.id}",
        action="kiosk.print",
        object_type="document",
        object_id=document.id,
        details={
            "print_id": job.id,
            "copy": job.copy_number,
            "method": method,
            "number": document.number,
        },
    )
    return job


def prints_for_session(db: Session, *, session: KioskSession) -> list[KioskPrint]:
    """Every print of this session, oldest first (what the kiosk page shows and polls)."""
    return list(
        db.exec(
            select(KioskPrint)
            .where(col(KioskPrint.kiosk_session_id) == session.id)
            .order_by(col(KioskPrint.id))
        ).all()
    )


def cancel_session_prints(db: Session, *, session: KioskSession) -> int:
    """Cancels the session's queued jobs; returns how many. Jobs already handed to CUPS are
    cancelled in the spool by the agent, which `agent_work` tells about them."""
    now = utcnow()
    result = db.exec(
        update(KioskPrint)
        .where(
            col(KioskPrint.kiosk_session_id) == session.id,
            col(KioskPrint.state) == PRINT_QUEUED,
        )
        .values(state=PRINT_CANCELLED, completed_at=now, detail="session ended")
    )
    db.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def cancel_stale_prints(db: Session, *, device: KioskDevice) -> int:
    """Cancels queued jobs of this kiosk's sessions that ran out without a "Finish"."""
    now = utcnow()
    stale_sessions = select(KioskSession.id).where(
        col(KioskSession.device_id) == device.id,
        (col(KioskSession.ended_at).is_not(None)) | (col(KioskSession.expires_at) <= now),
    )
    result = db.exec(
        update(KioskPrint)
        .where(
            col(KioskPrint.device_id) == device.id,
            col(KioskPrint.state) == PRINT_QUEUED,
            col(KioskPrint.kiosk_session_id).in_(stale_sessions),
        )
        .values(state=PRINT_CANCELLED, completed_at=now, detail="session ended")
        .execution_options(synchronize_session="fetch")
    )
    db.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _print_of_device(db: Session, device: KioskDevice, print_id: int) -> KioskPrint:
    job = db.get(KioskPrint, print_id)
    if job is None or job.device_id != device.id:
        raise KioskPrintNotFoundError()
    return job


def _released_pdf(db: Session, job: KioskPrint, data_dir: Path) -> bytes:
    document = db.get(Document, job.document_id)
    if document is None:
        raise KioskPrintNotFoundError()
    _require_printable(db, document)
    return read_document_pdf(data_dir, document)


def print_pdf_for(
    db: Session, *, device: KioskDevice, session: KioskSession, print_id: int, data_dir: Path
) -> bytes:
    """The stored signed PDF of a print, for the kiosk page's print frame: only to the kiosk
    and the live session that asked for it, and only while the document may be printed."""
    _require_live_session(device, session)
    job = _print_of_device(db, device, print_id)
    if job.kiosk_session_id != session.id or job.state == PRINT_CANCELLED:
        raise KioskPrintNotFoundError()
    return _released_pdf(db, job, data_dir)


# -- the print agent (CUPS mode) ----------------------------------------------------------------


@dataclass(frozen=True)
class SpooledJob:
    """A job handed to CUPS: the agent checks whether it printed, or cancels it."""

    print_id: int
    cups_job: str
    cancel: bool  # its session is over: take it out of the spool if it is still there


@dataclass(frozen=True)
class AgentWork:
    to_print: list[KioskPrint]
    spooled: list[SpooledJob]


def agent_work(db: Session, *, device: KioskDevice) -> AgentWork:
    """What the kiosk's agent should do now: queued jobs of live sessions to print, and the
    jobs in CUPS to follow up (printed yet?) or to cancel (their session has ended)."""
    cancel_stale_prints(db, device=device)
    rows = db.exec(
        select(KioskPrint, KioskSession)
        .join(KioskSession, col(KioskSession.id) == col(KioskPrint.kiosk_session_id))
        .where(
            col(KioskPrint.device_id) == device.id,
            col(KioskPrint.method) == PRINT_MODE_CUPS,
            col(KioskPrint.state).in_((PRINT_QUEUED, PRINT_SENT)),
        )
        .order_by(col(KioskPrint.id))
    ).all()
    to_print = [job for job, _ in rows if job.state == PRINT_QUEUED]
    spooled = [
        SpooledJob(job.id or 0, job.cups_job or "", cancel=not session_is_live(session))
        for job, session in rows
        if job.state == PRINT_SENT and job.cups_job
    ]
    return AgentWork(to_print=to_print, spooled=spooled)


def agent_print_pdf(db: Session, *, device: KioskDevice, print_id: int, data_dir: Path) -> bytes:
    """The PDF of a queued CUPS job of this kiosk whose session is still live."""
    job = _print_of_device(db, device, print_id)
    if job.method != PRINT_MODE_CUPS:
        raise KioskPrintNotFoundError()
    session = db.get(KioskSession, job.kiosk_session_id)
    if job.state != PRINT_QUEUED or session is None or not session_is_live(session):
        raise PrintJobClosedError()
    return _released_pdf(db, job, data_dir)


def report_print(
    db: Session,
    *,
    device: KioskDevice,
    print_id: int,
    state: str,
    cups_job: str | None = None,
    detail: str | None = None,
) -> KioskPrint:
    """The agent's news about a job: handed to CUPS (with its job id), printed, failed or
    cancelled in the spool. Repeating the last report is harmless; going back is refused."""
    if state not in AGENT_REPORTS:
        raise BadRequestError("Not a print state an agent reports", "สถานะงานพิมพ์ไม่ถูกต้อง")
    job = _print_of_device(db, device, print_id)
    if job.method != PRINT_MODE_CUPS:
        raise KioskPrintNotFoundError()
    if cups_job is not None and (not cups_job.strip() or len(cups_job) > CUPS_JOB_MAX):
        raise BadRequestError("Not a CUPS job id", "หมายเลขงานพิมพ์ของ CUPS ไม่ถูกต้อง")
    if job.state == state and (cups_job is None or cups_job == job.cups_job):
        return job
    if state not in AGENT_TRANSITIONS.get(job.state, set()):
        raise PrintJobClosedError(details={"state": job.state})
    if state == PRINT_SENT:
        if cups_job is None:
            raise BadRequestError("A CUPS job id is needed", "ต้องระบุหมายเลขงานพิมพ์ของ CUPS")
        job.cups_job = cups_job.strip()
    job.state = state
    job.detail = (detail or "").strip()[:DETAIL_MAX] or job.detail
    if state in (PRINT_PRINTED, PRINT_FAILED, PRINT_CANCELLED):
        job.completed_at = utcnow()
    db.add(job)
    db.flush()
    record_event(
        db,
        actor=f"kiosk-agent:{device.id}",
        action=f"kiosk.print.{state}",
        object_type="kiosk_print",
        object_id=job.id or 0,
        details={"cups_job": job.cups_job} if job.cups_job else None,
    )
    return job
