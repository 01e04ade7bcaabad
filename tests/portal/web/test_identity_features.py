"""Step-up to a service's assurance level, signing out everywhere, the portal's client JWKS."""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from identity.models import Citizen
from portal.app import create_app
from portal.servers import demo_account_holders
from tests.fixtures.identity import approve_at_provider, parse_forms, sign_in

APPLY = "/services/dopa.residence-certificate/apply"


def test_a_session_below_the_services_level_is_sent_to_step_up_and_comes_back(
    client, people, db: Session
):
    sign_in(client, people[0])
    db.exec(update(Citizen).values(ial=1.1))  # enrolled lower than the service's 1.2
    db.commit()
    answer = client.get(APPLY, follow_redirects=False)
    assert answer.status_code == 303
    target = urlsplit(answer.headers["location"])
    assert target.path == "/login" and parse_qs(target.query) == {"next": [APPLY], "ial": ["1.2"]}

    start = client.get(answer.headers["location"], follow_redirects=False)
    assert parse_qs(urlsplit(start.headers["location"]).query)["acr_values"] == [
        "urn:thaid:ial:1.2"
    ]
    back = urlsplit(approve_at_provider(start.headers["location"], people[0]))
    done = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert done.headers["location"] == APPLY  # the petition resumes where it stopped
    assert client.get(APPLY).status_code == 200


def test_an_unknown_assurance_level_is_refused(client):
    assert client.get("/login", params={"ial": "9"}).status_code == 400


def test_sign_out_of_all_devices_ends_every_session(client, people):
    sign_in(client, people[0])
    phone = TestClient(client.app)
    sign_in(phone, people[0])
    page = client.get("/me/account")
    assert page.status_code == 200 and page.text.count("<tr><td") == 2
    form = next(f for f in parse_forms(page.text) if f["action"] == "/me/sessions/revoke-all")
    out = client.post("/me/sessions/revoke-all", data=form["fields"], follow_redirects=False)
    assert out.status_code == 303
    assert phone.get("/documents", follow_redirects=False).status_code == 303  # to /login
    assert client.get("/documents", follow_redirects=False).status_code == 303


def test_the_client_jwks_is_published_only_for_private_key_jwt(client, settings):
    assert client.get("/oidc/jwks.json").status_code == 404
    keyed = settings.model_copy(update={"oidc_client_auth": "private_key_jwt"})
    with TestClient(create_app(keyed)) as browser:
        jwks = browser.get("/oidc/jwks.json").json()
    assert jwks["keys"][0]["kty"] == "RSA" and "d" not in jwks["keys"][0]


def step_up_at_provider(authorize_url: str, person, action: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    """Signs in, allows, then answers the provider's step-up page with `action`."""
    with httpx.Client() as browser:
        page = browser.get(authorize_url)
        form = next(f for f in parse_forms(page.text) if "password" in page.text)
        fields = dict(form["fields"], pid=person.national_id, password="demo", action="allow")
        asked = browser.post(urljoin(authorize_url, form["action"] or "/authorize"), data=fields)
        assert asked.status_code == 200, asked.text  # the step-up page, not a code
        step = next(f for f in parse_forms(asked.text) if "step_up" in f["fields"])
        return browser.post(
            urljoin(authorize_url, step["action"]), data=dict(step["fields"], action=action)
        )


def test_step_up_to_a_higher_level_than_enrolled_raises_the_session(
    client, people, db: Session, database_url
):
    # Enrolled below 3 and used by no other test. The provider keeps a raised level for the
    # whole session, which serves both databases, so each database run takes its own person.
    person = demo_account_holders(people)[6 if database_url.startswith("sqlite") else 8]
    start = client.get("/login", params={"next": "/me/account", "ial": "3"}, follow_redirects=False)
    answer = step_up_at_provider(start.headers["location"], person, "verify")
    back = urlsplit(answer.headers["location"])
    done = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert done.headers["location"] == "/me/account"
    citizen = db.exec(select(Citizen).where(Citizen.national_id == person.national_id)).one()
    assert citizen.ial == 3.0


def test_declining_the_step_up_signs_nobody_in(client, people, db: Session):
    person = demo_account_holders(people)[7]
    start = client.get("/login", params={"ial": "3"}, follow_redirects=False)
    answer = step_up_at_provider(start.headers["location"], person, "cancel")
    back = urlsplit(answer.headers["location"])
    assert parse_qs(back.query)["error"] == ["access_denied"]
    refused = client.get(f"{back.path}?{back.query}", follow_redirects=False)
    assert refused.status_code == 400 and 'data-code="sign_in_failed"' in refused.text
    assert db.exec(select(Citizen).where(Citizen.national_id == person.national_id)).first() is None
