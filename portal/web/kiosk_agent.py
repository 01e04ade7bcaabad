"""The kiosk's machine-facing endpoints: the page's heartbeat and the CUPS print agent's API.

- `POST /kiosk/heartbeat`: kiosk.js, every 60 s, with the device cookie and the page's CSRF
  token; in browser mode it carries the printer status (what a local helper told the page, or
  'ok'). Answers JSON; a disabled kiosk gets 403 `kiosk_out_of_service`.
- `/kiosk/agent/...`: the print agent on the kiosk host (`portal kiosks agent`), authenticated by
  `Authorization: Bearer <print-agent credential>` (`service.agent_credential_for`), never by a
  cookie, so there is no CSRF to forge. It fetches queued jobs and their PDFs and reports each
  job's fate and the printer's status.

Every answer, errors included, is JSON: neither caller can read an HTML error page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from identity.kiosks import printing, service
from identity.kiosks.errors import KioskAgentCredentialError
from identity.kiosks.models import PRINT_MODE_CUPS, KioskDevice
from portal.csrf import CsrfProtected
from portal.deps import Db, RowId, SettingsDep
from portal.errors import PortalError
from portal.web.kiosk import DEVICE_COOKIE

NO_STORE = {"Cache-Control": "private, no-store"}


class JsonErrorsRoute(APIRoute):
    """Turns domain and validation errors into JSON bodies for these routes only (the app's
    handlers would answer an HTML page, or redirect a 401 GET to the citizens' sign-in)."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handle = super().get_route_handler()

        async def handle_with_json_errors(request: Request) -> Response:
            try:
                return await handle(request)
            except PortalError as exc:
                return JSONResponse(exc.as_json(), status_code=exc.status_code, headers=NO_STORE)
            except RequestValidationError as exc:
                fields = [".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()]
                body = {
                    "error": "validation_failed",
                    "message": {
                        "th": "ข้อมูลที่ส่งมาไม่ถูกต้องตามรูปแบบ",
                        "en": "The request does not have the expected form",
                    },
                    "details": {"fields": fields},
                }
                return JSONResponse(body, status_code=422, headers=NO_STORE)

        return handle_with_json_errors


router = APIRouter(
    prefix="/kiosk", tags=["kiosk"], include_in_schema=False, route_class=JsonErrorsRoute
)


def _json(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers=NO_STORE)


# -- the kiosk page's heartbeat -----------------------------------------------------------------


def get_kiosk(request: Request, db: Db) -> KioskDevice:
    return service.authenticate_kiosk(db, request.cookies.get(DEVICE_COOKIE))


Kiosk = Annotated[KioskDevice, Depends(get_kiosk)]


@router.post("/heartbeat", dependencies=[CsrfProtected])
def heartbeat(
    db: Db,
    device: Kiosk,
    printer_status: Annotated[str, Form(max_length=32)] = "ok",
    printer_detail: Annotated[str, Form(max_length=200)] = "",
) -> JSONResponse:
    """Last contact (written at most once a minute) and, in browser mode, the printer status.
    In CUPS mode the agent, which asks CUPS itself, is the one that knows."""
    if device.print_mode != PRINT_MODE_CUPS:
        service.record_printer_status(
            db, device=device, status=printer_status, detail=printer_detail, actor="kiosk"
        )
    return _json({"in_service": True, "print_mode": device.print_mode})


# -- the print agent ----------------------------------------------------------------------------


def get_agent_kiosk(request: Request, db: Db) -> KioskDevice:
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credential:
        raise KioskAgentCredentialError()
    return service.authenticate_agent(
        db, credential.strip(), secret_key=request.app.state.secret_key
    )


AgentKiosk = Annotated[KioskDevice, Depends(get_agent_kiosk)]


class JobReport(BaseModel):
    state: str = Field(max_length=16)
    cups_job: str | None = Field(default=None, max_length=64)
    detail: str | None = Field(default=None, max_length=200)


class PrinterReport(BaseModel):
    status: str = Field(max_length=32)
    detail: str | None = Field(default=None, max_length=200)


@router.get("/agent/jobs")
def agent_jobs(db: Db, device: AgentKiosk) -> JSONResponse:
    """Queued jobs to print now, and the jobs in the CUPS spool to follow up or cancel."""
    work = printing.agent_work(db, device=device)
    return _json(
        {
            "print_mode": device.print_mode,
            "jobs": [
                {
                    "id": job.id,
                    "copy": job.copy_number,
                    "pdf": f"/kiosk/agent/jobs/{job.id}/pdf",
                }
                for job in work.to_print
            ],
            "spooled": [
                {"id": s.print_id, "cups_job": s.cups_job, "cancel": s.cancel} for s in work.spooled
            ],
        }
    )


@router.get("/agent/jobs/{print_id}/pdf")
def agent_job_pdf(print_id: RowId, db: Db, settings: SettingsDep, device: AgentKiosk) -> Response:
    pdf = printing.agent_print_pdf(db, device=device, print_id=print_id, data_dir=settings.data_dir)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="print-{print_id}.pdf"'},
    )


@router.post("/agent/jobs/{print_id}")
def agent_job_report(
    print_id: RowId, report: JobReport, db: Db, device: AgentKiosk
) -> JSONResponse:
    job = printing.report_print(
        db,
        device=device,
        print_id=print_id,
        state=report.state,
        cups_job=report.cups_job,
        detail=report.detail,
    )
    return _json({"id": job.id, "state": job.state, "cups_job": job.cups_job})


@router.post("/agent/status")
def agent_status(report: PrinterReport, db: Db, device: AgentKiosk) -> JSONResponse:
    service.record_printer_status(
        db, device=device, status=report.status, detail=report.detail, actor="kiosk-agent"
    )
    return _json({"status": device.printer_status, "print_mode": device.print_mode})
