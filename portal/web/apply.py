"""Applying for a service: the petition form with its consent list, and filing it."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from identity.delegation.errors import NoActiveDelegationError
from identity.delegation.service import find_active_delegation, grantors_for_service
from identity.models import Citizen
from portal.app import notify_worker
from portal.csrf import CsrfProtected
from portal.deps import CurrentCitizen, Db
from portal.errors import PortalError
from portal.forms import PetitionForm, petition_form
from portal.templating import render
from portal.web.catalogue import evidence_items
from services.agencies import get_agency
from services.catalogue.service import get_catalogue
from services.petitions.service import submit_petition

router = APIRouter(tags=["citizen"], include_in_schema=False)


@router.get("/services/{code}/apply", response_class=HTMLResponse)
def apply_form(request: Request, code: str, db: Db, citizen: CurrentCitizen) -> Response:
    service = get_catalogue().get(code)
    if citizen.ial < service.min_ial:
        # Step-up: back to the provider asking for the service's level, then back here.
        query = urlencode({"next": f"/services/{code}/apply", "ial": f"{service.min_ial:g}"})
        return RedirectResponse(f"/login?{query}", status_code=303)
    return _render_apply(
        request,
        code,
        form=PetitionForm(idempotency_key=secrets.token_urlsafe(16)),
        grantors=grantors_for_service(db, grantee=citizen, service_code=code),
    )


@router.post("/services/{code}/apply", dependencies=[CsrfProtected])
def apply(
    request: Request,
    code: str,
    db: Db,
    citizen: CurrentCitizen,
    form: Annotated[PetitionForm, Depends(petition_form)],
) -> Response:
    service = get_catalogue().get(code)
    subject, delegation_id = _applying_for(db, citizen, form.on_behalf_of, code)
    try:
        petition = submit_petition(
            db,
            citizen=subject,
            service=service,
            consented_datasets=form.consent,
            answers=form.answers,
            channel="web",
            idempotency_key=form.idempotency_key or None,
            filed_by=citizen if subject.id != citizen.id else None,
            delegation_id=delegation_id,
        )
    except PortalError as error:
        # Show the same form again with what the citizen entered, and say what is wrong.
        grantors = grantors_for_service(db, grantee=citizen, service_code=code)
        return _render_apply(request, code, form=form, error=error, grantors=grantors)
    db.commit()
    notify_worker(request.app)
    return RedirectResponse(f"/petitions/{petition.id}", status_code=303)


def _applying_for(
    db: Session, citizen: Citizen, on_behalf_of: str, code: str
) -> tuple[Citizen, str | None]:
    """Whom the petition is for: the citizen, or a grantor whose delegation covers `code`.

    Checked again here, not trusted from the form shown: it may have been revoked since.
    """
    if not on_behalf_of or on_behalf_of == str(citizen.id):
        return citizen, None
    grantor = db.get(Citizen, int(on_behalf_of)) if on_behalf_of.isdigit() else None
    delegation = (
        find_active_delegation(
            db,
            grantee_national_id=citizen.national_id,
            grantor_id=grantor.id,  # type: ignore[arg-type]
            service_code=code,
        )
        if grantor is not None
        else None
    )
    if grantor is None or delegation is None:
        raise NoActiveDelegationError()
    return grantor, delegation.id


def _render_apply(
    request: Request,
    code: str,
    *,
    form: PetitionForm,
    error: PortalError | None = None,
    grantors: list[Citizen] | None = None,
) -> HTMLResponse:
    service = get_catalogue().get(code)
    return render(
        request,
        "apply.html",
        status_code=error.status_code if error else 200,
        service=service,
        agency=get_agency(service.agency),
        evidence=evidence_items(code),
        form=form,
        error=error,
        grantors=grantors or [],
    )
