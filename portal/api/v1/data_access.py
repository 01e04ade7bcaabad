"""Who used my data (citizen, bearer token)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from portal.api.v1.responses import CITIZEN_ERRORS, error_responses
from portal.deps import ApiCitizen, Db
from services.exchange.queries import list_data_access

router = APIRouter(prefix="/api/v1", tags=["citizen"], responses=error_responses(*CITIZEN_ERRORS))


class DataAccessPublic(BaseModel):
    at: datetime
    agency: str
    dataset: str
    fields: list[str]
    purpose_th: str
    purpose_en: str
    accessed_by: str
    petition_id: str | None


@router.get("/me/data-access", response_model=list[DataAccessPublic])
def my_data_access(db: Db, citizen: ApiCitizen) -> list[DataAccessPublic]:
    """Every read of the caller's data, newest first."""
    return [
        DataAccessPublic.model_validate(e, from_attributes=True)
        for e in list_data_access(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    ]
