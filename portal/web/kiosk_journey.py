"""The kiosk's steps after the phone sign-in: choose, confirm, wait, pay, print, take it.

Each step is a page of its own (`/kiosk/home` sends the browser to the one the session is at,
`identity.kiosks.flow.journey_step`), so a reload, a second tap or a stale tab always lands on
the right step. Pages that wait for something (the worker issuing, the bank's callback, the
print agent) poll `/kiosk/status`; those polls are not the citizen's activity, every other
request is (see the idle limit in `portal.web.kiosk`).

Printing: in "browser" mode the page loads the signed PDF from a URL bound to this kiosk and
this session into a hidden iframe and calls print() (the kiosk's Chromium runs with
`--kiosk --kiosk-printing`, so it prints silently); in "cups" mode the print agent on the kiosk
host takes the job and the page shows "printing…" until the agent reports.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from documents.qr import qr_svg
from identity.kiosks import flow, printing, service
from identity.kiosks.models import KioskDevice, KioskSession
from identity.models import Citizen
from portal.app import notify_worker
from portal.csrf import CsrfProtected
from portal.db import utcnow
from portal.deps import Db, RowId, SettingsDep
from portal.errors import PortalError
from portal.forms import PetitionForm, petition_form
from portal.settings import Settings
from portal.web.catalogue import describe_evidence
from portal.web.kiosk import (
    JOURNEY_STATUS_URL,
    STEP_PAGES,
    CurrentKiosk,
    KioskCitizen,
    PollingKioskCitizen,
    _json,
    _page,
    masked_names,
)
from services.agencies import get_agency
from services.catalogue.service import get_catalogue
from services.payments import service as payments
from services.payments.exemptions import CATEGORIES as EXEMPTIONS
from services.petitions.service import ANSWER_PROBLEMS

router = APIRouter(prefix="/kiosk", tags=["kiosk"], include_in_schema=False)

# How long after "Print" the print page still hands the PDF to the browser's print: a reload
# a minute later must not print a copy nobody recorded.
BROWSER_PRINT_WINDOW_SECONDS = 60


def _step_page(
    request: Request,
    name: str,
    *,
    device: KioskDevice,
    signed_in: tuple[KioskSession, Citizen],
    settings: Settings,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A signed-in kiosk page: the masked name, the idle timer, the session's countdown."""
    session, citizen = signed_in
    name_th, name_en = masked_names(citizen)
    return _page(
        request,
        name,
        status_code=status_code,
        device=device,
        masked_name_th=name_th,
        masked_name_en=name_en,
        idle=(settings.kiosk_idle_seconds, settings.kiosk_idle_warning_seconds),
        expires_in=service.seconds_left(session.expires_at),
        status_url=JOURNEY_STATUS_URL,
        **context,
    )


def _go_to(step: str) -> RedirectResponse:
    return RedirectResponse(STEP_PAGES[step], status_code=303)


# -- 1. choose (when signed in without having chosen) ----------------------------------------------


@router.get("/choose", response_model=None)
def choose_page(
    request: Request, db: Db, settings: SettingsDep, device: CurrentKiosk, signed_in: KioskCitizen
) -> Response:
    step = flow.journey_step(db, signed_in[0]).step
    if step not in (flow.CHOOSE, flow.CONFIRM):
        return _go_to(step)
    return _step_page(
        request,
        "kiosk/choose.html",
        device=device,
        signed_in=signed_in,
        settings=settings,
        services=flow.kiosk_services(get_catalogue()),
    )


@router.post("/choose", dependencies=[CsrfProtected], response_model=None)
def choose(
    request: Request,
    db: Db,
    settings: SettingsDep,
    device: CurrentKiosk,
    signed_in: KioskCitizen,
    service_code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        chosen = flow.get_kiosk_service(get_catalogue(), service_code)
        flow.choose_service(db, signed_in[0], service=chosen)
    except PortalError as error:
        return _error(request, error, device=device, signed_in=signed_in, settings=settings)
    return _go_to(flow.CONFIRM)


# -- 3. confirm the person and the document; the form; consent -------------------------------------


@router.get("/confirm", response_model=None)
def confirm_page(
    request: Request, db: Db, settings: SettingsDep, device: CurrentKiosk, signed_in: KioskCitizen
) -> Response:
    step = flow.journey_step(db, signed_in[0]).step
    if step != flow.CONFIRM:
        return _go_to(step)
    return _confirm(request, device=device, signed_in=signed_in, settings=settings)


def _confirm(
    request: Request,
    *,
    device: KioskDevice,
    signed_in: tuple[KioskSession, Citizen],
    settings: Settings,
    form: PetitionForm | None = None,
    error: PortalError | None = None,
) -> HTMLResponse:
    chosen = flow.get_kiosk_service(get_catalogue(), signed_in[0].service_code or "")
    return _step_page(
        request,
        "kiosk/confirm.html",
        device=device,
        signed_in=signed_in,
        settings=settings,
        status_code=error.status_code if error else 200,
        service=chosen,
        agency=get_agency(chosen.agency),
        evidence=describe_evidence(chosen),
        needs_consent=bool(flow.consent_items(chosen)),
        form=form or PetitionForm(),
        error=error,
        problems=answer_problems(error),
    )


def answer_problems(error: PortalError | None) -> dict[str, tuple[str, str]]:
    """Field name -> (Thai, English) message for each answer the form must show as wrong."""
    fields = error.details.get("fields", {}) if error is not None else {}
    return {
        name: ANSWER_PROBLEMS.get(code, ANSWER_PROBLEMS["invalid_format"])
        for name, code in fields.items()
    }


@router.post("/confirm", dependencies=[CsrfProtected], response_model=None)
def confirm(
    request: Request,
    db: Db,
    settings: SettingsDep,
    device: CurrentKiosk,
    signed_in: KioskCitizen,
    form: Annotated[PetitionForm, Depends(petition_form)],
    agree: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    session, citizen = signed_in
    if session.petition_id is not None:  # a double tap: the first one filed it
        return _go_to(flow.journey_step(db, session).step)
    if session.service_code is None:
        return _go_to(flow.CHOOSE)
    chosen = flow.get_kiosk_service(get_catalogue(), session.service_code)
    try:
        flow.file_kiosk_petition(
            db,
            session=session,
            citizen=citizen,
            service=chosen,
            answers=form.answers,
            agreed=agree == "yes",
        )
    except PortalError as error:
        db.rollback()
        db.refresh(session)
        return _confirm(
            request, device=device, signed_in=signed_in, settings=settings, form=form, error=error
        )
    db.commit()
    notify_worker(request.app)
    return RedirectResponse("/kiosk/wait", status_code=303)


# -- 4. wait for the worker (or learn that an officer decides) -------------------------------------


@router.get("/wait", response_model=None)
def wait_page(
    request: Request, db: Db, settings: SettingsDep, device: CurrentKiosk, signed_in: KioskCitizen
) -> Response:
    journey = flow.journey_step(db, signed_in[0])
    if journey.step not in (flow.WAIT, flow.REVIEW, flow.REFUSED):
        return _go_to(journey.step)
    chosen = flow.get_kiosk_service(get_catalogue(), signed_in[0].service_code or "")
    return _step_page(
        request,
        "kiosk/wait.html",
        device=device,
        signed_in=signed_in,
        settings=settings,
        step=journey.step,
        service=chosen,
        petition=journey.petition,
    )


# -- 5. pay ----------------------------------------------------------------------------------------


@router.get("/pay", response_model=None)
def pay_page(
    request: Request, db: Db, settings: SettingsDep, device: CurrentKiosk, signed_in: KioskCitizen
) -> Response:
    journey = flow.journey_step(db, signed_in[0])
    if journey.step != flow.PAY or journey.document is None:
        return _go_to(journey.step)
    payment = payments.payment_for_document(db, document_id=journey.document.id)  # type: ignore[arg-type]
    if payment is None:  # released in the meantime
        return _go_to(flow.PRINT)
    payload = payments.promptpay_payload_for(payment, settings)
    return _step_page(
        request,
        "kiosk/pay.html",
        device=device,
        signed_in=signed_in,
        settings=settings,
        document=journey.document,
        payment=payment,
        payload=payload,
        qr=qr_svg(payload),
    )


# -- 6. print, reprint, 7. take the document -------------------------------------------------------


@router.get("/print", response_model=None)
def print_page(
    request: Request,
    db: Db,
    settings: SettingsDep,
    device: CurrentKiosk,
    signed_in: KioskCitizen,
    job: int | None = None,
    shown: int = 0,
) -> Response:
    """Print, or the print just asked for (`job`). In browser mode the page hands the PDF to
    the print frame once: its script marks the address `shown`, so a reload prints nothing."""
    session = signed_in[0]
    journey = flow.journey_step(db, session)
    if journey.step != flow.PRINT or journey.document is None:
        return _go_to(journey.step)
    prints = printing.prints_for_session(db, session=session)
    current = next((p for p in prints if p.id == job), None) if job else None
    in_browser = current is not None and current.method == "browser" and current.state == "sent"
    payment = payments.payment_for_document(db, document_id=journey.document.id)  # type: ignore[arg-type]
    return _step_page(
        request,
        "kiosk/print.html",
        device=device,
        signed_in=signed_in,
        settings=settings,
        document=journey.document,
        payment=payment,
        exemption=EXEMPTIONS.get(payment.exemption or "") if payment else None,
        prints=prints,
        current=current,
        done=current is not None and (current.state == "printed" or in_browser),
        print_in_browser=in_browser
        and not shown
        and (utcnow() - current.created_at).total_seconds() < BROWSER_PRINT_WINDOW_SECONDS,  # type: ignore[union-attr]
    )


@router.post("/print", dependencies=[CsrfProtected], response_model=None)
def print_document(
    request: Request, db: Db, settings: SettingsDep, device: CurrentKiosk, signed_in: KioskCitizen
) -> Response:
    session = signed_in[0]
    journey = flow.journey_step(db, session)
    if journey.step != flow.PRINT or journey.document is None:
        return _go_to(journey.step)
    try:
        job = printing.request_print(db, device=device, session=session, document=journey.document)
    except PortalError as error:
        db.rollback()
        return _error(request, error, device=device, signed_in=signed_in, settings=settings)
    return RedirectResponse(f"/kiosk/print?job={job.id}", status_code=303)


@router.get("/prints/{print_id}/pdf")
def print_pdf(
    print_id: RowId,
    db: Db,
    settings: SettingsDep,
    device: CurrentKiosk,
    signed_in: PollingKioskCitizen,
) -> Response:
    """The signed PDF for the print iframe: only to this kiosk, in this session."""
    pdf = printing.print_pdf_for(
        db, device=device, session=signed_in[0], print_id=print_id, data_dir=settings.data_dir
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": "inline",
            "Cache-Control": "private, no-store",
            # Loaded into the kiosk page's own hidden iframe (the portal denies framing
            # everywhere else).
            "X-Frame-Options": "SAMEORIGIN",
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
        },
    )


# -- status polls and "I am still here" ---------------------------------------------------------


@router.get("/status")
def journey_status(
    db: Db, signed_in: PollingKioskCitizen, seen: str = "", job: int | None = None
) -> JSONResponse:
    """Where the session stands, for the waiting pages' script. A step the page has not seen
    yet (issued, paid, printed) is progress: it counts as activity, so a citizen paying on
    their phone is not timed out for not touching the screen."""
    session = signed_in[0]
    journey = flow.journey_step(db, session)
    body: dict[str, Any] = {"step": journey.step, "next": STEP_PAGES[journey.step]}
    if journey.step == flow.PAY and journey.document is not None:
        payment = payments.payment_for_document(db, document_id=journey.document.id)  # type: ignore[arg-type]
        body["payment"] = payment.status if payment else "none"
    if journey.step == flow.PRINT and job is not None:
        prints = printing.prints_for_session(db, session=session)
        current = next((p for p in prints if p.id == job), None)
        if current is not None:
            body["print"] = {"id": current.id, "state": current.state}
    progress = journey.step + (f":{body['print']['state']}" if "print" in body else "")
    if seen and seen != progress:
        flow.touch_session(db, session)
    body["progress"] = progress
    return _json(body)


@router.post("/activity", dependencies=[CsrfProtected])
def still_here(signed_in: KioskCitizen) -> JSONResponse:
    """The citizen touched "Continue" on "Are you still there?" (the dependency records it)."""
    return _json({"ok": True})


def _error(
    request: Request,
    error: PortalError,
    *,
    device: KioskDevice,
    signed_in: tuple[KioskSession, Citizen],
    settings: Settings,
) -> HTMLResponse:
    return _step_page(
        request,
        "kiosk/error.html",
        device=device,
        signed_in=signed_in,
        settings=settings,
        status_code=error.status_code,
        error=error,
    )
