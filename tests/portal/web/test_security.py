"""Bad input and hostile requests: each gets a clear answer with the right status, and nothing
is written."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from identity.models import Citizen, LoginAttempt, WebSession
from services.petitions.models import Petition
from tests.fixtures.identity import approve_at_provider, parse_forms, sign_in
from tests.portal.web.test_journey import submit_residence_petition


def start_login(client: TestClient) -> str:
    answer = client.get("/login", follow_redirects=False)
    assert answer.status_code == 303
    return answer.headers["location"]


class TestSignIn:
    def test_login_sends_state_nonce_and_s256_challenge(self, client):
        query = parse_qs(urlsplit(start_login(client)).query)
        assert query["code_challenge_method"] == ["S256"]
        assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
        assert query["response_type"] == ["code"]

    def test_tampered_state_is_refused_and_no_session_is_made(self, client, people, db: Session):
        back = approve_at_provider(start_login(client), people[0])
        parts = urlsplit(back)
        query = parse_qs(parts.query)
        answer = client.get(
            "/auth/callback",
            params={"state": "forged" + query["state"][0], "code": query["code"][0]},
        )
        assert answer.status_code == 400
        assert 'data-code="sign_in_failed"' in answer.text
        assert db.exec(select(WebSession)).all() == []
        assert db.exec(select(Citizen)).all() == []

    def test_state_cannot_be_replayed(self, client, people, db: Session):
        back = approve_at_provider(start_login(client), people[0])
        parts = urlsplit(back)
        assert client.get(f"{parts.path}?{parts.query}", follow_redirects=False).status_code == 303
        again = client.get(f"{parts.path}?{parts.query}", follow_redirects=False)
        assert again.status_code == 400
        assert len(db.exec(select(WebSession)).all()) == 1

    def test_callback_in_another_browser_is_refused(self, client, people, db: Session):
        back = approve_at_provider(start_login(client), people[0])
        parts = urlsplit(back)
        other_browser = TestClient(client.app)
        answer = other_browser.get(f"{parts.path}?{parts.query}", follow_redirects=False)
        assert answer.status_code == 400
        assert db.exec(select(WebSession)).all() == []
        assert db.exec(select(LoginAttempt)).all() == []  # the attempt is spent

    def test_reused_authorization_code_is_refused_by_the_provider(
        self, client, people, db: Session
    ):
        back = approve_at_provider(start_login(client), people[0])
        code = parse_qs(urlsplit(back).query)["code"][0]
        parts = urlsplit(back)
        assert client.get(f"{parts.path}?{parts.query}", follow_redirects=False).status_code == 303
        # A second trip reusing the first code with a fresh, valid state.
        second = parse_qs(urlsplit(start_login(client)).query)["state"][0]
        answer = client.get(
            "/auth/callback", params={"state": second, "code": code}, follow_redirects=False
        )
        assert answer.status_code == 400
        assert len(db.exec(select(WebSession)).all()) == 1

    def test_id_token_with_a_bad_signature_is_refused(
        self, client, people, app, db: Session, monkeypatch
    ):
        rp = app.state.relying_party
        real_exchange = rp._exchange_code

        def forged(code: str, verifier: str) -> dict:
            tokens = real_exchange(code, verifier)
            head, body, signature = tokens["id_token"].split(".")
            tokens["id_token"] = f"{head}.{body}.{signature[::-1]}"
            return tokens

        monkeypatch.setattr(rp, "_exchange_code", forged)
        back = approve_at_provider(start_login(client), people[0])
        parts = urlsplit(back)
        answer = client.get(f"{parts.path}?{parts.query}", follow_redirects=False)
        assert answer.status_code == 400
        assert db.exec(select(WebSession)).all() == []

    def test_session_cookie_is_httponly_and_lax(self, client, people):
        start = client.get("/login", follow_redirects=False)
        back = approve_at_provider(start.headers["location"], people[0])
        parts = urlsplit(back)
        done = client.get(f"{parts.path}?{parts.query}", follow_redirects=False)
        cookie = next(
            c for c in done.headers.get_list("set-cookie") if c.startswith("portal_session=")
        )
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")

    def test_sign_out_ends_the_session(self, client, people):
        sign_in(client, people[0])
        form = next(f for f in parse_forms(client.get("/").text) if f["action"] == "/logout")
        out = client.post("/logout", data=form["fields"], follow_redirects=False)
        assert out.status_code == 303
        assert client.get("/petitions", follow_redirects=False).status_code == 303  # to /login


class TestAuthorisation:
    def test_pages_for_citizens_send_strangers_to_sign_in(self, client):
        answer = client.get("/documents", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")

    def test_citizen_cannot_see_another_citizens_petition_or_document(
        self, client, people, process_jobs
    ):
        sign_in(client, people[0])
        petition_url = submit_residence_petition(client).headers["location"]
        process_jobs()
        number = client.get(petition_url).text.split("/documents/")[1].split('"')[0]

        other = TestClient(client.app)
        sign_in(other, people[1])
        assert other.get(petition_url).status_code == 404
        assert other.get(f"/documents/{number}").status_code == 404
        assert other.get(f"/documents/{number}/pdf").status_code == 404
        assert number not in other.get("/documents").text


class TestBadInput:
    def test_unknown_service_is_a_404_page(self, client):
        answer = client.get("/services/dopa.no-such-thing")
        assert answer.status_code == 404 and 'data-code="unknown_service"' in answer.text

    @pytest.mark.parametrize("number", ["DOPA-2569-ZZZZZZZZ", "nonsense", "DOPA-<b>x"])
    def test_unknown_document_number_is_a_404_page(self, client, number):
        answer = client.get(f"/verify/{number}", params={"code": "ZZZZZZ"})
        assert answer.status_code == 404
        assert 'data-code="document_not_found"' in answer.text  # the verify route answered
        assert "<b>x" not in answer.text

    def test_form_without_csrf_token_is_refused(self, client, people, db: Session):
        sign_in(client, people[0])
        answer = client.post(
            "/services/dopa.residence-certificate/apply",
            data={"consent": "dopa.population", "answer_purpose": "bank"},
        )
        assert answer.status_code == 403 and 'data-code="csrf_failed"' in answer.text
        assert db.exec(select(Petition)).all() == []

    def test_verify_refuses_a_file_that_is_not_a_pdf(self, client):
        form = parse_forms(client.get("/verify").text)[-1]
        answer = client.post(
            "/verify",
            data=form["fields"],
            files={"file": ("x.pdf", b"GIF89a....", "application/pdf")},
        )
        assert answer.status_code == 415

    def test_verify_refuses_a_pdf_over_10_mb(self, client):
        form = parse_forms(client.get("/verify").text)[-1]
        big = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 1)
        answer = client.post(
            "/verify", data=form["fields"], files={"file": ("big.pdf", big, "application/pdf")}
        )
        assert answer.status_code == 413

    @pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
    def test_sign_in_never_redirects_off_the_portal(self, client, people, target):
        assert sign_in(client, people[0], next_url=target) == "/"

    def test_sign_in_returns_to_the_page_that_asked(self, client, people):
        assert sign_in(client, people[0], next_url="/documents") == "/documents"
