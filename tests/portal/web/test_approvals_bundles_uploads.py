"""The newer web flows with real sign-ins: a house owner's approval, a life-event bundle,
copies uploaded instead of a fetch, reporting an error in fetched data, and CSRF on each POST."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from services.exchange.models import ExchangeMessage
from services.petitions.models import (
    EvidenceUpload,
    Petition,
    PetitionApproval,
    PetitionEvent,
    PetitionState,
)
from services.petitions.uploads import uploads_dir
from tests.fixtures.identity import parse_forms, sign_in
from tests.services.petitions.factories import make_parent_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
MOVE_IN = "dopa.move-in"


def form_fields(client: TestClient, url: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return next(f for f in parse_forms(page.text) if f["action"].endswith("/apply"))["fields"]


def move_in_fields(client: TestClient, owner_id: str) -> dict[str, str]:
    return dict(
        form_fields(client, f"/services/{MOVE_IN}/apply"),
        answer_house_id="10300012345",
        answer_new_address="99 ถนนสุขุมวิท กรุงเทพมหานคร",
        answer_house_owner_national_id=owner_id,
        answer_moved_on="2026-01-15",
    )


def signed_in(app, person) -> TestClient:  # type: ignore[no-untyped-def]
    browser = TestClient(app, base_url="http://testserver")
    sign_in(browser, person)
    return browser


def petition_of(db: Session, service_code: str) -> Petition:
    db.expire_all()
    return db.exec(select(Petition).where(Petition.service_code == service_code)).one()


class TestHouseOwnerApproval:
    def file(self, client: TestClient, people) -> str:  # type: ignore[no-untyped-def]
        sign_in(client, people[0])
        fields = move_in_fields(client, "1509-90045-67-89") | {"consent:dopa.population": "yes"}
        submitted = client.post(f"/services/{MOVE_IN}/apply", data=fields, follow_redirects=False)
        assert submitted.status_code == 303, submitted.text
        return submitted.headers["location"]

    def decision_form(self, owner: TestClient) -> dict:  # type: ignore[type-arg]
        page = owner.get("/me/approvals")
        assert page.status_code == 200
        return next(f for f in parse_forms(page.text) if f["action"].startswith("/me/approvals/"))

    def test_the_owner_approves_in_their_own_account(
        self, client, app, people, process_jobs, db: Session
    ):
        url = self.file(client, people)
        petition = petition_of(db, MOVE_IN)
        assert petition.state == PetitionState.AWAITING_APPROVAL
        assert process_jobs() == 0  # nothing is processed before the owner agrees
        assert 'data-state="awaiting_approval"' in client.get(url).text
        assert "/me/approvals/" not in client.get("/me/approvals").text  # not Somchai's to decide

        owner = signed_in(app, people[1])
        form = self.decision_form(owner)
        page = owner.get("/me/approvals").text
        assert "99 ถนนสุขุมวิท" in page and people[1].national_id not in page

        stranger = signed_in(app, people[2])
        refused = stranger.post(
            form["action"],
            data=dict(self.decision_form_of(stranger, owner, form), decision="approve"),
            follow_redirects=False,
        )
        assert refused.status_code == 404
        assert petition_of(db, MOVE_IN).state == PetitionState.AWAITING_APPROVAL

        done = owner.post(
            form["action"], data=dict(form["fields"], decision="approve"), follow_redirects=False
        )
        assert done.status_code == 303 and done.headers["location"] == "/me/approvals?decided=1"
        assert petition_of(db, MOVE_IN).state == PetitionState.SUBMITTED
        again = owner.post(
            form["action"], data=dict(form["fields"], decision="decline"), follow_redirects=False
        )
        assert again.status_code == 404
        assert "/me/approvals/" not in owner.get("/me/approvals").text

        process_jobs()
        petition = petition_of(db, MOVE_IN)
        assert petition.state == PetitionState.IN_REVIEW  # fetched, then an officer decides
        assert "dopa.population" in petition.evidence

    @staticmethod
    def decision_form_of(stranger: TestClient, owner: TestClient, form) -> dict[str, str]:  # type: ignore[no-untyped-def]
        """The stranger's own CSRF token (from any form of theirs), so only ownership is tested."""
        page = stranger.get(f"/services/{MOVE_IN}/apply")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return {"csrf_token": token}

    def test_a_declined_move_in_shows_the_reason_to_the_petitioner(
        self, client, app, people, db: Session
    ):
        url = self.file(client, people)
        owner = signed_in(app, people[1])
        form = self.decision_form(owner)
        done = owner.post(
            form["action"], data=dict(form["fields"], decision="decline"), follow_redirects=False
        )
        assert done.status_code == 303
        petition = petition_of(db, MOVE_IN)
        assert petition.state == PetitionState.REJECTED
        page = client.get(url, params={"lang": "en"})
        assert 'data-state="rejected"' in page.text
        assert "The person who had to agree (House owner) declined" in page.text

    def test_a_decision_needs_the_csrf_token(self, client, app, people, db: Session):
        self.file(client, people)
        owner = signed_in(app, people[1])
        form = self.decision_form(owner)
        refused = owner.post(form["action"], data={"decision": "approve"}, follow_redirects=False)
        assert refused.status_code == 403
        assert db.exec(select(PetitionApproval)).one().state == "pending"


class TestUploadsOverTheWeb:
    def test_a_declined_fetch_with_a_copy_is_reviewed_without_a_registry_call(
        self, client, people, process_jobs, db: Session, settings
    ):
        sign_in(client, people[0])
        fields = move_in_fields(client, people[0].national_id) | {"consent:dopa.population": "no"}
        submitted = client.post(
            f"/services/{MOVE_IN}/apply",
            data=fields,
            files={"upload_dopa.population": ("ทะเบียนบ้าน.pdf", PDF, "application/pdf")},
            follow_redirects=False,
        )
        assert submitted.status_code == 303, submitted.text
        process_jobs()
        petition = petition_of(db, MOVE_IN)
        assert petition.state == PetitionState.IN_REVIEW and petition.evidence == {}
        upload = db.exec(select(EvidenceUpload)).one()
        assert upload.item == "dopa.population" and upload.filename == "ทะเบียนบ้าน.pdf"
        assert (uploads_dir(settings.data_dir) / upload.stored_name).read_bytes() == PDF
        assert db.exec(select(ExchangeMessage)).all() == []  # the registry was never asked

    def test_a_file_named_pdf_that_is_not_one_is_refused(self, client, people, db: Session):
        sign_in(client, people[0])
        fields = move_in_fields(client, people[0].national_id) | {"consent:dopa.population": "no"}
        answer = client.post(
            f"/services/{MOVE_IN}/apply",
            data=fields,
            files={"upload_dopa.population": ("copy.pdf", b"MZ\x90\x00evil", "application/pdf")},
            follow_redirects=False,
        )
        assert answer.status_code == 400
        assert 'value="10300012345"' in answer.text  # the form comes back as filled in
        assert db.exec(select(Petition)).all() == [] and db.exec(select(EvidenceUpload)).all() == []

    def test_an_oversized_file_is_refused_with_413(self, client, app, people, db: Session):
        sign_in(client, people[0])
        app.state.settings = app.state.settings.model_copy(update={"max_upload_bytes": 1000})
        fields = move_in_fields(client, people[0].national_id) | {"consent:dopa.population": "no"}
        answer = client.post(
            f"/services/{MOVE_IN}/apply",
            data=fields,
            files={"upload_dopa.population": ("copy.pdf", PDF + b"x" * 1000, "application/pdf")},
            follow_redirects=False,
        )
        assert answer.status_code == 413
        assert db.exec(select(Petition)).all() == []

    def test_declining_without_a_copy_asks_for_one(self, client, people, db: Session):
        sign_in(client, people[0])
        fields = move_in_fields(client, people[0].national_id) | {"consent:dopa.population": "no"}
        answer = client.post(f"/services/{MOVE_IN}/apply", data=fields, follow_redirects=False)
        assert answer.status_code == 400
        assert db.exec(select(Petition)).all() == []


class TestBundleOverTheWeb:
    URL = "/bundles/bundle.new-baby/apply"

    @pytest.fixture(autouse=True)
    def somchai_is_the_parent(self, client, db: Session, people) -> None:
        make_parent_of(
            db, parent_national_id=people[0].national_id, child_national_id="1103900773219"
        )

    def test_naming_a_child_who_is_not_yours_files_nothing(self, client, people, db: Session):
        sign_in(client, people[1])  # Somying: the register shows no child of hers
        answer = client.post(self.URL, data=self.fields(client), follow_redirects=False)
        assert answer.status_code == 403
        assert db.exec(select(Petition)).all() == []

    def fields(self, client: TestClient, **answers: str) -> dict[str, str]:
        return dict(
            form_fields(client, self.URL),
            answer_child_national_id="1103900773219",
            answer_hospital="รพ.ราชวิถี",
            answer_bank="ktb",
            answer_bank_account="123-4-56789-0",
            **answers,
        ) | {"consent": ["dopa.population", "dopa.birth_record", "sso.insured"]}

    def test_one_application_files_every_part_once(self, client, people, db: Session):
        sign_in(client, people[0])
        fields = self.fields(client)
        first = client.post(self.URL, data=fields, follow_redirects=False)
        assert first.status_code == 303, first.text
        second = client.post(self.URL, data=fields, follow_redirects=False)
        assert second.headers["location"] == first.headers["location"]
        petitions = db.exec(select(Petition)).all()
        assert sorted(p.service_code for p in petitions) == [
            "nhso.newborn-registration",
            "sso.child-allowance",
        ]
        assert len({p.bundle_id for p in petitions}) == 1 and petitions[0].bundle_id
        page = client.get(first.headers["location"], params={"lang": "en"})
        assert page.status_code == 200

    def test_a_bad_answer_files_no_part(self, client, people, db: Session):
        sign_in(client, people[0])
        answer = client.post(
            self.URL,
            data=self.fields(client) | {"answer_bank_account": "12"},
            follow_redirects=False,
        )
        assert answer.status_code == 400
        assert 'aria-invalid="true"' in answer.text
        assert db.exec(select(Petition)).all() == []

    def test_the_bundle_needs_the_csrf_token(self, client, people, db: Session):
        sign_in(client, people[0])
        fields = self.fields(client)
        del fields["csrf_token"]
        assert client.post(self.URL, data=fields, follow_redirects=False).status_code == 403
        assert db.exec(select(Petition)).all() == []


class TestReportingAnError:
    def issued_petition(self, client: TestClient, people, process_jobs) -> str:  # type: ignore[no-untyped-def]
        sign_in(client, people[0])
        fields = dict(
            form_fields(client, "/services/dopa.residence-certificate/apply"),
            answer_purpose="bank",
            consent="dopa.population",
        )
        submitted = client.post(
            "/services/dopa.residence-certificate/apply", data=fields, follow_redirects=False
        )
        assert submitted.status_code == 303
        process_jobs()
        return submitted.headers["location"]

    def test_the_owner_reports_and_the_history_keeps_it(
        self, client, people, process_jobs, db: Session
    ):
        url = self.issued_petition(client, people, process_jobs)
        page = client.get(url)
        assert f"{url}/report-error?dataset=dopa.population" in page.text
        petition = petition_of(db, "dopa.residence-certificate")
        evidence = dict(petition.evidence)
        form = client.get(f"{url}/report-error", params={"dataset": "dopa.population"})
        assert form.status_code == 200
        fields = next(f for f in parse_forms(form.text) if f["action"].endswith("/report-error"))
        sent = client.post(
            f"{url}/report-error",
            data=dict(fields["fields"], details="บ้านเลขที่ผิด", address="somewhere else"),
            follow_redirects=False,
        )
        assert sent.status_code == 303
        events = db.exec(
            select(PetitionEvent).where(PetitionEvent.petition_id == petition.id)
        ).all()
        reported = [e for e in events if e.note.startswith("error reported")]
        assert len(reported) == 1 and "บ้านเลขที่ผิด" in reported[0].note
        assert reported[0].from_state == reported[0].to_state == PetitionState.ISSUED
        assert petition_of(db, "dopa.residence-certificate").evidence == evidence  # unchanged

    def test_only_the_owner_and_only_fetched_data(
        self, client, app, people, process_jobs, db: Session
    ):
        url = self.issued_petition(client, people, process_jobs)
        assert (
            client.get(f"{url}/report-error", params={"dataset": "dol.land_title"}).status_code
            == 404
        )
        other = signed_in(app, people[1])
        assert (
            other.get(f"{url}/report-error", params={"dataset": "dopa.population"}).status_code
            == 404
        )
        token = re.search(
            r'name="csrf_token" value="([^"]+)"',
            other.get("/services/dopa.residence-certificate/apply").text,
        ).group(1)
        refused = other.post(
            f"{url}/report-error",
            data={"csrf_token": token, "dataset": "dopa.population", "details": "x"},
            follow_redirects=False,
        )
        assert refused.status_code == 404
        assert not any(
            e.note.startswith("error reported") for e in db.exec(select(PetitionEvent)).all()
        )

    def test_reporting_needs_the_csrf_token(self, client, people, process_jobs, db: Session):
        url = self.issued_petition(client, people, process_jobs)
        refused = client.post(
            f"{url}/report-error",
            data={"dataset": "dopa.population", "details": "x"},
            follow_redirects=False,
        )
        assert refused.status_code == 403

    @pytest.mark.parametrize("method", ["PUT", "PATCH", "POST"])
    def test_fetched_values_cannot_be_edited(self, client, people, process_jobs, method):
        url = self.issued_petition(client, people, process_jobs)
        answer = client.request(method, f"{url}/evidence", data={"address": "x"})
        assert answer.status_code in (404, 405)
