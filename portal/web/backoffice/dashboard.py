"""Back office: the supervisors' dashboard, its SVG charts and a CSV of every table.

Supervisors and agency administrators see their agency; portal administrators any agency or
all. Plain officers get 403. Filters (GET): `service`, `period` (7, 30 or 90 days) and, for
portal administrators, `agency`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from identity.officers.models import Officer, OfficerRole
from portal.charts import bar_chart, day_chart
from portal.deps import Db
from portal.errors import NotFoundError
from portal.i18n import current_language, gettext
from portal.web.backoffice.signin import CurrentOfficer, _page
from portal.web.statistics import csv_bytes, csv_response, number, percent, service_names
from services.agencies import AGENCIES
from services.catalogue.service import get_catalogue
from services.petitions import stats

router = APIRouter(prefix="/backoffice", tags=["officer"], include_in_schema=False)

# The same msgids as templates/pages/_state.html.
STATE_LABELS = {
    "submitted": "Submitted",
    "evidence_pending": "Fetching data from agencies",
    "in_review": "Under review by an officer",
    "supplement_requested": "More information needed",
    "approved": "Approved",
}
TABLES = ("backlog", "throughput", "timeliness", "median", "workload", "evidence")


class UnknownTableError(NotFoundError):
    code = "unknown_table"
    default_th = "ไม่พบตารางที่ขอ"
    default_en = "No such table"


def _scope(officer: Officer, *, period: str, service: str, agency: str) -> stats.Scope:
    try:
        days = int(period)
    except ValueError:
        raise stats.UnknownPeriodError(period=period[:10]) from None
    return stats.officer_scope(
        officer,
        days=days,
        service_code=service or None,
        agency=agency or None,
        known_services={s.code for s in get_catalogue().services},
    )


def _services(scope: stats.Scope) -> list[tuple[str, str]]:
    """The services the filter offers: the scope's agency's, in the reader's language."""
    lang = current_language.get()
    return sorted(
        (s.code, s.name.get(lang))
        for s in get_catalogue().services
        if scope.agency is None or s.agency == scope.agency
    )


def _officer_name(row: stats.WorkloadRow) -> str:
    if current_language.get() == "th":
        return row.name_th or row.name_en or f"#{row.officer_id}"
    return row.name_en or row.name_th or f"#{row.officer_id}"


def _charts(board: stats.Dashboard) -> dict[str, Any]:
    lang = current_language.get()
    by_state = stats.backlog_by_state(board.backlog)
    day_labels = [f"{d.day.day}/{d.day.month}" for d in board.throughput]
    return {
        "backlog": bar_chart(
            [(gettext(STATE_LABELS[state]), n) for state, n in by_state],
            title=gettext("Backlog by state"),
            desc=gettext("Petitions not yet final, per state; the table below has the figures."),
        ),
        "throughput": day_chart(
            day_labels,
            [d.filed for d in board.throughput],
            [d.decided for d in board.throughput],
            title=gettext("Throughput per day"),
            desc=gettext(
                "Petitions filed (columns) and decided (line) per day; "
                "the table below has the figures."
            ),
            column_label=gettext("Filed"),
            line_label=gettext("Decided"),
        ),
        "median": bar_chart(
            [
                (service_names(r.service_code)[0 if lang == "th" else 1], r.median_days)
                for r in board.median
            ],
            title=gettext("Median days to decision"),
            desc=gettext("Per service; the table below has the figures."),
        ),
        "workload": bar_chart(
            [(_officer_name(r), r.open_held) for r in board.workload],
            title=gettext("Open petitions held per officer"),
            desc=gettext("Per officer; the table below also has their decisions in the period."),
        ),
    }


def _query(scope: stats.Scope, officer: Officer) -> str:
    params = {"period": str(scope.period.days)}
    if scope.service_code:
        params["service"] = scope.service_code
    if scope.agency and OfficerRole.PORTAL_ADMIN.value in officer.roles:
        params["agency"] = scope.agency
    return urlencode(params)


@router.get("/dashboard")
def dashboard(
    request: Request,
    db: Db,
    officer: CurrentOfficer,
    period: str = str(stats.DEFAULT_PERIOD),
    service: str = "",
    agency: str = "",
) -> HTMLResponse:
    scope = _scope(officer, period=period, service=service, agency=agency)
    board = stats.dashboard(db, scope)
    return _page(
        request,
        "backoffice/dashboard.html",
        officer=officer,
        board=board,
        scope=scope,
        charts=_charts(board),
        services=_services(scope),
        periods=stats.PERIODS,
        agencies=[a.code for a in AGENCIES],
        is_portal_admin=OfficerRole.PORTAL_ADMIN.value in officer.roles,
        total_on_time=stats.total_timeliness(board.timeliness),
        state_labels=STATE_LABELS,
        officer_name=_officer_name,
        query=_query(scope, officer),
        percent=percent,
        number=number,
        tables=TABLES,
    )


FIGURES: dict[str, Any] = {
    "backlog": stats.backlog,
    "throughput": stats.throughput,
    "timeliness": stats.timeliness,
    "median": stats.median_time_to_decision,
    "workload": stats.workload,
    "evidence": stats.evidence_sources,
}


def table_rows(table: str, data: list[Any]) -> tuple[list[str], list[list[Any]]]:
    """One dashboard table (`data`: its figure's rows) as a header and rows, service names in
    Thai and English."""
    named = ["service_code", "service_name_th", "service_name_en"]
    if table == "backlog":
        return [*named, "state", "count"], [
            [r.service_code, *service_names(r.service_code), r.state, r.count] for r in data
        ]
    if table == "throughput":
        return ["date", "filed", "decided"], [[r.day.isoformat(), r.filed, r.decided] for r in data]
    if table == "timeliness":
        return [*named, "decided_with_due_date", "decided_on_time", "on_time_share"], [
            [r.service_code, *service_names(r.service_code), r.decided, r.on_time, r.share]
            for r in data
        ]
    if table == "median":
        return [*named, "decided", "median_hours", "median_days"], [
            [
                r.service_code,
                *service_names(r.service_code),
                r.decided,
                round(r.median_hours, 2),
                round(r.median_days, 2),
            ]
            for r in data
        ]
    if table == "workload":
        return ["officer_id", "name_th", "name_en", "open_held", "decisions"], [
            [r.officer_id, r.name_th, r.name_en, r.open_held, r.decisions] for r in data
        ]
    if table == "evidence":
        return [*named, "fetched", "uploaded", "fetched_share"], [
            [r.service_code, *service_names(r.service_code), r.fetched, r.uploaded, r.share_fetched]
            for r in data
        ]
    raise UnknownTableError(table=table[:32])


@router.get("/dashboard/{table}.csv")
def dashboard_csv(
    db: Db,
    officer: CurrentOfficer,
    table: str,
    period: str = str(stats.DEFAULT_PERIOD),
    service: str = "",
    agency: str = "",
) -> Response:
    if table not in TABLES:
        raise UnknownTableError(table=table[:32])
    scope = _scope(officer, period=period, service=service, agency=agency)
    header, rows = table_rows(table, FIGURES[table](db, scope))
    name = "-".join(
        [table, scope.agency or "all", *([scope.service_code] if scope.service_code else [])]
    )
    return csv_response(
        csv_bytes(header, rows),
        f"{name}-{scope.period.first.isoformat()}-{scope.period.last.isoformat()}.csv",
        cache_control="private, no-store",
    )
