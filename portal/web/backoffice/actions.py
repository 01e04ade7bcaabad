"""Back office: an officer's actions on a petition — approve, reject, ask for a supplement,
transfer, internal notes, messages to the citizen — and bulk approval.

Each handler is thin: CSRF, the signed-in officer, one domain function, then 303 back to the
petition page. Domain errors render the error page with their status (the app's handler).
The petition page (`backoffice/petition.html`) includes `backoffice/_actions.html` and
`backoffice/_thread.html`; pass them `casework=casework_context(db, officer, petition)`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from identity.officers.authz import has_role
from identity.officers.models import Officer, OfficerRole
from portal.csrf import CsrfProtected
from portal.deps import Db
from portal.web.backoffice.signin import CurrentOfficer, _page
from services.petitions import decisions, messages, supplements
from services.petitions.models import Petition, PetitionEvent, PetitionState
from services.petitions.processing import definition_of
from services.petitions.snapshots import was_asked_for_supplements

router = APIRouter(prefix="/backoffice", tags=["officer"], include_in_schema=False)

Text = Annotated[str, Form(max_length=4000)]


def _back(petition_id: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/backoffice/petitions/{petition_id}{anchor}", status_code=303)


def _wake_worker(request: Request, db: Session) -> None:
    """An approval queued a job: commit first, then let the worker pick it up at once."""
    from portal.app import notify_worker

    db.commit()
    notify_worker(request.app)


def casework_context(
    db: Session,
    officer: Officer,
    petition: Petition,
    history: list[PetitionEvent] | None = None,
) -> dict[str, Any]:
    """What the actions and thread partials show for one petition. With its `history` (the
    events, already read), supplement requests are asked for only if there were any."""
    service = definition_of(petition)
    supervisor = has_role(officer, OfficerRole.SUPERVISOR.value) or has_role(
        officer, OfficerRole.AGENCY_ADMIN.value
    )
    decided = decisions.list_decisions(db, petition.id)
    first = decisions.first_approval_waiting(decided)
    return {
        "holds_claim": petition.assigned_officer_id == officer.id,
        "may_write": petition.assigned_officer_id == officer.id or supervisor,
        "in_review": petition.state == PetitionState.IN_REVIEW,
        "decision_mode": service.decision,
        "first_approval": first,
        "first_approval_is_mine": first is not None and first.officer_id == officer.id,
        "flaggable_fields": supplements.flaggable_fields(service),
        "uploads": service.uploads,
        "offices": decisions.list_transfer_offices(db, petition),
        "requests": (
            supplements.list_supplement_requests(db, petition.id)
            if history is None or was_asked_for_supplements(history)
            else []
        ),
        "decisions": decided,
        "notes": messages.list_notes(db, petition.id),
        "messages": messages.list_messages(db, petition.id),
    }


@router.post("/petitions/{petition_id}/approve", dependencies=[CsrfProtected])
def approve(
    request: Request, petition_id: str, db: Db, officer: CurrentOfficer, note: Text = ""
) -> RedirectResponse:
    outcome = decisions.approve_petition(db, officer=officer, petition_id=petition_id, note=note)
    if outcome == "approved":
        _wake_worker(request, db)
    return _back(petition_id)


@router.post("/petitions/{petition_id}/reject", dependencies=[CsrfProtected])
def reject(
    petition_id: str, db: Db, officer: CurrentOfficer, reason: Text = ""
) -> RedirectResponse:
    decisions.reject_petition(db, officer=officer, petition_id=petition_id, reason=reason)
    return _back(petition_id)


@router.post("/petitions/{petition_id}/supplement", dependencies=[CsrfProtected])
def supplement(
    petition_id: str,
    db: Db,
    officer: CurrentOfficer,
    fields: Annotated[list[str], Form()] = [],  # noqa: B006  (FastAPI copies form defaults)
    documents: Annotated[list[str], Form()] = [],  # noqa: B006
    other_document: Annotated[str, Form(max_length=200)] = "",
    message: Text = "",
) -> RedirectResponse:
    supplements.request_supplement(
        db,
        officer=officer,
        petition_id=petition_id,
        fields=fields,
        documents=[*documents, other_document],
        message=message,
    )
    return _back(petition_id)


@router.post("/petitions/{petition_id}/transfer", dependencies=[CsrfProtected])
def transfer(
    petition_id: str,
    db: Db,
    officer: CurrentOfficer,
    office_code: Annotated[str, Form(max_length=32)] = "",
    reason: Text = "",
) -> RedirectResponse:
    decisions.transfer_petition(
        db, officer=officer, petition_id=petition_id, office_code=office_code, reason=reason
    )
    return _back(petition_id)


@router.post("/petitions/{petition_id}/notes", dependencies=[CsrfProtected])
def note(petition_id: str, db: Db, officer: CurrentOfficer, text: Text = "") -> RedirectResponse:
    messages.add_note(db, officer=officer, petition_id=petition_id, text=text)
    return _back(petition_id, "#notes")


@router.post("/petitions/{petition_id}/messages", dependencies=[CsrfProtected])
def message(petition_id: str, db: Db, officer: CurrentOfficer, body: Text = "") -> RedirectResponse:
    messages.post_officer_message(db, officer=officer, petition_id=petition_id, body=body)
    return _back(petition_id, "#thread")


@router.get("/bulk")
def bulk_form(
    request: Request, db: Db, officer: CurrentOfficer, approved: int = 0, skipped: int = 0
) -> HTMLResponse:
    return _page(
        request,
        "backoffice/bulk.html",
        officer=officer,
        petitions=decisions.list_bulk_candidates(db, officer),
        may_approve=has_role(officer, OfficerRole.SUPERVISOR.value),
        approved=approved,
        skipped=skipped,
    )


@router.post("/bulk-approve", dependencies=[CsrfProtected])
def bulk_approve(
    request: Request,
    db: Db,
    officer: CurrentOfficer,
    petition_ids: Annotated[list[str], Form()] = [],  # noqa: B006
) -> RedirectResponse:
    result = decisions.bulk_approve(db, officer=officer, petition_ids=petition_ids)
    if result.approved:
        _wake_worker(request, db)
    return RedirectResponse(
        f"/backoffice/bulk?approved={len(result.approved)}&skipped={len(result.skipped)}",
        status_code=303,
    )
