"""Public statistics as open data (JSON): per service, no personal data, cacheable 5 minutes."""

from __future__ import annotations

import json
from datetime import date, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from portal.api.v1.responses import error_responses
from portal.db import utcnow
from portal.deps import ReadDb
from portal.web.statistics import PUBLIC_CACHE, etagged, public_period, public_rows, service_names
from services.catalogue.definitions import Text
from services.petitions.stats import MIN_PUBLIC_COUNT

router = APIRouter(prefix="/api/v1", tags=["public"], responses=error_responses(400, 422, 503))


class PeriodPublic(BaseModel):
    days: int
    first: date  # Bangkok dates, both included
    last: date
    time_zone: str = "Asia/Bangkok"


class ServiceStatistics(BaseModel):
    service_code: str
    service_name: Text
    agency: str
    filed: int  # petitions filed in the period
    decided: int  # petitions decided (approved, issued or rejected) in the period
    backlog: int  # petitions at the agency now, not yet final
    # Rates are null when fewer than `min_count` petitions stand behind them.
    on_time_share: float | None
    median_days_to_decision: float | None
    fetched_share: float | None


class StatisticsPublic(BaseModel):
    period: PeriodPublic
    generated_at: datetime
    min_count: int
    services: list[ServiceStatistics]


@router.get("/statistics", response_model=StatisticsPublic)
def get_statistics(request: Request, db: ReadDb, period: str = "30") -> Response:
    chosen = public_period(period)
    services = []
    for r in public_rows(db, chosen):
        th, en = service_names(r.service_code)
        services.append(
            ServiceStatistics(
                service_code=r.service_code,
                service_name=Text(th=th, en=en),
                agency=r.agency,
                filed=r.filed,
                decided=r.decided,
                backlog=r.backlog,
                on_time_share=None if r.on_time_share is None else round(r.on_time_share, 4),
                median_days_to_decision=r.median_days,
                fetched_share=None if r.fetched_share is None else round(r.fetched_share, 4),
            )
        )
    body = StatisticsPublic(
        period=PeriodPublic(days=chosen.days, first=chosen.first, last=chosen.last),
        generated_at=utcnow(),
        min_count=MIN_PUBLIC_COUNT,
        services=services,
    )
    data = body.model_dump(mode="json")
    basis = json.dumps({**data, "generated_at": None}, sort_keys=True).encode()
    response = Response(
        json.dumps(data, ensure_ascii=False).encode(),
        media_type="application/json",
        headers={"Cache-Control": PUBLIC_CACHE},
    )
    return etagged(request, response, basis=basis)
