"""Acting for others in the browser: grant, apply for the grantor, see both names, revoke."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from identity.delegation.models import Delegation
from identity.models import Citizen
from services.exchange.models import DataAccess
from services.petitions.models import Petition
from tests.fixtures.identity import parse_forms, sign_in

SERVICE = "dopa.residence-certificate"


def grant_form(client: TestClient) -> dict[str, str]:
    page = client.get("/me/delegations")
    assert page.status_code == 200
    return next(f for f in parse_forms(page.text) if f["action"] == "/me/delegations")["fields"]


def give(client: TestClient, grantee_id: str, **fields: object):  # type: ignore[no-untyped-def]
    data = dict(grant_form(client), grantee_national_id=grantee_id, duration_days="30") | fields
    return client.post("/me/delegations", data=data, follow_redirects=False)


def apply_fields(client: TestClient) -> dict[str, str]:
    page = client.get(f"/services/{SERVICE}/apply")
    assert page.status_code == 200
    form = next(f for f in parse_forms(page.text) if f["action"].endswith("/apply"))
    return dict(form["fields"], answer_purpose="bank", consent="dopa.population")


def test_a_delegate_applies_for_the_grantor_and_both_see_it(
    client, people, process_jobs, db: Session
):
    grantor_person, grantee_person = people[0], people[1]
    sign_in(client, grantor_person)
    assert "/me/delegations" in client.get("/me/account").text
    assert give(client, grantee_person.national_id).status_code == 303
    grantor = db.exec(
        select(Citizen).where(Citizen.national_id == grantor_person.national_id)
    ).one()

    delegate = TestClient(client.app)
    sign_in(delegate, grantee_person)
    held = delegate.get("/me/delegations")
    assert grantor_person.given_name_th in held.text
    form_page = delegate.get(f"/services/{SERVICE}/apply")
    assert 'name="on_behalf_of"' in form_page.text and f'value="{grantor.id}"' in form_page.text
    fields = apply_fields(delegate) | {"on_behalf_of": str(grantor.id)}
    submitted = delegate.post(f"/services/{SERVICE}/apply", data=fields, follow_redirects=False)
    assert submitted.status_code == 303
    url = submitted.headers["location"]

    petition = db.exec(select(Petition)).one()
    assert petition.citizen_id == grantor.id and petition.filed_by_id not in (None, grantor.id)
    assert process_jobs() == 1

    # The data read was about the grantor, and shows in the grantor's log, not the delegate's.
    reads = db.exec(select(DataAccess)).all()
    assert [r.citizen_id for r in reads] == [grantor.id]
    agency = "Department of Provincial Administration"
    assert agency in client.get("/me/data-access", params={"lang": "en"}).text
    assert agency not in delegate.get("/me/data-access", params={"lang": "en"}).text

    mine = client.get("/petitions", params={"lang": "en"})
    assert url in mine.text and "on your behalf" in mine.text
    assert "on your behalf" in client.get(url, params={"lang": "en"}).text
    theirs = delegate.get("/petitions", params={"lang": "en"})
    assert url in theirs.text and "For " in theirs.text
    status = delegate.get(url)
    assert status.status_code == 200 and 'data-state="issued"' in status.text
    assert grantor_person.national_id not in theirs.text


def test_revoking_stops_the_delegate_applying_and_seeing(client, people, db: Session):
    sign_in(client, people[0])
    give(client, people[1].national_id)
    grantor = db.exec(select(Citizen).where(Citizen.national_id == people[0].national_id)).one()
    delegate = TestClient(client.app)
    sign_in(delegate, people[1])
    fields = apply_fields(delegate) | {"on_behalf_of": str(grantor.id)}
    url = delegate.post(f"/services/{SERVICE}/apply", data=fields, follow_redirects=False).headers[
        "location"
    ]

    delegation = db.exec(select(Delegation)).one()
    page = client.get("/me/delegations")
    revoke = next(f for f in parse_forms(page.text) if f["action"].endswith("/revoke"))
    assert revoke["action"] == f"/me/delegations/{delegation.id}/revoke"
    done = client.post(revoke["action"], data=revoke["fields"], follow_redirects=False)
    assert done.status_code == 303

    fields = apply_fields(delegate) | {"on_behalf_of": str(grantor.id)}
    refused = delegate.post(f"/services/{SERVICE}/apply", data=fields, follow_redirects=False)
    assert refused.status_code == 403
    assert (
        "delegation"
        in delegate.post(
            f"/services/{SERVICE}/apply",
            data=fields | {"lang": "en"},
            params={"lang": "en"},
            follow_redirects=False,
        ).text
    )
    assert 'name="on_behalf_of"' not in delegate.get(f"/services/{SERVICE}/apply").text
    assert delegate.get(url).status_code == 404
    assert url not in delegate.get("/petitions").text
    assert client.get(url).status_code == 200
    assert len(db.exec(select(Petition)).all()) == 1


def test_a_third_citizen_can_neither_use_nor_see_a_delegation(client, people, db: Session):
    sign_in(client, people[0])
    give(client, people[1].national_id)
    grantor = db.exec(select(Citizen).where(Citizen.national_id == people[0].national_id)).one()
    delegate = TestClient(client.app)
    sign_in(delegate, people[1])
    fields = apply_fields(delegate) | {"on_behalf_of": str(grantor.id)}
    url = delegate.post(f"/services/{SERVICE}/apply", data=fields, follow_redirects=False).headers[
        "location"
    ]

    stranger = TestClient(client.app)
    sign_in(stranger, people[2])
    assert 'name="on_behalf_of"' not in stranger.get(f"/services/{SERVICE}/apply").text
    fields = apply_fields(stranger) | {"on_behalf_of": str(grantor.id)}
    assert stranger.post(f"/services/{SERVICE}/apply", data=fields).status_code == 403
    assert stranger.get(url).status_code == 404
    delegation = db.exec(select(Delegation)).one()
    page = stranger.get("/me/delegations")
    token = parse_forms(page.text)[-1]["fields"]["csrf_token"]
    revoked = stranger.post(f"/me/delegations/{delegation.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 404
    db.refresh(delegation)
    assert delegation.revoked_at is None


def test_granting_refuses_bad_input_and_shows_why(client, people, db: Session):
    sign_in(client, people[0])
    own = give(client, people[0].national_id, lang="en")
    assert own.status_code == 400
    assert give(client, "1234567890123").status_code == 400
    assert give(client, people[1].national_id, duration_days="400").status_code == 400
    assert give(client, people[1].national_id, scope="some").status_code == 400  # nothing ticked
    unknown = give(client, people[1].national_id, scope="some", services="dopa.nope")
    assert unknown.status_code == 400
    assert db.exec(select(Delegation)).all() == []
    scoped = give(client, people[1].national_id, scope="some", services=SERVICE)
    assert scoped.status_code == 303
    assert db.exec(select(Delegation)).one().services == [SERVICE]


def test_grant_and_revoke_need_the_csrf_token(client, people, db: Session):
    sign_in(client, people[0])
    fields = grant_form(client) | {"grantee_national_id": people[1].national_id}
    fields |= {"duration_days": "1"}
    del fields["csrf_token"]
    assert client.post("/me/delegations", data=fields).status_code == 403
    assert db.exec(select(Delegation)).all() == []
    give(client, people[1].national_id)
    delegation = db.exec(select(Delegation)).one()
    answer = client.post(f"/me/delegations/{delegation.id}/revoke", data={})
    assert answer.status_code == 403
    db.refresh(delegation)
    assert delegation.revoked_at is None


def test_delegation_pages_need_a_signed_in_citizen(client):
    page = client.get("/me/delegations", follow_redirects=False)
    assert page.status_code in (302, 303, 401)
    assert re.search(r"/login", page.headers.get("location", "") + page.text)
