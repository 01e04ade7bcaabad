"""The portal's side of the OAuth 2.0 Device Authorization Grant (RFC 8628) for kiosks.

The kiosk is the "device": it asks the provider for a user code, shows it (and a QR code of
the verification URI) and polls the token endpoint until the citizen has decided on their
phone. Both calls authenticate as the portal, exactly as its code exchange does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx

from identity.errors import ProviderUnavailableError, SignInError
from identity.oidc import RelyingParty
from portal.db import utcnow

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# The kiosk needs to know who is there, not where they live: no `address`.
KIOSK_SCOPES = "openid profile pid"
DEFAULT_INTERVAL_SECONDS = 5  # RFC 8628 §3.2
SLOW_DOWN_STEP_SECONDS = 5  # RFC 8628 §3.5
PollStatus = Literal["pending", "slow_down", "denied", "expired", "ok"]


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_at: datetime
    interval: int


@dataclass(frozen=True)
class PollResult:
    """One poll's answer: `interval` is set for slow_down, `claims` and `id_token` for ok."""

    status: PollStatus
    interval: int | None = None
    claims: dict[str, Any] = field(default_factory=dict)
    id_token: str = ""


def _post(rp: RelyingParty, endpoint: str, data: dict[str, str]) -> httpx.Response:
    headers, auth_data = rp.client_auth_params(endpoint)
    try:
        response = rp.http.post(endpoint, data=data | auth_data, headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        raise ProviderUnavailableError(detail=type(exc).__name__) from exc
    if response.status_code >= 500:
        raise ProviderUnavailableError(status=response.status_code)
    return response


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise ProviderUnavailableError(detail="not_json") from exc
    if not isinstance(body, dict):
        raise ProviderUnavailableError(detail="not_json")
    return body


def start_device_authorization(
    rp: RelyingParty, *, scope: str = KIOSK_SCOPES
) -> DeviceAuthorization:
    """Asks the provider for a device code and a user code (RFC 8628 §3.1-3.2)."""
    endpoint = rp.metadata().get("device_authorization_endpoint")
    if not endpoint:
        raise ProviderUnavailableError(detail="no_device_authorization_endpoint")
    response = _post(rp, str(endpoint), {"scope": scope})
    body = _json(response)
    if response.status_code != 200:
        raise SignInError(reason=str(body.get("error", "device_authorization_failed")))
    try:
        device_code = str(body["device_code"])
        user_code = str(body["user_code"])
        verification_uri = str(body["verification_uri"])
        expires_in = int(body["expires_in"])
        interval = int(body.get("interval", DEFAULT_INTERVAL_SECONDS))
    except (KeyError, TypeError, ValueError) as exc:
        raise ProviderUnavailableError(detail="bad_device_authorization") from exc
    complete = str(body.get("verification_uri_complete") or verification_uri)
    # The QR code goes to the provider only: a URI elsewhere would send the citizen's
    # password to whoever answered for the provider.
    issuer = rp.issuer + "/"
    if not (verification_uri.startswith(issuer) and complete.startswith(issuer)):
        raise ProviderUnavailableError(detail="foreign_verification_uri")
    return DeviceAuthorization(
        device_code=device_code,
        user_code=user_code,
        verification_uri=verification_uri,
        verification_uri_complete=complete,
        expires_at=utcnow() + timedelta(seconds=expires_in),
        interval=max(interval, 1),
    )


def poll_device_token(rp: RelyingParty, device_code: str, *, interval: int) -> PollResult:
    """Polls the token endpoint once (RFC 8628 §3.4-3.5); on success the ID token is validated.

    `interval` is the one in force, so a slow_down answer can say what it becomes.
    """
    response = _post(
        rp,
        str(rp.metadata()["token_endpoint"]),
        {"grant_type": DEVICE_CODE_GRANT, "device_code": device_code},
    )
    body = _json(response)
    if response.status_code == 200:
        id_token = body.get("id_token")
        if not isinstance(id_token, str):
            raise SignInError(reason="no_id_token")
        claims = rp.map_claims(rp.validate_jwt(id_token, error=SignInError))
        return PollResult("ok", claims=claims, id_token=id_token)
    error = str(body.get("error", ""))
    if error == "authorization_pending":
        return PollResult("pending")
    if error == "slow_down":
        return PollResult("slow_down", interval=interval + SLOW_DOWN_STEP_SECONDS)
    if error == "access_denied":
        return PollResult("denied")
    if error == "expired_token":
        return PollResult("expired")
    raise SignInError(reason=error or "token_error")
