"""Back office: the officer's queue, claims and assignment, and the one-screen petition page.

`GET /backoffice/` is the queue (filters in the query string, keyset "Next page" cursor);
claiming, assigning, releasing and "Next petition" are POST forms that redirect (303) to the
page to look at next. The petition page logs each look (see `services.petitions.officer_view`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session, col, select

from identity.officers.models import Office, Officer, OfficerRole
from portal.csrf import CsrfProtected
from portal.db import utcnow
from portal.deps import Db
from portal.web.backoffice.actions import casework_context
from portal.web.backoffice.signin import CurrentOfficer, _page
from services.petitions import claims
from services.petitions.claims import AssigneeInvalidError, is_supervisor
from services.petitions.models import PetitionState
from services.petitions.officer_view import open_petition_for_officer
from services.petitions.queue import (
    ACTIVE_STATES,
    ALL_OFFICES,
    ALL_STATES,
    InvalidQueueFilterError,
    QueueFilter,
    QueueSort,
    deadline_status,
    list_queue,
)

router = APIRouter(prefix="/backoffice", tags=["officer"], include_in_schema=False)

QUEUE = "/backoffice/"
FILTER_KEYS = (
    "state",
    "service",
    "office",
    "agency",
    "due_before",
    "overdue",
    "mine",
    "unassigned",
    "escalated",
    "sort",
    "order",
)


def parse_queue_filter(officer: Officer, params: dict[str, str]) -> QueueFilter:
    """The query string as a `QueueFilter`; 400 for values that mean nothing."""
    state = params.get("state", "")
    if state == "":
        states = ACTIVE_STATES
    elif state == "any":
        states = ()
    elif state in ALL_STATES:
        states = (state,)
    else:
        raise InvalidQueueFilterError()
    try:
        sort = QueueSort(params.get("sort") or QueueSort.DUE)
        due_before = date.fromisoformat(params["due_before"]) if params.get("due_before") else None
    except ValueError:
        raise InvalidQueueFilterError() from None
    if params.get("order", "asc") not in ("asc", "desc"):
        raise InvalidQueueFilterError()
    is_admin = OfficerRole.PORTAL_ADMIN.value in officer.roles
    return QueueFilter(
        states=states,
        service_code=params.get("service") or None,
        office_code=params.get("office") or None,
        agency=(params.get("agency") or None) if is_admin else None,
        due_before=due_before,
        overdue=params.get("overdue") == "1",
        mine=params.get("mine") == "1",
        unassigned=params.get("unassigned") == "1",
        escalated=params.get("escalated") == "1",
        sort=sort,
        descending=params.get("order") == "desc",
    )


def _queue_context(db: Session, officer: Officer, params: dict[str, str]) -> dict[str, Any]:
    from services.catalogue.service import get_catalogue

    agency = officer.agency
    if OfficerRole.PORTAL_ADMIN.value in officer.roles:
        agency = params.get("agency") or agency
    offices = list(
        db.exec(select(Office).where(Office.agency == agency).order_by(col(Office.code)))
    )
    services = [s for s in get_catalogue().services if s.agency == agency]
    current = {k: params[k] for k in FILTER_KEYS if params.get(k)}

    def url(**changes: str | None) -> str:
        merged = {**current, **changes}
        query = urlencode({k: v for k, v in merged.items() if v})
        return QUEUE + (f"?{query}" if query else "")

    def sort_url(sort: str) -> str:
        same = current.get("sort", "due") == sort
        order = "desc" if same and current.get("order", "asc") == "asc" else "asc"
        return url(sort=sort, order=order, cursor=None)

    return {
        "offices": offices,
        "services": services,
        "states": [s.value for s in PetitionState],
        "params": {k: params.get(k, "") for k in FILTER_KEYS},
        "url": url,
        "sort_url": sort_url,
        "all_offices": ALL_OFFICES,
    }


@router.get("/")
def queue_page(request: Request, db: Db, officer: CurrentOfficer) -> HTMLResponse:
    params = dict(request.query_params)
    now = utcnow()
    queue = list_queue(
        db,
        officer=officer,
        queue_filter=parse_queue_filter(officer, params),
        cursor=params.get("cursor") or None,
        now=now,
    )
    return _page(
        request,
        "backoffice/queue.html",
        officer=officer,
        queue=queue,
        deadline_status=deadline_status,
        supervisor=is_supervisor(officer),
        notice=params.get("notice", ""),
        **_queue_context(db, officer, params),
    )


@router.post("/next", dependencies=[CsrfProtected])
def next_petition(db: Db, officer: CurrentOfficer) -> RedirectResponse:
    petition = claims.claim_next_petition(db, officer=officer, now=utcnow())
    if petition is None:
        return RedirectResponse(f"{QUEUE}?notice=none-waiting", status_code=303)
    return RedirectResponse(f"/backoffice/petitions/{petition.id}", status_code=303)


@router.post("/petitions/{petition_id}/claim", dependencies=[CsrfProtected])
def claim(db: Db, officer: CurrentOfficer, petition_id: str) -> RedirectResponse:
    claims.claim_petition(db, officer=officer, petition_id=petition_id, now=utcnow())
    return RedirectResponse(f"/backoffice/petitions/{petition_id}", status_code=303)


@router.post("/petitions/{petition_id}/assign", dependencies=[CsrfProtected])
def assign(
    db: Db,
    officer: CurrentOfficer,
    petition_id: str,
    officer_id: Annotated[str, Form(max_length=12)] = "",
) -> RedirectResponse:
    # ASCII digits only ("²".isdigit() is true) and within an integer column's range.
    if not (officer_id.isascii() and officer_id.isdecimal()) or int(officer_id) > 2**31 - 1:
        raise AssigneeInvalidError()
    claims.assign_petition(
        db, by=officer, petition_id=petition_id, officer_id=int(officer_id), now=utcnow()
    )
    return RedirectResponse(f"/backoffice/petitions/{petition_id}", status_code=303)


@router.post("/petitions/{petition_id}/release", dependencies=[CsrfProtected])
def release(db: Db, officer: CurrentOfficer, petition_id: str) -> RedirectResponse:
    claims.release_petition(db, officer=officer, petition_id=petition_id, now=utcnow())
    return RedirectResponse(QUEUE, status_code=303)


@router.get("/petitions/{petition_id}")
def petition_page(
    request: Request, db: Db, officer: CurrentOfficer, petition_id: str
) -> HTMLResponse:
    view = open_petition_for_officer(db, officer=officer, petition_id=petition_id, now=utcnow())
    supervisor = is_supervisor(officer)
    return _page(
        request,
        "backoffice/petition.html",
        officer=officer,
        petition=view.petition,
        view=view,
        supervisor=supervisor,
        assignable=(
            claims.list_assignable_officers(db, agency=view.petition.agency) if supervisor else []
        ),
        casework=casework_context(db, officer, view.petition, history=view.history),
    )
