# ruff: noqa: F811  (the sign-in fixtures are imported from test_backoffice)
"""The queue page and claiming through forms, signed in as an officer with TOTP."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from identity.models import Citizen
from identity.officers.models import Officer
from services.exchange.models import DataAccess
from services.petitions.models import Petition, PetitionState
from tests.fixtures.identity import parse_forms
from tests.portal.web.test_backoffice import (  # noqa: F401  (fixtures)
    bo_app,
    client,
    enrol,
    holders,
    officer_sign_in,
    officers,
    register,
)


def add_petitions(engine, person, n, *, service_code="dopa.move-in", state="in_review"):
    today = date.today()
    with Session(engine, expire_on_commit=False) as db:
        citizen = Citizen(national_id=person.national_id, subject="s", issuer="i")
        db.add(citizen)
        db.flush()
        petitions = [
            Petition(
                citizen_id=citizen.id,
                service_code=service_code,
                service_version=1,
                state=PetitionState(state),
                due_on=today + timedelta(days=i % 9 - 2),
            )
            for i in range(n)
        ]
        db.add_all(petitions)
        db.commit()
        return [p.id for p in petitions]


def signed_in(client, engine, officers, person, agency="dopa"):
    register(engine, officers, person, agency)
    officer_sign_in(client, person)
    enrol(client)


def form_for(page, action):
    return next(f for f in parse_forms(page.text) if f["action"] == action)


def test_the_queue_pages_with_a_cursor_and_shows_due_badges_in_words(
    client, clean_engine, officers, holders
):
    ids = add_petitions(clean_engine, holders[0], 55)
    signed_in(client, clean_engine, officers, holders[1])
    client.cookies.set("portal_lang", "en")
    first = client.get("/backoffice/")
    assert first.status_code == 200 and first.headers["cache-control"] == "private, no-store"
    assert "Overdue" in first.text and "Due soon" in first.text
    assert '<label for="f-state">' in first.text and 'scope="col"' in first.text
    shown = {i for i in ids if f"/backoffice/petitions/{i}/claim" in first.text}
    assert len(shown) == 50
    next_link = first.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(next_link)
    rest = {i for i in ids if f"/backoffice/petitions/{i}/claim" in second.text}
    assert len(rest) == 5 and not rest & shown
    assert 'rel="next"' not in second.text
    assert client.get("/backoffice/?cursor=garbage").status_code == 400
    assert client.get("/backoffice/?state=nonsense").status_code == 400


def test_claim_through_the_form_opens_the_one_screen_page_and_logs_the_look(
    client, clean_engine, officers, holders
):
    [petition_id] = add_petitions(clean_engine, holders[0], 1)
    signed_in(client, clean_engine, officers, holders[1])
    client.cookies.set("portal_lang", "en")
    queue = client.get("/backoffice/")
    action = f"/backoffice/petitions/{petition_id}/claim"
    assert client.post(action).status_code == 403  # no CSRF token
    answer = client.post(action, data=form_for(queue, action)["fields"], follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/backoffice/petitions/{petition_id}"
    page = client.get(answer.headers["location"])
    assert page.status_code == 200 and 'id="holder">You<' in page.text
    assert f"/backoffice/petitions/{petition_id}/release" in page.text
    with Session(clean_engine) as db:
        officer = db.exec(select(Officer)).one()
        assert db.get(Petition, petition_id).assigned_officer_id == officer.id
        [log] = db.exec(select(DataAccess)).all()
        assert log.accessed_by == f"officer:{officer.id}" and log.dataset == "portal.petition"
    release = f"/backoffice/petitions/{petition_id}/release"
    again = client.post(release, data=form_for(page, release)["fields"])
    assert again.status_code == 200  # released, back on the queue
    with Session(clean_engine) as db:
        assert db.get(Petition, petition_id).assigned_officer_id is None


def test_next_petition_claims_the_most_urgent_one(client, clean_engine, officers, holders):
    ids = add_petitions(clean_engine, holders[0], 5)  # due -2, -1, 0, 1, 2 days
    signed_in(client, clean_engine, officers, holders[1])
    queue = client.get("/backoffice/")
    answer = client.post(
        "/backoffice/next",
        data=form_for(queue, "/backoffice/next")["fields"],
        follow_redirects=False,
    )
    assert answer.headers["location"] == f"/backoffice/petitions/{ids[0]}"


def test_another_agencys_petition_is_403_and_its_claim_too(client, clean_engine, officers, holders):
    [dopa_petition] = add_petitions(clean_engine, holders[0], 1)
    signed_in(client, clean_engine, officers, holders[1], agency="dol")
    queue = client.get("/backoffice/")
    assert dopa_petition not in queue.text
    assert client.get(f"/backoffice/petitions/{dopa_petition}").status_code == 403
    fields = form_for(queue, "/backoffice/next")["fields"]
    claim = client.post(f"/backoffice/petitions/{dopa_petition}/claim", data=fields)
    assert claim.status_code == 403 and 'data-code="other_agency"' in claim.text


def test_a_plain_officer_cannot_assign(client, clean_engine, officers, holders):
    [petition_id] = add_petitions(clean_engine, holders[0], 1)
    signed_in(client, clean_engine, officers, holders[1])
    queue = client.get("/backoffice/")
    fields = dict(form_for(queue, "/backoffice/next")["fields"], officer_id="1")
    answer = client.post(f"/backoffice/petitions/{petition_id}/assign", data=fields)
    assert answer.status_code == 403 and 'data-code="role_required"' in answer.text
