"""In-memory state of the development provider: authorization codes, revoked tokens, sessions.

Everything lives in one process's memory behind one lock. That is enough for a development
provider (restart it and everyone signs in again) and is why it must never serve production:
nothing is shared between workers and nothing survives a restart.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from authlib.oidc.core import AuthorizationCodeMixin

Clock = Callable[[], float]

SESSION_LIFETIME_SECONDS = 8 * 3600


class CodeRejectedError(Exception):
    """The code cannot be exchanged; `reason` is safe to show the client (ASCII, no quotes)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
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

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_amr(self) -> list[str]:
        # RFC 8176: "pwd" — the only way to sign in here is citizen ID plus password.
        return ["pwd"]


@dataclass(frozen=True)
class BrowserSession:
    """Who signed in at this browser and when, so a second sign-in can skip the password."""

    pid: str
    auth_time: int
    expires_at: float


class ProviderStore:
    """Thread-safe in-memory store; `clock` is injectable so tests can expire things."""

    def __init__(self, *, clock: Clock, retain_seconds: int) -> None:
        self._clock = clock
        # Redeemed codes are remembered this long so a replay is recognised (and the tokens
        # issued from the code revoked) rather than reported as an unknown code.
        self._retain_seconds = retain_seconds
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}
        self._revoked: dict[str, float] = {}  # jti -> token expiry
        self._sessions: dict[str, BrowserSession] = {}

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
                raise CodeRejectedError("Code already used; tokens issued from it are revoked")
            if self._clock() >= code.expires_at:
                raise CodeRejectedError("Code expired")
            code.redeemed = True
            return code

    def record_token(self, code: AuthorizationCode, *, token_id: str) -> None:
        """Links an issued access token to its code so a later replay can revoke it."""
        with self._lock:
            code.token_ids.append(token_id)

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
