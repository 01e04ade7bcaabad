"""The officers' back office: sign-in with the digital ID, a second factor, agency petitions.

Separate from citizen pages in every way a browser can tell: its own redirect URI, its own
session table and cookie (`portal_officer_session`, SameSite=Strict, path `/backoffice`), so a
citizen session never opens an officer page and an officer cookie is never sent to citizen pages.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from documents.qr import qr_svg
from identity.errors import SignInError
from identity.officers.errors import (
    InvalidTotpCodeError,
    OfficerSignInRequiredError,
    SecondFactorRequiredError,
)
from identity.officers.models import Officer, OfficerSession
from identity.officers.service import (
    SESSION_LIFETIME,
    begin_totp_enrolment,
    confirm_totp,
    get_active_officer_session,
    officer_from_claims,
    revoke_officer_session,
    rotate_officer_session,
    start_officer_session,
    verify_second_factor,
)
from identity.oidc import RelyingParty, safe_next_url
from portal.csrf import CsrfProtected
from portal.deps import Db, SettingsDep
from portal.errors import PortalError
from portal.ratelimit import Limits, enforce_rate_limit
from portal.runtime import offloaded
from portal.settings import Settings
from portal.templating import render
from portal.web.auth import redirect_to_provider

router = APIRouter(prefix="/backoffice", tags=["officer"], include_in_schema=False)

OFFICER_COOKIE = "portal_officer_session"
OFFICER_LOGIN_COOKIE = "portal_officer_login"  # binds a sign-in trip to this browser
COOKIE_PATH = "/backoffice"
HOME = "/backoffice/"
SECOND_FACTOR = "/backoffice/second-factor"
_rp_lock = threading.Lock()


# -- the relying party for the back office ----------------------------------------------------


def backoffice_relying_party(request: Request) -> RelyingParty:
    """The citizen relying party's provider and client, with the back office's redirect URI.

    Made on first use and kept on `app.state`; it shares the HTTP client (closed at shutdown).
    """
    state = request.app.state
    rp: RelyingParty | None = getattr(state, "backoffice_relying_party", None)
    if rp is None:
        with _rp_lock:
            rp = getattr(state, "backoffice_relying_party", None)
            if rp is None:
                citizen_rp: RelyingParty = state.relying_party
                settings: Settings = state.settings
                rp = RelyingParty(
                    issuer=citizen_rp.issuer,
                    client_id=citizen_rp.client_id,
                    client_secret=citizen_rp.client_secret,
                    redirect_uri=f"{settings.base_url}/backoffice/auth/callback",
                    scopes=citizen_rp.scopes,
                    http=citizen_rp.http,
                )
                state.backoffice_relying_party = rp
    return rp


# -- dependencies ---------------------------------------------------------------------------


def get_signed_in_officer(request: Request, db: Db) -> tuple[OfficerSession, Officer]:
    """A live officer session, with or without its second factor yet."""
    found = get_active_officer_session(db, request.cookies.get(OFFICER_COOKIE))
    if found is None:
        raise OfficerSignInRequiredError()
    return found


SignedInOfficer = Annotated[tuple[OfficerSession, Officer], Depends(get_signed_in_officer)]


def get_current_officer(signed_in: SignedInOfficer) -> Officer:
    """Back-office pages: a live officer session that has proven a second factor."""
    session, officer = signed_in
    if session.second_factor_at is None:
        raise SecondFactorRequiredError()
    return officer


CurrentOfficer = Annotated[Officer, Depends(get_current_officer)]


def install_backoffice_error_handlers(app: FastAPI) -> None:
    """Sends a browser without an officer session (or without its second factor) to the right
    step, rather than to the citizens' sign-in that the generic handler would pick."""

    async def to_sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PortalError)
        if request.method == "GET":
            if isinstance(exc, SecondFactorRequiredError):
                return RedirectResponse(SECOND_FACTOR, status_code=303)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/backoffice/login?next={quote(target)}", status_code=303)
        return render(request, "error.html", status_code=exc.status_code, error=exc)

    app.add_exception_handler(OfficerSignInRequiredError, to_sign_in)
    app.add_exception_handler(SecondFactorRequiredError, to_sign_in)


# -- reads (authorisation included) -------------------------------------------------------------


def _page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    response = render(request, name, status_code=status_code, **context)
    # Back-office pages show personal data: never from a shared or browser cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        OFFICER_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path=COOKIE_PATH,
    )


# -- sign-in ----------------------------------------------------------------------------------


@router.get("/login")
@offloaded
def login(request: Request, db: Db, settings: SettingsDep, next: str = HOME) -> RedirectResponse:
    enforce_rate_limit(request, by_address=Limits.SIGNIN)
    return redirect_to_provider(
        backoffice_relying_party(request),
        db,
        next_url=next,
        cookie_name=OFFICER_LOGIN_COOKIE,
        cookie_path="/backoffice/auth",
        secure=settings.secure_cookies,
    )


@router.get("/auth/callback")
@offloaded
def callback(
    request: Request,
    db: Db,
    settings: SettingsDep,
    state: str = "",
    code: str = "",
    error: str = "",
) -> HTMLResponse:
    rp = backoffice_relying_party(request)
    attempt = rp.take_login_attempt(db, state=state)
    db.commit()  # spent even if what follows fails
    if error:
        raise SignInError(reason=error)
    result = rp.complete_sign_in(
        attempt, code=code, browser_secret=request.cookies.get(OFFICER_LOGIN_COOKIE)
    )
    officer = officer_from_claims(db, result.claims)  # 403 unless a registered, active officer
    revoke_officer_session(db, request.cookies.get(OFFICER_COOKIE))  # no fixation
    amr = result.claims.get("amr")
    token = start_officer_session(
        db,
        officer=officer,
        amr=amr if isinstance(amr, list) else [],
        id_token=result.id_token,
    )
    next_url = safe_next_url(result.next_url)
    if not next_url.startswith(COOKIE_PATH + "/"):
        next_url = HOME
    # A page, not a redirect: a SameSite=Strict cookie set in answer to a cross-site navigation
    # is not sent on the redirects that follow it, but is on a same-site navigation from here.
    response = _page(request, "backoffice/continue.html", next_url=next_url)
    response.delete_cookie(OFFICER_LOGIN_COOKIE, path="/backoffice/auth")
    _set_session_cookie(response, token, settings)
    return response


# -- second factor ------------------------------------------------------------------------------


def _second_factor_page(
    request: Request, db: Db, officer: Officer, status_code: int = 200, error: Any = None
) -> HTMLResponse:
    uri = (
        None
        if officer.totp_confirmed_at
        else begin_totp_enrolment(db, officer, key_material=request.app.state.secret_key)
    )
    return _page(
        request,
        "backoffice/second_factor.html",
        status_code=status_code,
        officer=officer,
        provisioning_uri=uri,
        qr=qr_svg(uri) if uri else None,
        error=error,
    )


@router.get("/second-factor", response_model=None)
def second_factor_form(request: Request, db: Db, signed_in: SignedInOfficer) -> Response:
    session, officer = signed_in
    if session.second_factor_at is not None:
        return RedirectResponse(HOME, status_code=303)
    return _second_factor_page(request, db, officer)


@router.post("/second-factor", dependencies=[CsrfProtected], response_model=None)
def second_factor_submit(
    request: Request,
    db: Db,
    settings: SettingsDep,
    signed_in: SignedInOfficer,
    code: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    session, officer = signed_in
    if session.second_factor_at is None:
        # Per officer, whatever the address: a stolen first factor cannot try codes quickly.
        enforce_rate_limit(request, by_account=(Limits.SECOND_FACTOR, f"officer:{officer.id}"))
        try:
            if officer.totp_confirmed_at is None:
                confirm_totp(
                    db, officer, code, session=session, key_material=request.app.state.secret_key
                )
            else:
                verify_second_factor(
                    db, session, officer, code, key_material=request.app.state.secret_key
                )
        except InvalidTotpCodeError as exc:
            db.commit()  # the failure count (and a revocation after too many) must stick
            if session.revoked_at is not None:
                response = _page(request, "error.html", status_code=401, error=exc)
                response.delete_cookie(OFFICER_COOKIE, path=COOKIE_PATH)
                return response
            return _second_factor_page(request, db, officer, status_code=400, error=exc)
    token = rotate_officer_session(db, session)
    response = RedirectResponse(HOME, status_code=303)
    _set_session_cookie(response, token, settings)
    return response


# -- pages (the queue and the petition page are in `queue`) ------------------------------------


@router.post("/logout", dependencies=[CsrfProtected])
@offloaded
def logout(request: Request, db: Db, settings: SettingsDep) -> RedirectResponse:
    session = revoke_officer_session(db, request.cookies.get(OFFICER_COOKIE))
    target = "/"
    if session is not None and session.id_token:
        rp = backoffice_relying_party(request)
        url = rp.logout_url(
            id_token_hint=session.id_token, post_logout_redirect_uri=settings.base_url + "/"
        )
        target = url or "/"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(OFFICER_COOKIE, path=COOKIE_PATH)
    return response
