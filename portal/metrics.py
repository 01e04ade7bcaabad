"""Prometheus metrics: `/metrics`, the request middleware and the counters domain code bumps.

1. `observe_request`, called by the outermost middleware for every answer, counts and times
   it, labelled by the route *template* (`/petitions/{petition_id}`, never the raw path, so
   one label per route rather than one per petition) and the status.
2. Domain code increments module-level counters: `EVIDENCE_FETCH_ERRORS` (the exchange
   client, per registry), `CERTIFICATES_ISSUED` (counted when a `Document` row is committed,
   by the session events below, so issuance code needs no metrics call), `PAYMENTS_CONFIRMED`
   (call `counter("payments_confirmed").inc()` after the confirming commit),
   `RATE_LIMITED`.
3. Queue depths (petition jobs per state) are read from the database at scrape time: a gauge
   kept in memory would be wrong as soon as two processes or machines run workers.
4. Several worker processes (`portal serve --workers N`): `portal serve` points
   `PROMETHEUS_MULTIPROC_DIR` at an empty folder before the workers start; each process then
   writes its values to memory-mapped files there and a scrape of any worker sums them all.

`/metrics` is not public: it answers a bearer of `PORTAL_METRICS_TOKEN`, or, when no token is
set, only clients on a loopback address (a scraper on the same host); everyone else gets 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from starlette.types import Scope

from portal.errors import NotFoundError

REQUESTS = Counter(
    "portal_http_requests_total",
    "HTTP answers by method, route template and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
EVIDENCE_FETCH_ERRORS = Counter(
    "portal_evidence_fetch_errors_total",
    "Failed evidence fetches by registry (agency) and reason",
    ["agency", "reason"],
)
CERTIFICATES_ISSUED = Counter(
    "portal_certificates_issued_total", "Documents issued (committed), by agency", ["agency"]
)
PAYMENTS_CONFIRMED = Counter("portal_payments_confirmed_total", "Fee payments confirmed")
RATE_LIMITED = Counter(
    "portal_rate_limited_total", "Requests refused with 429, by limit", ["limit"]
)

_COUNTERS: dict[str, Counter] = {
    "evidence_fetch_errors": EVIDENCE_FETCH_ERRORS,
    "certificates_issued": CERTIFICATES_ISSUED,
    "payments_confirmed": PAYMENTS_CONFIRMED,
    "rate_limited": RATE_LIMITED,
}


def counter(name: str) -> Counter:
    """A counter by its short name, e.g. `counter("payments_confirmed").inc()`."""
    return _COUNTERS[name]


UNMATCHED = "<unmatched>"
FAST_VERIFY_ROUTE = "/api/v1/verify/{number}"


def route_label(scope: Scope) -> str:
    """The template of the route that answered, or `<unmatched>` (404s of unknown paths must
    not create a label per probed URL)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is not None:
        return str(path) or "/"
    if scope.get("path", "").startswith("/api/v1/verify/"):
        return FAST_VERIFY_ROUTE  # answered by FastVerifyPath before routing
    return UNMATCHED


_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Counts and times one answer (called by `portal.observability.RequestIds`, the outermost
    layer, so the fast verify path is counted too). Label children are cached: `labels()`
    costs more than the increment itself."""
    key = (method, route, status)
    children = _REQUEST_CHILDREN.get(key)
    if children is None:
        children = _REQUEST_CHILDREN[key] = (
            REQUESTS.labels(method, route, str(status)),
            REQUEST_SECONDS.labels(method, route),
        )
    children[0].inc()
    children[1].observe(seconds)


# -- certificates issued: counted on commit ------------------------------------------------------

_PENDING_DOCUMENTS = "portal.metrics.documents"


def _note_new_documents(session: OrmSession, _flush_context: Any, _instances: Any) -> None:
    from documents.models import Document

    agencies = [obj.agency for obj in session.new if isinstance(obj, Document)]
    if agencies:
        session.info.setdefault(_PENDING_DOCUMENTS, []).extend(agencies)


def _count_committed_documents(session: OrmSession) -> None:
    for agency in session.info.pop(_PENDING_DOCUMENTS, []):
        CERTIFICATES_ISSUED.labels(agency=agency or "").inc()


def _forget_rolled_back_documents(session: OrmSession) -> None:
    session.info.pop(_PENDING_DOCUMENTS, None)


event.listen(OrmSession, "before_flush", _note_new_documents)
event.listen(OrmSession, "after_commit", _count_committed_documents)
event.listen(OrmSession, "after_rollback", _forget_rolled_back_documents)


# -- queue depth, read at scrape time ---------------------------------------------------------


class QueueDepthCollector(Collector):
    """`portal_petition_jobs{state}`: jobs per state, one GROUP BY at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from services.petitions.models import JobState, PetitionJob

        gauge = GaugeMetricFamily(
            "portal_petition_jobs", "Petition jobs by state (the work queue)", labels=["state"]
        )
        counts = {state.value: 0 for state in JobState}
        due = 0
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(PetitionJob.state, func.count()).group_by(PetitionJob.state)  # type: ignore[arg-type]
                ).all()
                from portal.db import utcnow

                due = int(
                    conn.execute(
                        select(func.count()).where(
                            PetitionJob.state == JobState.PENDING,  # type: ignore[arg-type]
                            PetitionJob.run_after <= utcnow(),  # type: ignore[arg-type]
                        )
                    ).scalar_one()
                )
        except Exception:  # a scrape reports what it can; the database state is in /healthz
            return
        for state, count in rows:
            counts[str(state.value if hasattr(state, "value") else state)] = int(count)
        for state, count in sorted(counts.items()):
            gauge.add_metric([state], count)
        yield gauge
        due_gauge = GaugeMetricFamily(
            "portal_petition_jobs_due", "Pending jobs whose time has come (the backlog)"
        )
        due_gauge.add_metric([], due)
        yield due_gauge


def scrape(engine: Engine) -> bytes:
    """The text exposition: this process's (or, in multiprocess mode, every worker's) metrics
    plus the queue depths."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    queues = CollectorRegistry(auto_describe=False)
    queues.register(QueueDepthCollector(engine))
    return body + generate_latest(queues)


def may_scrape(request: Request, token: str, *, production: bool = False) -> bool:
    """A bearer of the configured token; with none configured, a loopback client only, and
    in production nobody (behind a proxy on the same host every client looks like loopback)."""
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
    if production:
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


router = APIRouter(tags=["public"], include_in_schema=False)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus scrape target (not listed; 404 to anyone who may not scrape)."""
    settings = request.app.state.settings
    if not may_scrape(request, settings.metrics_token, production=settings.is_production):
        raise NotFoundError()
    engine = getattr(request.app.state, "engine", None)
    return Response(
        scrape(engine),
        media_type=CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )
