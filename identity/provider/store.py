"""In-memory state of the development provider: authorization codes, refresh-token families,
device authorizations, revoked tokens, sessions, pending step-ups and wrong user-code entries.

Everything lives in one process's memory behind one lock. That is enough for a development
provider (restart it and everyone signs in again) and is why it must never serve production:
nothing is shared between workers and nothing survives a restart.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from authlib.oidc.core import AuthorizationCodeMixin

Clock = Callable[[], float]

SESSION_LIFETIME_SECONDS = 8 * 3600
STEP_UP_LIFETIME_SECONDS = 600
DEVICE_SLOW_DOWN_SECONDS = 5  # RFC 8628 §3.5: each slow_down adds 5 s to the interval
# RFC 8628 §5.1: user codes are short, so guessing them on /device is limited per client.
USER_CODE_MAX_FAILURES = 5
USER_CODE_FAILURE_WINDOW_SECONDS = 600


class CodeRejectedError(Exception):
    """The code cannot be exchanged; `reason` is safe to show the client (ASCII, no quotes)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RefreshTokenRejectedError(Exception):
    """The refresh token cannot be used; `error` is the OAuth error code to answer with."""

    def __init__(self, reason: str, *, error: str = "invalid_grant") -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


DevicePollOutcome = Literal[
    "invalid_grant", "expired_token", "access_denied", "slow_down", "authorization_pending"
]


class UserCodeAttemptsExceededError(Exception):
    """Too many wrong user codes from one client; `retry_after` is whole seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many wrong user codes; retry after {retry_after} s")
        self.retry_after = retry_after


class DevicePollError(Exception):
    """A device-code poll that does not (yet) yield tokens; `error` is the RFC 8628 §3.5 code."""

    def __init__(self, error: DevicePollOutcome, reason: str | None = None) -> None:
        super().__init__(reason or error)
        self.error = error
        self.reason = reason


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    """One issued code and everything the token endpoint must check it against."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    pid: str
    auth_time: int
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    expires_at: float
    redeemed: bool = False
    token_ids: list[str] = field(default_factory=list)
    acr: str | None = None
    # RFC 8176: "pwd" is citizen ID plus password; "face" is added by a (simulated) step-up.
    amr: tuple[str, ...] = ("pwd",)
    family_id: str | None = None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return self.acr

    def get_amr(self) -> list[str]:
        return list(self.amr)


@dataclass
class TokenFamily:
    """Everything issued from one grant: the refresh-token chain and its access tokens.

    Refresh tokens rotate on every use (RFC 9700 §4.14.2). Only `current_refresh` may be used;
    presenting an earlier one means it leaked, so the whole family is revoked.
    """

    family_id: str
    client_id: str
    pid: str
    scope: str
    auth_time: int
    expires_at: float
    acr: str | None = None
    token_ids: list[str] = field(default_factory=list)
    current_refresh: str | None = None
    revoked: bool = False

    def get_scope(self) -> str:
        return self.scope

    def check_client(self, client: object) -> bool:
        return getattr(client, "client_id", None) == self.client_id


DeviceStatus = Literal["pending", "approved", "denied", "redeemed"]


@dataclass
class DeviceAuthorization(AuthorizationCodeMixin):
    """One RFC 8628 device authorization: the kiosk's device_code and the person's user_code.

    It doubles as the "authorization code" Authlib's OpenID extension reads `auth_time`, `acr`
    and `amr` from when it writes the ID token.
    """

    device_code: str
    user_code: str  # normalised: 8 characters, no dash
    client_id: str
    scope: str
    expires_at: float
    interval: int
    status: DeviceStatus = "pending"
    last_poll: float | None = None
    pid: str | None = None
    auth_time: int | None = None
    acr: str | None = None

    def get_client_id(self) -> str:
        return self.client_id

    def get_redirect_uri(self) -> str:
        return ""

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return None

    def get_auth_time(self) -> int | None:
        return self.auth_time

    def get_acr(self) -> str | None:
        return self.acr

    def get_amr(self) -> list[str]:
        return ["pwd"]


@dataclass(frozen=True)
class PendingStepUp:
    """A person who signed in but whose IAL is below what the relying party asked for."""

    pid: str
    auth_time: int
    minimum: float
    expires_at: float


@dataclass(frozen=True)
class BrowserSession:
    """Who signed in at this browser and when, so a second sign-in can skip the password."""

    pid: str
    auth_time: int
    expires_at: float


class ProviderStore:
    """Thread-safe in-memory store; `clock` is injectable so tests can expire things."""

    def __init__(
        self, *, clock: Clock, retain_seconds: int, refresh_lifetime_seconds: int = 86400
    ) -> None:
        self._clock = clock
        self._refresh_lifetime = refresh_lifetime_seconds
        # Redeemed codes are remembered this long so a replay is recognised (and the tokens
        # issued from the code revoked) rather than reported as an unknown code.
        self._retain_seconds = retain_seconds
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}
        self._revoked: dict[str, float] = {}  # jti -> token expiry
        self._sessions: dict[str, BrowserSession] = {}
        self._families: dict[str, TokenFamily] = {}
        self._refresh_index: dict[str, str] = {}  # every refresh token ever issued -> family
        self._devices: dict[str, DeviceAuthorization] = {}  # device_code -> authorization
        self._user_codes: dict[str, str] = {}  # normalised user_code -> device_code
        self._step_ups: dict[str, PendingStepUp] = {}
        # client key -> times of its wrong user codes within the window, oldest first
        self._user_code_failures: dict[str, list[float]] = {}

    def now(self) -> float:
        return self._clock()

    def save_code(self, code: AuthorizationCode) -> None:
        with self._lock:
            self._purge()
            self._codes[code.code] = code

    def redeem_code(self, value: str, *, client_id: str) -> AuthorizationCode:
        """Marks the code used and returns it, atomically, so two racing requests can't both win.

        A code is spent by its first redemption attempt even if that attempt then fails PKCE:
        RFC 6749 §4.1.2 allows a code to be used once, and a failed guess must not get retries.

        Raises:
            CodeRejectedError: unknown, issued to another client, expired, or already used. On
                reuse the tokens issued from the code are revoked (RFC 6749 §4.1.2).
        """
        with self._lock:
            code = self._codes.get(value)
            if code is None or code.client_id != client_id:
                raise CodeRejectedError("Invalid code")
            if code.redeemed:
                for jti in code.token_ids:
                    self._revoked[jti] = code.expires_at + self._retain_seconds
                if code.family_id:
                    self._revoke_family(code.family_id)
                raise CodeRejectedError("Code already used; tokens issued from it are revoked")
            if self._clock() >= code.expires_at:
                raise CodeRejectedError("Code expired")
            code.redeemed = True
            return code

    def record_token(self, code: AuthorizationCode, *, token_id: str) -> None:
        """Links an issued access token to its code so a later replay can revoke it."""
        with self._lock:
            code.token_ids.append(token_id)

    def link_family(self, code: AuthorizationCode, family: TokenFamily) -> None:
        """Ties a refresh-token family to its code, so a code replay revokes the family too."""
        with self._lock:
            code.family_id = family.family_id

    # --- refresh-token families (RFC 6749 §6) ------------------------------------------------

    def start_family(
        self, *, client_id: str, pid: str, scope: str, auth_time: int, acr: str | None
    ) -> TokenFamily:
        family = TokenFamily(
            family_id=secrets.token_urlsafe(16),
            client_id=client_id,
            pid=pid,
            scope=scope,
            auth_time=auth_time,
            acr=acr,
            expires_at=self._clock() + self._refresh_lifetime,
        )
        with self._lock:
            self._purge()
            self._families[family.family_id] = family
        return family

    def record_family_token(
        self, family: TokenFamily, *, token_id: str, refresh_token: str | None
    ) -> None:
        """Adds an access token (and the next refresh token, if any) to a family."""
        with self._lock:
            family.token_ids.append(token_id)
            if refresh_token is not None:
                family.current_refresh = refresh_token
                family.expires_at = self._clock() + self._refresh_lifetime
                self._refresh_index[refresh_token] = family.family_id
            if family.revoked:
                # Revoked while this token was being minted: it must not outlive the family.
                self._revoke_family(family.family_id)

    def use_refresh_token(
        self, value: str, *, client_id: str, requested_scope: str | None
    ) -> TokenFamily:
        """Spends the family's current refresh token and returns the family, atomically.

        Raises:
            RefreshTokenRejectedError: unknown, another client's, revoked, expired, asking for
                more scope than granted, or already used. Reuse of a rotated-out token revokes
                the whole family and its access tokens (RFC 9700 §4.14.2).
        """
        with self._lock:
            family_id = self._refresh_index.get(value)
            family = self._families.get(family_id) if family_id else None
            if family is None or family.client_id != client_id:
                raise RefreshTokenRejectedError("Invalid refresh token")
            if family.revoked:
                raise RefreshTokenRejectedError("Refresh token revoked")
            if family.current_refresh != value:
                self._revoke_family(family.family_id)
                raise RefreshTokenRejectedError(
                    "Refresh token already used; every token issued from it is revoked"
                )
            if self._clock() >= family.expires_at:
                raise RefreshTokenRejectedError("Refresh token expired")
            if requested_scope and not set(requested_scope.split()) <= set(family.scope.split()):
                # Checked before spending, so a scope mistake does not cost the client the token.
                raise RefreshTokenRejectedError(
                    "The scope may not exceed the one granted", error="invalid_scope"
                )
            family.current_refresh = None
            return family

    def _revoke_family(self, family_id: str) -> None:
        """Called with the lock held."""
        family = self._families.get(family_id)
        if family is None:
            return
        family.revoked = True
        family.current_refresh = None
        until = self._clock() + self._retain_seconds
        for jti in family.token_ids:
            self._revoked[jti] = until

    # --- device authorizations (RFC 8628) ----------------------------------------------------

    def save_device(self, device: DeviceAuthorization) -> bool:
        """Stores a new device authorization; False if its user_code is already in use."""
        with self._lock:
            self._purge()
            if device.user_code in self._user_codes:
                return False
            self._devices[device.device_code] = device
            self._user_codes[device.user_code] = device.device_code
            return True

    def get_pending_device(self, user_code: str) -> DeviceAuthorization | None:
        """The unexpired, still undecided authorization for a (normalised) user_code."""
        with self._lock:
            device_code = self._user_codes.get(user_code)
            device = self._devices.get(device_code) if device_code else None
            if device is None or device.status != "pending":
                return None
            if self._clock() >= device.expires_at:
                return None
            return device

    def check_user_code(self, client_key: str, user_code: str) -> DeviceAuthorization | None:
        """`get_pending_device` for a code a person typed, limited per client (RFC 8628 §5.1).

        A client (`client_key`: the browser's session, or its address) may enter at most
        USER_CODE_MAX_FAILURES wrong codes within USER_CODE_FAILURE_WINDOW_SECONDS; after that
        every entry is refused, a right code too, until the oldest failure leaves the window.
        A right code does not count. Only well-formed codes (8 characters) count as guesses: a
        shorter or longer one can match nothing and tells the client nothing.

        Raises:
            UserCodeAttemptsExceededError: the client is over the limit; nothing is looked up.
        """
        with self._lock:
            self._purge()
            now = self._clock()
            failures = self._recent_failures(client_key, now)
            if len(failures) >= USER_CODE_MAX_FAILURES:
                wait = failures[0] + USER_CODE_FAILURE_WINDOW_SECONDS - now
                raise UserCodeAttemptsExceededError(max(1, math.ceil(wait)))
            device_code = self._user_codes.get(user_code)
            device = self._devices.get(device_code) if device_code else None
            if device is not None and device.status == "pending" and now < device.expires_at:
                return device
            if len(user_code) == 8:
                self._user_code_failures.setdefault(client_key, []).append(now)
            return None

    def _recent_failures(self, client_key: str, now: float) -> list[float]:
        """The client's failures still inside the window (older ones dropped); lock held."""
        failures = self._user_code_failures.get(client_key)
        if not failures:
            return []
        recent = [t for t in failures if now - t < USER_CODE_FAILURE_WINDOW_SECONDS]
        if recent:
            self._user_code_failures[client_key] = recent
        else:
            del self._user_code_failures[client_key]
        return recent

    def decide_device(
        self,
        user_code: str,
        *,
        approved: bool,
        pid: str | None,
        auth_time: int | None,
        acr: str | None,
    ) -> bool:
        """Records the person's Allow or Deny; False if the code is no longer pending."""
        with self._lock:
            device_code = self._user_codes.get(user_code)
            device = self._devices.get(device_code) if device_code else None
            if device is None or device.status != "pending" or self._clock() >= device.expires_at:
                return False
            if approved:
                device.status = "approved"
                device.pid, device.auth_time, device.acr = pid, auth_time, acr
            else:
                device.status = "denied"
            return True

    def poll_device(self, device_code: str, *, client_id: str) -> DeviceAuthorization:
        """One token-endpoint poll (RFC 8628 §3.4-3.5), atomically.

        Returns the approved authorization, now marked redeemed so it yields tokens once.

        Raises:
            DevicePollError: invalid_grant (unknown, another client's, already redeemed),
                expired_token, access_denied, slow_down (polled within the interval, which then
                grows by 5 s) or authorization_pending.
        """
        with self._lock:
            device = self._devices.get(device_code)
            if device is None or device.client_id != client_id:
                raise DevicePollError("invalid_grant", "Invalid device_code")
            if device.status == "redeemed":
                raise DevicePollError("invalid_grant", "The device_code was already used")
            now = self._clock()
            if now >= device.expires_at:
                raise DevicePollError("expired_token")
            if device.status == "denied":
                raise DevicePollError("access_denied")
            if device.status == "approved":
                device.status = "redeemed"
                return device
            too_soon = device.last_poll is not None and now - device.last_poll < device.interval
            device.last_poll = now
            if too_soon:
                device.interval += DEVICE_SLOW_DOWN_SECONDS
                raise DevicePollError("slow_down")
            raise DevicePollError("authorization_pending")

    # --- identity-assurance step-up -----------------------------------------------------------

    def create_step_up(self, *, pid: str, auth_time: int, minimum: float) -> str:
        step_up_id = secrets.token_urlsafe(32)
        with self._lock:
            self._step_ups[step_up_id] = PendingStepUp(
                pid=pid,
                auth_time=auth_time,
                minimum=minimum,
                expires_at=self._clock() + STEP_UP_LIFETIME_SECONDS,
            )
        return step_up_id

    def take_step_up(self, step_up_id: str) -> PendingStepUp | None:
        """Single use: the pending step-up is forgotten whether it is then accepted or not."""
        with self._lock:
            step_up = self._step_ups.pop(step_up_id, None)
            if step_up is None or self._clock() >= step_up.expires_at:
                return None
            return step_up

    def is_revoked(self, token_id: str) -> bool:
        with self._lock:
            return token_id in self._revoked

    def nonce_seen(self, *, client_id: str, nonce: str) -> bool:
        """True if a code was already issued with this nonce for this client (replay guard)."""
        with self._lock:
            return any(c.client_id == client_id and c.nonce == nonce for c in self._codes.values())

    def create_session(self, *, pid: str, auth_time: int) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[session_id] = BrowserSession(
                pid=pid,
                auth_time=auth_time,
                expires_at=self._clock() + SESSION_LIFETIME_SECONDS,
            )
        return session_id

    def get_session(self, session_id: str | None) -> BrowserSession | None:
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None and self._clock() >= session.expires_at:
                del self._sessions[session_id]
                return None
            return session

    def delete_session(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._sessions.pop(session_id, None)

    def _purge(self) -> None:
        """Drops what can no longer matter; called with the lock held."""
        now = self._clock()
        stale = [k for k, c in self._codes.items() if c.expires_at + self._retain_seconds < now]
        for key in stale:
            del self._codes[key]
        for jti in [j for j, until in self._revoked.items() if until < now]:
            del self._revoked[jti]
        for sid in [s for s, sess in self._sessions.items() if sess.expires_at < now]:
            del self._sessions[sid]
        retain = self._retain_seconds
        for fid in [f for f, fam in self._families.items() if fam.expires_at + retain < now]:
            del self._families[fid]
        for value in [v for v, fid in self._refresh_index.items() if fid not in self._families]:
            del self._refresh_index[value]
        for dc in [d for d, dev in self._devices.items() if dev.expires_at + retain < now]:
            del self._user_codes[self._devices.pop(dc).user_code]
        for sid in [s for s, step in self._step_ups.items() if step.expires_at < now]:
            del self._step_ups[sid]
        for client_key in list(self._user_code_failures):
            self._recent_failures(client_key, now)
