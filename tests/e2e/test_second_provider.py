"""Nothing is hard-wired to the bundled provider: the portal signs citizens in through a second,
independently configured provider (its own key, client, authentication method and claim names)
by configuration alone."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from identity.models import Citizen
from identity.provider.accounts import ProviderClient
from identity.provider.app import create_provider_app
from portal.app import create_app
from portal.servers import demo_account_holders, provider_account
from tests.fixtures.identity import sign_in
from tests.fixtures.servers import LiveServer, free_port, make_settings, start_live_server

pytestmark = pytest.mark.e2e

# This provider names claims its own way; the portal's claim map translates them.
OTHER_CLAIM_NAMES = {"pid": "citizen_id", "given_name": "first_name", "family_name": "last_name"}


@pytest.fixture(scope="module")
def other_provider(tmp_path_factory, people) -> Iterator[LiveServer]:
    port = free_port()
    app = create_provider_app(
        issuer=f"http://127.0.0.1:{port}",
        key_path=tmp_path_factory.mktemp("other-idp") / "signing-key.pem",
        clients=[
            ProviderClient(
                client_id="portal-at-other",
                client_secret="another-secret",
                redirect_uris=("http://testserver/auth/callback",),
                token_endpoint_auth_method="client_secret_post",
            )
        ],
        accounts=[provider_account(p, ial=2.2) for p in demo_account_holders(people)],
        claim_names=OTHER_CLAIM_NAMES,
    )
    server = start_live_server(app, port)
    yield server
    server.stop()


def portal_for(other_provider, data_dir, ports, database_url, *, claim_map):  # type: ignore[no-untyped-def]
    settings = make_settings(data_dir=data_dir, ports=ports, database_url=database_url)
    return create_app(
        settings.model_copy(
            update={
                "oidc_issuer": other_provider.url,
                "oidc_client_id": "portal-at-other",
                "oidc_client_secret": "another-secret",
                "oidc_client_auth": "client_secret_post",
                "oidc_claim_map": claim_map,
            }
        )
    )


def test_the_portal_signs_in_through_another_provider_by_configuration(
    other_provider, live_servers, data_dir, ports, database_url, clean_engine, people
):
    other_kid = httpx.get(f"{other_provider.url}/jwks").json()["keys"][0]["kid"]
    bundled_kid = httpx.get(f"{live_servers['provider'].url}/jwks").json()["keys"][0]["kid"]
    assert other_kid != bundled_kid

    app = portal_for(other_provider, data_dir, ports, database_url, claim_map=OTHER_CLAIM_NAMES)
    person = people[1]
    with TestClient(app, base_url="http://testserver") as browser:
        sign_in(browser, person)
        assert person.given_name_th in browser.get("/").text
    with Session(clean_engine) as db:
        citizen = db.exec(select(Citizen).where(Citizen.national_id == person.national_id)).one()
    assert citizen.issuer == other_provider.url
    assert (citizen.given_name_th, citizen.family_name_th, citizen.ial) == (
        person.given_name_th,
        person.family_name_th,
        2.2,
    )


def test_without_the_claim_map_the_other_providers_tokens_do_not_sign_anyone_in(
    other_provider, live_servers, data_dir, ports, database_url, clean_engine, people
):
    app = portal_for(other_provider, data_dir, ports, database_url, claim_map={})
    with TestClient(app, base_url="http://testserver") as browser, pytest.raises(AssertionError):
        sign_in(browser, people[1])  # the callback answers 400: no valid `pid` claim
    with Session(clean_engine) as db:
        assert db.exec(select(Citizen)).all() == []
