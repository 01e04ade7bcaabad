"""Public statistics: per service, across agencies, as a page and as open data (CSV).

No personal data: only counts per service and rates over at least `MIN_PUBLIC_COUNT`
petitions (see `services.petitions.stats.public_statistics`). The page itself is not cached
publicly (its header may show a signed-in citizen); the CSV and the JSON are, for 5 minutes.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from portal.charts import bar_chart
from portal.deps import ReadDb
from portal.i18n import current_language, gettext
from portal.templating import render
from services.catalogue.errors import UnknownServiceError
from services.catalogue.service import get_catalogue
from services.petitions import stats

router = APIRouter(tags=["public"])

PUBLIC_CACHE = "public, max-age=300"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

PUBLIC_COLUMNS = (
    "service_code",
    "service_name_th",
    "service_name_en",
    "agency",
    "filed",
    "decided",
    "backlog",
    "on_time_share",
    "median_days_to_decision",
    "fetched_share",
)


# -- shared by the dashboard and the open data ---------------------------------------------------


def service_names(code: str) -> tuple[str, str]:
    """A service's Thai and English names, or its code twice if it left the catalogue."""
    try:
        name = get_catalogue().get(code).name
    except UnknownServiceError:
        return code, code
    return name.th, name.en


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    text = str(value)
    # A spreadsheet must never run a cell as a formula.
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads Thai), CRLF lines, a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_response(content: bytes, filename: str, *, cache_control: str) -> Response:
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": cache_control,
        },
    )


def etagged(request: Request, response: Response, *, basis: bytes) -> Response:
    """A strong ETag over `basis` (the data without its generation time); 304 on a match."""
    tag = '"' + hashlib.sha256(basis).hexdigest()[:32] + '"'
    if tag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(
            status_code=304,
            headers={"ETag": tag, "Cache-Control": response.headers["Cache-Control"]},
        )
    response.headers["ETag"] = tag
    return response


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


# -- the public figures --------------------------------------------------------------------------


def public_period(period: str) -> stats.Period:
    try:
        days = int(period)
    except ValueError:
        raise stats.UnknownPeriodError(period=period[:10]) from None
    return stats.period_ending(days=days)


def public_rows(db: Session, period: stats.Period) -> list[stats.PublicServiceRow]:
    codes = [s.code for s in get_catalogue().services]
    return stats.public_statistics(db, period, service_codes=codes)


def public_table(rows: list[stats.PublicServiceRow]) -> list[list[Any]]:
    table = []
    for r in rows:
        th, en = service_names(r.service_code)
        table.append(
            [
                r.service_code,
                th,
                en,
                r.agency,
                r.filed,
                r.decided,
                r.backlog,
                None if r.on_time_share is None else round(r.on_time_share, 4),
                r.median_days,
                None if r.fetched_share is None else round(r.fetched_share, 4),
            ]
        )
    return table


@router.get("/statistics", include_in_schema=False)  # a page; the API is /api/v1/statistics
def statistics_page(request: Request, db: ReadDb, period: str = "30") -> HTMLResponse:
    chosen = public_period(period)
    rows = public_rows(db, chosen)
    lang = current_language.get()
    named = [(r, service_names(r.service_code)) for r in rows]
    busiest = sorted(named, key=lambda pair: -pair[0].filed)[:10]
    chart = bar_chart(
        [(names[0] if lang == "th" else names[1], r.filed) for r, names in busiest if r.filed],
        title=gettext("Petitions filed per service"),
        desc=gettext(
            "The ten services with the most petitions filed in the period; "
            "the table below has every figure."
        ),
    )
    return render(
        request,
        "statistics.html",
        rows=named,
        period=chosen,
        periods=stats.PERIODS,
        chart=chart,
        min_count=stats.MIN_PUBLIC_COUNT,
        percent=percent,
        number=number,
        generated_at=datetime.now(stats.BANGKOK),
    )


@router.get(
    "/statistics.csv",
    response_class=Response,
    responses={
        200: {"description": "Open data, UTF-8 CSV", "content": {"text/csv": {}}},
        400: {"description": "An unknown period (a page)", "content": {"text/html": {}}},
    },
)
def statistics_csv(request: Request, db: ReadDb, period: str = "30") -> Response:
    chosen = public_period(period)
    content = csv_bytes(PUBLIC_COLUMNS, public_table(public_rows(db, chosen)))
    response = csv_response(
        content,
        f"statistics-{chosen.first.isoformat()}-{chosen.last.isoformat()}.csv",
        cache_control=PUBLIC_CACHE,
    )
    return etagged(request, response, basis=content)
