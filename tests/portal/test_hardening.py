"""Findings of the security review, each held down by a test."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session, select

from identity.models import WebSession
from portal.app import create_app
from portal.settings import Settings
from services.exchange.signing import write_public_key
from tests.fixtures.identity import sign_in


def test_a_chunked_body_over_the_limit_is_cut_off_with_413(client):
    def chunks():
        for _ in range(12):
            yield b"0" * (1024 * 1024)

    answer = client.post(
        "/api/v1/verify",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert answer.status_code == 413
    assert answer.json()["error"] == "payload_too_large"


def test_an_id_token_is_not_accepted_as_an_api_access_token(client, people, db: Session):
    sign_in(client, people[0])
    id_token = db.exec(select(WebSession)).one().id_token
    answer = client.get("/api/v1/petitions", headers={"Authorization": f"Bearer {id_token}"})
    assert answer.status_code == 401


def _token_with_unknown_kid() -> str:
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'RS256', 'kid': 'not-ours', 'typ': 'at+jwt'})}.{b64({'sub': 'x'})}.AAAA"


def test_junk_tokens_do_not_make_the_portal_refetch_the_providers_keys(client, app, monkeypatch):
    rp = app.state.relying_party
    rp._keys()  # the first load
    fetched = []
    real_get_json = rp._get_json
    monkeypatch.setattr(rp, "_get_json", lambda url: fetched.append(url) or real_get_json(url))
    for _ in range(5):
        answer = client.get(
            "/api/v1/petitions", headers={"Authorization": f"Bearer {_token_with_unknown_kid()}"}
        )
        assert answer.status_code == 401
    assert [u for u in fetched if u.endswith("/jwks")] == []


def test_personal_pages_are_not_cached(client, people):
    sign_in(client, people[0])
    assert client.get("/petitions").headers["cache-control"] == "private, no-store"
    assert "no-store" not in client.get("/static/portal.css").headers.get("cache-control", "")


def test_on_https_the_csrf_cookie_is_host_bound_and_hsts_is_sent(settings):
    secure = settings.model_copy(update={"base_url": "https://portal.example.go.th"})
    with TestClient(create_app(secure), base_url="https://portal.example.go.th") as browser:
        answer = browser.get("/verify")
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "csrf" in c)
    assert cookie.startswith("__Host-portal_csrf=") and "Secure" in cookie and "Path=/" in cookie


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"oidc_issuer": "http://idp.example.go.th"}, "PORTAL_OIDC_ISSUER must be https"),
        ({"secret_key": "short"}, "PORTAL_SECRET_KEY must be set, at least 32 characters"),
        ({"registry_urls": {"dopa": "http://10.0.0.1"}}, "PORTAL_REGISTRY_URLS must all be https"),
        (
            {"registry_public_keys": {"dopa": "/nonexistent/dopa.pub.pem"}},
            "PORTAL_REGISTRY_PUBLIC_KEYS needs a public key file for each registry",
        ),
        (
            {"registry_urls": {"dopa": "https://dopa.example.go.th", "rd": "https://rd.go.th"}},
            r"PORTAL_REGISTRY_PUBLIC_KEYS .*\(missing: rd\)",
        ),
    ],
)
def test_production_refuses_weak_settings(override, problem, tmp_path):
    registry_key = tmp_path / "dopa.pub.pem"
    write_public_key(Ed25519PrivateKey.generate().public_key(), registry_key)
    good = {
        "data_dir": tmp_path,
        "env": "production",
        "base_url": "https://portal.example.go.th",
        "secret_key": "s" * 40,
        "oidc_issuer": "https://idp.example.go.th",
        "oidc_client_secret": "real-secret",
        "registry_api_key": "real-key",
        "registry_urls": {"dopa": "https://dopa.example.go.th"},
        "registry_public_keys": {"dopa": str(registry_key)},
    }
    Settings(**good)  # the good set starts
    with pytest.raises(ValidationError, match=problem):
        Settings(**(good | override))


def test_next_url_longer_than_2048_falls_back_to_home(client, people):
    assert sign_in(client, people[0], next_url="/" + "a" * 3000) == "/"
