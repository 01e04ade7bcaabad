"""Casework over HTTP: the officer's action forms (CSRF, errors as pages) and the citizen's
supplement page and message thread.

The citizen signs in through the live development provider; the officer is put in place with
a dependency override (the back-office sign-in itself is tested in test_backoffice.py).
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from identity.models import Citizen
from portal.web.backoffice.signin import get_current_officer
from services.petitions.messages import add_note
from services.petitions.models import Petition, PetitionState
from services.petitions.supplements import request_supplement
from tests.fixtures.identity import parse_forms, sign_in
from tests.services.petitions.casework import (
    AUTOMATIC,
    make_citizen,
    make_officer,
    make_petition,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def officer(app, db: Session):
    found = make_officer(db, roles=["officer", "supervisor"])
    app.dependency_overrides[get_current_officer] = lambda: found
    yield found
    app.dependency_overrides.pop(get_current_officer, None)


def csrf(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return next(f for f in parse_forms(page.text) if "csrf_token" in f["fields"])["fields"][
        "csrf_token"
    ]


def signed_in_citizen(client, db: Session, person) -> Citizen:
    sign_in(client, person)
    return db.exec(select(Citizen).where(Citizen.national_id == person.national_id)).one()


class TestOfficerForms:
    def test_approve_needs_the_csrf_token(self, client, db, officer):
        petition = make_petition(db, make_citizen(db), officer=officer)
        url = f"/backoffice/petitions/{petition.id}/approve"
        refused = client.post(url, data={"note": ""}, follow_redirects=False)
        assert refused.status_code == 403
        token = csrf(client, "/backoffice/bulk")
        done = client.post(url, data={"csrf_token": token}, follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"] == f"/backoffice/petitions/{petition.id}"
        db.refresh(petition)
        assert petition.state == PetitionState.APPROVED

    def test_errors_render_the_error_page_with_their_status(self, client, db, officer):
        petition = make_petition(db, make_citizen(db), officer=officer)
        token = csrf(client, "/backoffice/bulk")
        short = client.post(
            f"/backoffice/petitions/{petition.id}/reject",
            data={"csrf_token": token, "reason": "no"},
        )
        assert short.status_code == 400 and 'data-code="reason_required"' in short.text
        unclaimed = make_petition(db, make_citizen(db))
        conflict = client.post(
            f"/backoffice/petitions/{unclaimed.id}/approve", data={"csrf_token": token}
        )
        assert conflict.status_code == 409 and 'data-code="not_claimed"' in conflict.text
        foreign = make_petition(db, make_citizen(db), service_code=AUTOMATIC)
        forbidden = client.post(
            f"/backoffice/petitions/{foreign.id}/notes", data={"csrf_token": token, "text": "x"}
        )
        assert forbidden.status_code == 403

    def test_supplement_note_message_and_reject(self, client, db, officer):
        petition = make_petition(db, make_citizen(db), officer=officer)
        token = csrf(client, "/backoffice/bulk")
        base = f"/backoffice/petitions/{petition.id}"
        asked = client.post(
            f"{base}/supplement",
            data={
                "csrf_token": token,
                "fields": ["location"],
                "documents": ["photo"],
                "other_document": "",
                "message": "Where exactly?",
            },
            follow_redirects=False,
        )
        assert asked.status_code == 303
        for path, data in (
            ("notes", {"text": "Called the district"}),
            ("messages", {"body": "Hi"}),
        ):
            answer = client.post(
                f"{base}/{path}", data={"csrf_token": token, **data}, follow_redirects=False
            )
            assert answer.status_code == 303, answer.text
        db.refresh(petition)
        assert petition.state == PetitionState.SUPPLEMENT_REQUESTED

    def test_the_petition_page_shows_the_action_forms(self, client, db, officer):
        petition = make_petition(db, make_citizen(db), officer=officer)
        page = client.get(f"/backoffice/petitions/{petition.id}")
        assert page.status_code == 200, page.text
        actions = {f["action"] for f in parse_forms(page.text)}
        base = f"/backoffice/petitions/{petition.id}"
        assert {f"{base}/approve", f"{base}/reject", f"{base}/notes", f"{base}/messages"} <= (
            actions
        )

    def test_bulk_approval_page_and_form(self, client, db):
        supervisor = make_officer(db, agency="dopa", roles=["supervisor"])
        client.app.dependency_overrides[get_current_officer] = lambda: supervisor
        try:
            auto = make_petition(db, make_citizen(db), service_code=AUTOMATIC)
            manual = make_petition(db, make_citizen(db), service_code="dopa.move-in")
            page = client.get("/backoffice/bulk")
            assert auto.id in page.text and manual.id not in page.text
            token = csrf(client, "/backoffice/bulk")
            done = client.post(
                "/backoffice/bulk-approve",
                data={"csrf_token": token, "petition_ids": [auto.id, manual.id]},
                follow_redirects=False,
            )
            assert done.status_code == 303
            assert done.headers["location"] == "/backoffice/bulk?approved=1&skipped=1"
            db.refresh(auto)
            assert auto.state == PetitionState.APPROVED
        finally:
            client.app.dependency_overrides.pop(get_current_officer, None)


class TestCitizenSupplement:
    def test_answer_with_a_mistake_then_correctly(self, client, db, people):
        citizen = signed_in_citizen(client, db, people[0])
        officer = make_officer(db)
        petition = make_petition(db, citizen, officer=officer)
        request_supplement(
            db,
            officer=officer,
            petition_id=petition.id,
            fields=["phone", "location"],
            documents=["photo"],
            message="Please give a phone number",
        )
        add_note(db, officer=officer, petition_id=petition.id, text="Secret internal remark")
        db.commit()

        status = client.get(f"/petitions/{petition.id}")
        assert 'id="supplement-asked"' in status.text
        assert "Please give a phone number" in status.text
        assert f'href="/petitions/{petition.id}/supplement"' in status.text
        assert "Secret internal remark" not in status.text

        url = f"/petitions/{petition.id}/supplement"
        page = client.get(url)
        assert page.status_code == 200
        form = next(f for f in parse_forms(page.text) if f["action"] == url)
        bad = client.post(
            url,
            data=dict(form["fields"], answer_phone="12", answer_location="Soi 21 corner"),
            files={"upload_doc0": ("light.png", PNG, "image/png")},
        )
        assert bad.status_code == 400
        assert 'value="12"' in bad.text and 'value="Soi 21 corner"' in bad.text
        assert "กรุณากรอกหมายเลขโทรศัพท์" in bad.text
        good = client.post(
            url,
            data=dict(form["fields"], answer_phone="0812345678", answer_location="Soi 21 corner"),
            files={"upload_doc0": ("light.png", PNG, "image/png")},
            follow_redirects=False,
        )
        assert good.status_code == 303, good.text
        db.expire_all()
        petition = db.get(Petition, petition.id)
        assert petition.state == PetitionState.IN_REVIEW
        assert petition.assigned_officer_id == officer.id
        assert petition.answers["phone"] == "0812345678"
        again = client.post(
            url,
            data=dict(form["fields"], answer_phone="0899999999", answer_location="x"),
            files={"upload_doc0": ("light.png", PNG, "image/png")},
        )
        assert again.status_code == 409
        assert 'data-code="supplement_already_answered"' in again.text

    def test_another_citizens_petition_is_not_found(self, client, db, people):
        signed_in_citizen(client, db, people[0])
        other = make_petition(db, make_citizen(db), state=PetitionState.SUPPLEMENT_REQUESTED)
        assert client.get(f"/petitions/{other.id}/supplement").status_code == 404
        assert client.get(f"/petitions/{other.id}/messages").status_code == 404

    def test_message_thread(self, client, db, people):
        citizen = signed_in_citizen(client, db, people[0])
        officer = make_officer(db)
        petition = make_petition(db, citizen, officer=officer)
        add_note(db, officer=officer, petition_id=petition.id, text="Secret internal remark")
        db.commit()
        token = csrf(client, f"/petitions/{petition.id}/messages")
        url = f"/petitions/{petition.id}/messages"
        assert client.post(url, data={"body": "Hello"}).status_code == 403  # no CSRF token
        sent = client.post(
            url,
            data={"csrf_token": token, "body": "When will it be fixed?"},
            follow_redirects=False,
        )
        assert sent.status_code == 303
        thread = client.get(url)
        assert "When will it be fixed?" in thread.text
        assert "Secret internal remark" not in thread.text


def test_the_partials_render_the_casework_context(db):
    from portal.templating import ENV
    from portal.web.backoffice.actions import casework_context
    from services.petitions.messages import post_officer_message
    from tests.services.petitions.casework import make_office

    officer = make_officer(db)
    make_office(db, "bma-watthana")
    petition = make_petition(db, make_citizen(db), officer=officer)
    add_note(db, officer=officer, petition_id=petition.id, text="Internal remark")
    post_officer_message(db, officer=officer, petition_id=petition.id, body="Hello citizen")
    context = {
        "petition": petition,
        "officer": officer,
        "csrf_token": "t",
        "lang": "en",
        "casework": casework_context(db, officer, petition),
    }
    actions = ENV.get_template("backoffice/_actions.html").render(**context)
    thread = ENV.get_template("backoffice/_thread.html").render(**context)
    assert 'value="bma-watthana"' in actions and 'name="fields" value="location"' in actions
    assert 'name="documents" value="photo"' in actions
    assert "Internal remark" in thread and "Hello citizen" in thread
