"""The happy paths a relying party relies on, checked the way a relying party would check them."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

import httpx
import pytest
from authlib.oidc import discovery, rpinitiated
from joserfc import jwt
from joserfc.jwk import KeySet

from .helpers import (
    CLIENT_ID,
    ISSUER,
    MALEE,
    POST_CLIENT,
    SOMCHAI,
    FakeClock,
    authorize_params,
    exchange,
    form_fields,
    obtain_code,
    pkce_pair,
    query_of,
)

pytestmark = pytest.mark.anyio


async def fetch_jwks(browser: httpx.AsyncClient) -> KeySet:
    return KeySet.import_key_set((await browser.get("/jwks")).json())


def verified_claims(token: str, jwks: KeySet, **expected: object) -> dict[str, object]:
    """Checks the signature against the published JWKS and the given claim values."""
    decoded = jwt.decode(token, jwks, algorithms=["RS256"])
    options = {name: {"essential": True, "value": value} for name, value in expected.items()}
    jwt.JWTClaimsRegistry(**options).validate(decoded.claims)
    return dict(decoded.claims)


def half_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


async def test_discovery_document_is_valid_openid_provider_metadata(
    browser: httpx.AsyncClient,
) -> None:
    response = await browser.get("/.well-known/openid-configuration")

    metadata = discovery.OpenIDProviderMetadata(response.json())
    metadata.validate(metadata_classes=[rpinitiated.OpenIDProviderMetadata])
    assert metadata["issuer"] == ISSUER
    assert metadata["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert metadata["token_endpoint"] == f"{ISSUER}/token"
    assert metadata["userinfo_endpoint"] == f"{ISSUER}/userinfo"
    assert metadata["jwks_uri"] == f"{ISSUER}/jwks"
    assert metadata["end_session_endpoint"] == f"{ISSUER}/logout"
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["grant_types_supported"] == [
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
    ]
    assert metadata["device_authorization_endpoint"] == f"{ISSUER}/device_authorization"
    assert metadata["acr_values_supported"] == [
        f"urn:thaid:ial:{level}" for level in ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3")
    ]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert metadata["subject_types_supported"] == ["public"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert {"openid", "profile", "address", "pid"} <= set(metadata["scopes_supported"])
    assert {"sub", "pid", "name", "name_en", "address", "ial", "acr", "amr"} <= set(
        metadata["claims_supported"]
    )


async def test_jwks_publishes_only_the_public_key_with_a_kid(browser: httpx.AsyncClient) -> None:
    keys = (await browser.get("/jwks")).json()["keys"]

    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["kid"]
    assert keys[0]["alg"] == "RS256"
    assert "d" not in keys[0] and "p" not in keys[0]


async def test_healthz_says_ok(browser: httpx.AsyncClient) -> None:
    response = await browser.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_code_flow_with_pkce_issues_tokens_a_relying_party_can_verify(
    browser: httpx.AsyncClient,
) -> None:
    config = (await browser.get("/.well-known/openid-configuration")).json()
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge)

    page = await browser.get(urlsplit(config["authorization_endpoint"]).path, params=params)
    assert page.status_code == 200
    fields = form_fields(page.text) | {"pid": SOMCHAI.pid, "password": "demo", "action": "allow"}
    redirect = await browser.post("/authorize", data=fields)

    assert redirect.status_code == 302
    location = redirect.headers["location"]
    assert location.startswith("http://127.0.0.1:8000/auth/callback?")
    callback = query_of(location)
    assert callback["state"] == params["state"]

    response = await exchange(browser, callback["code"], verifier)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == "openid profile address pid"

    jwks = await fetch_jwks(browser)
    id_header = jwt.decode(body["id_token"], jwks, algorithms=["RS256"]).header
    assert id_header["kid"] == jwks.keys[0].kid
    claims = verified_claims(
        body["id_token"], jwks, iss=ISSUER, aud=CLIENT_ID, nonce=params["nonce"]
    )
    assert claims["sub"] == SOMCHAI.subject
    assert claims["sub"] != SOMCHAI.pid
    assert claims["at_hash"] == half_hash(body["access_token"])
    assert isinstance(claims["auth_time"], int)
    assert claims["pid"] == SOMCHAI.pid
    assert claims["title"] == "นาย"
    assert claims["given_name"] == "สมชาย"
    assert claims["family_name"] == "ใจดี"
    assert claims["name"] == "นาย สมชาย ใจดี"
    assert claims["name_en"] == "Mr. Somchai Jaidee"
    assert claims["given_name_en"] == "Somchai"
    assert claims["birthdate"] == "1985-03-14"
    assert claims["gender"] == "male"
    assert claims["address"] == {"formatted": SOMCHAI.address}
    assert claims["ial"] == 2.3
    assert claims["acr"] == "urn:thaid:ial:2.3"
    assert claims["amr"] == ["pwd"]

    access = jwt.decode(body["access_token"], jwks, algorithms=["RS256"])
    assert access.header["typ"] == "at+jwt"
    assert access.header["kid"] == jwks.keys[0].kid
    access_claims = verified_claims(
        body["access_token"], jwks, iss=ISSUER, aud=CLIENT_ID, client_id=CLIENT_ID
    )
    assert access_claims["sub"] == SOMCHAI.subject
    assert access_claims["scope"] == "openid profile address pid"
    assert access_claims["pid"] == SOMCHAI.pid
    assert access_claims["jti"]

    userinfo = await browser.get(
        config["userinfo_endpoint"].removeprefix(ISSUER),
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert userinfo.status_code == 200
    info = userinfo.json()
    assert info["sub"] == SOMCHAI.subject
    assert info["name"] == "นาย สมชาย ใจดี"
    assert info["pid"] == SOMCHAI.pid
    assert info["address"] == {"formatted": SOMCHAI.address}
    assert info["ial"] == 2.3


async def test_claims_follow_the_granted_scope(browser: httpx.AsyncClient) -> None:
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, scope="openid profile")
    code = await obtain_code(browser, params, pid=MALEE.pid, password="malee-pass")

    body = (await exchange(browser, code, verifier)).json()
    claims = jwt.decode(body["id_token"], await fetch_jwks(browser)).claims

    assert body["scope"] == "openid profile"
    assert claims["name"] == "นางสาว มาลี รักไทย"
    assert claims["gender"] == "female"
    assert claims["ial"] == 1.1
    assert "pid" not in claims
    assert "address" not in claims
    access_claims = jwt.decode(body["access_token"], await fetch_jwks(browser)).claims
    assert "pid" not in access_claims


async def test_unknown_scopes_are_ignored_and_nonce_is_optional(
    browser: httpx.AsyncClient,
) -> None:
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, scope="openid email pid", nonce=None)
    code = await obtain_code(browser, params)

    body = (await exchange(browser, code, verifier)).json()
    claims = jwt.decode(body["id_token"], await fetch_jwks(browser)).claims

    assert body["scope"] == "openid pid"
    assert "nonce" not in claims
    assert claims["pid"] == SOMCHAI.pid


async def test_client_secret_post_client_exchanges_its_code(browser: httpx.AsyncClient) -> None:
    verifier, challenge = pkce_pair()
    params = authorize_params(
        challenge,
        client_id=POST_CLIENT.client_id,
        redirect_uri=POST_CLIENT.redirect_uris[0],
        scope="openid profile",
    )
    code = await obtain_code(browser, params)

    response = await browser.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": POST_CLIENT.redirect_uris[0],
            "code_verifier": verifier,
            "client_id": POST_CLIENT.client_id,
            "client_secret": POST_CLIENT.client_secret,
        },
    )

    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["id_token"], await fetch_jwks(browser)).claims
    assert claims["aud"] == POST_CLIENT.client_id


async def test_typed_citizen_id_may_use_the_printed_dashed_form(
    browser: httpx.AsyncClient,
) -> None:
    _, challenge = pkce_pair()
    pid = SOMCHAI.pid
    dashed = f"{pid[0]}-{pid[1:5]}-{pid[5:10]}-{pid[10:12]}-{pid[12]}"

    code = await obtain_code(browser, authorize_params(challenge), pid=dashed)

    assert code


async def test_second_sign_in_skips_the_password_but_still_asks_for_consent(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    _, challenge = pkce_pair()
    await obtain_code(browser, authorize_params(challenge))
    first_auth_time = int(clock())
    clock.advance(120)

    verifier, challenge = pkce_pair()
    params = authorize_params(challenge)
    page = await browser.get("/authorize", params=params)

    assert page.status_code == 200
    assert 'name="password"' not in page.text
    assert "นาย สมชาย ใจดี" in page.text
    assert "เลขประจำตัวประชาชน 13 หลัก" in page.text  # the consent list is still shown
    redirect = await browser.post("/authorize", data=form_fields(page.text) | {"action": "allow"})
    assert redirect.status_code == 302
    code = query_of(redirect.headers["location"])["code"]
    body = (await exchange(browser, code, verifier)).json()
    claims = jwt.decode(body["id_token"], await fetch_jwks(browser)).claims
    assert claims["auth_time"] == first_auth_time


async def test_prompt_login_and_max_age_ask_for_the_password_again(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    _, challenge = pkce_pair()
    await obtain_code(browser, authorize_params(challenge))
    clock.advance(120)

    forced = await browser.get("/authorize", params=authorize_params(challenge, prompt="login"))
    too_old = await browser.get("/authorize", params=authorize_params(challenge, max_age="60"))
    recent = await browser.get("/authorize", params=authorize_params(challenge, max_age="600"))

    assert 'name="password"' in forced.text
    assert 'name="password"' in too_old.text
    assert 'name="password"' not in recent.text


async def test_logout_with_id_token_hint_redirects_and_ends_the_session(
    browser: httpx.AsyncClient,
) -> None:
    verifier, challenge = pkce_pair()
    code = await obtain_code(browser, authorize_params(challenge))
    id_token = (await exchange(browser, code, verifier)).json()["id_token"]

    response = await browser.get(
        "/logout",
        params={
            "id_token_hint": id_token,
            "post_logout_redirect_uri": "http://127.0.0.1:8000/",
            "state": "bye",
        },
    )

    assert response.status_code == 302
    assert response.headers["location"] == "http://127.0.0.1:8000/?state=bye"
    assert "dev_idp_session=" in response.headers["set-cookie"]
    assert "Max-Age=0" in response.headers["set-cookie"]
    page = await browser.get("/authorize", params=authorize_params(challenge))
    assert 'name="password"' in page.text


async def test_logout_without_id_token_hint_asks_for_confirmation(
    browser: httpx.AsyncClient,
) -> None:
    _, challenge = pkce_pair()
    await obtain_code(browser, authorize_params(challenge))

    confirm = await browser.get("/logout", params={"client_id": CLIENT_ID})
    assert confirm.status_code == 200
    assert "Sign out of the development digital ID?" in confirm.text
    done = await browser.post("/logout", data=form_fields(confirm.text))

    assert done.status_code == 200
    assert "You are signed out" in done.text
    page = await browser.get("/authorize", params=authorize_params(challenge))
    assert 'name="password"' in page.text
