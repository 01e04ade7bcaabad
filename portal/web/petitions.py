"""A citizen's petitions and the status of each."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from identity.delegation.service import masked_name
from identity.models import Citizen
from portal.deps import CurrentCitizen, Db
from portal.i18n import current_language
from portal.templating import render
from services.catalogue.service import get_catalogue
from services.petitions.models import FINAL_STATES, Petition, PetitionState
from services.petitions.queries import (
    get_citizen_petition,
    list_citizen_petitions,
    list_petition_events,
)

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
    return render(
        request,
        "petition.html",
        petition=petition,
        service=get_catalogue().get(petition.service_code),
        events=list_petition_events(db, petition_id=petition.id),
        others=_other_people(db, [petition], citizen),
        working=petition.state
        not in FINAL_STATES | {PetitionState.IN_REVIEW, PetitionState.SUPPLEMENT_REQUESTED},
    )


def _other_people(db: Session, petitions: list[Petition], citizen: Citizen) -> dict[int, str]:
    """Masked names of the others on these petitions: who filed for the citizen, or whom the
    citizen filed for."""
    ids = {p.citizen_id for p in petitions} | {p.filed_by_id for p in petitions if p.filed_by_id}
    ids.discard(citizen.id)  # type: ignore[arg-type]
    lang = current_language.get()
    return {i: masked_name(db.get(Citizen, i), lang) for i in ids}
