"""A worker killed in the middle of issuing a certificate: issued exactly once after restart.

A real `portal worker` process takes the job against PostgreSQL. The test holds a SHARE lock
on the `document` table, so the worker stops at the one point that matters: the PDF is
rendered, sealed and written to disk, its row not yet inserted, nothing committed. It is then
SIGKILLed (no rollback, no clean-up runs). Once its job lease (2 s here) runs out, a second
worker process takes the job over and issues the certificate: one document row, one PDF on
disk (the dead attempt's file removed), one mailbox message, one access-log read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from documents.models import Document
from documents.service import ISSUING_DIR_NAME, documents_dir, remove_files_of_dead_attempts
from services.exchange.models import DataAccess
from services.mailbox.models import MailboxMessage, MessageKind
from services.petitions.models import JobState, Petition, PetitionJob, PetitionState
from tests.documents.factories import issue_residence
from tests.fixtures.pgcluster import portal_environment, start_portal_process, wait_until
from tests.services.petitions.factories import create_citizen, create_petition

pytestmark = pytest.mark.e2e

LEASE_SECONDS = "2"


def stored_pdfs(data_dir: Path) -> set[Path]:
    return set(documents_dir(data_dir).glob("*/*.pdf"))


def backend_waiting_on_a_lock(engine) -> bool:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO document%'"
            )
        ).scalar()
    return bool(waiting)


def test_a_worker_killed_after_writing_the_pdf_leaves_one_certificate_after_restart(
    clean_engine, database_url, data_dir, ports, live_servers, people, tmp_path
):
    if clean_engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: the worker is stopped mid-issue by a table lock")
    with Session(clean_engine) as db:
        citizen = create_citizen(db, people[0])
        petition_id = create_petition(db, citizen).id
    env = portal_environment(
        data_dir=data_dir, database_url=database_url, ports=ports, job_lease_seconds=LEASE_SECONDS
    )
    before = stored_pdfs(data_dir)

    blocker = clean_engine.connect()
    blocker.begin()
    blocker.execute(text("LOCK TABLE document IN SHARE MODE"))  # INSERTs wait; reads do not
    first = start_portal_process(["worker"], env, tmp_path / "worker-1.log")
    try:
        wait_until(
            lambda: stored_pdfs(data_dir) - before,
            timeout=60,
            what="the first worker to write the PDF",
        )
        wait_until(
            lambda: backend_waiting_on_a_lock(clean_engine),
            timeout=30,
            what="the first worker to wait at the document's INSERT",
        )
        first.kill()
    finally:
        first.stop()
        blocker.rollback()
        blocker.close()

    (orphan,) = stored_pdfs(data_dir) - before  # on disk, and no committed row names it
    with Session(clean_engine) as db:
        assert db.exec(select(Document)).all() == []
        assert db.get(Petition, petition_id).state == PetitionState.APPROVED
        job = db.exec(select(PetitionJob).where(PetitionJob.petition_id == petition_id)).one()
        assert job.state == JobState.RUNNING  # still leased to the dead worker

    second = start_portal_process(["worker"], env, tmp_path / "worker-2.log")
    try:

        def issued() -> bool:
            with Session(clean_engine) as db:
                return db.get(Petition, petition_id).state == PetitionState.ISSUED

        wait_until(issued, timeout=60, what="the second worker to issue the certificate")
        # The job is finished in its own transaction just after the petition's.
        wait_until(
            lambda: job_state(clean_engine, petition_id) == JobState.DONE,
            timeout=15,
            what="the job to be marked done",
        )
    finally:
        second.stop()
    assert "Traceback" not in second.output(), second.output()

    with Session(clean_engine) as db:
        (document,) = db.exec(select(Document)).all()
        assert document.petition_id == petition_id
        assert db.get(Petition, petition_id).document_number == document.number
        messages = db.exec(
            select(MailboxMessage).where(
                MailboxMessage.petition_id == petition_id,
                MailboxMessage.kind == MessageKind.DOCUMENT,
            )
        ).all()
        assert len(messages) == 1
        reads = db.exec(select(DataAccess).where(DataAccess.petition_id == petition_id)).all()
        assert len(reads) == 1  # the evidence was read once, by the first worker
    assert not orphan.exists()
    assert stored_pdfs(data_dir) - before == {documents_dir(data_dir) / document.storage_key}
    assert not list((documents_dir(data_dir) / ISSUING_DIR_NAME).glob("*"))


def job_state(engine, petition_id: str) -> JobState:  # type: ignore[no-untyped-def]
    with Session(engine) as db:
        job = db.exec(select(PetitionJob).where(PetitionJob.petition_id == petition_id)).one()
        return job.state


class TestFilesOfDeadAttempts:
    """What the restarted worker relies on, on SQLite and PostgreSQL: a PDF whose attempt
    died before committing is removed by the next attempt; one a committed row names stays."""

    def issue(self, db: Session, data_dir: Path, citizen_id: int, petition_id: str) -> Document:
        return issue_residence(db, data_dir, citizen_id=citizen_id, petition_id=petition_id)

    def test_the_next_attempt_removes_the_pdf_of_one_that_died_before_committing(
        self, db: Session, data_dir: Path, people
    ):
        citizen = create_citizen(db, people[0])
        dead = self.issue(db, data_dir, citizen.id, "petition-1")
        orphan = documents_dir(data_dir) / dead.storage_key
        db.info.clear()  # the process dies: none of its end-of-transaction clean-up runs
        db.rollback()
        assert orphan.exists()

        issued = self.issue(db, data_dir, citizen.id, "petition-1")
        db.commit()

        assert not orphan.exists() and issued.number != dead.number
        assert (documents_dir(data_dir) / issued.storage_key).exists()
        assert not markers(data_dir)

    def test_a_pdf_a_committed_document_names_is_kept(self, db: Session, data_dir: Path, people):
        citizen = create_citizen(db, people[0])
        document = self.issue(db, data_dir, citizen.id, "petition-2")
        left = db.info.pop("documents.issuing_markers")  # dies after COMMIT, before clean-up
        db.commit()
        assert [m.exists() for m in left] == [True]

        assert remove_files_of_dead_attempts(db, data_dir, "petition-2") == []
        assert (documents_dir(data_dir) / document.storage_key).exists()
        assert not markers(data_dir)

    def test_a_rolled_back_attempt_leaves_neither_pdf_nor_marker(
        self, db: Session, data_dir: Path, people
    ):
        citizen = create_citizen(db, people[0])
        document = self.issue(db, data_dir, citizen.id, "petition-3")
        db.rollback()
        assert not (documents_dir(data_dir) / document.storage_key).exists()
        assert not markers(data_dir)


def markers(data_dir: Path) -> list[Path]:
    return list((documents_dir(data_dir) / ISSUING_DIR_NAME).glob("*"))
