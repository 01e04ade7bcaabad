"""Refresh tokens (RFC 6749 §6): rotated on every use; reuse revokes the whole family."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from identity.provider import ProviderClient, create_provider_app

from .helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    ISSUER,
    PORTAL,
    REDIRECT_URI,
    SOMCHAI,
    FakeClock,
    authorize_params,
    exchange,
    obtain_code,
    pkce_pair,
    refresh,
)

pytestmark = pytest.mark.anyio


async def first_tokens(browser: httpx.AsyncClient) -> dict[str, str]:
    verifier, challenge = pkce_pair()
    code = await obtain_code(browser, authorize_params(challenge))
    response = await exchange(browser, code, verifier)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


async def userinfo_status(browser: httpx.AsyncClient, access_token: str) -> int:
    response = await browser.get("/userinfo", headers={"Authorization": f"Bearer {access_token}"})
    return response.status_code


async def test_code_exchange_includes_a_refresh_token(browser: httpx.AsyncClient) -> None:
    body = await first_tokens(browser)

    assert body["refresh_token"]
    assert body["refresh_token"] != body["access_token"]


async def test_refreshing_rotates_the_refresh_token_and_issues_a_working_access_token(
    browser: httpx.AsyncClient,
) -> None:
    first = await first_tokens(browser)

    response = await refresh(browser, first["refresh_token"])

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == "openid profile address pid"
    assert await userinfo_status(browser, second["access_token"]) == 200
    third = await refresh(browser, second["refresh_token"])
    assert third.status_code == 200, third.text


async def test_refresh_may_narrow_the_scope_but_not_widen_it(browser: httpx.AsyncClient) -> None:
    first = await first_tokens(browser)

    wider = await refresh(browser, first["refresh_token"], scope="openid profile email")
    narrower = await refresh(browser, first["refresh_token"], scope="openid profile")

    assert wider.status_code == 400
    assert wider.json()["error"] == "invalid_scope"
    assert narrower.status_code == 200, narrower.text  # a scope mistake did not spend the token
    assert narrower.json()["scope"] == "openid profile"


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(
    browser: httpx.AsyncClient,
) -> None:
    first = await first_tokens(browser)
    second = (await refresh(browser, first["refresh_token"])).json()

    replay = await refresh(browser, first["refresh_token"])

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # The legitimate holder's current token and every access token of the family are dead too.
    latest = await refresh(browser, second["refresh_token"])
    assert latest.status_code == 400
    assert latest.json()["error"] == "invalid_grant"
    assert await userinfo_status(browser, first["access_token"]) == 401
    assert await userinfo_status(browser, second["access_token"]) == 401


async def test_a_revoked_family_does_not_touch_other_sign_ins(browser: httpx.AsyncClient) -> None:
    mine = await first_tokens(browser)
    other = await first_tokens(browser)
    await refresh(browser, mine["refresh_token"])
    await refresh(browser, mine["refresh_token"])

    assert await userinfo_status(browser, other["access_token"]) == 200
    assert (await refresh(browser, other["refresh_token"])).status_code == 200


async def test_replaying_the_code_also_revokes_its_refresh_tokens(
    browser: httpx.AsyncClient,
) -> None:
    verifier, challenge = pkce_pair()
    code = await obtain_code(browser, authorize_params(challenge))
    body = (await exchange(browser, code, verifier)).json()

    assert (await exchange(browser, code, verifier)).status_code == 400

    assert (await refresh(browser, body["refresh_token"])).json()["error"] == "invalid_grant"


async def test_another_clients_refresh_token_is_refused(browser: httpx.AsyncClient) -> None:
    first = await first_tokens(browser)

    response = await browser.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": "kiosk",
            "client_secret": "test-kiosk-secret",
        },
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert (await refresh(browser, first["refresh_token"])).status_code == 200


async def test_unknown_or_missing_refresh_tokens_are_refused(browser: httpx.AsyncClient) -> None:
    unknown = await refresh(browser, "not-a-refresh-token")
    missing = await browser.post(
        "/token", data={"grant_type": "refresh_token"}, auth=(CLIENT_ID, CLIENT_SECRET)
    )

    assert unknown.json()["error"] == "invalid_grant"
    assert missing.json()["error"] == "invalid_request"


async def test_refresh_tokens_expire(browser: httpx.AsyncClient, clock: FakeClock) -> None:
    first = await first_tokens(browser)
    clock.advance(86400)

    response = await refresh(browser, first["refresh_token"])

    assert response.json()["error"] == "invalid_grant"


async def test_clients_without_the_refresh_grant_get_no_refresh_token(
    shared_key_path: Path,
) -> None:
    client = ProviderClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=(REDIRECT_URI,),
        grant_types=("authorization_code",),
    )
    app = create_provider_app(
        issuer=ISSUER, key_path=shared_key_path, clients=[client], accounts=[SOMCHAI]
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as b:
        body = await first_tokens(b)
        assert "refresh_token" not in body
        response = await refresh(b, "anything")
        assert response.json()["error"] == "unauthorized_client"
    assert PORTAL.grant_types == ("authorization_code", "refresh_token")
