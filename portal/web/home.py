"""Home page, language switch and health check."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from identity.oidc import safe_next_url
from portal.db import database_state
from portal.deps import get_optional_citizen
from portal.i18n import LANG_COOKIE, LANGUAGES
from portal.templating import render
from services.catalogue.service import get_catalogue

# Public pages still show who is signed in, so the header keeps "My documents" and "Sign out".
router = APIRouter(
    tags=["public"], include_in_schema=False, dependencies=[Depends(get_optional_citizen)]
)
health = APIRouter(tags=["public"])


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html", services=get_catalogue().services[:6])


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/") -> RedirectResponse:
    """Sets the language cookie and returns to the page the reader was on."""
    response = RedirectResponse(safe_next_url(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            code,
            max_age=365 * 86400,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
        )
    return response


@health.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    """Liveness and database state, for load balancers and the demo."""
    db = database_state(request.app.state.engine)
    ok = db["status"] == "ok"
    body = {"status": "ok" if ok else "degraded", "app": "citizen-service-portal", "database": db}
    return JSONResponse(body, status_code=200 if ok else 503)
