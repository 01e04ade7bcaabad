"""Test people, clients and the steps of a sign-in, shared by the provider tests."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from identity.citizen_ids import check_digit
from identity.provider import ProviderAccount, ProviderClient

ISSUER = "http://127.0.0.1:8001"
CLIENT_ID = "portal"
CLIENT_SECRET = "test-portal-secret"
REDIRECT_URI = "http://127.0.0.1:8000/auth/callback"
POST_LOGOUT_URI = "http://127.0.0.1:8000/"


def _pid(first_twelve: str) -> str:
    return first_twelve + str(check_digit(first_twelve))


SOMCHAI = ProviderAccount(
    pid=_pid("110170012345"),
    title_th="นาย",
    given_name_th="สมชาย",
    family_name_th="ใจดี",
    title_en="Mr.",
    given_name_en="Somchai",
    family_name_en="Jaidee",
    birthdate=date(1985, 3, 14),
    address="99/1 ถนนพหลโยธิน แขวงสามเสนใน เขตพญาไท กรุงเทพมหานคร 10400",
    gender="male",
    ial=2.3,
)
MALEE = ProviderAccount(
    pid=_pid("350990045678"),
    title_th="นางสาว",
    given_name_th="มาลี",
    family_name_th="รักไทย",
    title_en="Miss",
    given_name_en="Malee",
    family_name_en="Rakthai",
    birthdate=date(1992, 11, 2),
    address="12 หมู่ 3 ตำบลช้างเผือก อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่ 50300",
    gender="female",
    ial=1.1,
    password="malee-pass",
)
PORTAL = ProviderClient(
    client_id=CLIENT_ID,
    client_secret=CLIENT_SECRET,
    redirect_uris=(REDIRECT_URI,),
    post_logout_redirect_uris=(POST_LOGOUT_URI,),
)
POST_CLIENT = ProviderClient(
    client_id="kiosk",
    client_secret="test-kiosk-secret",
    redirect_uris=("http://127.0.0.1:8002/callback",),
    token_endpoint_auth_method="client_secret_post",
    scope="openid profile",
)


class FakeClock:
    """Starts at real time (so joserfc's own exp checks agree) and moves only when told."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_params(challenge: str, **overrides: str | None) -> dict[str, str]:
    """A valid authorization request; pass a key as None to leave it out."""
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile address pid",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def form_fields(page: str) -> dict[str, str]:
    """The hidden inputs of the sign-in form (authorization request and CSRF token)."""
    pattern = r'<input type="hidden" name="([^"]+)" value="([^"]*)">'
    return {name: html.unescape(value) for name, value in re.findall(pattern, page)}


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def sign_in(
    browser: httpx.AsyncClient,
    params: dict[str, str],
    *,
    pid: str = SOMCHAI.pid,
    password: str = "demo",
    action: str = "allow",
) -> httpx.Response:
    """Opens the sign-in page and submits it, as a person would."""
    page = await browser.get("/authorize", params=params)
    assert page.status_code == 200, page.text
    data = form_fields(page.text) | {"pid": pid, "password": password, "action": action}
    return await browser.post("/authorize", data=data)


async def obtain_code(browser: httpx.AsyncClient, params: dict[str, str], **kwargs: Any) -> str:
    response = await sign_in(browser, params, **kwargs)
    assert response.status_code == 302, response.text
    query = query_of(response.headers["location"])
    assert query["state"] == params["state"]
    return query["code"]


async def exchange(
    browser: httpx.AsyncClient,
    code: str,
    verifier: str,
    *,
    secret: str = CLIENT_SECRET,
    redirect_uri: str = REDIRECT_URI,
) -> httpx.Response:
    """The portal's back-channel code exchange, authenticating with client_secret_basic."""
    return await browser.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(CLIENT_ID, secret),
    )


KIOSK_ID = "kiosk-device"
KIOSK_SECRET = "test-kiosk-device-secret"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
KIOSK = ProviderClient(
    client_id=KIOSK_ID,
    client_secret=KIOSK_SECRET,
    redirect_uris=(),
    scope="openid profile pid",
    grant_types=(DEVICE_GRANT, "refresh_token"),
)


async def refresh(browser: httpx.AsyncClient, refresh_token: str, **extra: str) -> httpx.Response:
    return await browser.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, **extra},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
