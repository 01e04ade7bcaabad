"""Back office: administration. The holiday calendar that legal processing times skip.

Every officer may read the calendar; only a portal administrator may change it. A change counts
for due dates set from then on (new petitions, resumed clocks); due dates already set stay.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from identity.officers.authz import has_role, require_role
from identity.officers.models import OfficerRole
from portal.csrf import CsrfProtected
from portal.db import utcnow
from portal.deps import Db
from portal.web.backoffice.signin import CurrentOfficer, _page
from services.calendar.business_days import bangkok_date
from services.calendar.errors import InvalidHolidayError
from services.calendar.service import (
    FIRST_YEAR,
    LAST_YEAR,
    add_holiday,
    list_holidays,
    parse_holiday_date,
    remove_holiday,
)

router = APIRouter(prefix="/backoffice", tags=["officer"], include_in_schema=False)

HOLIDAYS = "/backoffice/admin/holidays"


def _year(text: str) -> int:
    if not text:
        return bangkok_date(utcnow()).year
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise InvalidHolidayError()
    return int(text)


@router.get("/admin/holidays")
def holidays_page(
    request: Request, db: Db, officer: CurrentOfficer, year: str = ""
) -> HTMLResponse:
    shown = _year(year)
    return _page(
        request,
        "backoffice/holidays.html",
        officer=officer,
        year=shown,
        holidays=list_holidays(db, year=shown),
        can_edit=officer.active and has_role(officer, OfficerRole.PORTAL_ADMIN.value),
    )


@router.post("/admin/holidays", dependencies=[CsrfProtected])
def holidays_add(
    db: Db,
    officer: CurrentOfficer,
    day: Annotated[str, Form(max_length=32)] = "",
    name_th: Annotated[str, Form(max_length=400)] = "",
    name_en: Annotated[str, Form(max_length=400)] = "",
) -> RedirectResponse:
    require_role(officer, OfficerRole.PORTAL_ADMIN.value)
    added = add_holiday(
        db,
        day=parse_holiday_date(day),
        name_th=name_th,
        name_en=name_en,
        actor=f"officer:{officer.id}",
    )
    return _back_to(added.day)


@router.post("/admin/holidays/remove", dependencies=[CsrfProtected])
def holidays_remove(
    db: Db, officer: CurrentOfficer, day: Annotated[str, Form(max_length=32)] = ""
) -> RedirectResponse:
    require_role(officer, OfficerRole.PORTAL_ADMIN.value)
    removed = remove_holiday(db, day=parse_holiday_date(day), actor=f"officer:{officer.id}")
    return _back_to(removed.day)


def _back_to(day: date) -> RedirectResponse:
    return RedirectResponse(f"{HOLIDAYS}?year={day.year}&saved={day.isoformat()}", status_code=303)
