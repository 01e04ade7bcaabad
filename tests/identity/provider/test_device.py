"""Device Authorization Grant (RFC 8628) for kiosks: codes, the phone pages, and polling."""

from __future__ import annotations

import re

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from .helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEVICE_GRANT,
    ISSUER,
    KIOSK_ID,
    KIOSK_SECRET,
    MALEE,
    SOMCHAI,
    FakeClock,
    authorize_params,
    form_fields,
    obtain_code,
    pkce_pair,
)

pytestmark = pytest.mark.anyio

USER_CODE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")


async def start(browser: httpx.AsyncClient, scope: str = "openid profile pid") -> dict[str, object]:
    response = await browser.post(
        "/device_authorization", data={"scope": scope}, auth=(KIOSK_ID, KIOSK_SECRET)
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def poll(browser: httpx.AsyncClient, device_code: object) -> httpx.Response:
    return await browser.post(
        "/token",
        data={"grant_type": DEVICE_GRANT, "device_code": str(device_code)},
        auth=(KIOSK_ID, KIOSK_SECRET),
    )


async def enter_code(browser: httpx.AsyncClient, user_code: str) -> httpx.Response:
    page = await browser.get("/device")
    return await browser.post("/device", data=form_fields(page.text) | {"user_code": user_code})


async def decide(
    browser: httpx.AsyncClient,
    user_code: str,
    action: str = "allow",
    *,
    pid: str = SOMCHAI.pid,
    password: str = "demo",
) -> httpx.Response:
    page = await enter_code(browser, user_code)
    assert page.status_code == 200, page.text
    data = form_fields(page.text) | {"action": action, "pid": pid, "password": password}
    return await browser.post("/device/approve", data=data)


async def test_device_authorization_returns_codes_to_show_on_the_kiosk(
    browser: httpx.AsyncClient,
) -> None:
    body = await start(browser)

    assert isinstance(body["device_code"], str) and len(body["device_code"]) >= 32
    assert isinstance(body["user_code"], str) and USER_CODE.match(body["user_code"])
    assert body["verification_uri"] == f"{ISSUER}/device"
    assert body["verification_uri_complete"] == f"{ISSUER}/device?user_code={body['user_code']}"
    assert body["expires_in"] == 600
    assert body["interval"] == 5


async def test_device_authorization_requires_the_client_secret(
    browser: httpx.AsyncClient,
) -> None:
    wrong = await browser.post(
        "/device_authorization", data={"scope": "openid"}, auth=(KIOSK_ID, "wrong")
    )
    public = await browser.post("/device_authorization", data={"client_id": KIOSK_ID})

    assert wrong.status_code == 401
    assert public.status_code == 401
    assert wrong.json()["error"] == public.json()["error"] == "invalid_client"


async def test_clients_without_the_device_grant_are_refused(browser: httpx.AsyncClient) -> None:
    response = await browser.post(
        "/device_authorization", data={"scope": "openid"}, auth=(CLIENT_ID, CLIENT_SECRET)
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


async def test_device_authorization_needs_the_openid_scope(browser: httpx.AsyncClient) -> None:
    response = await browser.post(
        "/device_authorization", data={"scope": "profile"}, auth=(KIOSK_ID, KIOSK_SECRET)
    )

    assert response.json()["error"] == "invalid_scope"


async def test_approved_device_gets_tokens_once(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    body = await start(browser)
    assert (await poll(browser, body["device_code"])).json()["error"] == "authorization_pending"

    done = await decide(browser, str(body["user_code"]))
    assert done.status_code == 200
    assert "Done. You can go back to the kiosk." in done.text
    clock.advance(5)
    response = await poll(browser, body["device_code"])

    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "openid profile pid"
    assert tokens["refresh_token"]
    jwks = KeySet.import_key_set((await browser.get("/jwks")).json())
    claims = jwt.decode(tokens["id_token"], jwks, algorithms=["RS256"]).claims
    assert claims["aud"] == KIOSK_ID
    assert claims["iss"] == ISSUER
    assert claims["sub"] == SOMCHAI.subject
    assert claims["pid"] == SOMCHAI.pid
    assert claims["acr"] == "urn:thaid:ial:2.3"
    assert claims["amr"] == ["pwd"]
    assert isinstance(claims["auth_time"], int)
    userinfo = await browser.get(
        "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert userinfo.json()["sub"] == SOMCHAI.subject

    clock.advance(5)
    again = await poll(browser, body["device_code"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


async def test_polling_faster_than_the_interval_slows_the_device_down(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    body = await start(browser)
    assert (await poll(browser, body["device_code"])).json()["error"] == "authorization_pending"

    clock.advance(4)
    too_fast = await poll(browser, body["device_code"])
    clock.advance(9)  # the interval is now 10 s
    still_too_fast = await poll(browser, body["device_code"])
    clock.advance(15)  # and now 15 s
    patient = await poll(browser, body["device_code"])

    assert too_fast.status_code == 400
    assert too_fast.json()["error"] == "slow_down"
    assert still_too_fast.json()["error"] == "slow_down"
    assert patient.json()["error"] == "authorization_pending"


async def test_denied_device_gets_access_denied(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    body = await start(browser)

    done = await decide(browser, str(body["user_code"]), action="deny", pid="", password="")
    response = await poll(browser, body["device_code"])

    assert "The kiosk will not receive your information." in done.text
    assert response.status_code == 400
    assert response.json()["error"] == "access_denied"


async def test_expired_device_code_gets_expired_token(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    body = await start(browser)
    clock.advance(600)

    response = await poll(browser, body["device_code"])
    page = await enter_code(browser, str(body["user_code"]))

    assert response.status_code == 400
    assert response.json()["error"] == "expired_token"
    assert page.status_code == 400
    assert "not found or has expired" in page.text


async def test_unknown_device_code_and_another_clients_code_are_invalid_grant(
    browser: httpx.AsyncClient,
) -> None:
    body = await start(browser)

    unknown = await poll(browser, "nope")
    stolen = await browser.post(
        "/token",
        data={"grant_type": DEVICE_GRANT, "device_code": str(body["device_code"])},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )

    assert unknown.json()["error"] == "invalid_grant"
    assert stolen.json()["error"] == "unauthorized_client"  # the portal may not use this grant


@pytest.mark.parametrize("typed", ["lower", "nodash", "spaced"])
async def test_the_user_code_is_case_and_dash_insensitive(
    browser: httpx.AsyncClient, typed: str
) -> None:
    code = str((await start(browser))["user_code"])
    variants = {
        "lower": code.lower(),
        "nodash": code.replace("-", ""),
        "spaced": " " + code.replace("-", " ").lower() + " ",
    }

    page = await enter_code(browser, variants[typed])

    assert page.status_code == 200
    assert code in page.text
    assert 'name="password"' in page.text


async def test_the_verification_page_is_bilingual_accessible_and_prefilled(
    browser: httpx.AsyncClient,
) -> None:
    body = await start(browser)

    blank = await browser.get("/device")
    prefilled = await browser.get(str(body["verification_uri_complete"]).removeprefix(ISSUER))

    assert blank.status_code == 200
    assert '<label for="user_code">' in blank.text and 'id="user_code"' in blank.text
    assert "Code from the kiosk" in blank.text and "รหัสจากตู้บริการ" in blank.text
    assert "Development digital ID — not ThaID" in blank.text
    assert 'name="viewport"' in blank.text
    assert "frame-ancestors 'none'" in blank.headers["content-security-policy"]
    # The code is only prefilled: the person still confirms it against the kiosk screen.
    assert f'value="{body["user_code"]}"' in prefilled.text
    assert 'name="password"' not in prefilled.text


async def test_the_sign_in_page_shows_the_code_consent_and_allow_or_deny(
    browser: httpx.AsyncClient,
) -> None:
    body = await start(browser)

    page = await enter_code(browser, str(body["user_code"]))

    assert str(body["user_code"]) in page.text
    assert "matches the one on the kiosk screen" in page.text
    assert "Your 13-digit citizen ID number" in page.text
    assert "Your registered address" not in page.text  # not in the kiosk's scope
    assert "Allow" in page.text and "Cancel" in page.text
    assert f"login_hint={SOMCHAI.pid}" in page.text


async def test_a_test_account_link_goes_straight_to_a_prefilled_sign_in(
    browser: httpx.AsyncClient,
) -> None:
    body = await start(browser)

    page = await browser.get(
        "/device", params={"user_code": str(body["user_code"]), "login_hint": MALEE.pid}
    )

    assert f'value="{MALEE.pid}"' in page.text
    assert 'name="password"' in page.text


async def test_a_wrong_password_keeps_the_code_pending(
    browser: httpx.AsyncClient,
) -> None:
    body = await start(browser)

    wrong = await decide(browser, str(body["user_code"]), password="nope")

    assert wrong.status_code == 401
    assert "password is not correct" in wrong.text
    assert (await poll(browser, body["device_code"])).json()["error"] == "authorization_pending"


async def test_a_browser_already_signed_in_approves_without_the_password(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    _, challenge = pkce_pair()
    await obtain_code(browser, authorize_params(challenge), pid=MALEE.pid, password="malee-pass")
    body = await start(browser)

    page = await enter_code(browser, str(body["user_code"]))
    assert 'name="password"' not in page.text
    assert "Malee" in page.text
    await browser.post("/device/approve", data=form_fields(page.text) | {"action": "allow"})
    tokens = (await poll(browser, body["device_code"])).json()

    jwks = KeySet.import_key_set((await browser.get("/jwks")).json())
    assert jwt.decode(tokens["id_token"], jwks).claims["sub"] == MALEE.subject


async def test_a_decided_code_cannot_be_decided_again(browser: httpx.AsyncClient) -> None:
    body = await start(browser)
    page = await enter_code(browser, str(body["user_code"]))
    fields = form_fields(page.text)
    await browser.post("/device/approve", data=fields | {"action": "deny"})

    again = await browser.post(
        "/device/approve",
        data=fields | {"action": "allow", "pid": SOMCHAI.pid, "password": "demo"},
    )

    assert again.status_code == 400
    assert (await poll(browser, body["device_code"])).json()["error"] == "access_denied"


async def test_device_forms_need_the_csrf_token(browser: httpx.AsyncClient) -> None:
    body = await start(browser)

    response = await browser.post("/device", data={"user_code": str(body["user_code"])})

    assert response.status_code == 403


# --- RFC 8628 §5.1: guessing user codes on /device is limited per client ---------------------

WRONG_CODES = ["BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "FFFF-FFFF", "GGGG-GGGG", "HHHH-HHHH"]


async def enter_wrong_codes(browser: httpx.AsyncClient, count: int) -> None:
    for wrong in WRONG_CODES[:count]:
        page = await enter_code(browser, wrong)
        assert page.status_code == 400, page.text


def assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert 0 < int(response.headers["retry-after"]) <= 600
    assert "Too many wrong codes" in response.text and "กรอกรหัสผิดหลายครั้งเกินไป" in response.text
    assert "minute(s)" in response.text and "นาที" in response.text
    assert 'name="password"' not in response.text


def other_browser(provider_app: object, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=provider_app, client=(address, 4321))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url=ISSUER)


def test_user_codes_follow_rfc_8628_section_6_1() -> None:
    from identity.provider.server import USER_CODE_ALPHABET, USER_CODE_LENGTH

    assert USER_CODE_ALPHABET == "BCDFGHJKLMNPQRSTVWXZ" and USER_CODE_LENGTH == 8
    assert len(USER_CODE_ALPHABET) ** USER_CODE_LENGTH > 2.5e10  # about 34.5 bits


async def test_user_codes_use_the_whole_alphabet(browser: httpx.AsyncClient) -> None:
    seen = set()
    for _ in range(40):
        seen |= set(str((await start(browser))["user_code"]).replace("-", ""))
    assert seen <= set("BCDFGHJKLMNPQRSTVWXZ") and len(seen) >= 15


async def test_five_wrong_codes_then_even_the_right_one_is_refused(
    browser: httpx.AsyncClient,
) -> None:
    body = await start(browser)
    await enter_wrong_codes(browser, 5)

    sixth = await enter_code(browser, str(body["user_code"]))

    assert_too_many(sixth)
    # The other pages that tell a live code from a dead one are closed too.
    hinted = await browser.get(
        "/device", params={"user_code": str(body["user_code"]), "login_hint": SOMCHAI.pid}
    )
    assert_too_many(hinted)
    assert (await poll(browser, body["device_code"])).json()["error"] == "authorization_pending"


async def test_the_approve_step_counts_and_is_refused_too(browser: httpx.AsyncClient) -> None:
    body = await start(browser)
    page = await enter_code(browser, str(body["user_code"]))
    fields = form_fields(page.text)
    await enter_wrong_codes(browser, 4)
    guess = await browser.post("/device/approve", data=fields | {"user_code": "JJJJ-JJJJ"})
    assert guess.status_code == 400  # the fifth wrong code

    approve = await browser.post(
        "/device/approve",
        data=fields | {"action": "allow", "pid": SOMCHAI.pid, "password": "demo"},
    )

    assert_too_many(approve)
    assert (await poll(browser, body["device_code"])).json()["error"] == "authorization_pending"


async def test_a_right_code_before_the_limit_works_and_does_not_count(
    browser: httpx.AsyncClient,
) -> None:
    body = await start(browser)
    await enter_wrong_codes(browser, 4)

    for _ in range(3):  # right codes never add to the count
        page = await enter_code(browser, str(body["user_code"]))
        assert page.status_code == 200 and 'name="password"' in page.text
    approved = await decide(browser, str(body["user_code"]))

    assert approved.status_code == 200
    assert "access_token" in (await poll(browser, body["device_code"])).json()


async def test_right_codes_do_not_add_to_the_count(browser: httpx.AsyncClient) -> None:
    body = await start(browser)
    await enter_wrong_codes(browser, 4)
    for _ in range(3):
        assert (await enter_code(browser, str(body["user_code"]))).status_code == 200

    # The fifth wrong code is still answered (400), the sixth entry is not.
    assert (await enter_code(browser, "JJJJ-JJJJ")).status_code == 400
    assert_too_many(await enter_code(browser, "KKKK-KKKK"))


async def test_codes_that_cannot_match_are_not_counted(browser: httpx.AsyncClient) -> None:
    body = await start(browser)
    for typo in ["", "BCD", "BCDF-GHJK-L"] * 3:
        assert (await enter_code(browser, typo)).status_code == 400

    assert (await enter_code(browser, str(body["user_code"]))).status_code == 200


async def test_another_client_is_unaffected(
    browser: httpx.AsyncClient, provider_app: object
) -> None:
    body = await start(browser)
    await enter_wrong_codes(browser, 5)
    assert_too_many(await enter_code(browser, str(body["user_code"])))

    async with other_browser(provider_app, "192.0.2.7") as phone:
        page = await enter_code(phone, str(body["user_code"]))
        assert page.status_code == 200 and 'name="password"' in page.text


async def test_a_signed_in_browser_is_counted_by_its_session(
    browser: httpx.AsyncClient, provider_app: object
) -> None:
    """Same address, but one browser has a provider session: each has its own count."""
    _, challenge = pkce_pair()
    await obtain_code(browser, authorize_params(challenge), pid=MALEE.pid, password="malee-pass")
    body = await start(browser)
    await enter_wrong_codes(browser, 5)
    assert_too_many(await enter_code(browser, str(body["user_code"])))

    async with other_browser(provider_app, "127.0.0.1") as anonymous:
        assert (await enter_code(anonymous, str(body["user_code"]))).status_code == 200
        # A made-up session cookie is not a session: it does not buy a fresh count.
        await enter_wrong_codes(anonymous, 5)
        anonymous.cookies.set("dev_idp_session", "made-up")
        assert_too_many(await enter_code(anonymous, str(body["user_code"])))


async def test_the_limit_resets_after_the_window(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await enter_wrong_codes(browser, 5)
    clock.advance(300)
    blocked = await enter_code(browser, "KKKK-KKKK")
    assert_too_many(blocked)
    assert 290 <= int(blocked.headers["retry-after"]) <= 300
    assert "5 minute(s)" in blocked.text and "5 นาที" in blocked.text

    clock.advance(300)
    body = await start(browser)
    page = await enter_code(browser, str(body["user_code"]))

    assert page.status_code == 200 and 'name="password"' in page.text
