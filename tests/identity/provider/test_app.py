"""Start-up rules, the signing key on disk, and what the sign-in page offers a person."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest

from identity.provider import create_provider_app

from .helpers import ISSUER, MALEE, PORTAL, SOMCHAI, authorize_params, form_fields, pkce_pair


def make_app(key_path: Path, **overrides: object) -> object:
    arguments: dict[str, object] = {
        "issuer": ISSUER,
        "key_path": key_path,
        "clients": [PORTAL],
        "accounts": [SOMCHAI, MALEE],
    }
    arguments.update(overrides)
    return create_provider_app(**arguments)  # type: ignore[arg-type]


async def published_kid(app: object) -> str:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as client:
        kid: str = (await client.get("/jwks")).json()["keys"][0]["kid"]
        return kid


def test_production_environment_refuses_to_start(shared_key_path: Path) -> None:
    with pytest.raises(RuntimeError, match="never run in production"):
        make_app(shared_key_path, environment="production")


@pytest.mark.parametrize(
    "issuer",
    ["http://provider.example", "ftp://127.0.0.1", "http://127.0.0.1:8001/", "127.0.0.1:8001"],
)
def test_issuer_must_be_https_or_loopback_http_without_a_trailing_slash(
    shared_key_path: Path, issuer: str
) -> None:
    with pytest.raises(ValueError, match="issuer"):
        make_app(shared_key_path, issuer=issuer)


@pytest.mark.parametrize("issuer", ["https://idp.example", "http://localhost:8001"])
def test_https_and_localhost_issuers_are_accepted(shared_key_path: Path, issuer: str) -> None:
    assert make_app(shared_key_path, issuer=issuer) is not None


def test_duplicate_client_ids_are_refused(shared_key_path: Path) -> None:
    with pytest.raises(ValueError, match="duplicate client_id"):
        make_app(shared_key_path, clients=[PORTAL, PORTAL])


@pytest.mark.anyio
async def test_signing_key_is_created_0600_and_reused_by_the_next_app(tmp_path: Path) -> None:
    key_path = tmp_path / "var" / "provider-signing-key.pem"

    first = make_app(key_path)

    assert key_path.exists()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key_path.read_bytes()
    assert [p.name for p in key_path.parent.iterdir()] == [key_path.name]  # no temp file left
    pem = key_path.read_bytes()
    second = make_app(key_path)
    assert key_path.read_bytes() == pem
    assert await published_kid(first) == await published_kid(second)


@pytest.mark.anyio
async def test_sign_in_page_is_labelled_bilingual_and_keyboard_usable(
    browser: httpx.AsyncClient,
) -> None:
    _, challenge = pkce_pair()

    response = await browser.get("/authorize", params=authorize_params(challenge))

    page = response.text
    assert response.status_code == 200
    assert '<html lang="th">' in page
    assert "Development digital ID — not ThaID" in page
    assert "ผู้ให้บริการยืนยันตัวตนสำหรับการพัฒนา" in page
    assert '<label for="pid">' in page and 'id="pid"' in page
    assert '<label for="password">' in page and 'id="password"' in page
    assert "อนุญาต" in page and "Allow" in page
    assert "ยกเลิก" in page and "Cancel" in page
    assert "x-xxxx-xxxxx-" + SOMCHAI.pid[10:12] + "-" + SOMCHAI.pid[12] in page
    assert "นาย สมชาย ใจดี" in page
    assert "Your registered address" in page  # consent list follows the requested scope
    assert "csrf_token" in form_fields(page)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert "dev_idp_csrf=" in response.headers["set-cookie"]
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=lax" in response.headers["set-cookie"].lower()


@pytest.mark.anyio
async def test_choosing_a_test_account_works_without_javascript(
    browser: httpx.AsyncClient,
) -> None:
    _, challenge = pkce_pair()
    page = await browser.get("/authorize", params=authorize_params(challenge))
    link = f"login_hint={SOMCHAI.pid}"
    assert link in page.text

    params = authorize_params(challenge) | {"login_hint": SOMCHAI.pid}
    prefilled = await browser.get("/authorize", params=params)

    assert f'value="{SOMCHAI.pid}"' in prefilled.text


@pytest.mark.anyio
async def test_consent_list_shows_only_what_the_scope_asks_for(
    browser: httpx.AsyncClient,
) -> None:
    _, challenge = pkce_pair()

    page = await browser.get("/authorize", params=authorize_params(challenge, scope="openid"))

    assert "identity assurance level" in page.text
    assert "Your registered address" not in page.text
    assert "Your 13-digit citizen ID number" not in page.text
