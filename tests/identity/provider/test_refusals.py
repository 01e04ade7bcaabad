"""Every way a request can be wrong, and the exact refusal each one gets."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from .helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    POST_CLIENT,
    REDIRECT_URI,
    SOMCHAI,
    FakeClock,
    authorize_params,
    exchange,
    form_fields,
    obtain_code,
    pkce_pair,
    query_of,
    sign_in,
)

pytestmark = pytest.mark.anyio


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestAuthorizationRequest:
    async def assert_redirected_with(
        self, browser: httpx.AsyncClient, params: dict[str, str], error: str
    ) -> None:
        response = await browser.get("/authorize", params=params)

        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(REDIRECT_URI + "?")
        query = query_of(location)
        assert query["error"] == error
        assert query["state"] == params["state"]
        assert "code" not in query

    async def test_missing_code_challenge_is_redirected_as_invalid_request(
        self, browser: httpx.AsyncClient
    ) -> None:
        params = authorize_params("", code_challenge=None, code_challenge_method=None)
        await self.assert_redirected_with(browser, params, "invalid_request")

    async def test_plain_code_challenge_method_is_redirected_as_invalid_request(
        self, browser: httpx.AsyncClient
    ) -> None:
        verifier, _ = pkce_pair()
        params = authorize_params(verifier, code_challenge_method="plain")
        await self.assert_redirected_with(browser, params, "invalid_request")

    async def test_code_challenge_without_method_is_refused_because_plain_is_implied(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()
        params = authorize_params(challenge, code_challenge_method=None)
        await self.assert_redirected_with(browser, params, "invalid_request")

    @pytest.mark.parametrize(
        ("extra", "error"),
        [
            ({"request": "eyJhbGciOiJub25lIn0.e30."}, "request_not_supported"),
            ({"request_uri": "https://127.0.0.1/req"}, "request_uri_not_supported"),
            ({"registration": "{}"}, "registration_not_supported"),
            ({"response_mode": "fragment"}, "invalid_request"),
            ({"response_mode": "form_post"}, "invalid_request"),
        ],
    )
    async def test_unsupported_request_parameters_are_refused_not_ignored(
        self, browser: httpx.AsyncClient, extra: dict[str, str], error: str
    ) -> None:
        _, challenge = pkce_pair()
        await self.assert_redirected_with(browser, authorize_params(challenge) | extra, error)

    async def test_scope_without_openid_is_redirected_as_invalid_scope(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()
        params = authorize_params(challenge, scope="profile pid")
        await self.assert_redirected_with(browser, params, "invalid_scope")

    async def test_token_response_type_is_redirected_as_unsupported(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()
        params = authorize_params(challenge, response_type="token")
        await self.assert_redirected_with(browser, params, "unsupported_response_type")

    async def test_prompt_none_without_a_session_is_redirected_as_login_required(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()
        params = authorize_params(challenge, prompt="none")
        await self.assert_redirected_with(browser, params, "login_required")

    async def test_prompt_none_with_a_session_is_redirected_as_consent_required(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()
        await obtain_code(browser, authorize_params(challenge))
        params = authorize_params(challenge, prompt="none")
        await self.assert_redirected_with(browser, params, "consent_required")

    @pytest.mark.parametrize(
        "overrides",
        [
            pytest.param({"redirect_uri": "http://127.0.0.1:8000/elsewhere"}, id="wrong-uri"),
            pytest.param({"redirect_uri": REDIRECT_URI + "/"}, id="trailing-slash"),
            pytest.param({"redirect_uri": REDIRECT_URI + "?x=1"}, id="extra-query"),
            pytest.param({"redirect_uri": None}, id="missing-uri"),
            pytest.param({"client_id": "stranger"}, id="unknown-client"),
            pytest.param({"client_id": None}, id="missing-client"),
        ],
    )
    async def test_bad_client_or_redirect_uri_gets_an_error_page_never_a_redirect(
        self, browser: httpx.AsyncClient, overrides: dict[str, str | None]
    ) -> None:
        _, challenge = pkce_pair()
        params = authorize_params(challenge, **overrides)

        response = await browser.get("/authorize", params=params)

        assert response.status_code == 400
        assert "location" not in response.headers
        assert response.headers["content-type"].startswith("text/html")
        assert "This sign-in request is not valid" in response.text

    async def test_posted_form_with_a_changed_redirect_uri_is_not_redirected(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()
        page = await browser.get("/authorize", params=authorize_params(challenge))
        fields = form_fields(page.text) | {
            "redirect_uri": "https://attacker.example/cb",
            "pid": SOMCHAI.pid,
            "password": "demo",
            "action": "allow",
        }

        response = await browser.post("/authorize", data=fields)

        assert response.status_code == 400
        assert "location" not in response.headers


class TestSignIn:
    async def test_wrong_password_shows_the_form_again_with_a_bilingual_error(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()
        params = authorize_params(challenge)

        response = await sign_in(browser, params, password="wrong")

        assert response.status_code == 401
        assert "location" not in response.headers
        assert "เลขประจำตัวประชาชนหรือรหัสผ่านไม่ถูกต้อง" in response.text
        assert "The citizen ID number or password is not correct." in response.text
        assert 'role="alert"' in response.text
        assert 'aria-invalid="true"' in response.text
        assert form_fields(response.text)["state"] == params["state"]
        assert "wrong" not in response.text  # the typed password is not echoed back

    async def test_unknown_citizen_id_gets_the_same_error_as_a_wrong_password(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()

        response = await sign_in(browser, authorize_params(challenge), pid="1234567890121")

        assert response.status_code == 401
        assert "The citizen ID number or password is not correct." in response.text

    async def test_empty_form_asks_for_citizen_id_and_password(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()

        response = await sign_in(browser, authorize_params(challenge), pid="", password="")

        assert response.status_code == 401
        assert "Enter your citizen ID number and password." in response.text

    async def test_cancel_redirects_with_access_denied(self, browser: httpx.AsyncClient) -> None:
        _, challenge = pkce_pair()
        params = authorize_params(challenge)

        response = await sign_in(browser, params, pid="", password="", action="deny")

        assert response.status_code == 302
        query = query_of(response.headers["location"])
        assert query["error"] == "access_denied"
        assert query["state"] == params["state"]
        assert "code" not in query

    async def test_form_without_the_csrf_cookie_is_refused(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()
        page = await browser.get("/authorize", params=authorize_params(challenge))
        fields = form_fields(page.text) | {
            "pid": SOMCHAI.pid,
            "password": "demo",
            "action": "allow",
        }
        browser.cookies.clear()

        response = await browser.post("/authorize", data=fields)

        assert response.status_code == 403
        assert "location" not in response.headers

    async def test_form_with_a_forged_csrf_token_is_refused(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()
        page = await browser.get("/authorize", params=authorize_params(challenge))
        fields = form_fields(page.text) | {
            "csrf_token": "0" * 64,
            "pid": SOMCHAI.pid,
            "password": "demo",
            "action": "allow",
        }

        response = await browser.post("/authorize", data=fields)

        assert response.status_code == 403
        assert "location" not in response.headers


class TestTokenEndpoint:
    async def test_reused_code_is_invalid_grant_and_revokes_the_first_access_token(
        self, browser: httpx.AsyncClient
    ) -> None:
        verifier, challenge = pkce_pair()
        code = await obtain_code(browser, authorize_params(challenge))
        first = await exchange(browser, code, verifier)
        access_token = first.json()["access_token"]
        assert (await browser.get("/userinfo", headers=bearer(access_token))).status_code == 200

        second = await exchange(browser, code, verifier)

        assert second.status_code == 400
        assert second.json()["error"] == "invalid_grant"
        userinfo = await browser.get("/userinfo", headers=bearer(access_token))
        assert userinfo.status_code == 401
        assert userinfo.json()["error"] == "invalid_token"

    async def test_expired_code_is_invalid_grant(
        self, browser: httpx.AsyncClient, clock: FakeClock
    ) -> None:
        verifier, challenge = pkce_pair()
        code = await obtain_code(browser, authorize_params(challenge))
        clock.advance(61)

        response = await exchange(browser, code, verifier)

        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    async def test_wrong_code_verifier_is_invalid_grant(self, browser: httpx.AsyncClient) -> None:
        _, challenge = pkce_pair()
        other_verifier, _ = pkce_pair()
        code = await obtain_code(browser, authorize_params(challenge))

        response = await exchange(browser, code, other_verifier)

        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    async def test_missing_code_verifier_is_invalid_request(
        self, browser: httpx.AsyncClient
    ) -> None:
        _, challenge = pkce_pair()
        code = await obtain_code(browser, authorize_params(challenge))

        response = await browser.post(
            "/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )

        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"

    async def test_different_redirect_uri_is_invalid_grant(
        self, browser: httpx.AsyncClient
    ) -> None:
        verifier, challenge = pkce_pair()
        code = await obtain_code(browser, authorize_params(challenge))

        response = await exchange(
            browser, code, verifier, redirect_uri="http://127.0.0.1:8000/elsewhere"
        )

        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    async def test_wrong_client_secret_is_401_invalid_client(
        self, browser: httpx.AsyncClient
    ) -> None:
        verifier, challenge = pkce_pair()
        code = await obtain_code(browser, authorize_params(challenge))

        response = await exchange(browser, code, verifier, secret="not-the-secret")

        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"].startswith("Basic")

    async def test_client_must_use_its_registered_auth_method(
        self, browser: httpx.AsyncClient
    ) -> None:
        verifier, challenge = pkce_pair()
        params = authorize_params(
            challenge,
            client_id=POST_CLIENT.client_id,
            redirect_uri=POST_CLIENT.redirect_uris[0],
            scope="openid",
        )
        code = await obtain_code(browser, params)

        response = await browser.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": POST_CLIENT.redirect_uris[0],
                "code_verifier": verifier,
            },
            auth=(POST_CLIENT.client_id, POST_CLIENT.client_secret),
        )

        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    async def test_code_issued_to_another_client_is_invalid_grant(
        self, browser: httpx.AsyncClient
    ) -> None:
        verifier, challenge = pkce_pair()
        code = await obtain_code(browser, authorize_params(challenge))

        response = await browser.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
                "client_id": POST_CLIENT.client_id,
                "client_secret": POST_CLIENT.client_secret,
            },
        )

        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"

    async def test_other_grant_types_are_unsupported(self, browser: httpx.AsyncClient) -> None:
        response = await browser.post(
            "/token",
            data={"grant_type": "client_credentials"},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )

        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"


class TestUserInfo:
    async def tokens(self, browser: httpx.AsyncClient) -> dict[str, str]:
        verifier, challenge = pkce_pair()
        code = await obtain_code(browser, authorize_params(challenge))
        body: dict[str, str] = (await exchange(browser, code, verifier)).json()
        return body

    async def test_tampered_access_token_is_401(self, browser: httpx.AsyncClient) -> None:
        token = (await self.tokens(browser))["access_token"]
        header, payload, signature = token.split(".")
        claims = jwt.decode(token, KeySet.import_key_set((await browser.get("/jwks")).json()))
        forged_claims = dict(claims.claims, sub="someone-else")
        forged_payload = (
            base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=").decode()
        )
        forged = f"{header}.{forged_payload}.{signature}"

        response = await browser.get("/userinfo", headers=bearer(forged))

        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"
        assert response.headers["www-authenticate"].startswith("Bearer")

    async def test_garbage_token_is_401(self, browser: httpx.AsyncClient) -> None:
        response = await browser.get("/userinfo", headers=bearer("not-a-jwt"))

        assert response.status_code == 401

    async def test_missing_token_is_401(self, browser: httpx.AsyncClient) -> None:
        response = await browser.get("/userinfo")

        assert response.status_code == 401

    async def test_expired_access_token_is_401(
        self, browser: httpx.AsyncClient, clock: FakeClock
    ) -> None:
        token = (await self.tokens(browser))["access_token"]
        clock.advance(901)

        response = await browser.get("/userinfo", headers=bearer(token))

        assert response.status_code == 401

    async def test_id_token_is_not_accepted_as_an_access_token(
        self, browser: httpx.AsyncClient
    ) -> None:
        id_token = (await self.tokens(browser))["id_token"]

        response = await browser.get("/userinfo", headers=bearer(id_token))

        assert response.status_code == 401


class TestLogout:
    async def test_unregistered_post_logout_redirect_uri_is_refused(
        self, browser: httpx.AsyncClient
    ) -> None:
        verifier, challenge = pkce_pair()
        code = await obtain_code(browser, authorize_params(challenge))
        id_token = (await exchange(browser, code, verifier)).json()["id_token"]

        response = await browser.get(
            "/logout",
            params={
                "id_token_hint": id_token,
                "post_logout_redirect_uri": "https://attacker.example/",
            },
        )

        assert response.status_code == 400
        assert "location" not in response.headers
        assert "This sign-out request was refused" in response.text
        page = await browser.get("/authorize", params=authorize_params(challenge))
        assert 'name="password"' not in page.text  # still signed in

    async def test_forged_id_token_hint_is_refused(self, browser: httpx.AsyncClient) -> None:
        response = await browser.get(
            "/logout",
            params={
                "id_token_hint": "eyJhbGciOiJub25lIn0.eyJhdWQiOiJwb3J0YWwifQ.",
                "post_logout_redirect_uri": "http://127.0.0.1:8000/",
            },
        )

        assert response.status_code == 400
        assert "location" not in response.headers

    async def test_logout_confirmation_without_csrf_token_is_refused(
        self, browser: httpx.AsyncClient
    ) -> None:
        response = await browser.post("/logout", data={"client_id": CLIENT_ID})

        assert response.status_code == 403
