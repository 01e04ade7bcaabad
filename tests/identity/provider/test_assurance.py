"""IAL step-up: `acr_values` asks for a minimum identity assurance level (OIDC Core §3.1.2.1)."""

from __future__ import annotations

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from identity.provider.assurance import acr_for, requested_minimum

from .helpers import (
    MALEE,
    SOMCHAI,
    authorize_params,
    exchange,
    form_fields,
    obtain_code,
    pkce_pair,
    query_of,
    sign_in,
)

pytestmark = pytest.mark.anyio


async def id_token_claims(
    browser: httpx.AsyncClient, code: str, verifier: str
) -> dict[str, object]:
    body = (await exchange(browser, code, verifier)).json()
    jwks = KeySet.import_key_set((await browser.get("/jwks")).json())
    return dict(jwt.decode(body["id_token"], jwks, algorithms=["RS256"]).claims)


async def reach_step_up(browser: httpx.AsyncClient, params: dict[str, str]) -> httpx.Response:
    page = await sign_in(browser, params, pid=MALEE.pid, password="malee-pass")
    assert page.status_code == 200, page.text
    return page


@pytest.mark.parametrize(
    ("acr_values", "expected"),
    [
        ("urn:thaid:ial:2.3", 2.3),
        ("urn:thaid:ial:3 urn:thaid:ial:1.2", 1.2),
        ("urn:thaid:ial:3", 3.0),
        ("urn:thaid:ial:9 urn:thaid:ial:2.2", 2.2),
        ("urn:thaid:ial:9", None),
        ("ial2.3", None),
        ("urn:thaid:ial:", None),
        ("", None),
        (None, None),
    ],
)
def test_the_lowest_listed_known_level_is_the_minimum(
    acr_values: str | None, expected: float | None
) -> None:
    assert requested_minimum(acr_values) == expected


def test_acr_names_the_level_without_trailing_zeroes() -> None:
    assert acr_for(2.3) == "urn:thaid:ial:2.3"
    assert acr_for(3.0) == "urn:thaid:ial:3"


async def test_a_satisfied_minimum_signs_in_as_usual_and_reports_the_actual_level(
    browser: httpx.AsyncClient,
) -> None:
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, acr_values="urn:thaid:ial:2.1")

    code = await obtain_code(browser, params)
    claims = await id_token_claims(browser, code, verifier)

    assert claims["acr"] == "urn:thaid:ial:2.3"
    assert claims["ial"] == 2.3
    assert claims["amr"] == ["pwd"]


async def test_a_lower_level_is_offered_a_labelled_simulated_face_scan(
    browser: httpx.AsyncClient,
) -> None:
    _, challenge = pkce_pair()

    page = await reach_step_up(browser, authorize_params(challenge, acr_values="urn:thaid:ial:2.3"))

    assert "Your digital ID is at level <strong>1.1</strong>" in page.text
    assert "needs level <strong>2.3</strong>" in page.text
    assert "ระดับ <strong>1.1</strong>" in page.text
    assert "Verify with face scan at ThaID (simulated)" in page.text
    assert "Development simulation" in page.text
    assert "Cancel" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_accepted_step_up_raises_the_level_for_this_and_later_sign_ins(
    browser: httpx.AsyncClient,
) -> None:
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, acr_values="urn:thaid:ial:2.3")
    page = await reach_step_up(browser, params)

    redirect = await browser.post(
        "/authorize/step-up", data=form_fields(page.text) | {"action": "verify"}
    )

    assert redirect.status_code == 302, redirect.text
    callback = query_of(redirect.headers["location"])
    assert callback["state"] == params["state"]
    claims = await id_token_claims(browser, callback["code"], verifier)
    assert claims["acr"] == "urn:thaid:ial:2.3"
    assert claims["ial"] == 2.3
    assert claims["amr"] == ["pwd", "face"]

    # Later sign-ins (here with a fresh password) are at the raised level with no step-up.
    verifier, challenge = pkce_pair()
    later = authorize_params(challenge, acr_values="urn:thaid:ial:2.3", prompt="login")
    code = await obtain_code(browser, later, pid=MALEE.pid, password="malee-pass")
    assert (await id_token_claims(browser, code, verifier))["acr"] == "urn:thaid:ial:2.3"


async def test_step_up_raises_only_the_account_that_took_it(browser: httpx.AsyncClient) -> None:
    _, challenge = pkce_pair()
    page = await reach_step_up(browser, authorize_params(challenge, acr_values="urn:thaid:ial:3"))
    await browser.post("/authorize/step-up", data=form_fields(page.text) | {"action": "verify"})

    verifier, challenge = pkce_pair()
    code = await obtain_code(browser, authorize_params(challenge, prompt="login"))

    assert (await id_token_claims(browser, code, verifier))["ial"] == SOMCHAI.ial


async def test_declined_step_up_returns_access_denied_for_insufficient_assurance(
    browser: httpx.AsyncClient,
) -> None:
    _, challenge = pkce_pair()
    params = authorize_params(challenge, acr_values="urn:thaid:ial:2.3")
    page = await reach_step_up(browser, params)

    redirect = await browser.post(
        "/authorize/step-up", data=form_fields(page.text) | {"action": "cancel"}
    )

    assert redirect.status_code == 302
    assert redirect.headers["location"].startswith("http://127.0.0.1:8000/auth/callback?")
    callback = query_of(redirect.headers["location"])
    assert callback["error"] == "access_denied"
    assert callback["error_description"] == "insufficient assurance"
    assert callback["state"] == params["state"]
    assert "code" not in callback


async def test_a_step_up_form_can_be_used_only_once(browser: httpx.AsyncClient) -> None:
    _, challenge = pkce_pair()
    page = await reach_step_up(browser, authorize_params(challenge, acr_values="urn:thaid:ial:2.3"))
    fields = form_fields(page.text)
    await browser.post("/authorize/step-up", data=fields | {"action": "cancel"})

    again = await browser.post("/authorize/step-up", data=fields | {"action": "verify"})

    assert again.status_code == 403


async def test_a_tampered_minimum_in_the_step_up_form_is_refused(
    browser: httpx.AsyncClient,
) -> None:
    _, challenge = pkce_pair()
    page = await reach_step_up(browser, authorize_params(challenge, acr_values="urn:thaid:ial:2.3"))
    fields = form_fields(page.text) | {"acr_values": "urn:thaid:ial:1.2", "action": "verify"}

    response = await browser.post("/authorize/step-up", data=fields)

    assert response.status_code == 403


async def test_step_up_also_applies_to_a_browser_already_signed_in(
    browser: httpx.AsyncClient,
) -> None:
    _, challenge = pkce_pair()
    await obtain_code(browser, authorize_params(challenge), pid=MALEE.pid, password="malee-pass")

    page = await browser.get(
        "/authorize", params=authorize_params(challenge, acr_values="urn:thaid:ial:2.1")
    )
    assert 'name="password"' not in page.text
    step_up = await browser.post("/authorize", data=form_fields(page.text) | {"action": "allow"})

    assert step_up.status_code == 200
    assert "needs level <strong>2.1</strong>" in step_up.text


@pytest.mark.parametrize("acr_values", ["urn:thaid:ial:9", "loa3", "urn:thaid:ial:2.3.1 x"])
async def test_malformed_acr_values_are_ignored(
    browser: httpx.AsyncClient, acr_values: str
) -> None:
    verifier, challenge = pkce_pair()
    params = authorize_params(challenge, acr_values=acr_values)

    code = await obtain_code(browser, params, pid=MALEE.pid, password="malee-pass")
    claims = await id_token_claims(browser, code, verifier)

    assert claims["acr"] == "urn:thaid:ial:1.1"
    assert claims["ial"] == 1.1
