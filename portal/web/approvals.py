"""Approving another citizen's petition in one's own account (a house owner and a move-in)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from identity.delegation.service import masked_name
from identity.models import Citizen
from portal.app import notify_worker
from portal.csrf import CsrfProtected
from portal.deps import CurrentCitizen, Db
from portal.i18n import current_language
from portal.templating import render
from services.petitions.approvals import decide_approval, pending_approvals
from services.petitions.processing import definition_of

router = APIRouter(tags=["citizen"], include_in_schema=False)


@router.get("/me/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    lang = current_language.get()
    items = [
        {
            "approval": approval,
            "service": definition_of(petition),
            "petitioner": masked_name(db.get(Citizen, petition.citizen_id), lang),
            "answers": petition.answers,
        }
        for approval, petition in pending_approvals(db, approver=citizen)
    ]
    return render(request, "approvals.html", items=items)


@router.post("/me/approvals/{approval_id}", dependencies=[CsrfProtected])
def decide(
    request: Request,
    approval_id: str,
    db: Db,
    citizen: CurrentCitizen,
    decision: Annotated[Literal["approve", "decline"], Form()],
) -> Response:
    decide_approval(db, approval_id=approval_id, approver=citizen, approve=decision == "approve")
    db.commit()
    notify_worker(request.app)
    return RedirectResponse("/me/approvals?decided=1", status_code=303)
