"""Kiosk pages: a registered device where citizens sign in with their phone (RFC 8628).

A kiosk never takes a password. The device proves itself with a credential cookie
(`portal_kiosk_device`, set once at `/kiosk/activate`); the citizen chooses a certificate,
scans a QR code, signs in and allows at the provider on their own phone, and the kiosk page,
polling the portal, moves on by itself to the journey's steps (`portal.web.kiosk_journey`).
The session lasts at most 5 minutes, ends sooner when nobody touches the screen (the idle
limit in settings, checked here on every request), and ends with "Finish", which wipes the
browser.

Every kiosk cookie is HttpOnly, SameSite=Strict and scoped to `/kiosk`, apart from the site-wide
CSRF cookie. Why "Finish" sends `Clear-Site-Data: "cache", "storage"` and deletes cookies by
name rather than asking for "cookies": see docs/decisions/0005-kiosk-sign-in.md.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from documents.qr import qr_svg
from documents.service import mask_name
from identity.errors import ProviderUnavailableError, SignInError
from identity.kiosks import flow, service
from identity.kiosks.device_flow import poll_device_token, start_device_authorization
from identity.kiosks.errors import (
    InvalidActivationCodeError,
    KioskNotRegisteredError,
    KioskSessionRequiredError,
    KioskSignInNotFoundError,
)
from identity.kiosks.models import KioskDevice, KioskSession
from identity.models import Citizen
from identity.sessions import upsert_citizen_from_claims
from portal.csrf import CsrfProtected
from portal.deps import SESSION_COOKIE, Db, RelyingPartyDep, SettingsDep
from portal.errors import PortalError
from portal.i18n import LANG_COOKIE, load_catalog
from portal.runtime import offloaded
from portal.settings import Settings
from portal.templating import render
from portal.web.backoffice import OFFICER_COOKIE
from services.agencies import get_agency
from services.audit.service import record_event
from services.catalogue.definitions import FormFieldSpec, ServiceDefinition
from services.catalogue.service import get_catalogue

router = APIRouter(prefix="/kiosk", tags=["kiosk"], include_in_schema=False)

DEVICE_COOKIE = "portal_kiosk_device"
SIGN_IN_COOKIE = "portal_kiosk_sign_in"
SESSION_COOKIE_NAME = "portal_kiosk_session"
# The certificate chosen before signing in (a service code, nothing personal), read once the
# phone sign-in opens the session.
SERVICE_COOKIE = "portal_kiosk_service"
COOKIE_PATH = "/kiosk"
# Browsers cap cookie lifetimes at 400 days (RFC 6265bis); re-activate a kiosk before then.
DEVICE_COOKIE_MAX_AGE = 400 * 86400
HOME = "/kiosk/"
SIGNED_IN_HOME = "/kiosk/home"
STATUS_URL = "/kiosk/sign-in/status"
JOURNEY_STATUS_URL = "/kiosk/status"
FINISHED_RETURN_SECONDS = 20  # the "finished" screen goes back to the start by itself
# "cookies" is left out on purpose: it is origin-wide (registrable-domain-wide in Chromium),
# cannot spare the device credential, and a Set-Cookie in the same response is not reliably
# kept. Every other cookie is deleted by name below.
CLEAR_SITE_DATA = '"cache", "storage"'


# -- dependencies ---------------------------------------------------------------------------


def get_kiosk_device(request: Request, db: Db) -> KioskDevice:
    """A registered, active kiosk: the device credential cookie, checked on every request.
    A kiosk an administrator disabled shows "not in service" (its sessions ended then)."""
    return service.authenticate_kiosk(db, request.cookies.get(DEVICE_COOKIE))


CurrentKiosk = Annotated[KioskDevice, Depends(get_kiosk_device)]


# kiosk.js reports touches to the portal at most every 10 seconds: the server waits that long
# beyond the page's own countdown before it calls a session idle.
IDLE_REPORT_GRACE_SECONDS = 10


def idle_limit(settings: Settings) -> timedelta:
    """How long a session may go untouched: the idle time, the on-screen countdown, and the
    page's reporting delay."""
    return timedelta(
        seconds=settings.kiosk_idle_seconds
        + settings.kiosk_idle_warning_seconds
        + IDLE_REPORT_GRACE_SECONDS
    )


def _signed_in(
    request: Request, db: Db, settings: Settings, device: KioskDevice, *, activity: bool
) -> tuple[KioskSession, Citizen]:
    token = request.cookies.get(SESSION_COOKIE_NAME)
    session = service.get_active_kiosk_session(db, device=device, token=token)
    citizen = db.get(Citizen, session.citizen_id) if session else None
    if session is None or citizen is None:
        raise KioskSessionRequiredError()
    if flow.idle_expired(session, limit=idle_limit(settings)):
        # Nobody touched the screen: end it here even if the page's script never ran (and
        # commit, since the error below rolls the request's transaction back).
        service.end_kiosk_session(db, token=token)
        db.commit()
        raise KioskSessionRequiredError()
    if activity:
        flow.touch_session(db, session)
    return session, citizen


def get_kiosk_citizen(
    request: Request, db: Db, settings: SettingsDep, device: CurrentKiosk
) -> tuple[KioskSession, Citizen]:
    """The citizen signed in on this kiosk right now; the request counts as their activity."""
    return _signed_in(request, db, settings, device, activity=True)


def get_polling_kiosk_citizen(
    request: Request, db: Db, settings: SettingsDep, device: CurrentKiosk
) -> tuple[KioskSession, Citizen]:
    """The same, for the page's own status polls, which are not the citizen's activity."""
    return _signed_in(request, db, settings, device, activity=False)


KioskCitizen = Annotated[tuple[KioskSession, Citizen], Depends(get_kiosk_citizen)]
PollingKioskCitizen = Annotated[tuple[KioskSession, Citizen], Depends(get_polling_kiosk_citizen)]


def install_kiosk_error_handlers(app: FastAPI) -> None:
    """Kiosk errors stay on kiosk pages: a bilingual "not registered" page, and a browser whose
    kiosk session is over goes back to the kiosk's start, not to the password sign-in."""

    async def kiosk_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PortalError)
        if request.url.path in (STATUS_URL, JOURNEY_STATUS_URL) or "application/json" in (
            request.headers.get("accept", "")
        ):
            return JSONResponse(exc.as_json(), status_code=exc.status_code)
        if isinstance(exc, KioskSessionRequiredError) and request.method == "GET":
            return RedirectResponse(HOME, status_code=303)
        return _page(request, "kiosk/error.html", status_code=exc.status_code, error=exc)

    for error in (KioskNotRegisteredError, KioskSessionRequiredError, KioskSignInNotFoundError):
        app.add_exception_handler(error, kiosk_error)


# -- rendering --------------------------------------------------------------------------------


def thai(message: str) -> str:
    """Thai for an English message, whatever the reader's language: kiosks show both."""
    return load_catalog("th").get(message, message)


def _page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("device", None)
    context.setdefault("idle", None)  # (idle seconds, countdown seconds) on signed-in pages
    context.setdefault("agency_of", get_agency)
    context.setdefault("numeric", numeric_field)
    response = render(request, name, status_code=status_code, thai=thai, N_=lambda m: m, **context)
    # A kiosk is a shared screen: nothing it shows may come back from a cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


_DIGITS_ONLY = re.compile(r"^[0-9{},?+*^$-]*$")  # a pattern once its \d are taken out


def numeric_field(field: FormFieldSpec) -> bool:
    """Whether an answer is typed with digits (and dashes) alone: the numeric keypad, then."""
    if field.kind in ("number", "citizen_id", "juristic_id", "phone"):
        return True
    if field.kind != "text" or not field.pattern:
        return False
    return bool(_DIGITS_ONLY.match(field.pattern.replace("\\d", "")))


def _json(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers={"Cache-Control": "private, no-store"})


def _set_cookie(
    response: Response, name: str, value: str, max_age: int, settings: Settings
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path=COOKIE_PATH,
    )


def _delete_cookie(response: Response, name: str, path: str, settings: Settings) -> None:
    response.delete_cookie(
        name, path=path, secure=settings.secure_cookies, httponly=True, samesite="strict"
    )


# -- activation (a technician, once per kiosk) -----------------------------------------------------


@router.get("/activate")
def activate_form(request: Request) -> HTMLResponse:
    return _page(request, "kiosk/activate.html", error=None)


@router.post("/activate", dependencies=[CsrfProtected], response_model=None)
def activate(
    request: Request,
    db: Db,
    settings: SettingsDep,
    activation_code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        credential = service.activate_kiosk(db, activation_code=activation_code)
    except InvalidActivationCodeError as exc:
        return _page(request, "kiosk/activate.html", status_code=exc.status_code, error=exc)
    device = service.authenticate_device(db, credential)
    if device is not None:
        record_event(
            db,
            actor=f"kiosk:{device.id}",
            action="kiosk.activate",
            object_type="kiosk",
            object_id=device.id or 0,
        )
    response = RedirectResponse(HOME, status_code=303)
    _set_cookie(response, DEVICE_COOKIE, credential, DEVICE_COOKIE_MAX_AGE, settings)
    return response


# -- signing in with a phone ---------------------------------------------------------------------


@router.get("/")
def start(request: Request, device: CurrentKiosk) -> HTMLResponse:
    """Step 1, before anyone signs in: the certificates this kiosk issues, with their fees."""
    return _page(
        request,
        "kiosk/start.html",
        device=device,
        services=flow.kiosk_services(get_catalogue()),
    )


@router.post("/sign-in", dependencies=[CsrfProtected], response_model=None)
@offloaded
def sign_in(
    request: Request,
    db: Db,
    settings: SettingsDep,
    rp: RelyingPartyDep,
    device: CurrentKiosk,
    service_code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    chosen = None
    try:
        if service_code:
            chosen = flow.get_kiosk_service(get_catalogue(), service_code)
        authorization = start_device_authorization(rp)
    except (ProviderUnavailableError, SignInError, flow.ServiceNotAtKioskError) as exc:
        return _page(request, "kiosk/error.html", status_code=exc.status_code, error=exc)
    pending, token = service.save_kiosk_sign_in(
        db,
        device=device,
        device_code=authorization.device_code,
        user_code=authorization.user_code,
        verification_uri=authorization.verification_uri,
        verification_uri_complete=authorization.verification_uri_complete,
        expires_at=authorization.expires_at,
        interval=authorization.interval,
    )
    response = RedirectResponse("/kiosk/sign-in", status_code=303)
    lifetime = service.seconds_left(pending.expires_at)
    _set_cookie(response, SIGN_IN_COOKIE, token, lifetime, settings)
    if chosen is not None:
        _set_cookie(response, SERVICE_COOKIE, chosen.code, lifetime, settings)
    else:
        _delete_cookie(response, SERVICE_COOKIE, COOKIE_PATH, settings)
    return response


@router.get("/sign-in", response_model=None)
def sign_in_page(request: Request, db: Db, device: CurrentKiosk) -> Response:
    pending = service.get_kiosk_sign_in(
        db, device=device, token=request.cookies.get(SIGN_IN_COOKIE)
    )
    if pending is None or pending.state != "pending" or service.sign_in_expired(pending):
        return RedirectResponse(HOME, status_code=303)
    chosen = _chosen_service(request)
    return _page(
        request,
        "kiosk/sign_in.html",
        device=device,
        pending=pending,
        chosen=chosen,
        qr=qr_svg(pending.verification_uri_complete),
        expires_in=service.seconds_left(pending.expires_at),
        status_url=STATUS_URL,
    )


def _chosen_service(request: Request) -> ServiceDefinition | None:
    code = request.cookies.get(SERVICE_COOKIE, "")
    try:
        return flow.get_kiosk_service(get_catalogue(), code) if code else None
    except flow.ServiceNotAtKioskError:
        return None


@router.get("/sign-in/status")
@offloaded
def sign_in_status(
    request: Request, db: Db, settings: SettingsDep, rp: RelyingPartyDep, device: CurrentKiosk
) -> JSONResponse:
    """Polled by kiosk.js; polls the provider at most once per interval (RFC 8628 §3.5)."""
    pending = service.get_kiosk_sign_in(
        db, device=device, token=request.cookies.get(SIGN_IN_COOKIE)
    )
    if pending is None:
        raise KioskSignInNotFoundError()
    if pending.state != "pending":
        return _json({"state": pending.state})
    if service.sign_in_expired(pending):
        service.finish_sign_in(db, pending, state="expired")
        return _json({"state": "expired"})
    waiting = {
        "state": "pending",
        "interval": pending.interval,
        "expires_in": service.seconds_left(pending.expires_at),
    }
    if not service.claim_poll(db, pending):
        return _json(waiting)
    db.commit()  # the claim holds even if the provider call fails; no write lock held across it
    try:
        result = poll_device_token(rp, pending.device_code, interval=pending.interval)
    except ProviderUnavailableError:
        return _json(waiting | {"problem": "provider_unavailable"})
    except SignInError:
        service.finish_sign_in(db, pending, state="failed")
        return _json({"state": "failed"})
    if result.status == "pending":
        return _json(waiting)
    if result.status == "slow_down":
        service.slow_down_sign_in(db, pending, interval=result.interval or pending.interval + 5)
        return _json(waiting | {"interval": pending.interval})
    if result.status in ("denied", "expired"):
        service.finish_sign_in(db, pending, state=result.status)
        return _json({"state": result.status})
    citizen = upsert_citizen_from_claims(db, issuer=rp.issuer, claims=result.claims)
    assert citizen.id is not None
    token = service.start_kiosk_session(db, device=device, citizen_id=citizen.id)
    session = service.get_active_kiosk_session(db, device=device, token=token)
    assert session is not None
    chosen = _chosen_service(request)
    if chosen is not None:
        flow.choose_service(db, session, service=chosen)
    flow.touch_session(db, session)
    db.delete(pending)
    response = _json({"state": "signed_in", "next": SIGNED_IN_HOME})
    _delete_cookie(response, SIGN_IN_COOKIE, COOKIE_PATH, settings)
    _delete_cookie(response, SERVICE_COOKIE, COOKIE_PATH, settings)
    _set_cookie(
        response,
        SESSION_COOKIE_NAME,
        token,
        int(service.SESSION_LIFETIME.total_seconds()),
        settings,
    )
    return response


# -- the signed-in kiosk ------------------------------------------------------------------------


@router.get("/home")
def home(db: Db, device: CurrentKiosk, signed_in: KioskCitizen) -> RedirectResponse:
    """Where a signed-in kiosk goes next: the page of the step the session is at."""
    session, _ = signed_in
    return RedirectResponse(STEP_PAGES[flow.journey_step(db, session).step], status_code=303)


STEP_PAGES = {
    flow.CHOOSE: "/kiosk/choose",
    flow.CONFIRM: "/kiosk/confirm",
    flow.WAIT: "/kiosk/wait",
    flow.REVIEW: "/kiosk/wait",
    flow.REFUSED: "/kiosk/wait",
    flow.PAY: "/kiosk/pay",
    flow.PRINT: "/kiosk/print",
}


def masked_names(citizen: Citizen) -> tuple[str, str]:
    """ "นาย สมชาย ใ***" and "Mr Somchai J***": who is signed in, for them alone to recognise."""
    return (
        mask_name(citizen.given_name_th, citizen.family_name_th, citizen.title_th),
        mask_name(citizen.given_name_en, citizen.family_name_en, citizen.title_en),
    )


@router.post("/finish", dependencies=[CsrfProtected], response_model=None)
def finish(
    request: Request,
    db: Db,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Ends the session and wipes the browser, keeping only the kiosk's own credential.

    No device check: a kiosk disabled mid-session must still be able to wipe itself. After
    the idle countdown (`reason=timeout`) the kiosk goes straight back to its start screen.
    """
    ended = service.end_kiosk_session(db, token=request.cookies.get(SESSION_COOKIE_NAME))
    if ended is not None:
        record_event(
            db,
            actor=f"kiosk:{ended.device_id}",
            action="kiosk.session.timeout" if reason == "timeout" else "kiosk.session.finish",
            object_type="kiosk",
            object_id=ended.device_id,
        )
    response: Response
    if reason == "timeout":
        response = RedirectResponse(HOME, status_code=303)
        response.headers["Cache-Control"] = "private, no-store"
    else:
        response = _page(request, "kiosk/finished.html", return_after=FINISHED_RETURN_SECONDS)
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    for name, path in (
        (SESSION_COOKIE_NAME, COOKIE_PATH),
        (SIGN_IN_COOKIE, COOKIE_PATH),
        (SERVICE_COOKIE, COOKIE_PATH),
        (SESSION_COOKIE, "/"),  # a citizen session opened on this browser by any other way
        (OFFICER_COOKIE, "/backoffice"),
        (LANG_COOKIE, "/"),  # the next person starts in Thai
        (request.app.state.csrf_cookie, "/"),  # a new CSRF secret for the next person
    ):
        _delete_cookie(response, name, path, settings)
    return response
