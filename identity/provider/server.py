"""Authlib wiring: the framework-neutral authorization server adapted to Starlette.

Authlib ships provider integrations for Flask and Django only, so this module supplies the
adapter (`ProviderRequest` in, Starlette `Response` out) and the pieces Authlib leaves abstract:
client lookup, code storage, the ID-token claims, RFC 9068 access tokens and their validation,
rotating refresh tokens, the RFC 8628 device grant, UserInfo and RP-initiated logout. Authlib
does the protocol work: request validation, client authentication, PKCE, redirects with `error=`
and token responses.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749 import (
    AccessDeniedError,
    AuthorizationServer,
    ClientMixin,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    OAuth2Payload,
    OAuth2Request,
    ResourceProtector,
    UnauthorizedClientError,
    grants,
    list_to_scope,
)
from authlib.oauth2.rfc6750 import InsufficientScopeError, InvalidTokenError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from authlib.oauth2.rfc8628 import (
    DEVICE_CODE_GRANT_TYPE,
    AuthorizationPendingError,
    DeviceAuthorizationEndpoint,
    DeviceCodeGrant,
    ExpiredTokenError,
    SlowDownError,
)
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator, JWTBearerTokenValidator
from authlib.oauth2.rfc9068.claims import JWTAccessTokenClaims
from authlib.oidc.core import OpenIDCode, OpenIDToken, UserInfoEndpoint
from authlib.oidc.core.errors import (
    ConsentRequiredError,
    RegistrationNotSupportedError,
    RequestNotSupportedError,
    RequestURINotSupportedError,
)
from authlib.oidc.rpinitiated import EndSessionEndpoint, EndSessionRequest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from starlette.datastructures import ImmutableMultiDict
from starlette.responses import JSONResponse, Response

from .accounts import ProviderAccount, ProviderClient
from .assurance import acr_for
from .claims import claims_for_scope
from .keys import SIGNING_ALG
from .store import (
    AuthorizationCode,
    CodeRejectedError,
    DeviceAuthorization,
    DevicePollError,
    ProviderStore,
    RefreshTokenRejectedError,
    TokenFamily,
)

SESSION_COOKIE = "dev_idp_session"
DEVICE_CODE_LIFETIME_SECONDS = 600
DEVICE_POLL_INTERVAL_SECONDS = 5
# RFC 8628 §6.1: 8 characters from the 20 consonants (no vowels, so no words; no 0/O or 1/I to
# confuse), shown XXXX-XXXX. 20^8 ≈ 2.56e10 codes, about 34.5 bits. With the /device page
# refusing a client after 5 wrong codes in 10 minutes (RFC 8628 §5.1, `ProviderStore.
# check_user_code`) and codes living 10 minutes, one client's chance of hitting any of N
# pending codes is at most 5·N / 2.56e10 per code lifetime.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8

Pairs = Sequence[tuple[str, str]]


class ProviderPayload(OAuth2Payload):
    """Query and form parameters together, first value winning, like Flask's `request.values`."""

    def __init__(self, pairs: Pairs) -> None:
        datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            datalist[key].append(value)
        self._datalist = datalist
        self._data = {key: values[0] for key, values in datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class ProviderRequest(OAuth2Request):
    """An `OAuth2Request` built from a Starlette request whose body was already read.

    Starlette reads bodies asynchronously and Authlib is synchronous, so the route awaits the
    form first and hands the plain values over. `uri` is the public URL under the issuer,
    which is what Authlib's transport check (https, or http on loopback) looks at.
    """

    def __init__(
        self,
        *,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        query: Pairs = (),
        form: Pairs = (),
        cookies: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self._args = ImmutableMultiDict(list(query))
        self._form = ImmutableMultiDict(list(form))
        self.payload = ProviderPayload([*query, *form])
        self.cookies: Mapping[str, str] = cookies or {}

    @property
    def args(self) -> ImmutableMultiDict[str, str]:
        return self._args

    @property
    def form(self) -> ImmutableMultiDict[str, str]:
        return self._form


class RegisteredClient(ClientMixin):
    """Authlib's view of a `ProviderClient`."""

    def __init__(self, client: ProviderClient) -> None:
        self.client = client
        self.client_id = client.client_id
        # Read by Authlib's EndSessionEndpoint (OIDC RP-Initiated Logout §3).
        self.client_metadata = {"post_logout_redirect_uris": list(client.post_logout_redirect_uris)}

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> None:
        # OIDC Core §3.1.2.1 makes redirect_uri REQUIRED, so there is no default to fall back on.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        # OIDC Core §3.1.2.1: scope values that are not understood SHOULD be ignored.
        if not scope:
            return ""
        allowed = set(self.client.scope.split())
        return list_to_scope([s for s in dict.fromkeys(scope.split()) if s in allowed])

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string comparison (OAuth 2.0 Security BCP §4.1.3): no prefix or pattern matching.
        return redirect_uri in self.client.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint in ("token", "device_authorization"):
            return method == self.client.token_endpoint_auth_method
        return True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.client.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.client.grant_types


@dataclass(frozen=True)
class SignedInUser:
    """The person a code or token is about, with the time they typed their password."""

    account: ProviderAccount
    auth_time: int
    # RFC 8176 methods: "pwd" always; "face" after the (simulated) face-scan step-up.
    amr: tuple[str, ...] = ("pwd",)

    def get_user_id(self) -> str:
        return self.account.subject


class S256CodeChallenge(CodeChallenge):
    """PKCE with S256 required of every client, confidential ones included.

    Authlib's `required=True` only binds public clients and still accepts `plain`. OAuth 2.0
    Security BCP (RFC 9700 §2.1.1) asks for S256, so the portal is tested against a provider
    that refuses anything else and cannot quietly fall back to `plain`.
    """

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": compare_s256_code_challenge}

    def validate_code_challenge(
        self, grant: grants.AuthorizationCodeGrant, redirect_uri: str
    ) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE with S256 is required")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: grants.AuthorizationCodeGrant, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)


class ProviderCodeGrant(grants.AuthorizationCodeGrant):
    """The authorization code grant, keeping codes in the in-memory store."""

    server: ProviderServer
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_authorization_request(self) -> str:
        redirect_uri: str = super().validate_authorization_request()
        if "openid" not in self.request.scope.split():
            # This is an OpenID provider only; plain OAuth requests are a client mistake.
            raise InvalidScopeError("The scope must include openid", redirect_uri=redirect_uri)
        data = self.request.payload.data
        # OIDC Core §6.1-6.2, §7.2.1: refuse what discovery says we do not support, as a real
        # provider does, rather than silently ignoring it.
        if data.get("request"):
            raise RequestNotSupportedError(redirect_uri=redirect_uri)
        if data.get("request_uri"):
            raise RequestURINotSupportedError(redirect_uri=redirect_uri)
        if data.get("registration"):
            raise RegistrationNotSupportedError(redirect_uri=redirect_uri)
        if data.get("response_mode") not in (None, "", "query"):
            raise InvalidRequestError(
                "Only response_mode=query is supported", redirect_uri=redirect_uri
            )
        return redirect_uri

    def validate_consent_request(self) -> str:
        redirect_uri: str = super().validate_consent_request()
        prompts = (self.request.payload.data.get("prompt") or "").split()
        if "none" in prompts:
            # The consent list is shown on every authorization, so it can never be skipped.
            raise ConsentRequiredError(redirect_uri=redirect_uri)
        return redirect_uri

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        user: SignedInUser = request.user
        data = request.payload.data
        self.server.store.save_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.get_client_id(),
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                pid=user.account.pid,
                auth_time=user.auth_time,
                nonce=data.get("nonce") or None,
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                expires_at=self.server.store.now() + self.server.code_lifetime_seconds,
                acr=acr_for(user.account.ial),
                amr=user.amr,
            )
        )

    def query_authorization_code(self, code: str, client: RegisteredClient) -> AuthorizationCode:
        try:
            return self.server.store.redeem_code(code, client_id=client.get_client_id())
        except CodeRejectedError as error:
            raise InvalidGrantError(error.reason) from error

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Redeemed codes stay in the store, marked used, so a replay can be recognised.
        pass

    def authenticate_user(self, authorization_code: AuthorizationCode) -> SignedInUser | None:
        account = self.server.accounts_by_pid.get(authorization_code.pid)
        if account is None:
            return None
        return SignedInUser(account=account, auth_time=authorization_code.auth_time)


class ProviderOpenIDCode(OpenIDCode):
    """Adds the ID token (RS256, with `kid`) and the nonce replay check."""

    def __init__(self, server: ProviderServer) -> None:
        super().__init__(require_nonce=False)
        self.server = server

    def resolve_client_private_key(self, client: RegisteredClient) -> KeySet:
        return self.server.key_set

    def get_encode_header(self, client: RegisteredClient) -> dict[str, str]:
        return {"alg": SIGNING_ALG, "kid": self.server.key.kid or ""}

    def get_client_claims(self, client: RegisteredClient) -> dict[str, Any]:
        return _id_token_client_claims(self.server, client)

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return self.server.store.nonce_seen(client_id=request.payload.client_id, nonce=nonce)

    def generate_user_info(self, user: SignedInUser, scope: str) -> dict[str, Any]:
        return self.server.released_claims(user.account, scope)


class ProviderRefreshTokenGrant(grants.RefreshTokenGrant):
    """RFC 6749 §6 with rotation: each use returns a new refresh token and spends the old one.

    Presenting a spent token again means it was stolen (or the client is broken), so the store
    revokes the whole family, access tokens included (RFC 9700 §4.14.2).
    """

    server: ProviderServer
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def validate_token_request(self) -> None:
        client = self._validate_request_client()
        self.request.client = client
        value = self.request.form.get("refresh_token")
        if not value:
            raise InvalidRequestError("Missing 'refresh_token'")
        try:
            family = self.server.store.use_refresh_token(
                value, client_id=client.get_client_id(), requested_scope=self.request.payload.scope
            )
        except RefreshTokenRejectedError as error:
            if error.error == "invalid_scope":
                raise InvalidScopeError(error.reason) from error
            raise InvalidGrantError(error.reason) from error
        self.request.refresh_token = family

    def authenticate_refresh_token(self, refresh_token: str) -> None:
        raise NotImplementedError  # replaced by the atomic lookup in validate_token_request

    def authenticate_user(self, refresh_token: TokenFamily) -> SignedInUser | None:
        account = self.server.accounts_by_pid.get(refresh_token.pid)
        if account is None:
            return None
        return SignedInUser(account=account, auth_time=refresh_token.auth_time)

    def revoke_old_credential(self, refresh_token: TokenFamily) -> None:
        # Already spent atomically in validate_token_request.
        pass


class ProviderDeviceAuthorization(DeviceAuthorizationEndpoint):
    """RFC 8628 §3.1-3.2: the kiosk asks for a device_code and a user_code to show the person."""

    server: ProviderServer
    EXPIRES_IN = DEVICE_CODE_LIFETIME_SECONDS
    INTERVAL = DEVICE_POLL_INTERVAL_SECONDS
    # Kiosks are confidential clients; "none" (public clients) is not offered.
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def create_endpoint_response(
        self, request: OAuth2Request
    ) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        client: RegisteredClient = self.authenticate_client(request)
        if not client.check_grant_type(DEVICE_CODE_GRANT_TYPE):
            raise UnauthorizedClientError("The client may not use the device authorization grant")
        scope = client.get_allowed_scope(request.payload.scope)
        if "openid" not in scope.split():
            raise InvalidScopeError("The scope must include openid")
        for _ in range(10):
            device = DeviceAuthorization(
                device_code=self.generate_device_code(),
                user_code=normalise_user_code(self.generate_user_code()),
                client_id=client.get_client_id(),
                scope=scope,
                expires_at=self.server.store.now() + self.EXPIRES_IN,
                interval=self.INTERVAL,
            )
            if self.server.store.save_device(device):
                break
        else:  # pragma: no cover - 20^8 codes; ten collisions in a row means something is wrong
            raise OAuth2Error("Could not allocate a user code", status_code=503)
        user_code = format_user_code(device.user_code)
        verification_uri = self.get_verification_uri()
        data = {
            "device_code": device.device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": f"{verification_uri}?user_code={user_code}",
            "expires_in": self.EXPIRES_IN,
            "interval": self.INTERVAL,
        }
        return 200, data, [*default_json_headers, ("Cache-Control", "no-store")]

    def generate_user_code(self) -> str:
        """A fresh user_code (see USER_CODE_ALPHABET for its entropy), from the OS CSPRNG."""
        code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
        return format_user_code(code)

    def get_verification_uri(self) -> str:
        return self.server.issuer + "/device"

    def save_device_credential(self, client_id: str, scope: str, data: dict[str, Any]) -> None:
        raise NotImplementedError  # saved in create_endpoint_response, retrying on collision


class ProviderDeviceCodeGrant(DeviceCodeGrant):
    """RFC 8628 §3.4-3.5 polling, with the outcome decided atomically by the store."""

    server: ProviderServer
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_token_request(self) -> None:
        device_code = self.request.payload.data.get("device_code")
        if not device_code:
            raise InvalidRequestError("Missing 'device_code'")
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError("The client may not use the device authorization grant")
        try:
            device = self.server.store.poll_device(device_code, client_id=client.get_client_id())
        except DevicePollError as error:
            raise DEVICE_POLL_ERRORS[error.error](error.reason) from error
        account = self.server.accounts_by_pid.get(device.pid or "")
        if account is None or device.auth_time is None:
            raise InvalidGrantError("The person who approved is no longer known")
        self.request.user = SignedInUser(account=account, auth_time=device.auth_time)
        self.request.client = client
        self.request.credential = device


DEVICE_POLL_ERRORS: dict[str, type[OAuth2Error]] = {
    "invalid_grant": InvalidGrantError,
    "expired_token": ExpiredTokenError,
    "access_denied": AccessDeniedError,
    "slow_down": SlowDownError,
    "authorization_pending": AuthorizationPendingError,
}


class ProviderDeviceOpenID(OpenIDToken):
    """Adds an ID token to the device grant's token response, like the code flow's."""

    def __init__(self, server: ProviderServer) -> None:
        self.server = server

    def process_token(self, grant: grants.BaseGrant, response: Any) -> Any:
        # OpenIDToken reads auth_time, acr and amr from `request.authorization_code`.
        grant.request.authorization_code = grant.request.credential
        return super().process_token(grant, response)

    def resolve_client_private_key(self, client: RegisteredClient) -> KeySet:
        return self.server.key_set

    def get_encode_header(self, client: RegisteredClient) -> dict[str, str]:
        return {"alg": SIGNING_ALG, "kid": self.server.key.kid or ""}

    def get_client_claims(self, client: RegisteredClient) -> dict[str, Any]:
        return _id_token_client_claims(self.server, client)

    def generate_user_info(self, user: SignedInUser, scope: str) -> dict[str, Any]:
        return self.server.released_claims(user.account, scope)


def normalise_user_code(value: str) -> str:
    """What a person types, compared case- and dash-insensitively: "bcdf-ghjk" → "BCDFGHJK"."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


def format_user_code(value: str) -> str:
    """The displayed form, XXXX-XXXX."""
    return f"{value[:4]}-{value[4:]}"


def _id_token_client_claims(server: ProviderServer, client: RegisteredClient) -> dict[str, Any]:
    now = int(server.store.now())
    return {
        "iss": server.issuer,
        # A single string, so RP-initiated logout can find the client from id_token_hint.
        "aud": client.get_client_id(),
        "iat": now,
        "exp": now + server.access_token_lifetime_seconds,
    }


class ProviderAccessTokens(JWTBearerTokenGenerator):
    """RFC 9068 JWT access tokens (`typ: at+jwt`), signed with the ID-token key."""

    def __init__(self, server: ProviderServer) -> None:
        super().__init__(
            issuer=server.issuer,
            alg=SIGNING_ALG,
            # Opaque and random: only this provider ever reads a refresh token.
            refresh_token_generator=lambda **_: secrets.token_urlsafe(32),
            expires_generator=server.access_token_lifetime_seconds,
        )
        self.server = server

    def get_jwks(self) -> KeySet:
        return self.server.key_set

    def get_auth_time(self, user: SignedInUser) -> int:
        return user.auth_time

    def get_amr(self, user: SignedInUser) -> list[str]:
        return list(user.amr)

    def get_acr(self, user: SignedInUser) -> str:
        return acr_for(user.account.ial)

    def get_extra_claims(
        self, client: RegisteredClient, grant_type: str, user: SignedInUser, scope: str
    ) -> dict[str, Any]:
        # Authlib stamps iat/exp from time.time() and then applies these extra claims, so
        # restating them here puts the token on the provider's (injectable) clock.
        now = int(self.server.store.now())
        claims: dict[str, Any] = {
            "iat": now,
            "exp": now + self.server.access_token_lifetime_seconds,
        }
        if "pid" in scope.split():
            claims[self.server.claim_names.get("pid", "pid")] = user.account.pid
        return claims


class ProviderAccessTokenValidator(JWTBearerTokenValidator):
    """Checks our own access tokens at UserInfo: signature, `typ`, claims, clock, revocation."""

    def __init__(self, server: ProviderServer) -> None:
        super().__init__(issuer=server.issuer, resource_server=None)
        self.server = server

    def get_jwks(self) -> KeySet:
        return self.server.key_set

    def authenticate_token(self, token_string: str) -> JWTAccessTokenClaims:
        try:
            token = jwt.decode(token_string, self.server.key_set, algorithms=[SIGNING_ALG])
        except (JoseError, ValueError) as exc:
            raise InvalidTokenError(realm=self.realm) from exc
        # Insist on typ, so an ID token (same key, same issuer) is never accepted as access.
        if token.header.get("typ") != "at+jwt":
            raise InvalidTokenError(realm=self.realm)
        essential = {"essential": True}
        options = {
            "iss": {"essential": True, "value": self.server.issuer},
            "exp": essential,
            "aud": essential,
            "sub": essential,
            "client_id": essential,
            "iat": essential,
            "jti": essential,
        }
        return JWTAccessTokenClaims(token.claims, token.header, options)

    def validate_token(
        self,
        token: JWTAccessTokenClaims,
        scopes: list[str] | None,
        request: OAuth2Request,
        **kwargs: Any,
    ) -> None:
        try:
            token.validate(now=int(self.server.store.now()))
        except JoseError as exc:
            raise InvalidTokenError(realm=self.realm) from exc
        if token["aud"] != token["client_id"] or token["client_id"] not in self.server.clients:
            raise InvalidTokenError(realm=self.realm)
        if self.server.store.is_revoked(token["jti"]):
            raise InvalidTokenError("The access token was revoked", realm=self.realm)
        if self.scope_insufficient(token.get("scope"), scopes):
            raise InsufficientScopeError()


class ProviderUserInfo(UserInfoEndpoint):
    """OIDC Core §5.3 UserInfo, answering the same claims as the ID token for the token's scope.

    Authlib's `__call__` reads the request from Flask's globals; this one takes it explicitly.
    """

    server: ProviderServer

    def __call__(self, request: OAuth2Request) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        token = self.resource_protector.validate_request(["openid"], request)
        account = self.server.accounts_by_subject.get(token["sub"])
        if account is None:
            raise InvalidTokenError()
        claims = self.server.released_claims(account, token.get("scope", ""))
        return 200, claims, default_json_headers


class ProviderEndSession(EndSessionEndpoint):
    """OIDC RP-Initiated Logout 1.0; ending the session forgets this browser's sign-in."""

    server: ProviderServer

    def get_server_jwks(self) -> KeySet:
        return self.server.key_set

    def get_algorithms(self) -> list[str]:
        return [SIGNING_ALG]

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        request: ProviderRequest = end_session_request.request
        self.server.store.delete_session(request.cookies.get(SESSION_COOKIE))


class ProviderServer(AuthorizationServer):
    """The authorization server: Authlib's protocol engine plus this provider's state."""

    def __init__(
        self,
        *,
        issuer: str,
        key: RSAKey,
        clients: Sequence[ProviderClient],
        accounts: Sequence[ProviderAccount],
        store: ProviderStore,
        code_lifetime_seconds: int,
        access_token_lifetime_seconds: int,
        claim_names: Mapping[str, str] | None = None,
    ) -> None:
        # No scopes_supported: unknown scopes are dropped by the client, not refused.
        super().__init__(scopes_supported=None)
        self.claim_names = dict(claim_names or {})
        self.issuer = issuer
        self.key = key
        self.key_set = KeySet([key])
        self.clients = {c.client_id: RegisteredClient(c) for c in clients}
        self.accounts_by_pid = {a.pid: a for a in accounts}
        self.accounts_by_subject = {a.subject: a for a in accounts}
        self.store = store
        self.code_lifetime_seconds = code_lifetime_seconds
        self.access_token_lifetime_seconds = access_token_lifetime_seconds
        self._accounts_lock = threading.Lock()

        self.register_token_generator("default", ProviderAccessTokens(self))
        self.register_grant(ProviderCodeGrant, [S256CodeChallenge(), ProviderOpenIDCode(self)])
        self.register_grant(ProviderRefreshTokenGrant)
        self.register_grant(ProviderDeviceCodeGrant, [ProviderDeviceOpenID(self)])
        self.register_endpoint(ProviderDeviceAuthorization(self))
        protector = ResourceProtector()
        protector.register_token_validator(ProviderAccessTokenValidator(self))
        self.register_endpoint(ProviderUserInfo(server=self, resource_protector=protector))
        self.register_endpoint(ProviderEndSession(self))

    def query_client(self, client_id: str) -> RegisteredClient | None:
        return self.clients.get(client_id)

    def released_claims(self, account: ProviderAccount, scope: str) -> dict[str, Any]:
        """The claims a scope releases, under this provider's claim names (ThaID's by default;
        another name set lets tests prove a relying party is not hard-wired to ThaID)."""
        claims = claims_for_scope(account, scope)
        return {self.claim_names.get(name, name): value for name, value in claims.items()}

    def raise_ial(self, pid: str, level: float) -> ProviderAccount:
        """The simulated face-scan step-up: this account is at `level` (or above) from now on."""
        with self._accounts_lock:
            account = self.accounts_by_pid[pid]
            if account.ial < level:
                account = replace(account, ial=level)
                self.accounts_by_pid[pid] = account
                self.accounts_by_subject[account.subject] = account
            return account

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Files each access token (and refresh token) under its grant, for later revocation.

        A code replay revokes what the code issued; a refresh-token replay revokes its family.
        """
        claims = jwt.decode(token["access_token"], self.key_set, algorithms=[SIGNING_ALG]).claims
        jti = claims["jti"]
        refresh_token = token.get("refresh_token")
        family: TokenFamily | None = request.refresh_token
        if family is None and refresh_token:
            grant = request.authorization_code or request.credential
            family = self.store.start_family(
                client_id=request.client.get_client_id(),
                pid=request.user.account.pid,
                scope=token["scope"],
                auth_time=request.user.auth_time,
                acr=grant.get_acr(),
            )
        if request.authorization_code is not None:
            self.store.record_token(request.authorization_code, token_id=jti)
            if family is not None:
                self.store.link_family(request.authorization_code, family)
        if family is not None:
            self.store.record_family_token(family, token_id=jti, refresh_token=refresh_token)

    def create_oauth2_request(self, request: ProviderRequest) -> ProviderRequest:
        return request

    def create_json_request(self, request: ProviderRequest) -> ProviderRequest:
        return request

    def handle_response(
        self, status_code: int, payload: Any, headers: list[tuple[str, str]]
    ) -> Response:
        if isinstance(payload, dict):
            return JSONResponse(payload, status_code=status_code, headers=dict(headers))
        return Response(payload or b"", status_code=status_code, headers=dict(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Authlib's optional signals (Flask/Django hooks); nothing listens here."""
