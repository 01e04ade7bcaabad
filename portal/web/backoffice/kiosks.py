"""Back office: the kiosks (`/backoffice/admin/kiosks`).

Portal administrators manage every kiosk; supervisors and agency administrators their own
agency's. Each kiosk shows its last contact, the printer status it last reported and the
documents it printed on each of the last 7 days. Registering shows the one-time activation
code once (as does "new activation code"); disabling takes the kiosk out of service at its
next request. Every change is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from identity.kiosks import service
from identity.kiosks.errors import KioskAlreadyRegisteredError
from identity.kiosks.models import PRINT_MODES
from identity.officers.models import Officer
from portal.csrf import CsrfProtected
from portal.deps import Db, RowId
from portal.errors import BadRequestError
from portal.web.backoffice.signin import CurrentOfficer, _page
from services.agencies import AGENCIES
from services.audit.service import record_event

router = APIRouter(prefix="/backoffice", tags=["officer"], include_in_schema=False)

KIOSKS = "/backoffice/admin/kiosks"


def _audit(db: Db, officer: Officer, action: str, kiosk_id: int, **details: Any) -> None:
    record_event(
        db,
        actor=f"officer:{officer.id}",
        action=action,
        object_type="kiosk",
        object_id=kiosk_id,
        details=details or None,
    )


def _kiosks_page(
    request: Request, db: Db, officer: Officer, status_code: int = 200, **context: Any
) -> HTMLResponse:
    scope = service.kiosk_agency_scope(officer)
    context.setdefault("issued", None)
    context.setdefault("error", None)
    context.setdefault("agent_credential", None)
    return _page(
        request,
        "backoffice/kiosks.html",
        status_code=status_code,
        officer=officer,
        scope=scope,
        agencies=[a.code for a in AGENCIES] if scope is None else [scope],
        kiosks=service.list_kiosks(db, agency=scope),
        print_modes=PRINT_MODES,
        **context,
    )


@router.get("/admin/kiosks")
def kiosks_page(request: Request, db: Db, officer: CurrentOfficer) -> HTMLResponse:
    return _kiosks_page(request, db, officer)


@router.post("/admin/kiosks", dependencies=[CsrfProtected])
def kiosks_register(
    request: Request,
    db: Db,
    officer: CurrentOfficer,
    name: Annotated[str, Form(max_length=200)] = "",
    location: Annotated[str, Form(max_length=300)] = "",
    agency: Annotated[str, Form(max_length=16)] = "",
) -> HTMLResponse:
    """Registers a kiosk and answers with its activation code: a page, not a redirect, so the
    code is in no URL or history entry, and the page is never cached."""
    scope = service.kiosk_agency_scope(officer)
    try:
        device, code = service.register_kiosk(
            db, name=name, location=location, agency=scope if scope is not None else agency
        )
    except (KioskAlreadyRegisteredError, BadRequestError) as exc:
        return _kiosks_page(request, db, officer, status_code=exc.status_code, error=exc)
    assert device.id is not None
    _audit(db, officer, "kiosk.add", device.id, name=device.name, agency=device.agency)
    return _kiosks_page(request, db, officer, issued={"device": device, "code": code})


@router.post("/admin/kiosks/{kiosk_id}/activation-code", dependencies=[CsrfProtected])
def kiosks_new_code(
    request: Request, kiosk_id: RowId, db: Db, officer: CurrentOfficer
) -> HTMLResponse:
    service.get_kiosk_for_officer(db, officer=officer, device_id=kiosk_id)
    device, code = service.issue_activation_code(db, device_id=kiosk_id)
    _audit(db, officer, "kiosk.activation_code", kiosk_id)
    return _kiosks_page(request, db, officer, issued={"device": device, "code": code})


@router.post("/admin/kiosks/{kiosk_id}/agent-credential", dependencies=[CsrfProtected])
def kiosks_agent_credential(
    request: Request, kiosk_id: RowId, db: Db, officer: CurrentOfficer
) -> HTMLResponse:
    device = service.get_kiosk_for_officer(db, officer=officer, device_id=kiosk_id)
    credential = service.agent_credential_for(device, secret_key=request.app.state.secret_key)
    _audit(db, officer, "kiosk.agent_credential", kiosk_id)
    return _kiosks_page(
        request, db, officer, agent_credential={"device": device, "credential": credential}
    )


@router.post("/admin/kiosks/{kiosk_id}/disable", dependencies=[CsrfProtected])
def kiosks_disable(kiosk_id: RowId, db: Db, officer: CurrentOfficer) -> RedirectResponse:
    service.get_kiosk_for_officer(db, officer=officer, device_id=kiosk_id)
    service.disable_kiosk(db, device_id=kiosk_id)
    _audit(db, officer, "kiosk.disable", kiosk_id)
    return RedirectResponse(f"{KIOSKS}?saved={kiosk_id}", status_code=303)


@router.post("/admin/kiosks/{kiosk_id}/enable", dependencies=[CsrfProtected])
def kiosks_enable(kiosk_id: RowId, db: Db, officer: CurrentOfficer) -> RedirectResponse:
    service.get_kiosk_for_officer(db, officer=officer, device_id=kiosk_id)
    service.enable_kiosk(db, device_id=kiosk_id)
    _audit(db, officer, "kiosk.enable", kiosk_id)
    return RedirectResponse(f"{KIOSKS}?saved={kiosk_id}", status_code=303)


@router.post("/admin/kiosks/{kiosk_id}/print-mode", dependencies=[CsrfProtected])
def kiosks_print_mode(
    kiosk_id: RowId,
    db: Db,
    officer: CurrentOfficer,
    print_mode: Annotated[str, Form(max_length=8)] = "",
) -> RedirectResponse:
    service.get_kiosk_for_officer(db, officer=officer, device_id=kiosk_id)
    service.set_print_mode(db, device_id=kiosk_id, print_mode=print_mode)
    _audit(db, officer, "kiosk.print_mode", kiosk_id, print_mode=print_mode)
    return RedirectResponse(f"{KIOSKS}?saved={kiosk_id}", status_code=303)
