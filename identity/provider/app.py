"""The development digital-ID provider as its own ASGI app (Starlette).

Each route turns the Starlette request into a `ProviderRequest`, lets Authlib's server do the
protocol work, and renders a page or returns Authlib's response. Besides the code flow it serves
the IAL step-up page (`acr_values`) and the RFC 8628 device flow for kiosks (`/device_authorization`
for the kiosk, `/device` for the person's phone). Pages are Jinja2 templates in
`templates/provider/`; forms are protected by a CSRF token bound to a cookie.

Transport: Authlib refuses plain-http request URLs unless AUTHLIB_INSECURE_TRANSPORT is set. Since
Authlib 1.9 its check already accepts http on loopback hosts (RFC 8252 §7.3), and the provider
builds each request URL from the issuer, so `http://127.0.0.1:8001` works with the variable
unset. The variable is never set here: it is process-wide and would also switch off the check for
the portal's relying-party client. Any other http issuer is refused at start-up instead.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from authlib.common.security import is_secure_transport
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import AccessDeniedError
from authlib.oauth2.rfc8628 import DEVICE_CODE_GRANT_TYPE
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from identity.citizen_ids import mask_citizen_id

from .accounts import ProviderAccount, ProviderClient, normalise_citizen_id
from .assurance import ACR_VALUES_SUPPORTED, acr_for, format_ial, requested_minimum
from .claims import CLAIMS_SUPPORTED, SCOPES_SUPPORTED, consent_items_for
from .keys import SIGNING_ALG, load_or_create_signing_key, public_jwks
from .server import (
    SESSION_COOKIE,
    Pairs,
    ProviderRequest,
    ProviderServer,
    SignedInUser,
    format_user_code,
    normalise_user_code,
)
from .store import (
    SESSION_LIFETIME_SECONDS,
    Clock,
    DeviceAuthorization,
    ProviderStore,
    UserCodeAttemptsExceededError,
)

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "provider"
CSRF_COOKIE = "dev_idp_csrf"

# The authorization request travels through the sign-in form as hidden fields; only these
# names are carried, so the credentials typed into the form never reach Authlib.
AUTHORIZATION_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "acr_values",
)
LOGOUT_PARAMS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state", "logout_hint")

ERROR_MESSAGES: dict[str, tuple[str, str]] = {
    "bad_request": (
        "คำขอเข้าสู่ระบบนี้ไม่ถูกต้อง จึงไม่สามารถส่งคุณกลับไปยังแอปพลิเคชันได้",
        "This sign-in request is not valid, so you cannot be sent back to the application.",
    ),
    "form_expired": (
        "แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณากลับไปที่แอปพลิเคชันแล้วเริ่มใหม่",
        "This form has expired or is not valid. Go back to the application and start again.",
    ),
    "logout_refused": (
        "ไม่สามารถออกจากระบบตามคำขอนี้ได้ เพราะที่อยู่ปลายทางไม่ได้ลงทะเบียนไว้กับแอปพลิเคชันนี้",
        "This sign-out request was refused: its return address is not registered for the app.",
    ),
    "logout_invalid": (
        "คำขอออกจากระบบนี้ไม่ถูกต้อง",
        "This sign-out request is not valid.",
    ),
}
DEVICE_MESSAGES: dict[str, tuple[str, str]] = {
    "unknown_code": (
        "ไม่พบรหัสนี้ หรือรหัสหมดอายุแล้ว กรุณาตรวจสอบรหัสบนหน้าจอตู้บริการ",
        "That code was not found or has expired. Check the code on the kiosk screen.",
    ),
    "approved": (
        "เรียบร้อยแล้ว กลับไปที่ตู้บริการได้เลย",
        "Done. You can go back to the kiosk.",
    ),
    "denied": (
        "ยกเลิกแล้ว ตู้บริการจะไม่ได้รับข้อมูลของคุณ",
        "Cancelled. The kiosk will not receive your information.",
    ),
}
# RFC 8628 §5.1; {minutes} is filled in from Retry-After.
TOO_MANY_CODES_MESSAGE = (
    "กรอกรหัสผิดหลายครั้งเกินไป กรุณารอประมาณ {minutes} นาทีแล้วลองอีกครั้ง",
    "Too many wrong codes. Please wait about {minutes} minute(s), then try again.",
)
CREDENTIAL_ERRORS: dict[str, tuple[str, str]] = {
    "bad_credentials": (
        "เลขประจำตัวประชาชนหรือรหัสผ่านไม่ถูกต้อง",
        "The citizen ID number or password is not correct.",
    ),
    "missing_credentials": (
        "กรุณากรอกเลขประจำตัวประชาชนและรหัสผ่าน",
        "Enter your citizen ID number and password.",
    ),
}


def create_provider_app(
    *,
    issuer: str,
    key_path: Path,
    clients: Sequence[ProviderClient],
    accounts: Sequence[ProviderAccount],
    environment: str = "development",
    code_lifetime_seconds: int = 60,
    access_token_lifetime_seconds: int = 900,
    clock: Clock = time.time,
    refresh_token_lifetime_seconds: int = 86400,
    claim_names: Mapping[str, str] | None = None,
) -> ASGIApp:
    """The development OpenID provider standing in for ThaID in demos and tests.

    Codes, revoked tokens and browser sessions live in this process's memory (thread-safe, lost
    on restart); only the signing key is kept on disk, at `key_path`. `clock` exists so tests
    can expire codes and tokens without sleeping.

    Raises:
        RuntimeError: `environment` is "production"; real citizens must only meet ThaID.
        ValueError: the issuer is not https (or http on loopback), or ids are duplicated.
    """
    if environment == "production":
        raise RuntimeError(
            "The development digital-ID provider must never run in production; "
            "point the portal at ThaID instead."
        )
    _check_issuer(issuer)
    _check_unique("client_id", [c.client_id for c in clients])
    _check_unique("pid", [a.pid for a in accounts])
    server = ProviderServer(
        issuer=issuer,
        key=load_or_create_signing_key(key_path),
        clients=clients,
        accounts=accounts,
        store=ProviderStore(
            clock=clock,
            retain_seconds=access_token_lifetime_seconds,
            refresh_lifetime_seconds=refresh_token_lifetime_seconds,
        ),
        code_lifetime_seconds=code_lifetime_seconds,
        access_token_lifetime_seconds=access_token_lifetime_seconds,
        claim_names=claim_names,
    )
    views = ProviderViews(server=server, accounts=accounts)
    return Starlette(routes=views.routes())


class ProviderViews:
    """The HTTP surface: one method per endpoint, sharing the server, templates and cookies."""

    def __init__(self, *, server: ProviderServer, accounts: Sequence[ProviderAccount]) -> None:
        self.server = server
        self.accounts = list(accounts)
        self.issuer = server.issuer
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, undefined=StrictUndefined
        )
        # Per-process secret: a restart invalidates open sign-in forms, acceptable in development.
        self._csrf_secret = secrets.token_bytes(32)
        parts = urlsplit(self.issuer)
        self.cookie_path = parts.path or "/"
        self.secure_cookies = parts.scheme == "https"

    def routes(self) -> list[Route]:
        return [
            Route("/.well-known/openid-configuration", self.discovery, methods=["GET"]),
            Route("/jwks", self.jwks, methods=["GET"]),
            Route("/authorize", self.authorize, methods=["GET"]),
            Route("/authorize", self.authorize_submit, methods=["POST"]),
            Route("/authorize/step-up", self.step_up_submit, methods=["POST"]),
            Route("/token", self.token, methods=["POST"]),
            Route("/device_authorization", self.device_authorization, methods=["POST"]),
            Route("/device", self.device, methods=["GET"]),
            Route("/device", self.device_submit, methods=["POST"]),
            Route("/device/approve", self.device_approve, methods=["POST"]),
            Route("/userinfo", self.userinfo, methods=["GET", "POST"]),
            Route("/logout", self.logout, methods=["GET"]),
            Route("/logout", self.logout_confirmed, methods=["POST"]),
            Route("/healthz", self.healthz, methods=["GET"]),
        ]

    def url(self, path: str) -> str:
        return self.issuer + path

    # --- metadata -------------------------------------------------------------------------

    async def discovery(self, request: Request) -> Response:
        """OpenID Connect Discovery 1.0 §3 metadata."""
        metadata = {
            "issuer": self.issuer,
            "authorization_endpoint": self.url("/authorize"),
            "token_endpoint": self.url("/token"),
            "userinfo_endpoint": self.url("/userinfo"),
            "jwks_uri": self.url("/jwks"),
            "end_session_endpoint": self.url("/logout"),
            "device_authorization_endpoint": self.url("/device_authorization"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                DEVICE_CODE_GRANT_TYPE,
            ],
            "acr_values_supported": list(ACR_VALUES_SUPPORTED),
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [SIGNING_ALG],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": list(SCOPES_SUPPORTED),
            "claims_supported": list(CLAIMS_SUPPORTED),
            "prompt_values_supported": ["none", "login", "consent"],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
        }
        return JSONResponse(metadata, headers={"Cache-Control": "public, max-age=60"})

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(public_jwks(self.server.key), headers={"Cache-Control": "max-age=60"})

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    # --- authorization endpoint -----------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        """Validates the request before showing anything, then shows sign-in and consent."""
        oauth_request = self.oauth_request(request, "/authorize")
        session_user = self.session_user(request, oauth_request)
        try:
            # Validates everything (and records the resolved scope on oauth_request).
            self.server.get_consent_grant(oauth_request, end_user=session_user)
        except OAuth2Error as error:
            return self.authorization_error(oauth_request, error)
        return self.render_authorize(
            request,
            oauth_request,
            session_user=session_user,
            entered_pid=oauth_request.payload.data.get("login_hint", ""),
        )

    async def authorize_submit(self, request: Request) -> Response:
        """Checks CSRF, re-validates the carried request, then denies or signs in and allows."""
        form = await read_form(request)
        fields = dict(reversed(form))  # first value wins
        if not self.csrf_valid(request, fields.get("csrf_token", "")):
            return self.render_error(request, "form_expired", status=403)
        oauth_request = self.carried_request(request, form)
        session_user = self.session_user(request, oauth_request)
        try:
            grant = self.server.get_consent_grant(oauth_request, end_user=session_user)
        except OAuth2Error as error:
            return self.authorization_error(oauth_request, error)

        if fields.get("action") != "allow":
            # RFC 6749 §4.1.2.1: the person said no, so the client gets access_denied.
            return self.server.create_authorization_response(oauth_request, None, grant)

        typed_pid = fields.get("pid", "").strip()
        password = fields.get("password", "")
        if session_user is not None and not (typed_pid or password):
            # Signed in earlier in this browser: the consent was just given, no password needed.
            return self.finish_authorization(request, oauth_request, grant, session_user)

        account = self.check_credentials(typed_pid, password)
        if account is None:
            return self.render_authorize(
                request,
                oauth_request,
                session_user=None,
                entered_pid=typed_pid,
                problem="bad_credentials" if typed_pid or password else "missing_credentials",
                status=401,
            )
        user = SignedInUser(account=account, auth_time=int(self.server.store.now()))
        response = self.finish_authorization(request, oauth_request, grant, user)
        # A fresh sign-in gets a fresh session id, never the old cookie's (session fixation).
        self.server.store.delete_session(request.cookies.get(SESSION_COOKIE))
        session_id = self.server.store.create_session(pid=account.pid, auth_time=user.auth_time)
        self.set_cookie(response, SESSION_COOKIE, session_id, SESSION_LIFETIME_SECONDS)
        return response

    def carried_request(self, request: Request, form: Pairs) -> ProviderRequest:
        """The authorization request carried through a form as hidden fields."""
        return ProviderRequest(
            method="POST",
            uri=self.url("/authorize"),
            headers=request.headers,
            form=[(k, v) for k, v in form if k in AUTHORIZATION_PARAMS],
            cookies=request.cookies,
        )

    def finish_authorization(
        self, request: Request, oauth_request: ProviderRequest, grant: Any, user: SignedInUser
    ) -> Response:
        """Issues the code, unless the relying party asked for a higher IAL than the person has.

        OIDC Core §3.1.2.1 `acr_values`: the lowest listed level is the minimum. Below it, the
        person is offered a (simulated) face-scan step-up instead of a code.
        """
        minimum = requested_minimum(oauth_request.payload.data.get("acr_values"))
        if minimum is None or user.account.ial >= minimum:
            response: Response = self.server.create_authorization_response(
                oauth_request, user, grant
            )
            return response
        step_up_id = self.server.store.create_step_up(
            pid=user.account.pid, auth_time=user.auth_time, minimum=minimum
        )
        data = oauth_request.payload.data
        context = {
            "action": self.url("/authorize/step-up"),
            "carried": [(name, data[name]) for name in AUTHORIZATION_PARAMS if data.get(name)],
            "step_up": step_up_id,
            "client_id": data["client_id"],
            "current_level": format_ial(user.account.ial),
            "required_level": format_ial(minimum),
        }
        return self.render_page(request, "step_up.html", context)

    async def step_up_submit(self, request: Request) -> Response:
        """Verify (simulated face scan raises the account's IAL, then the code) or cancel."""
        form = await read_form(request)
        fields = dict(reversed(form))
        if not self.csrf_valid(request, fields.get("csrf_token", "")):
            return self.render_error(request, "form_expired", status=403)
        oauth_request = self.carried_request(request, form)
        try:
            grant = self.server.get_consent_grant(oauth_request)
        except OAuth2Error as error:
            return self.authorization_error(oauth_request, error)
        step_up = self.server.store.take_step_up(fields.get("step_up", ""))
        minimum = requested_minimum(oauth_request.payload.data.get("acr_values"))
        if step_up is None or step_up.minimum != minimum:
            return self.render_error(request, "form_expired", status=403)
        if fields.get("action") != "verify":
            denied = AccessDeniedError(
                description="insufficient assurance",
                redirect_uri=oauth_request.payload.redirect_uri,
                state=oauth_request.payload.state,
            )
            response: Response = self.server.handle_error_response(oauth_request, denied)
            return response
        account = self.server.raise_ial(step_up.pid, step_up.minimum)
        # RFC 8176 "face": the (simulated) step-up was a facial-recognition check.
        user = SignedInUser(account=account, auth_time=step_up.auth_time, amr=("pwd", "face"))
        response = self.server.create_authorization_response(oauth_request, user, grant)
        return response

    def authorization_error(self, oauth_request: ProviderRequest, error: OAuth2Error) -> Response:
        """RFC 6749 §4.1.2.1: redirect only once client and redirect_uri are known good."""
        if error.redirect_uri:
            response: Response = self.server.handle_error_response(oauth_request, error)
            return response
        return self.render_error(
            None, "bad_request", status=400, code=error.error, description=error.description
        )

    def check_credentials(self, typed_pid: str, password: str) -> ProviderAccount | None:
        account = self.server.accounts_by_pid.get(normalise_citizen_id(typed_pid))
        if account is None:
            return None
        if not hmac.compare_digest(password.encode(), account.password.encode()):
            return None
        return account

    def session_user(self, request: Request, oauth_request: ProviderRequest) -> SignedInUser | None:
        """The browser's earlier sign-in, unless the client asked for a fresh one.

        OIDC Core §3.1.2.1: `prompt=login` forces re-authentication and `max_age` bounds how old
        the sign-in may be.
        """
        session = self.server.store.get_session(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return None
        data = oauth_request.payload.data
        if "login" in (data.get("prompt") or "").split():
            return None
        if max_age := data.get("max_age"):
            try:
                limit = int(max_age)
            except ValueError:
                limit = 0
            if self.server.store.now() - session.auth_time > limit:
                return None
        account = self.server.accounts_by_pid.get(session.pid)
        if account is None:
            return None
        return SignedInUser(account=account, auth_time=session.auth_time)

    def render_authorize(
        self,
        request: Request,
        oauth_request: ProviderRequest,
        *,
        session_user: SignedInUser | None,
        entered_pid: str = "",
        problem: str | None = None,
        status: int = 200,
    ) -> Response:
        data = oauth_request.payload.data
        carried = [(name, data[name]) for name in AUTHORIZATION_PARAMS if data.get(name)]
        switch = [(k, v) for k, v in carried if k != "prompt"] + [("prompt", "login")]
        authorize_url = self.url("/authorize")
        accounts = self.account_links(carried, "/authorize")
        context = {
            "action": self.url("/authorize"),
            "client_id": data["client_id"],
            "carried": carried,
            "accounts": accounts,
            "signed_in": self.signed_in_summary(session_user),
            "switch_account_url": f"{authorize_url}?{urlencode(switch)}",
            "consent_items": consent_items_for(oauth_request.scope or ""),
            "entered_pid": entered_pid,
            "problem": CREDENTIAL_ERRORS.get(problem) if problem else None,
            "user_code": None,
        }
        return self.render_page(request, "authorize.html", context, status=status)

    def account_links(self, base: list[tuple[str, str]], path: str) -> list[dict[str, str]]:
        """The test accounts, each a plain link that prefills the form via `login_hint`."""
        return [
            {
                "pid": account.pid,
                "masked_pid": mask_citizen_id(account.pid),
                "name_th": account.name_th,
                "name_en": account.name_en,
                "password": account.password,
                "href": self.url(path) + "?" + urlencode([*base, ("login_hint", account.pid)]),
            }
            for account in self.accounts
        ]

    @staticmethod
    def signed_in_summary(session_user: SignedInUser | None) -> dict[str, str] | None:
        if session_user is None:
            return None
        return {
            "name_th": session_user.account.name_th,
            "name_en": session_user.account.name_en,
            "masked_pid": mask_citizen_id(session_user.account.pid),
        }

    # --- token and userinfo ---------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        oauth_request = self.oauth_request(request, "/token", form=await read_form(request))
        response: Response = self.server.create_token_response(oauth_request)
        return response

    # --- device authorization grant (RFC 8628) ------------------------------------------

    async def device_authorization(self, request: Request) -> Response:
        """RFC 8628 §3.1: the kiosk, authenticated with its secret, asks for codes."""
        form = await read_form(request)
        oauth_request = self.oauth_request(request, "/device_authorization", form=form)
        response: Response = self.server.create_endpoint_response(
            "device_authorization", oauth_request
        )
        return response

    async def device(self, request: Request) -> Response:
        """RFC 8628 §3.3: the person's phone opens the verification URI.

        With `user_code` (verification_uri_complete) the code is only prefilled: the person must
        still confirm it matches the kiosk's screen (§5.4, remote phishing). A test-account link
        on the sign-in page comes back here with `login_hint` and goes straight to sign-in.
        """
        params = request.query_params
        user_code = normalise_user_code(params.get("user_code", ""))
        if params.get("login_hint") or params.get("switch"):
            # Shows sign-in only for a live code, so it is a guess like a typed code.
            try:
                device = self.typed_device(request, user_code)
            except UserCodeAttemptsExceededError as error:
                return self.render_too_many_codes(request, error.retry_after)
            if device is not None:
                return self.render_device_sign_in(
                    request,
                    user_code,
                    switch=bool(params.get("switch")),
                    entered_pid=params.get("login_hint", ""),
                )
        prefill = format_user_code(user_code) if len(user_code) == 8 else ""
        return self.render_device_code(request, prefill)

    async def device_submit(self, request: Request) -> Response:
        """The person typed (or confirmed) the code: show sign-in and consent for that kiosk."""
        fields = dict(reversed(await read_form(request)))
        if not self.csrf_valid(request, fields.get("csrf_token", "")):
            return self.render_error(request, "form_expired", status=403)
        typed = fields.get("user_code", "")
        user_code = normalise_user_code(typed)
        try:
            device = self.typed_device(request, user_code)
        except UserCodeAttemptsExceededError as error:
            return self.render_too_many_codes(request, error.retry_after, entered=typed)
        if device is None:
            return self.render_device_code(request, typed, problem="unknown_code", status=400)
        return self.render_device_sign_in(request, user_code, switch=False)

    async def device_approve(self, request: Request) -> Response:
        """Allow (after the password, or the browser's earlier sign-in) or Deny."""
        fields = dict(reversed(await read_form(request)))
        if not self.csrf_valid(request, fields.get("csrf_token", "")):
            return self.render_error(request, "form_expired", status=403)
        user_code = normalise_user_code(fields.get("user_code", ""))
        try:
            device = self.typed_device(request, user_code)
        except UserCodeAttemptsExceededError as error:
            return self.render_too_many_codes(request, error.retry_after)
        if device is None:
            return self.render_device_code(request, "", problem="unknown_code", status=400)
        switch = bool(fields.get("switch"))
        if fields.get("action") != "allow":
            self.server.store.decide_device(
                user_code, approved=False, pid=None, auth_time=None, acr=None
            )
            return self.render_device_done(request, "denied")

        session_user = None if switch else self.browser_user(request)
        typed_pid = fields.get("pid", "").strip()
        password = fields.get("password", "")
        response: Response
        if session_user is not None and not (typed_pid or password):
            user = session_user
            new_session = False
        else:
            account = self.check_credentials(typed_pid, password)
            if account is None:
                return self.render_device_sign_in(
                    request,
                    user_code,
                    switch=switch,
                    entered_pid=typed_pid,
                    problem="bad_credentials" if typed_pid or password else "missing_credentials",
                    status=401,
                )
            user = SignedInUser(account=account, auth_time=int(self.server.store.now()))
            new_session = True
        decided = self.server.store.decide_device(
            user_code,
            approved=True,
            pid=user.account.pid,
            auth_time=user.auth_time,
            acr=acr_for(user.account.ial),
        )
        if not decided:
            return self.render_device_code(request, "", problem="unknown_code", status=400)
        response = self.render_device_done(request, "approved")
        if new_session:
            self.server.store.delete_session(request.cookies.get(SESSION_COOKIE))
            session_id = self.server.store.create_session(
                pid=user.account.pid, auth_time=user.auth_time
            )
            self.set_cookie(response, SESSION_COOKIE, session_id, SESSION_LIFETIME_SECONDS)
        return response

    def user_code_client_key(self, request: Request) -> str:
        """Whose wrong user codes these are (RFC 8628 §5.1): the browser's live sign-in session,
        else its address. Only a live session counts, so made-up cookies do not buy new tries."""
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id and self.server.store.get_session(session_id) is not None:
            return "session:" + hashlib.sha256(session_id.encode()).hexdigest()
        return "ip:" + (request.client.host if request.client else "unknown")

    def typed_device(self, request: Request, user_code: str) -> DeviceAuthorization | None:
        """The pending authorization for a code from the browser, counting wrong ones.

        Raises:
            UserCodeAttemptsExceededError: this client entered too many wrong codes lately.
        """
        return self.server.store.check_user_code(self.user_code_client_key(request), user_code)

    def render_too_many_codes(
        self, request: Request, retry_after: int, *, entered: str = ""
    ) -> Response:
        minutes = max(1, math.ceil(retry_after / 60))
        context = {
            "action": self.url("/device"),
            "entered": entered,
            "problem": tuple(m.format(minutes=minutes) for m in TOO_MANY_CODES_MESSAGE),
        }
        response = self.render_page(request, "device_code.html", context, status=429)
        response.headers["Retry-After"] = str(retry_after)
        return response

    def browser_user(self, request: Request) -> SignedInUser | None:
        """Who signed in earlier in this browser, if anyone."""
        session = self.server.store.get_session(request.cookies.get(SESSION_COOKIE))
        account = self.server.accounts_by_pid.get(session.pid) if session else None
        if session is None or account is None:
            return None
        return SignedInUser(account=account, auth_time=session.auth_time)

    def render_device_code(
        self, request: Request, entered: str, *, problem: str | None = None, status: int = 200
    ) -> Response:
        context = {
            "action": self.url("/device"),
            "entered": entered,
            "problem": DEVICE_MESSAGES[problem] if problem else None,
        }
        return self.render_page(request, "device_code.html", context, status=status)

    def render_device_sign_in(
        self,
        request: Request,
        user_code: str,
        *,
        switch: bool,
        entered_pid: str = "",
        problem: str | None = None,
        status: int = 200,
    ) -> Response:
        device = self.server.store.get_pending_device(user_code)
        assert device is not None  # callers checked; the page is not shown for stale codes
        displayed = format_user_code(user_code)
        base = [("user_code", displayed)]
        carried = [*base, ("switch", "1")] if switch else base
        session_user = None if switch else self.browser_user(request)
        context = {
            "action": self.url("/device/approve"),
            "client_id": device.client_id,
            "carried": carried,
            "accounts": self.account_links(carried, "/device"),
            "signed_in": self.signed_in_summary(session_user),
            "switch_account_url": self.url("/device") + "?" + urlencode([*base, ("switch", "1")]),
            "consent_items": consent_items_for(device.scope),
            "entered_pid": entered_pid,
            "problem": CREDENTIAL_ERRORS.get(problem) if problem else None,
            "user_code": displayed,
        }
        return self.render_page(request, "authorize.html", context, status=status)

    def render_device_done(self, request: Request, outcome: str) -> Response:
        message_th, message_en = DEVICE_MESSAGES[outcome]
        context = {
            "message_th": message_th,
            "message_en": message_en,
            "approved": outcome == "approved",
        }
        return self.render_page(request, "device_done.html", context)

    async def userinfo(self, request: Request) -> Response:
        oauth_request = self.oauth_request(request, "/userinfo")
        response: Response = self.server.create_endpoint_response("userinfo", oauth_request)
        return response

    # --- RP-initiated logout --------------------------------------------------------------

    async def logout(self, request: Request) -> Response:
        return self.end_session(request, self.oauth_request(request, "/logout"), confirmed=False)

    async def logout_confirmed(self, request: Request) -> Response:
        form = await read_form(request)
        if not self.csrf_valid(request, dict(reversed(form)).get("csrf_token", "")):
            return self.render_error(request, "form_expired", status=403)
        oauth_request = ProviderRequest(
            method="POST",
            uri=self.url("/logout"),
            headers=request.headers,
            form=[(k, v) for k, v in form if k in LOGOUT_PARAMS],
            cookies=request.cookies,
        )
        return self.end_session(request, oauth_request, confirmed=True)

    def end_session(
        self, request: Request, oauth_request: ProviderRequest, *, confirmed: bool
    ) -> Response:
        """OIDC RP-Initiated Logout 1.0: validate, confirm if there is no id_token_hint, sign out.

        An unregistered post_logout_redirect_uri is refused outright (§3 forbids redirecting to
        it, and signing out anyway would hide the relying party's misconfiguration).
        """
        try:
            end = self.server.validate_endpoint_request("end_session", oauth_request)
        except (OAuth2Error, ValueError) as error:
            code = getattr(error, "error", "invalid_request")
            return self.render_error(request, "logout_invalid", status=400, code=code)
        data = oauth_request.payload.data
        wanted = data.get("post_logout_redirect_uri")
        if wanted and (
            end.client is None
            or wanted not in end.client.client_metadata.get("post_logout_redirect_uris", [])
        ):
            return self.render_error(request, "logout_refused", status=400, code="invalid_request")
        if end.needs_confirmation and not confirmed:
            carried = [(name, data[name]) for name in LOGOUT_PARAMS if data.get(name)]
            context = {"action": self.url("/logout"), "carried": carried}
            return self.render_page(request, "logout_confirm.html", context)
        response: Response | None = self.server.create_endpoint_response("end_session", end)
        if response is None:
            response = self.render_page(request, "signed_out.html", {})
        response.delete_cookie(
            SESSION_COOKIE,
            path=self.cookie_path,
            secure=self.secure_cookies,
            httponly=True,
            samesite="lax",
        )
        return response

    # --- shared helpers -------------------------------------------------------------------

    def oauth_request(self, request: Request, path: str, *, form: Pairs = ()) -> ProviderRequest:
        query = request.url.query
        return ProviderRequest(
            method=request.method,
            uri=self.url(path) + (f"?{query}" if query else ""),
            headers=request.headers,
            query=list(request.query_params.multi_items()),
            form=form,
            cookies=request.cookies,
        )

    def csrf_token(self, cookie_value: str) -> str:
        return hmac.new(self._csrf_secret, cookie_value.encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, request: Request, submitted: str) -> bool:
        """The form token must be the MAC of this browser's CSRF cookie (signed double submit)."""
        cookie_value = request.cookies.get(CSRF_COOKIE)
        if not cookie_value or not submitted:
            return False
        return hmac.compare_digest(self.csrf_token(cookie_value), submitted)

    def render_page(
        self,
        request: Request | None,
        template: str,
        context: dict[str, Any],
        *,
        status: int = 200,
    ) -> Response:
        """Renders a page with a CSRF token, a CSP nonce for its inline CSS/JS, and no caching."""
        cookie_value = request.cookies.get(CSRF_COOKIE) if request is not None else None
        new_cookie = not cookie_value
        if not cookie_value:
            cookie_value = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(16)
        html = self.templates.get_template(template).render(
            **context, csrf_token=self.csrf_token(cookie_value), csp_nonce=nonce
        )
        response = HTMLResponse(html, status_code=status, headers=page_headers(nonce))
        if new_cookie and request is not None:
            self.set_cookie(response, CSRF_COOKIE, cookie_value, None)
        return response

    def render_error(
        self,
        request: Request | None,
        kind: str,
        *,
        status: int,
        code: str | None = None,
        description: str | None = None,
    ) -> Response:
        message_th, message_en = ERROR_MESSAGES[kind]
        context = {
            "message_th": message_th,
            "message_en": message_en,
            "code": code,
            "description": description,
        }
        return self.render_page(request, "error.html", context, status=status)

    def set_cookie(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.cookie_path,
            secure=self.secure_cookies,
            httponly=True,
            samesite="lax",
        )


async def read_form(request: Request) -> list[tuple[str, str]]:
    """The urlencoded body as (name, value) pairs; file parts are ignored."""
    form = await request.form()
    return [(key, value) for key, value in form.multi_items() if isinstance(value, str)]


def page_headers(nonce: str) -> dict[str, str]:
    """Headers for every HTML page: the consent page must not be framed (clickjacking)."""
    csp = (
        "default-src 'none'; "
        f"style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
        "img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"
    )
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def _check_issuer(issuer: str) -> None:
    parts = urlsplit(issuer)
    if not parts.hostname or parts.query or parts.fragment or issuer.endswith("/"):
        raise ValueError(f"issuer {issuer!r} must be a URL without query, fragment or final '/'")
    # The same test Authlib applies to every request URL (InsecureTransportError.check).
    if not is_secure_transport(issuer):
        raise ValueError(
            f"issuer {issuer!r} must use https, or http on a loopback address "
            "(127.0.0.1, ::1, localhost)"
        )


def _check_unique(what: str, values: list[str]) -> None:
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise ValueError(f"duplicate {what}: {', '.join(duplicates)}")
