"""A citizen's petitions and the status of each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from identity.delegation.service import masked_name
from identity.models import Citizen
from portal.csrf import CsrfProtected
from portal.deps import CurrentCitizen, Db
from portal.i18n import current_language
from portal.templating import render
from services.agencies import get_agency
from services.catalogue.agency import Agency
from services.catalogue.service import get_catalogue
from services.exchange.datasets import DatasetContract, FieldContract
from services.petitions.approvals import approval_for
from services.petitions.bundles import bundle_petitions
from services.petitions.errors import PetitionNotFoundError
from services.petitions.messages import list_messages
from services.petitions.models import FINAL_STATES, Petition, PetitionEvent, PetitionState
from services.petitions.processing import definition_of, uploaded_items
from services.petitions.queries import (
    get_citizen_petition,
    list_citizen_petitions,
    list_petition_events,
    waiting_for_a_registry,
)
from services.petitions.snapshots import may_hold_uploads

router = APIRouter(tags=["citizen"], include_in_schema=False)


@router.get("/petitions", response_class=HTMLResponse)
def my_petitions(request: Request, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    petitions = list_citizen_petitions(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    return render(
        request,
        "petitions.html",
        petitions=petitions,
        catalogue=get_catalogue(),
        others=_other_people(db, petitions, citizen),
    )


@router.get("/petitions/{petition_id}", response_class=HTMLResponse)
def petition_status(
    request: Request, petition_id: str, db: Db, citizen: CurrentCitizen
) -> HTMLResponse:
    petition = get_citizen_petition(db, citizen_id=citizen.id, petition_id=petition_id)  # type: ignore[arg-type]
    service = definition_of(petition)
    events = list_petition_events(db, petition_id=petition.id)
    return render(
        request,
        "petition.html",
        petition=petition,
        service=service,
        events=events,
        others=_other_people(db, [petition], citizen),
        working=petition.state not in WAITING_FOR_A_PERSON,
        fetched=fetched_evidence(petition),
        delayed=petition.state == PetitionState.EVIDENCE_PENDING
        and waiting_for_a_registry(db, petition_id=petition.id),
        # Only asked where there can be any: a service taking copies, a supplement asked for,
        # a service needing someone's approval (always for a petition without a snapshot,
        # whose definition of the day is today's).
        uploads=(
            list(uploaded_items(db, petition.id).values())
            if not petition.definition or may_hold_uploads(service, events)
            else []
        ),
        approval=(
            approval_for(db, petition_id=petition.id)
            if not petition.definition or service.approval
            else None
        ),
        thread=list_messages(db, petition.id),
        siblings=[
            (p, definition_of(p))
            for p in (
                bundle_petitions(db, citizen_id=petition.citizen_id, bundle_id=petition.bundle_id)
                if petition.bundle_id
                else []
            )
            if p.id != petition.id
        ],
    )


WAITING_FOR_A_PERSON = FINAL_STATES | {
    PetitionState.IN_REVIEW,
    PetitionState.SUPPLEMENT_REQUESTED,
    PetitionState.AWAITING_APPROVAL,
}


@dataclass(frozen=True)
class FetchedItem:
    """Fetched evidence as the citizen sees it: read-only values with their source."""

    dataset: DatasetContract
    agency: Agency
    values: list[tuple[FieldContract, Any]]
    matched: bool | None  # a yes/no check's answer; None for a fetch


def fetched_evidence(petition: Petition) -> list[FetchedItem]:
    items = []
    for qualified, fields in petition.evidence.items():
        code, _, name = qualified.partition(".")
        agency = get_agency(code)
        contract = agency.dataset(name) if agency else None
        if agency is None or contract is None or not isinstance(fields, dict):
            continue
        if "match" in fields and contract.field("match") is None:
            items.append(FetchedItem(contract, agency, [], bool(fields["match"])))
            continue
        values = [(f, fields[f.name]) for f in contract.fields if f.name in fields]
        items.append(FetchedItem(contract, agency, values, None))
    return items


@router.get("/petitions/{petition_id}/report-error", response_class=HTMLResponse)
def report_error_form(
    request: Request, petition_id: str, db: Db, citizen: CurrentCitizen, dataset: str = ""
) -> HTMLResponse:
    petition = get_citizen_petition(db, citizen_id=citizen.id, petition_id=petition_id)  # type: ignore[arg-type]
    item = next(
        (i for i in fetched_evidence(petition) if i.dataset.qualified_name == dataset), None
    )
    if item is None:
        raise PetitionNotFoundError()
    return render(request, "report_error.html", petition=petition, item=item)


@router.post("/petitions/{petition_id}/report-error", dependencies=[CsrfProtected])
def report_error(
    petition_id: str,
    db: Db,
    citizen: CurrentCitizen,
    dataset: Annotated[str, Form(max_length=64)],
    details: Annotated[str, Form(min_length=1, max_length=1000)],
) -> Response:
    """The citizen cannot edit data the register holds; they tell the agency what is wrong,
    and the report stays in the petition's history for the officer."""
    petition = get_citizen_petition(db, citizen_id=citizen.id, petition_id=petition_id)  # type: ignore[arg-type]
    if dataset not in petition.evidence:
        raise PetitionNotFoundError()
    db.add(
        PetitionEvent(
            petition_id=petition.id,
            to_state=petition.state,
            from_state=petition.state,
            actor=f"citizen:{citizen.id}",
            note=f"error reported in {dataset}: {details.strip()}",
        )
    )
    return RedirectResponse(f"/petitions/{petition.id}?reported={dataset}", status_code=303)


def _other_people(db: Session, petitions: list[Petition], citizen: Citizen) -> dict[int, str]:
    """Masked names of the others on these petitions: who filed for the citizen, or whom the
    citizen filed for."""
    ids = {p.citizen_id for p in petitions} | {p.filed_by_id for p in petitions if p.filed_by_id}
    ids.discard(citizen.id)  # type: ignore[arg-type]
    lang = current_language.get()
    return {i: masked_name(db.get(Citizen, i), lang) for i in ids}
