"""Factories for the officers' casework tests: officers, offices and petitions already in
review, held by an officer (simpler than running evidence fetching to get there)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlmodel import Session

from identity.models import Citizen
from identity.officers.models import Office, Officer
from services.catalogue.service import get_catalogue
from services.petitions.models import Petition, PetitionState

ONE_OFFICER = "bma.complaint"  # a form, an optional photo upload
TWO_OFFICERS = "rtp.criminal-record-certificate"
AUTOMATIC = "dopa.residence-certificate"

_numbers = itertools.count(1)


def _national_id() -> str:
    return f"9{next(_numbers):012d}"


def make_citizen(db: Session) -> Citizen:
    citizen = Citizen(national_id=_national_id(), subject="s", issuer="i")
    db.add(citizen)
    db.commit()
    return citizen


def make_officer(db: Session, agency: str = "bma", roles: list[str] | None = None) -> Officer:
    officer = Officer(national_id=_national_id(), agency=agency, roles=roles or ["officer"])
    db.add(officer)
    db.commit()
    return officer


def make_office(db: Session, code: str, agency: str = "bma", active: bool = True) -> Office:
    office = Office(code=code, agency=agency, name_th=code, name_en=code, active=active)
    db.add(office)
    db.commit()
    return office


def make_petition(
    db: Session,
    citizen: Citizen,
    *,
    service_code: str = ONE_OFFICER,
    officer: Officer | None = None,
    state: PetitionState = PetitionState.IN_REVIEW,
    **overrides: Any,
) -> Petition:
    service = get_catalogue().get(service_code)
    answers = {
        ONE_OFFICER: {
            "category": "street_light",
            "location": "Soi 21",
            "description": "The light is out",
        },
        TWO_OFFICERS: {"purpose": "employment"},
        AUTOMATIC: {"purpose": "bank"},
    }.get(service_code, {})
    petition = Petition(
        citizen_id=citizen.id,  # type: ignore[arg-type]
        service_code=service_code,
        service_version=service.version,
        definition=service.model_dump(mode="json", by_alias=True),
        state=state,
        answers=answers,
        assigned_officer_id=officer.id if officer else None,
        **overrides,
    )
    db.add(petition)
    db.commit()
    return petition
