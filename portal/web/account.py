"""My account: who the portal thinks you are, where you are signed in, sign out everywhere."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from identity.sessions import list_active_sessions, revoke_all_sessions
from portal.csrf import CsrfProtected
from portal.deps import SESSION_COOKIE, CurrentCitizen, Db
from portal.templating import render

router = APIRouter(tags=["citizen"], include_in_schema=False)


@router.get("/me/account", response_class=HTMLResponse)
def account(request: Request, db: Db, citizen: CurrentCitizen) -> HTMLResponse:
    sessions = list_active_sessions(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    return render(request, "account.html", person=citizen, sessions=sessions)


@router.post("/me/sessions/revoke-all", dependencies=[CsrfProtected])
def sign_out_everywhere(db: Db, citizen: CurrentCitizen) -> RedirectResponse:
    revoke_all_sessions(db, citizen_id=citizen.id)  # type: ignore[arg-type]
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
