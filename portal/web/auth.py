"""Sign-in with the digital ID (OIDC) and sign-out."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import Session

from identity.client_keys import public_jwks
from identity.errors import SignInError
from identity.oidc import IAL_LEVELS, RelyingParty
from identity.sessions import create_session, revoke_session, upsert_citizen_from_claims
from portal.csrf import CsrfProtected, new_browser_secret
from portal.deps import SESSION_COOKIE, Db, RelyingPartyDep, SettingsDep
from portal.errors import BadRequestError, NotFoundError
from portal.ratelimit import Limits, enforce_rate_limit
from portal.runtime import offloaded

router = APIRouter(tags=["public"], include_in_schema=False)

LOGIN_COOKIE = "portal_login"  # binds a sign-in trip to the browser that started it


@router.get("/login")
@offloaded
def login(
    request: Request,
    db: Db,
    rp: RelyingPartyDep,
    settings: SettingsDep,
    next: str = "/",
    ial: float | None = None,
) -> RedirectResponse:
    """Sends the browser to the provider; `ial` asks for at least that assurance (step-up)."""
    enforce_rate_limit(request, by_address=Limits.SIGNIN)
    if ial is not None and ial not in IAL_LEVELS:
        raise BadRequestError("Unknown assurance level", "ระดับการยืนยันตัวตนไม่ถูกต้อง")
    return redirect_to_provider(
        rp,
        db,
        next_url=next,
        min_ial=ial,
        cookie_name=LOGIN_COOKIE,
        cookie_path="/auth",
        secure=settings.secure_cookies,
    )


def redirect_to_provider(
    rp: RelyingParty,
    db: Session,
    *,
    next_url: str,
    cookie_name: str,
    cookie_path: str,
    secure: bool,
    min_ial: float | None = None,
) -> RedirectResponse:
    """Starts a sign-in trip: records the attempt and binds it to this browser by a cookie
    that only the matching callback path receives."""
    secret = new_browser_secret()
    url = rp.start_sign_in(db, browser_secret=secret, next_url=next_url, min_ial=min_ial)
    response = RedirectResponse(url, status_code=303)
    # Lax, not Strict: the provider's redirect back is a cross-site top-level navigation.
    response.set_cookie(
        cookie_name,
        secret,
        max_age=600,
        httponly=True,
        samesite="lax",
        secure=secure,
        path=cookie_path,
    )
    return response


@router.get("/auth/callback")
@offloaded
def callback(
    request: Request,
    db: Db,
    rp: RelyingPartyDep,
    settings: SettingsDep,
    state: str = "",
    code: str = "",
    error: str = "",
) -> RedirectResponse:
    attempt = rp.take_login_attempt(db, state=state)
    db.commit()  # spent even if what follows fails
    if error:
        # The citizen cancelled at the provider, or the provider refused the request.
        raise SignInError(reason=error)
    result = rp.complete_sign_in(
        attempt, code=code, browser_secret=request.cookies.get(LOGIN_COOKIE)
    )
    citizen = upsert_citizen_from_claims(db, issuer=rp.issuer, claims=result.claims)
    # A new session id at every sign-in (no fixation); an old cookie is revoked.
    revoke_session(db, token=request.cookies.get(SESSION_COOKIE))
    token = create_session(
        db,
        citizen_id=citizen.id,  # type: ignore[arg-type]
        id_token=result.id_token,
        absolute_lifetime=timedelta(hours=settings.session_absolute_hours),
    )
    response = RedirectResponse(result.next_url, status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/auth")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_absolute_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


@router.get("/oidc/jwks.json")
def client_jwks(request: Request) -> JSONResponse:
    """The portal's public key for `private_key_jwt` (register it as the client's jwks_uri)."""
    key = request.app.state.client_key
    if key is None:
        raise NotFoundError()
    return JSONResponse(public_jwks(key), headers={"Cache-Control": "public, max-age=3600"})


@router.post("/logout", dependencies=[CsrfProtected])
@offloaded
def logout(
    request: Request, db: Db, rp: RelyingPartyDep, settings: SettingsDep
) -> RedirectResponse:
    session = revoke_session(db, token=request.cookies.get(SESSION_COOKIE))
    target = "/"
    if session is not None:
        target = (
            rp.logout_url(
                id_token_hint=session.id_token, post_logout_redirect_uri=settings.base_url + "/"
            )
            or "/"
        )
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
