"""The relying party against a scripted provider: client authentication, claims, step-up."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from identity.client_keys import load_or_create_client_key, public_jwks
from identity.oidc import RelyingParty, claimed_ial, ial_acr

ISSUER = "https://idp.example.go.th"
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize",
    "token_endpoint": f"{ISSUER}/token",
    "jwks_uri": f"{ISSUER}/jwks",
    "userinfo_endpoint": f"{ISSUER}/userinfo",
}


class ScriptedProvider:
    """Serves discovery and records what reaches the token endpoint."""

    def __init__(self) -> None:
        self.token_requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=DISCOVERY)
        if request.url.path == "/token":
            self.token_requests.append(request)
            return httpx.Response(400, json={"error": "invalid_grant"})
        return httpx.Response(404)


def relying_party(provider: ScriptedProvider, **options) -> RelyingParty:  # type: ignore[no-untyped-def]
    return RelyingParty(
        issuer=ISSUER,
        client_id="portal",
        client_secret=options.pop("client_secret", "s3cret"),
        redirect_uri="https://portal.example.go.th/auth/callback",
        scopes="openid pid",
        http=httpx.Client(transport=httpx.MockTransport(provider)),
        **options,
    )


def exchange(rp: RelyingParty, provider: ScriptedProvider) -> httpx.Request:
    with pytest.raises(Exception):  # noqa: B017 - the scripted provider refuses every code
        rp._exchange_code("code", "verifier")
    return provider.token_requests[-1]


def test_client_secret_basic_form_encodes_id_and_secret():
    provider = ScriptedProvider()
    sent = exchange(relying_party(provider, client_secret="a:b c/ü"), provider)
    encoded = sent.headers["authorization"].removeprefix("Basic ")
    assert base64.b64decode(encoded).decode() == "portal:a%3Ab%20c%2F%C3%BC"
    assert b"client_secret" not in sent.content


def test_client_secret_post_sends_credentials_in_the_body():
    provider = ScriptedProvider()
    sent = exchange(relying_party(provider, client_auth="client_secret_post"), provider)
    body = parse_qs(sent.content.decode())
    assert body["client_id"] == ["portal"] and body["client_secret"] == ["s3cret"]
    assert "authorization" not in sent.headers


def test_private_key_jwt_sends_an_assertion_the_published_key_verifies(tmp_path: Path):
    provider = ScriptedProvider()
    key = load_or_create_client_key(tmp_path / "client-key.pem")
    rp = relying_party(provider, client_auth="private_key_jwt", client_key=key)
    body = parse_qs(exchange(rp, provider).content.decode())
    assert "client_secret" not in body
    assert body["client_assertion_type"] == [
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    ]
    token = jwt.decode(body["client_assertion"][0], KeySet.import_key_set(public_jwks(key)))
    assert token.claims["iss"] == token.claims["sub"] == "portal"
    assert token.claims["aud"] == f"{ISSUER}/token"
    assert token.claims["exp"] - token.claims["iat"] <= 60
    assert (tmp_path / "client-key.pem").stat().st_mode & 0o777 == 0o600


def test_private_key_jwt_without_a_key_is_a_configuration_error():
    with pytest.raises(ValueError):
        relying_party(ScriptedProvider(), client_auth="private_key_jwt")


def test_claim_map_puts_a_providers_claims_under_thaid_names():
    rp = relying_party(ScriptedProvider(), claim_map={"pid": "citizen_id", "ial": "loa"})
    mapped = rp.map_claims({"sub": "x", "citizen_id": "3103900123458", "loa": 2.2})
    assert mapped["pid"] == "3103900123458" and mapped["ial"] == 2.2


def test_step_up_asks_for_the_level_as_acr_values(db):
    rp = relying_party(ScriptedProvider())
    url = rp.start_sign_in(db, browser_secret="b", next_url="/x", min_ial=2.3)
    assert parse_qs(urlsplit(url).query)["acr_values"] == ["urn:thaid:ial:2.3"]
    plain = rp.start_sign_in(db, browser_secret="b", next_url="/x")
    assert "acr_values" not in parse_qs(urlsplit(plain).query)


@pytest.mark.parametrize(
    ("claims", "level"),
    [
        ({"ial": 2.3}, 2.3),
        ({"ial": "1.2"}, 1.2),
        ({"acr": ial_acr(3.0)}, 3.0),
        ({"acr": "urn:other:loa:high"}, 0.0),
        ({}, 0.0),
    ],
)
def test_the_asserted_level_comes_from_ial_or_acr(claims, level):
    assert claimed_ial(claims) == level


class RotatingProvider(ScriptedProvider):
    """A provider whose signing key can be rotated; serves its current JWKS."""

    def __init__(self) -> None:
        super().__init__()
        self.key = RSAKey.generate_key(2048, private=True)
        self.jwks_fetches = 0

    def rotate(self) -> None:
        self.key = RSAKey.generate_key(2048, private=True)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/jwks":
            self.jwks_fetches += 1
            self.key.ensure_kid()
            return httpx.Response(200, json={"keys": [self.key.as_dict(private=False)]})
        return super().__call__(request)

    def id_token(self) -> str:
        self.key.ensure_kid()
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": "portal", "sub": "s", "iat": now, "exp": now + 300}
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)


def test_a_rotated_provider_key_is_picked_up_from_the_jwks(monkeypatch):
    provider = RotatingProvider()
    rp = relying_party(provider)
    assert rp.validate_jwt(provider.id_token())["sub"] == "s"
    provider.rotate()
    monkeypatch.setattr("identity.oidc.JWKS_MIN_REFRESH_SECONDS", 0)
    assert rp.validate_jwt(provider.id_token())["sub"] == "s"
    assert provider.jwks_fetches == 2


def test_the_jwks_is_cached_between_tokens():
    provider = RotatingProvider()
    rp = relying_party(provider)
    for _ in range(3):
        rp.validate_jwt(provider.id_token())
    assert provider.jwks_fetches == 1
