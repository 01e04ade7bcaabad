"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from documents.errors import DocumentStorageError
from identity.client_keys import load_or_create_client_key
from identity.oidc import RelyingParty
from portal.csrf import csrf_cookie_name
from portal.db import get_engines
from portal.deps import SESSION_COOKIE
from portal.errors import (
    AuthenticationRequiredError,
    DatabaseUnavailableError,
    NotFoundError,
    PortalError,
    is_database_unavailable,
)
from portal.etags import CatalogueETags
from portal.headers import PageMiddleware
from portal.observability import RequestIds
from portal.runtime import InlineHandlers, cache_default_factory_checks, tune_garbage_collector
from portal.settings import Settings, get_settings
from portal.templating import STATIC_DIR, HashedStaticFiles, render
from portal.uploads import (
    MULTIPART_OVERHEAD,
    RequestSizeLimit,
    payload_too_large,
    unreadable_body,
)
from portal.web.backoffice import OFFICER_COOKIE, install_backoffice_error_handlers
from portal.web.kiosk import SESSION_COOKIE_NAME as KIOSK_COOKIE
from portal.web.kiosk import install_kiosk_error_handlers
from services.audit.service import seal_after_commit
from services.exchange.client import Exchange
from services.exchange.signing import PublicKeyFiles, key_id_for, load_or_create_private_key
from services.notifications.providers import providers_from_settings
from services.petitions.processing import ProcessingContext
from services.petitions.worker import BackgroundWorker

log = logging.getLogger(__name__)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path in ("/healthz",)


def _error_response(request: Request, error: PortalError) -> Response:
    response = _error_body(request, error)
    # An error may carry headers of its own (429: Retry-After).
    response.headers.update(getattr(error, "headers", None) or {})
    return response


def _error_body(request: Request, error: PortalError) -> Response:
    if _wants_json(request):
        return JSONResponse(error.as_json(), status_code=error.status_code)
    if isinstance(error, AuthenticationRequiredError) and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    return render(request, "error.html", status_code=error.status_code, error=error)


def install_error_handlers(app: FastAPI) -> None:
    """One place turns every error into a bilingual page or JSON body; nothing leaks a 500 page."""

    @app.exception_handler(PortalError)
    async def portal_error(request: Request, exc: PortalError) -> Response:
        return _error_response(request, exc)

    @app.exception_handler(DocumentStorageError)
    async def document_storage_error(request: Request, exc: DocumentStorageError) -> Response:
        log.error("stored document unreadable on %s: %s", request.url.path, exc)
        error = PortalError(
            "The stored copy of this document cannot be read intact; the portal's staff have "
            "been alerted. Please try again later.",
            "ไม่สามารถอ่านสำเนาเอกสารที่จัดเก็บไว้ได้อย่างสมบูรณ์ เจ้าหน้าที่ได้รับแจ้งแล้ว กรุณาลองใหม่ภายหลัง",
        )
        error.status_code = 500  # type: ignore[misc]
        return _error_response(request, error)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        fields = [".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()]
        if _wants_json(request):
            body = {
                "error": "validation_failed",
                "message": {
                    "th": "ข้อมูลที่ส่งมาไม่ถูกต้องตามรูปแบบ",
                    "en": "The request does not have the expected form",
                },
                "details": {"fields": fields},
            }
            return JSONResponse(body, status_code=422)
        error = PortalError(
            "The form was not filled in as expected", "กรอกข้อมูลในแบบฟอร์มไม่ครบหรือไม่ถูกต้อง"
        )
        return render(request, "error.html", status_code=422, error=error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_response(request, NotFoundError())
        if exc.status_code == 413:  # portal.uploads.RequestSizeLimit, chunked bodies included
            return _error_response(request, payload_too_large(app.state.settings.max_upload_bytes))
        if exc.status_code == 400:  # Starlette could not parse the body (multipart, form)
            return _error_response(request, unreadable_body())
        error = PortalError(str(exc.detail), str(exc.detail))
        error.status_code = exc.status_code  # type: ignore[misc]
        if _wants_json(request):
            return JSONResponse(error.as_json(), status_code=exc.status_code)
        return render(request, "error.html", status_code=exc.status_code, error=error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        error = PortalError()
        error.status_code = 500  # type: ignore[misc]
        return _error_response(request, error)

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeoutError)
    async def database_unavailable(request: Request, exc: Exception) -> Response:
        """A restart or failover of the database is a 503 to retry, never a 500."""
        if not is_database_unavailable(exc):
            raise exc  # a bug: the handler above answers 500 and logs it
        # The driver's message, not SQLAlchemy's, which quotes the statement's parameters.
        reason = getattr(exc, "orig", None) or type(exc).__name__
        log.warning("database unavailable on %s: %s", request.url.path, reason)
        response = _error_response(request, DatabaseUnavailableError())
        response.headers["Retry-After"] = str(DatabaseUnavailableError.retry_after_seconds)
        return response


def create_app(
    settings: Settings | None = None,
    *,
    provider_http: httpx.Client | None = None,
    registry_http: httpx.Client | None = None,
) -> FastAPI:
    """Builds the portal. The HTTP clients can be injected (tests), otherwise real ones are made."""
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    tune_garbage_collector()
    cache_default_factory_checks()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.run_worker_in_process:
            worker = BackgroundWorker(app.state.engine, app.state.processing)
            worker.start()
        app.state.worker = worker
        yield
        if worker is not None:
            worker.stop()
        app.state.relying_party.http.close()
        app.state.processing.exchange.http.close()

    app = FastAPI(
        title="Citizen Service Portal API",
        version="1.0",
        description=(
            "One-stop citizen service portal. The `/api/v1` endpoints take a bearer access "
            "token from the digital-ID provider; `public` endpoints need none."
        ),
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    seal_after_commit(settings.audit_seal_after_commit)  # services.audit (ADR 0007 update)
    app.state.secret_key = settings.resolved_secret_key()
    app.state.csrf_cookie = csrf_cookie_name(settings.secure_cookies)
    app.state.engine, app.state.read_engine = get_engines(
        settings.database_url,
        settings.database_replica_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pre_ping=settings.db_pool_pre_ping,
    )
    app.state.worker = None
    app.state.client_key = (
        load_or_create_client_key(settings.data_dir / "oidc" / "client-key.pem")
        if settings.oidc_client_auth == "private_key_jwt"
        else None
    )
    app.state.relying_party = RelyingParty(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        redirect_uri=f"{settings.base_url}/auth/callback",
        scopes=settings.oidc_scopes,
        http=provider_http or httpx.Client(),
        client_auth=settings.oidc_client_auth,
        client_key=app.state.client_key,
        claim_map=settings.oidc_claim_map,
    )
    exchange_key = load_or_create_private_key(settings.resolved_exchange_key_path())
    app.state.processing = ProcessingContext(
        exchange=Exchange(
            registry_urls=settings.registry_urls,
            api_key=settings.registry_api_key,
            http=registry_http or httpx.Client(),
            signing_key=exchange_key,
            key_id=key_id_for(exchange_key.public_key()),
            # Read when first needed and reread when the file changes: a demo registry writes
            # its key after the portal starts, and a key is rotated by replacing its file.
            registry_keys=PublicKeyFiles(settings.registry_public_key_paths()),
            timeout_seconds=settings.registry_timeout_seconds,
            timeouts=settings.registry_timeouts,
        ),
        data_dir=settings.data_dir,
        base_url=settings.base_url,
        notifications=providers_from_settings(settings),
        job_lease_seconds=settings.job_lease_seconds,
    )

    # No request needs more than one upload: refused inside the page middleware, so the 413
    # is bilingual and carries the security headers (a chunked body is cut off too).
    app.add_middleware(RequestSizeLimit, max_bytes=settings.max_upload_bytes + MULTIPART_OVERHEAD)
    app.add_middleware(
        PageMiddleware,
        csrf_cookie=app.state.csrf_cookie,
        secure=settings.secure_cookies,
        oidc_issuer=settings.oidc_issuer,
        personal_cookies=(SESSION_COOKIE, OFFICER_COOKIE, KIOSK_COOKIE),
    )
    # Outermost: answers GET /api/v1/verify/{number} before the middleware above (issue 6).
    from portal.api.v1.verify import FastVerifyPath

    app.add_middleware(FastVerifyPath)
    # Outside it (issue 8): catalogue ETags; outermost, the request id, access log and metrics.
    app.add_middleware(CatalogueETags)
    app.add_middleware(RequestIds)
    if settings.inline_handlers:
        app.add_middleware(InlineHandlers)
    install_error_handlers(app)
    install_backoffice_error_handlers(app)
    install_kiosk_error_handlers(app)
    app.mount("/static", HashedStaticFiles(directory=STATIC_DIR), name="static")

    from portal.api.v1 import routers as api_routers
    from portal.web import routers as web_routers

    for router in by_traffic([*web_routers(), *api_routers()]):
        app.include_router(router)
    return app


# First path segments in the order of their traffic at a peak (docs/performance.md): status
# and document views, the API, the catalogue, the back office.
BUSIEST_FIRST_SEGMENTS = ("petitions", "documents", "api", "services", "backoffice", "verify")


def first_segments(router: APIRouter) -> set[str]:
    """The literal first path segments of a router's routes ("{" marks a parameter)."""
    return {getattr(r, "path", "/").strip("/").split("/")[0] for r in router.routes}


def by_traffic(routers: list[APIRouter]) -> list[APIRouter]:
    """The routers, busiest first. A request is matched against the routes in order, so a
    status view should not first be tried against forty others (FastAPI matches each included
    router's routes twice). Order matters only between routes that can match the same path,
    and every route starts with a literal segment: routers sharing a first segment keep their
    declared order (the sort is stable and keyed by the busiest segment of each router, and
    tests/portal/test_route_order.py checks both facts)."""

    return sorted(routers, key=traffic_rank)


def traffic_rank(router: APIRouter) -> int:
    """The place of the router's busiest first segment in BUSIEST_FIRST_SEGMENTS (the rest
    after them)."""
    ranks = [
        BUSIEST_FIRST_SEGMENTS.index(s)
        for s in first_segments(router)
        if s in BUSIEST_FIRST_SEGMENTS
    ]
    return min(ranks, default=len(BUSIEST_FIRST_SEGMENTS))


def notify_worker(app: FastAPI) -> None:
    """Wakes the in-process worker after a submission, so the citizen waits seconds, not a poll."""
    worker = getattr(app.state, "worker", None)
    if worker is not None:
        worker.notify()
