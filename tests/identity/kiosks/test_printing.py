"""Printing at a kiosk: whose document, when (fee, validity, session), how many copies, and the
print agent's view of CUPS jobs."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import select

from documents.service import documents_dir
from identity.models import Citizen
from portal.errors import BadRequestError
from services.audit.models import AuditPending  # recorded in this transaction, sealed after
from services.payments.models import Payment
from tests.documents.factories import create_document

PDF = b"%PDF-1.7\n% a signed certificate stands here\n%%EOF\n"


@pytest.fixture
def people(kdb):
    made = []
    for national_id in ("1101700230708", "3100600123456"):
        person = Citizen(national_id=national_id, subject=national_id, issuer="i")
        kdb.add(person)
        made.append(person)
    kdb.flush()
    return made


@pytest.fixture
def kiosk(kiosks, kdb, clock):
    device, code = kiosks.service.register_kiosk(
        kdb, name="Kiosk 1", location="Bang Rak district office", agency="dopa"
    )
    kiosks.service.activate_kiosk(kdb, activation_code=code)
    return device


def sign_in(kiosks, kdb, device, citizen):
    token = kiosks.service.start_kiosk_session(kdb, device=device, citizen_id=citizen.id)
    return kiosks.service.get_active_kiosk_session(kdb, device=device, token=token), token


@pytest.fixture
def document(kdb, people):
    return create_document(kdb, citizen_id=people[0].id, sha256=hashlib.sha256(PDF).hexdigest())


def pending_fee(kdb, document):
    payment = Payment(
        document_id=document.id,
        citizen_id=document.citizen_id,
        service_code="dol.land-title-abstract",
        agency="dol",
        amount_satang=2000,
        ref1="P1",
        ref2=f"D{document.id}",
        biller_id="099400016550101",
    )
    kdb.add(payment)
    kdb.flush()
    return payment


class TestRequestPrint:
    def test_browser_mode_prints_at_once_and_is_audited(self, kiosks, kdb, kiosk, people, document):
        session, _ = sign_in(kiosks, kdb, kiosk, people[0])
        job = kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)

        assert (job.method, job.state, job.copy_number) == ("browser", "sent", 1)
        assert (job.citizen_id, job.document_id, job.device_id) == (
            people[0].id,
            document.id,
            kiosk.id,
        )
        event = kdb.exec(select(AuditPending).where(AuditPending.action == "kiosk.print")).one()
        assert event.actor == f"kiosk:{kiosk.id}" and event.details["print_id"] == job.id

    def test_cups_mode_queues_the_job_for_the_agent(self, kiosks, kdb, kiosk, people, document):
        kiosks.service.set_print_mode(kdb, device_id=kiosk.id, print_mode="cups")
        session, _ = sign_in(kiosks, kdb, kiosk, people[0])
        job = kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)
        assert (job.method, job.state) == ("cups", "queued")

    def test_only_the_signed_in_citizens_own_document(self, kiosks, kdb, kiosk, people, document):
        session, _ = sign_in(kiosks, kdb, kiosk, people[1])
        with pytest.raises(kiosks.errors.DocumentNotForSessionError):
            kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)

    def test_an_unpaid_fee_withholds_the_print_until_paid(
        self, kiosks, kdb, kiosk, people, document
    ):
        payment = pending_fee(kdb, document)
        session, _ = sign_in(kiosks, kdb, kiosk, people[0])
        with pytest.raises(kiosks.errors.FeeDueError) as refused:
            kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)
        assert refused.value.status_code == 402
        assert kiosks.printing.prints_for_session(kdb, session=session) == []

        payment.status = "paid"
        kdb.add(payment)
        kdb.flush()
        job = kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)
        assert job.state == "sent"

    def test_a_revoked_document_is_not_printed(self, kiosks, kdb, kiosk, people, document, clock):
        document.revoked_at = clock.now
        session, _ = sign_in(kiosks, kdb, kiosk, people[0])
        with pytest.raises(kiosks.errors.DocumentNotValidError):
            kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)

    def test_reprints_in_the_same_session_count_copies_up_to_the_limit(
        self, kiosks, kdb, kiosk, people, document, clock
    ):
        session, _ = sign_in(kiosks, kdb, kiosk, people[0])
        first = kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)
        # A second tap straight away is the same print, not a second sheet.
        again = kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)
        assert again.id == first.id

        copies = [first.copy_number]
        for _ in range(kiosks.printing.MAX_COPIES_PER_SESSION - 1):
            clock.advance(seconds=10)
            job = kiosks.printing.request_print(
                kdb, device=kiosk, session=session, document=document
            )
            copies.append(job.copy_number)
        assert copies == [1, 2, 3]
        clock.advance(seconds=10)
        with pytest.raises(kiosks.errors.PrintLimitReachedError):
            kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)

    def test_no_reprint_in_a_later_session(self, kiosks, kdb, kiosk, people, document):
        first, _ = sign_in(kiosks, kdb, kiosk, people[0])
        kiosks.printing.request_print(kdb, device=kiosk, session=first, document=document)
        later, _ = sign_in(kiosks, kdb, kiosk, people[0])
        with pytest.raises(kiosks.errors.ReprintNotAllowedError):
            kiosks.printing.request_print(kdb, device=kiosk, session=later, document=document)

    def test_a_failed_print_does_not_use_up_the_first_print(
        self, kiosks, kdb, kiosk, people, document
    ):
        kiosks.service.set_print_mode(kdb, device_id=kiosk.id, print_mode="cups")
        first, _ = sign_in(kiosks, kdb, kiosk, people[0])
        job = kiosks.printing.request_print(kdb, device=kiosk, session=first, document=document)
        kiosks.printing.report_print(kdb, device=kiosk, print_id=job.id, state="failed")
        later, _ = sign_in(kiosks, kdb, kiosk, people[0])
        again = kiosks.printing.request_print(kdb, device=kiosk, session=later, document=document)
        assert (again.copy_number, again.state) == (1, "queued")

    def test_an_ended_or_expired_session_prints_nothing(
        self, kiosks, kdb, kiosk, people, document, clock
    ):
        session, token = sign_in(kiosks, kdb, kiosk, people[0])
        clock.advance(minutes=5)
        with pytest.raises(kiosks.errors.KioskSessionRequiredError):
            kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)
        session, token = sign_in(kiosks, kdb, kiosk, people[0])
        kiosks.service.end_kiosk_session(kdb, token=token)
        with pytest.raises(kiosks.errors.KioskSessionRequiredError):
            kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)

    def test_another_kiosks_session_prints_nothing_here(self, kiosks, kdb, kiosk, people, document):
        other, _ = kiosks.service.register_kiosk(kdb, name="K2", location="L", agency="dopa")
        session, _ = sign_in(kiosks, kdb, other, people[0])
        with pytest.raises(kiosks.errors.KioskSessionRequiredError):
            kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)


class TestSpoolCleared:
    @pytest.fixture
    def queued(self, kiosks, kdb, kiosk, people, document):
        kiosks.service.set_print_mode(kdb, device_id=kiosk.id, print_mode="cups")
        session, token = sign_in(kiosks, kdb, kiosk, people[0])
        job = kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)
        return job, token

    def test_finish_cancels_the_sessions_queued_jobs(self, kiosks, kdb, queued):
        job, token = queued
        kiosks.service.end_kiosk_session(kdb, token=token)
        kdb.refresh(job)
        assert job.state == "cancelled" and job.completed_at is not None

    def test_the_next_sign_in_cancels_them(self, kiosks, kdb, kiosk, people, queued):
        job, _ = queued
        sign_in(kiosks, kdb, kiosk, people[1])
        kdb.refresh(job)
        assert job.state == "cancelled"

    def test_disabling_the_kiosk_cancels_them(self, kiosks, kdb, kiosk, queued):
        job, _ = queued
        kiosks.service.disable_kiosk(kdb, device_id=kiosk.id)
        kdb.refresh(job)
        assert job.state == "cancelled"

    def test_a_session_that_ran_out_is_cleared_when_the_agent_asks(
        self, kiosks, kdb, kiosk, queued, clock
    ):
        job, _ = queued
        assert [j.id for j in kiosks.printing.agent_work(kdb, device=kiosk).to_print] == [job.id]
        clock.advance(minutes=6)
        assert kiosks.printing.agent_work(kdb, device=kiosk).to_print == []
        kdb.refresh(job)
        assert job.state == "cancelled"


class TestPdf:
    @pytest.fixture
    def stored(self, document, tmp_path):
        path = documents_dir(tmp_path) / document.storage_key
        path.parent.mkdir(parents=True)
        path.write_bytes(PDF)
        return tmp_path

    def test_the_pdf_goes_to_the_same_kiosk_and_session_only(
        self, kiosks, kdb, kiosk, people, document, stored
    ):
        session, _ = sign_in(kiosks, kdb, kiosk, people[0])
        job = kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)
        pdf = kiosks.printing.print_pdf_for(
            kdb, device=kiosk, session=session, print_id=job.id, data_dir=stored
        )
        assert pdf == PDF

        other, _ = kiosks.service.register_kiosk(kdb, name="K2", location="L", agency="dopa")
        with pytest.raises(kiosks.errors.KioskSessionRequiredError):
            kiosks.printing.print_pdf_for(
                kdb, device=other, session=session, print_id=job.id, data_dir=stored
            )
        later, _ = sign_in(kiosks, kdb, kiosk, people[0])
        with pytest.raises(kiosks.errors.KioskPrintNotFoundError):
            kiosks.printing.print_pdf_for(
                kdb, device=kiosk, session=later, print_id=job.id, data_dir=stored
            )

    def test_the_agent_gets_only_queued_jobs_of_live_sessions(
        self, kiosks, kdb, kiosk, people, document, stored
    ):
        kiosks.service.set_print_mode(kdb, device_id=kiosk.id, print_mode="cups")
        session, token = sign_in(kiosks, kdb, kiosk, people[0])
        job = kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)
        pdf = kiosks.printing.agent_print_pdf(kdb, device=kiosk, print_id=job.id, data_dir=stored)
        assert pdf == PDF
        kiosks.service.end_kiosk_session(kdb, token=token)
        with pytest.raises(kiosks.errors.PrintJobClosedError):
            kiosks.printing.agent_print_pdf(kdb, device=kiosk, print_id=job.id, data_dir=stored)


class TestAgentReports:
    @pytest.fixture
    def job(self, kiosks, kdb, kiosk, people, document):
        kiosks.service.set_print_mode(kdb, device_id=kiosk.id, print_mode="cups")
        session, _ = sign_in(kiosks, kdb, kiosk, people[0])
        return kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)

    def test_sent_then_printed(self, kiosks, kdb, kiosk, job):
        report = kiosks.printing.report_print
        report(kdb, device=kiosk, print_id=job.id, state="sent", cups_job="Kiosk-7")
        # The same report again (a retry after a lost answer) changes nothing.
        report(kdb, device=kiosk, print_id=job.id, state="sent", cups_job="Kiosk-7")
        work = kiosks.printing.agent_work(kdb, device=kiosk)
        assert work.to_print == []
        assert [(s.print_id, s.cups_job, s.cancel) for s in work.spooled] == [
            (job.id, "Kiosk-7", False)
        ]
        report(kdb, device=kiosk, print_id=job.id, state="printed")
        assert (job.state, job.cups_job) == ("printed", "Kiosk-7") and job.completed_at
        with pytest.raises(kiosks.errors.PrintJobClosedError):
            report(kdb, device=kiosk, print_id=job.id, state="sent", cups_job="Kiosk-8")

    def test_a_spooled_job_of_an_ended_session_is_marked_for_cancelling(
        self, kiosks, kdb, kiosk, people, job
    ):
        kiosks.printing.report_print(
            kdb, device=kiosk, print_id=job.id, state="sent", cups_job="Kiosk-9"
        )
        sign_in(kiosks, kdb, kiosk, people[1])  # the next person: the earlier session ended
        [spooled] = kiosks.printing.agent_work(kdb, device=kiosk).spooled
        assert spooled.cancel is True

    def test_a_cancelled_job_cannot_be_reported_sent(self, kiosks, kdb, kiosk, people, job):
        sign_in(kiosks, kdb, kiosk, people[1])
        with pytest.raises(kiosks.errors.PrintJobClosedError):
            kiosks.printing.report_print(
                kdb, device=kiosk, print_id=job.id, state="sent", cups_job="Kiosk-1"
            )

    @pytest.mark.parametrize(
        ("state", "cups_job"), [("queued", None), ("weird", None), ("sent", None), ("sent", " ")]
    )
    def test_bad_reports_are_refused(self, kiosks, kdb, kiosk, job, state, cups_job):
        with pytest.raises(BadRequestError) as refused:
            kiosks.printing.report_print(
                kdb, device=kiosk, print_id=job.id, state=state, cups_job=cups_job
            )
        assert refused.value.status_code == 400
        assert job.state == "queued"

    def test_another_kiosks_job_is_not_found(self, kiosks, kdb, job):
        other, _ = kiosks.service.register_kiosk(kdb, name="K2", location="L", agency="dopa")
        with pytest.raises(kiosks.errors.KioskPrintNotFoundError):
            kiosks.printing.report_print(kdb, device=other, print_id=job.id, state="failed")


def test_prints_for_session_lists_this_sessions_prints_only(
    kiosks, kdb, kiosk, people, document, clock
):
    session, _ = sign_in(kiosks, kdb, kiosk, people[0])
    job = kiosks.printing.request_print(kdb, device=kiosk, session=session, document=document)
    clock.advance(seconds=30)
    other_document = create_document(kdb, citizen_id=people[1].id)
    other, _ = sign_in(kiosks, kdb, kiosk, people[1])
    kiosks.printing.request_print(kdb, device=kiosk, session=other, document=other_document)
    assert [p.id for p in kiosks.printing.prints_for_session(kdb, session=session)] == [job.id]
