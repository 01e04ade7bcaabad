"""The portal as an OpenID Connect relying party (authorization code + PKCE S256).

1. `start_sign_in` records a single-use `LoginAttempt` (state, nonce, PKCE verifier) bound to
   the browser by a hash of a cookie, and returns the provider's authorization URL.
2. `take_login_attempt` removes the attempt named by `state` (so it cannot be replayed);
   `complete_sign_in` checks its age and browser binding, exchanges the code with the PKCE
   verifier, and validates the ID token: signature against the provider's JWKS, `iss`, `aud`,
   `exp`, `iat`, `nonce`.
3. `verify_access_token` checks a bearer token for the API the same way (RFC 9068 JWT).

Discovery and JWKS are fetched over HTTP and cached; an unknown `kid` refreshes the JWKS once
(key rotation).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import quote, urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, RSAKey
from sqlmodel import Session, delete

from identity.errors import (
    AssuranceNotReachedError,
    InvalidTokenError,
    ProviderUnavailableError,
    SignInError,
)
from identity.models import LoginAttempt
from identity.tokens import hash_token
from portal.db import utcnow

LOGIN_ATTEMPT_LIFETIME = timedelta(minutes=10)
CLOCK_LEEWAY_SECONDS = 60
DISCOVERY_TTL_SECONDS = 3600
JWKS_MIN_REFRESH_SECONDS = 60
SIGNING_ALGORITHMS = ["RS256", "ES256"]
MAX_NEXT_URL_LENGTH = 2048
JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ClientAuthMethod = Literal["client_secret_basic", "client_secret_post", "private_key_jwt"]


@dataclass(frozen=True)
class SignInResult:
    """What a completed sign-in yields: the validated ID-token claims and the raw tokens."""

    claims: dict[str, Any]
    id_token: str
    access_token: str
    next_url: str


def safe_next_url(value: str | None) -> str:
    """Only same-site relative paths, so a sign-in link cannot redirect off the portal."""
    if (
        not value
        or len(value) > MAX_NEXT_URL_LENGTH
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
    ):
        return "/"
    return value


class RelyingParty:
    """One configured provider: its issuer, our client credentials and an HTTP client."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scopes: str,
        http: httpx.Client,
        client_auth: ClientAuthMethod = "client_secret_basic",
        client_key: RSAKey | None = None,
        claim_map: Mapping[str, str] | None = None,
    ) -> None:
        if client_auth == "private_key_jwt" and client_key is None:
            raise ValueError("private_key_jwt needs the portal's client key")
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scopes = scopes
        self.http = http
        self.client_auth = client_auth
        self.client_key = client_key
        self.claim_map = dict(claim_map or {})
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._jwks: KeySet | None = None
        self._jwks_at = 0.0

    # -- provider metadata -------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The discovery document, cached for an hour; its issuer must equal ours exactly."""
        with self._lock:
            if self._metadata and time.monotonic() - self._metadata_at < DISCOVERY_TTL_SECONDS:
                return self._metadata
        doc = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
        if doc.get("issuer", "").rstrip("/") != self.issuer:
            raise ProviderUnavailableError("The provider's discovery document names another issuer")
        with self._lock:
            self._metadata, self._metadata_at = doc, time.monotonic()
        return doc

    def _keys(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            if self._jwks is not None and not refresh:
                return self._jwks
        keys = KeySet.import_key_set(self._get_json(self.metadata()["jwks_uri"]))
        with self._lock:
            self._jwks, self._jwks_at = keys, time.monotonic()
        return keys

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self.http.get(url, timeout=10)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnavailableError(detail=type(exc).__name__) from exc

    # -- sign-in -------------------------------------------------------------------------

    def start_sign_in(
        self,
        db: Session,
        *,
        browser_secret: str,
        next_url: str | None,
        min_ial: float | None = None,
    ) -> str:
        """Records a login attempt and returns the authorization URL to send the browser to.

        `min_ial` asks the provider for at least that identity assurance level (step-up): sent
        as ThaID's `acr_values`, and checked again on return.
        """
        purge_stale_attempts(db)
        attempt = LoginAttempt(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),
            browser_binding=hash_token(browser_secret),
            next_url=safe_next_url(next_url),
            min_ial=min_ial,
        )
        db.add(attempt)
        db.flush()
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scopes,
            "state": attempt.state,
            "nonce": attempt.nonce,
            "code_challenge": create_s256_code_challenge(attempt.code_verifier),
            "code_challenge_method": "S256",
        }
        if min_ial is not None:
            params["acr_values"] = ial_acr(min_ial)
        return f"{self.metadata()['authorization_endpoint']}?{urlencode(params)}"

    def take_login_attempt(self, db: Session, *, state: str) -> LoginAttempt | None:
        """Removes and returns the attempt for `state`: an attempt is usable once, even if the
        sign-in then fails (the caller commits before going on)."""
        attempt = db.get(LoginAttempt, state) if state else None
        if attempt is not None:
            db.delete(attempt)
            db.flush()
        return attempt

    def complete_sign_in(
        self, attempt: LoginAttempt | None, *, code: str, browser_secret: str | None
    ) -> SignInResult:
        """Checks the provider's answer and returns the validated claims (see module doc)."""
        if attempt is None:
            raise SignInError(reason="unknown_state")
        if utcnow() - attempt.created_at > LOGIN_ATTEMPT_LIFETIME:
            raise SignInError(reason="expired_state")
        if not browser_secret or not secrets.compare_digest(
            attempt.browser_binding, hash_token(browser_secret)
        ):
            raise SignInError(reason="browser_mismatch")
        if not code:
            raise SignInError(reason="missing_code")
        tokens = self._exchange_code(code, attempt.code_verifier)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise SignInError(reason="no_id_token")
        claims = self.validate_jwt(id_token, error=SignInError)
        if not secrets.compare_digest(str(claims.get("nonce", "")), attempt.nonce):
            raise SignInError(reason="nonce_mismatch")
        claims = self.map_claims(claims)
        if attempt.min_ial is not None and claimed_ial(claims) < attempt.min_ial:
            raise AssuranceNotReachedError(required=attempt.min_ial, reached=claimed_ial(claims))
        return SignInResult(
            claims=claims,
            id_token=id_token,
            access_token=str(tokens.get("access_token", "")),
            next_url=attempt.next_url,
        )

    def _exchange_code(self, code: str, code_verifier: str) -> dict[str, Any]:
        token_endpoint = self.metadata()["token_endpoint"]
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": code_verifier,
        }
        headers, auth_data = self.client_auth_params(token_endpoint)
        data |= auth_data
        try:
            response = self.http.post(token_endpoint, data=data, headers=headers, timeout=10)
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError(detail=type(exc).__name__) from exc
        if response.status_code >= 500:
            raise ProviderUnavailableError(status=response.status_code)
        if response.status_code != 200:
            try:
                error = str(response.json().get("error", "token_error"))
            except ValueError:
                error = "token_error"
            raise SignInError(reason=error)
        return response.json()

    def client_auth_params(self, endpoint: str) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and form fields that authenticate the portal at one of the provider's
        endpoints (token, device authorization), per the configured method."""
        if self.client_auth == "client_secret_basic":
            # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
            pair = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
            return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}, {}
        if self.client_auth == "client_secret_post":
            return {}, {"client_id": self.client_id, "client_secret": self.client_secret}
        return {}, {
            "client_id": self.client_id,
            "client_assertion_type": JWT_BEARER_ASSERTION,
            "client_assertion": self.client_assertion(endpoint),
        }

    def client_assertion(self, audience: str) -> str:
        """A short-lived JWT proving the portal holds its key (private_key_jwt, RFC 7523)."""
        assert self.client_key is not None
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 60,
        }
        header = {"alg": "RS256", "kid": self.client_key.kid}
        return jwt.encode(header, claims, self.client_key)

    def map_claims(self, claims: dict[str, Any]) -> dict[str, Any]:
        """The provider's claims under ThaID names, per the configured claim map."""
        mapped = dict(claims)
        for thaid_name, provider_name in self.claim_map.items():
            if provider_name in claims:
                mapped[thaid_name] = claims[provider_name]
        return mapped

    # -- tokens ---------------------------------------------------------------------------

    def validate_jwt(
        self, token: str, *, error: type[Exception] = InvalidTokenError, access: bool = False
    ) -> dict[str, Any]:
        """Verifies signature (JWKS), issuer, audience and times; refreshes JWKS on unknown kid.

        `access` selects which kind of token is acceptable: an RFC 9068 access token (`typ`
        at+jwt) or an ID token. Each is refused where the other is expected, so an ID token
        (which travels in logout URLs) can never call the API.
        """
        try:
            decoded = self._decode(token)
        except (JoseError, ValueError) as exc:
            raise error(reason="bad_signature") from exc
        typ = str(decoded.header.get("typ", "")).lower().removeprefix("application/")
        if (typ == "at+jwt") != access:
            raise error(reason="wrong_token_type")
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as exc:
            raise error(reason=f"claims_{exc.error}") from exc
        return decoded.claims

    def _decode(self, token: str) -> jwt.Token:
        try:
            return jwt.decode(token, self._keys(), algorithms=SIGNING_ALGORITHMS)
        except InvalidKeyIdError:
            # A key rotated at the provider is not in our cached set yet: refresh, but at most
            # once a minute, so junk tokens cannot make us hammer the provider's JWKS.
            with self._lock:
                recent = time.monotonic() - self._jwks_at < JWKS_MIN_REFRESH_SECONDS
            if recent:
                raise
            return jwt.decode(token, self._keys(refresh=True), algorithms=SIGNING_ALGORITHMS)

    def can_verify_offline(self, token: str) -> bool:
        """Whether `verify_access_token(token)` answers from the cached keys, without a request
        to the provider: so an event loop may run it (portal.runtime, inline handlers)."""
        with self._lock:
            keys, fetched_at = self._jwks, self._jwks_at
        if keys is None:
            return False
        try:
            encoded = token.split(".", 1)[0]
            header = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
            kid = header.get("kid") if isinstance(header, dict) else None
        except (ValueError, UnicodeDecodeError):
            return True  # refused before any key is looked up
        if not isinstance(kid, str):
            return True
        try:
            keys.get_by_kid(kid)
        except (ValueError, KeyError, JoseError):
            # An unknown key refreshes the set, unless it was fetched in the last minute.
            return time.monotonic() - fetched_at < JWKS_MIN_REFRESH_SECONDS
        return True

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """Claims of a bearer access token issued to the portal (RFC 9068 JWT)."""
        claims = self.validate_jwt(token, error=InvalidTokenError, access=True)
        if claims.get("client_id") != self.client_id:
            raise InvalidTokenError(reason="wrong_client")
        return self.map_claims(claims)

    def fetch_userinfo(self, access_token: str) -> dict[str, Any]:
        """The provider's userinfo for a token: used when an API caller is not yet known."""
        try:
            response = self.http.get(
                self.metadata()["userinfo_endpoint"],
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=10,
            )
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError(detail=type(exc).__name__) from exc
        if response.status_code == 401:
            raise InvalidTokenError()
        if response.status_code != 200:
            raise ProviderUnavailableError(status=response.status_code)
        return self.map_claims(response.json())

    def logout_url(self, *, id_token_hint: str, post_logout_redirect_uri: str) -> str | None:
        """The provider's end-session URL (RP-initiated logout), if it has one."""
        try:
            endpoint = self.metadata().get("end_session_endpoint")
        except ProviderUnavailableError:
            return None
        if not endpoint:
            return None
        params = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": self.client_id}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        return f"{endpoint}?{urlencode(params)}"


IAL_LEVELS = (1.1, 1.2, 1.3, 2.1, 2.2, 2.3, 3.0)
IAL_ACR_PREFIX = "urn:thaid:ial:"


def ial_acr(level: float) -> str:
    """ThaID's authentication context class for an identity assurance level: urn:thaid:ial:2.3."""
    return f"{IAL_ACR_PREFIX}{level:g}"


def claimed_ial(claims: Mapping[str, Any]) -> float:
    """The IAL a token asserts: the `ial` claim, else the level in `acr`; 0 when neither."""
    for value in (claims.get("ial"), str(claims.get("acr", "")).removeprefix(IAL_ACR_PREFIX)):
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    return 0.0


def purge_stale_attempts(db: Session) -> None:
    """Deletes login attempts nobody finished, so the table does not grow without bound."""
    cutoff = utcnow() - LOGIN_ATTEMPT_LIFETIME
    db.exec(delete(LoginAttempt).where(LoginAttempt.created_at < cutoff))  # type: ignore[arg-type]
