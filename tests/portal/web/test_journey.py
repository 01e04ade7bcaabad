"""The golden path in the web app: sign in, choose, consent, fetch, issue, download, verify."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from documents.models import Document
from services.exchange.models import DataAccess, ExchangeMessage
from services.petitions.models import Petition, PetitionState
from tests.fixtures.identity import parse_forms, sign_in

SERVICE = "dopa.residence-certificate"


def submit_residence_petition(client: TestClient, *, consent: bool = True) -> object:
    page = client.get(f"/services/{SERVICE}/apply")
    assert page.status_code == 200
    form = next(f for f in parse_forms(page.text) if f["action"].endswith("/apply"))
    fields = dict(form["fields"], answer_purpose="bank")
    if consent:
        fields["consent"] = "dopa.population"
    return client.post(f"/services/{SERVICE}/apply", data=fields, follow_redirects=False)


def test_signed_in_citizen_sees_their_name(client, people):
    sign_in(client, people[0])
    home = client.get("/")
    assert people[0].given_name_th in home.text


def test_service_page_says_what_is_fetched_from_whom_and_why(client):
    page = client.get(f"/services/{SERVICE}", params={"lang": "en"})
    assert page.status_code == 200
    assert "Department of Provincial Administration" in page.text
    assert "Population register" in page.text
    assert "upload" in page.text.lower()  # "You do not need to upload any copies"


def test_whole_journey_issues_a_certificate_anyone_can_verify(
    client, people, process_jobs, db: Session
):
    person = people[0]
    sign_in(client, person)
    catalogue = client.get("/services", params={"q": "อยู่อาศัย"})
    assert "หนังสือรับรองการอยู่อาศัย" in catalogue.text

    submitted = submit_residence_petition(client)
    assert submitted.status_code == 303
    petition_url = submitted.headers["location"]
    assert re.fullmatch(r"/petitions/[0-9a-f-]{36}", petition_url)

    assert process_jobs() == 1
    status = client.get(petition_url)
    assert 'data-state="issued"' in status.text
    number = re.search(r"/documents/([A-Z0-9-]+)", status.text).group(1)

    documents = client.get("/documents")
    assert number in documents.text
    pdf = client.get(f"/documents/{number}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"

    public = TestClient(client.app)  # a stranger: no session
    code = db.exec(select(Document.check_code).where(Document.number == number)).one()
    verified = public.get(f"/verify/{number}", params={"code": code})  # printed beside it
    assert verified.status_code == 200 and 'data-genuine="true"' in verified.text
    assert person.national_id not in verified.text  # only a masked name is public

    form = parse_forms(public.get("/verify").text)[-1]
    upload = public.post(
        "/verify", data=form["fields"], files={"file": ("c.pdf", pdf.content, "application/pdf")}
    )
    assert upload.status_code == 200 and 'data-genuine="true"' in upload.text

    altered = bytearray(pdf.content)
    altered[len(altered) // 2] ^= 0x01
    tampered = public.post(
        "/verify", data=form["fields"], files={"file": ("c.pdf", bytes(altered), "application/pdf")}
    )
    assert tampered.status_code == 200 and 'data-genuine="false"' in tampered.text

    access = client.get("/me/data-access", params={"lang": "en"})
    assert "Department of Provincial Administration" in access.text
    assert "To issue the certificate of residence you asked for" in access.text

    petition = db.exec(select(Petition)).one()
    assert petition.state == PetitionState.ISSUED and petition.document_number == number
    reads = db.exec(select(DataAccess)).all()
    assert len(reads) == 1 and reads[0].citizen_id == petition.citizen_id
    message = db.exec(select(ExchangeMessage)).one()
    assert message.status_code == 200 and message.consent_id and len(message.request_sha256) == 64


def test_petition_without_consent_is_refused_and_nothing_is_written(client, people, db: Session):
    sign_in(client, people[0])
    answer = submit_residence_petition(client, consent=False)
    assert answer.status_code == 400
    assert "ความยินยอม" in answer.text  # the form comes back with the reason, in Thai
    assert 'value="bank" selected' in answer.text  # what the citizen chose is kept
    assert db.exec(select(Petition)).all() == []


def test_submitting_the_same_form_twice_files_one_petition(client, people, db: Session):
    sign_in(client, people[0])
    page = client.get(f"/services/{SERVICE}/apply")
    form = next(f for f in parse_forms(page.text) if f["action"].endswith("/apply"))
    fields = dict(form["fields"], answer_purpose="bank", consent="dopa.population")
    first = client.post(f"/services/{SERVICE}/apply", data=fields, follow_redirects=False)
    second = client.post(f"/services/{SERVICE}/apply", data=fields, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    assert len(db.exec(select(Petition)).all()) == 1


def test_registry_outage_parks_the_petition_and_it_resumes(
    client, people, process_jobs, app, db: Session
):
    sign_in(client, people[1])
    submitted = submit_residence_petition(client)
    exchange = app.state.processing.exchange
    real_urls = dict(exchange.registry_urls)
    exchange.registry_urls["dopa"] = "http://127.0.0.1:9"  # nothing listens there
    process_jobs()
    petition = db.exec(select(Petition)).one()
    assert petition.state == PetitionState.EVIDENCE_PENDING
    page = client.get(submitted.headers["location"]).text
    assert 'id="registry-delay"' in page  # the citizen is told it waits, and need not re-apply
    exchange.registry_urls.update(real_urls)
    from sqlalchemy import update

    from services.petitions.models import PetitionJob

    db.exec(update(PetitionJob).values(run_after=PetitionJob.created_at))  # the backoff has passed
    db.commit()
    process_jobs()
    db.expire_all()
    assert db.exec(select(Petition)).one().state == PetitionState.ISSUED
    page = client.get(submitted.headers["location"])
    assert page.status_code == 200 and 'id="registry-delay"' not in page.text


def test_a_damaged_stored_pdf_is_reported_not_served(client, people, process_jobs, settings):
    sign_in(client, people[0])
    petition_url = submit_residence_petition(client).headers["location"]
    process_jobs()
    number = re.search(r"/documents/([A-Z0-9-]+)", client.get(petition_url).text).group(1)
    stored = next((settings.data_dir / "documents").rglob(f"{number}.pdf"))
    stored.write_bytes(stored.read_bytes()[:-10])
    answer = client.get(f"/documents/{number}/pdf")
    assert answer.status_code == 500
    assert "เจ้าหน้าที่ได้รับแจ้งแล้ว" in answer.text and not answer.content.startswith(b"%PDF")
