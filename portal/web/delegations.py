"""Acting for others: the delegations a citizen has given and received, grant and revoke."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from identity.delegation.errors import InvalidDelegationExpiryError, InvalidDelegationScopeError
from identity.delegation.models import ALL_SERVICES
from identity.delegation.service import (
    grant_delegation,
    list_given,
    list_received,
    revoke_delegation,
)
from identity.models import Citizen
from portal.csrf import CsrfProtected
from portal.db import utcnow
from portal.deps import CurrentCitizen, Db
from portal.errors import PortalError
from portal.runtime import offloaded
from portal.templating import render
from services.catalogue.service import get_catalogue
from services.dopa.guardianship import PURPOSE, derive_parental_delegations

router = APIRouter(tags=["citizen"], include_in_schema=False)

# The durations offered on the form, in days: a single errand, a month, the most allowed.
DURATIONS = (1, 30, 365)


@router.get("/me/delegations", response_class=HTMLResponse)
def delegations(request: Request, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    return _render(request, db, citizen)


@router.post("/me/delegations", dependencies=[CsrfProtected])
def grant(
    request: Request,
    db: Db,
    citizen: CurrentCitizen,
    grantee_national_id: Annotated[str, Form(max_length=32)] = "",
    scope: Annotated[str, Form(max_length=16)] = "all",
    services: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    duration_days: Annotated[int, Form()] = 0,
) -> Response:
    try:
        if duration_days not in DURATIONS:
            raise InvalidDelegationExpiryError()
        if scope == "all":
            chosen = [ALL_SERVICES]
        else:
            known = {s.code for s in get_catalogue().services}
            if not set(services) <= known:
                raise InvalidDelegationScopeError()
            chosen = list(services)
        grant_delegation(
            db,
            grantor=citizen,
            grantee_national_id=grantee_national_id,
            services=chosen,
            expires_at=utcnow() + timedelta(days=duration_days),
        )
    except PortalError as error:
        return _render(request, db, citizen, error=error)
    return RedirectResponse("/me/delegations", status_code=303)


@router.post("/me/delegations/children", dependencies=[CsrfProtected])
@offloaded
def find_children(request: Request, db: Db, citizen: CurrentCitizen) -> Response:
    """Reads the citizen's children from the population register: a parent may act for each
    child under 20 (the read is in the parent's "Who used my data")."""
    try:
        found = derive_parental_delegations(
            db, exchange=request.app.state.processing.exchange, parent=citizen
        )
    except PortalError as error:
        return _render(request, db, citizen, error=error)
    return RedirectResponse(f"/me/delegations?children={len(found)}", status_code=303)


@router.post("/me/delegations/{delegation_id}/revoke", dependencies=[CsrfProtected])
def revoke(delegation_id: str, db: Db, citizen: CurrentCitizen) -> RedirectResponse:
    revoke_delegation(db, grantor_id=citizen.id, delegation_id=delegation_id)  # type: ignore[arg-type]
    return RedirectResponse("/me/delegations", status_code=303)


def _render(
    request: Request, db: Session, citizen: Citizen, *, error: PortalError | None = None
) -> HTMLResponse:
    received = list_received(db, grantee_national_id=citizen.national_id)
    return render(
        request,
        "delegations.html",
        status_code=error.status_code if error else 200,
        given=list_given(db, grantor_id=citizen.id),  # type: ignore[arg-type]
        received=[(d, db.get(Citizen, d.grantor_id)) for d in received],
        services=get_catalogue().services,
        names={s.code: s.name for s in get_catalogue().services},
        now=utcnow(),
        error=error,
        register_purpose=PURPOSE,
        children_found=request.query_params.get("children"),
    )
