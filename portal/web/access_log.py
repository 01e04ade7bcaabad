"""Who used my data: every read of the citizen's data by the portal, with purpose."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from portal.deps import CurrentCitizen, Db
from portal.templating import render
from services.agencies import get_agency
from services.exchange.queries import list_data_access

router = APIRouter(tags=["citizen"], include_in_schema=False)


@router.get("/me/data-access", response_class=HTMLResponse)
def data_access(request: Request, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    entries = list_data_access(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    return render(request, "access_log.html", entries=entries, get_agency=get_agency)
