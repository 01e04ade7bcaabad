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
from portal.ratelimit import enforce_submission_limits
from portal.templating import render
from portal.web.catalogue import describe_items, evidence_items
from services.agencies import get_agency
from services.catalogue.service import get_catalogue
from services.petitions.bundles import (
    bundle_evidence,
    bundle_parts,
    bundle_questions,
    submit_bundle,
)
from services.petitions.service import ANSWER_PROBLEMS, UploadStore, submit_petition

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
    enforce_submission_limits(request, citizen_id=citizen.id)
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
            uploads=form.uploads,
            upload_store=upload_store(request),
        )
    except PortalError as error:
        # Show the same form again with what the citizen entered, and say what is wrong.
        grantors = grantors_for_service(db, grantee=citizen, service_code=code)
        return _render_apply(request, code, form=form, error=error, grantors=grantors)
    db.commit()
    notify_worker(request.app)
    return RedirectResponse(f"/petitions/{petition.id}", status_code=303)


def upload_store(request: Request) -> UploadStore:
    settings = request.app.state.settings
    return UploadStore(data_dir=settings.data_dir, limit_bytes=settings.max_upload_bytes)


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
        problems=_answer_problems(error),
        grantors=grantors or [],
    )


def _answer_problems(error: PortalError | None) -> dict[str, tuple[str, str]]:
    """Field name -> (Thai, English) message for each answer the form must show as wrong."""
    fields = error.details.get("fields", {}) if error is not None else {}
    return {
        name: ANSWER_PROBLEMS.get(code, ANSWER_PROBLEMS["invalid_format"])
        for name, code in fields.items()
    }


# -- life-event bundles -------------------------------------------------------------------------


@router.get("/bundles/{code}/apply", response_class=HTMLResponse)
def apply_bundle_form(request: Request, code: str, citizen: CurrentCitizen) -> Response:
    catalogue = get_catalogue()
    bundle = catalogue.get_bundle(code)
    needed = max(p.min_ial for p in bundle_parts(catalogue, bundle))
    if citizen.ial < needed:
        query = urlencode({"next": f"/bundles/{code}/apply", "ial": f"{needed:g}"})
        return RedirectResponse(f"/login?{query}", status_code=303)
    return _render_bundle(
        request, code, form=PetitionForm(idempotency_key=secrets.token_urlsafe(16))
    )


@router.post("/bundles/{code}/apply", dependencies=[CsrfProtected])
def apply_bundle(
    request: Request,
    code: str,
    db: Db,
    citizen: CurrentCitizen,
    form: Annotated[PetitionForm, Depends(petition_form)],
) -> Response:
    enforce_submission_limits(request, citizen_id=citizen.id)
    catalogue = get_catalogue()
    bundle = catalogue.get_bundle(code)
    try:
        petitions = submit_bundle(
            db,
            catalogue=catalogue,
            bundle=bundle,
            citizen=citizen,
            consented_datasets=form.consent,
            answers=form.answers,
            channel="web",
            idempotency_key=form.idempotency_key or None,
            uploads=form.uploads,
            upload_store=upload_store(request),
        )
    except PortalError as error:
        db.rollback()  # no part of a bundle is filed unless every part is
        return _render_bundle(request, code, form=form, error=error)
    db.commit()
    notify_worker(request.app)
    return RedirectResponse(f"/petitions/{petitions[0].id}", status_code=303)


def _render_bundle(
    request: Request, code: str, *, form: PetitionForm, error: PortalError | None = None
) -> HTMLResponse:
    catalogue = get_catalogue()
    bundle = catalogue.get_bundle(code)
    parts = bundle_parts(catalogue, bundle)
    return render(
        request,
        "apply_bundle.html",
        status_code=error.status_code if error else 200,
        bundle=bundle,
        parts=[(p, get_agency(p.agency)) for p in parts],
        evidence=describe_items(bundle_evidence(parts)),
        questions=bundle_questions(parts),
        uploads=[u for p in parts for u in p.uploads],
        approvals=[p.approval for p in parts if p.approval],
        form=form,
        error=error,
        problems=_answer_problems(error),
    )
