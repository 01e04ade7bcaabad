"""A citizen answers an officer's supplement request, and writes on the petition's thread."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.csrf import CsrfProtected
from portal.deps import CurrentCitizen, Db
from portal.errors import PortalError
from portal.forms import PetitionForm, petition_form
from portal.templating import render
from portal.web.apply import _answer_problems, upload_store
from services.petitions.casework_models import SupplementRequest
from services.petitions.messages import list_messages, post_citizen_message
from services.petitions.models import Petition
from services.petitions.processing import definition_of
from services.petitions.queries import get_citizen_petition
from services.petitions.supplements import (
    answer_supplement,
    asked_fields,
    document_key,
    get_citizen_supplement,
)

router = APIRouter(tags=["citizen"], include_in_schema=False)


def _supplement_page(
    request: Request,
    petition: Petition,
    supplement: SupplementRequest,
    *,
    answers: dict[str, str],
    error: PortalError | None = None,
) -> HTMLResponse:
    service = definition_of(petition)
    return render(
        request,
        "supplement.html",
        status_code=error.status_code if error else 200,
        petition=petition,
        service=service,
        supplement=supplement,
        upload_labels={u.name: u.label for u in service.uploads},
        fields=asked_fields(petition, supplement),
        documents=[(document_key(i), label) for i, label in enumerate(supplement.documents)],
        answers=answers,
        error=error,
        problems=_answer_problems(error),
    )


@router.get("/petitions/{petition_id}/supplement", response_class=HTMLResponse)
def supplement_form(
    request: Request, petition_id: str, db: Db, citizen: CurrentCitizen
) -> HTMLResponse:
    petition, supplement = get_citizen_supplement(
        db,
        citizen_id=citizen.id,  # type: ignore[arg-type]
        petition_id=petition_id,
    )
    return _supplement_page(request, petition, supplement, answers=dict(petition.answers))


@router.post("/petitions/{petition_id}/supplement", dependencies=[CsrfProtected])
def supplement_answer(
    request: Request,
    petition_id: str,
    db: Db,
    citizen: CurrentCitizen,
    form: Annotated[PetitionForm, Depends(petition_form)],
) -> Response:
    try:
        answer_supplement(
            db,
            citizen=citizen,
            petition_id=petition_id,
            answers=form.answers,
            uploads=form.uploads,
            upload_store=upload_store(request),
        )
    except PortalError as error:
        if error.status_code != 400:
            raise
        db.rollback()
        petition, supplement = get_citizen_supplement(
            db,
            citizen_id=citizen.id,  # type: ignore[arg-type]
            petition_id=petition_id,
        )
        # The same form again, with what the citizen typed and what is wrong.
        return _supplement_page(
            request,
            petition,
            supplement,
            answers={**petition.answers, **form.answers},
            error=error,
        )
    return RedirectResponse(f"/petitions/{petition_id}?answered=1", status_code=303)


@router.get("/petitions/{petition_id}/messages", response_class=HTMLResponse)
def thread(request: Request, petition_id: str, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    petition = get_citizen_petition(
        db,
        citizen_id=citizen.id,  # type: ignore[arg-type]
        petition_id=petition_id,
    )
    return render(
        request,
        "petition_messages.html",
        petition=petition,
        service=definition_of(petition),
        thread=list_messages(db, petition.id),
    )


@router.post("/petitions/{petition_id}/messages", dependencies=[CsrfProtected])
def post_message(
    petition_id: str,
    db: Db,
    citizen: CurrentCitizen,
    body: Annotated[str, Form(max_length=4000)] = "",
) -> RedirectResponse:
    post_citizen_message(db, citizen=citizen, petition_id=petition_id, body=body)
    return RedirectResponse(f"/petitions/{petition_id}/messages#thread", status_code=303)
