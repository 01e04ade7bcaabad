"""The officers' queue over 1,000,000 petitions on PostgreSQL: first page, a deep page, filters.

Seeds the petitions once with one `INSERT ... SELECT generate_series` (10 agencies × every
state × due dates from 10 days overdue to a month ahead × 5 offices and the shared pool), runs
`ANALYZE`, then times `services.petitions.queue.list_queue` as the queue page calls it, and the
whole `GET /backoffice/` page through the ASGI app with a signed-in officer session.

    PORTAL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench \
        .venv/bin/python bench/bench_queue.py [--runs 200] [--rows 1000000]

The database is created if missing. The last lines are `key=value` figures.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench"
AGENCIES = ("dopa", "rd", "dol", "dlt", "rtp", "sso", "moe", "dbd", "nhso", "bma")
STATES = (
    "SUBMITTED",
    "EVIDENCE_PENDING",
    "IN_REVIEW",
    "IN_REVIEW",
    "IN_REVIEW",
    "SUPPLEMENT_REQUESTED",
    "APPROVED",
    "ISSUED",
    "ISSUED",
    "ISSUED",
    "REJECTED",
    "WITHDRAWN",
)


def ensure_database(url: str) -> None:
    from portal.db import normalise_url

    parsed = make_url(normalise_url(url))
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        ).first()
        if not found:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def seed(engine: Any, rows: int) -> None:
    """One statement for the petitions; a citizen and one officer per agency beside them."""
    with engine.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM petition")).scalar_one()
        if have >= rows:
            print(f"already seeded: {have} petitions")
            return
        conn.execute(text("TRUNCATE petition RESTART IDENTITY CASCADE"))
        citizen_id = bench_citizen(engine)
        states = "ARRAY[" + ",".join(f"'{s}'" for s in STATES) + "]"
        agencies = "ARRAY[" + ",".join(f"'{a}'" for a in AGENCIES) + "]"
        started = time.perf_counter()
        conn.execute(
            text(
                f"""
                INSERT INTO petition (id, citizen_id, service_code, service_version, agency,
                    office_code, definition, state, channel, answers, evidence,
                    decision_reason_th, decision_reason_en, created_at, updated_at,
                    due_on, escalation)
                SELECT md5(g::text)::uuid::text, :citizen, a || '.bench-service', 1, a,
                    CASE WHEN g % 6 = 0 THEN NULL ELSE a || '-office-' || (g % 5) END,
                    '{{}}', ({states})[1 + g % {len(STATES)}]::petitionstate, 'web', '{{}}',
                    '{{}}', '', '', now() - make_interval(secs => g * 7 % 8000000),
                    now() - make_interval(secs => g * 3 % 600000),
                    CASE WHEN g % 10 = 0 THEN NULL ELSE current_date + (g * 13 % 41 - 10) END,
                    CASE WHEN g * 13 % 41 < 10 THEN 2 WHEN g * 13 % 41 < 12 THEN 1 ELSE 0 END
                FROM generate_series(1, :rows) AS g,
                     LATERAL (SELECT ({agencies})[1 + (g / 7) % {len(AGENCIES)}] AS a) AS x
                """
            ),
            {"citizen": citizen_id, "rows": rows},
        )
        print(f"seeded {rows} petitions in {time.perf_counter() - started:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE petition"))


def bench_citizen(engine: Any) -> int:
    from sqlmodel import Session, select

    from identity.models import Citizen

    with Session(engine) as db:
        citizen = db.exec(select(Citizen).where(Citizen.national_id == "1000000000001")).first()
        if citizen is None:
            citizen = Citizen(national_id="1000000000001", subject="bench", issuer="bench")
            db.add(citizen)
            db.commit()
        assert citizen.id is not None
        return citizen.id


def bench_officer(engine: Any) -> Any:
    from sqlmodel import Session, select

    from identity.officers.models import Officer

    with Session(engine, expire_on_commit=False) as db:
        officer = db.exec(select(Officer).where(Officer.national_id == "1000000000002")).first()
        if officer is None:
            officer = Officer(
                national_id="1000000000002",
                agency="dopa",
                roles=["officer", "supervisor"],
                name_en="Bench Officer",
                name_th="เจ้าหน้าที่ทดสอบ",
            )
            db.add(officer)
            db.commit()
        return officer


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    fn()  # warm caches and the plan
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)]
    return statistics.median(samples), p95


def explain(engine: Any, query: Any) -> list[str]:
    compiled = query.compile(dialect=engine.dialect)
    processors = compiled._bind_processors  # enum names, dates: as the driver would get them
    params = {k: processors[k](v) if k in processors else v for k, v in compiled.params.items()}
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + str(compiled), params
        ).all()
    return [r[0] for r in rows]


def whole_page(url: str, engine: Any, officer: Any, runs: int) -> tuple[float, float] | None:
    """GET /backoffice/ through the ASGI app with a two-factor officer session."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from identity.officers.service import start_officer_session
    from portal.app import create_app
    from portal.settings import Settings

    with Session(engine) as db:
        token = start_officer_session(db, officer=officer, amr=["otp"])
        db.commit()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    settings = Settings(database_url=url, data_dir=data_dir)
    app = create_app(settings)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.cookies.set("portal_officer_session", token, path="/backoffice")
        answer = client.get("/backoffice/")
        if answer.status_code != 200 or 'action="/backoffice/next"' not in answer.text:
            print(f"whole page not measured: HTTP {answer.status_code}")
            return None
        return timed(lambda: client.get("/backoffice/").raise_for_status(), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    from sqlmodel import Session

    from portal.db import get_engine, utcnow
    from portal.migrate import migrate
    from services.petitions.queue import QueueFilter, QueueSort, build_queue_query, list_queue

    url = os.environ.get("PORTAL_BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    migrate(url)
    engine = get_engine(url)
    seed(engine, args.rows)
    officer = bench_officer(engine)
    now = utcnow()

    def page(qf: QueueFilter, cursor: str | None = None) -> Any:
        with Session(engine) as db:
            return list_queue(db, officer=officer, queue_filter=qf, cursor=cursor, now=now)

    default = QueueFilter()
    cursor = None
    for _ in range(200):  # page 201: 10,000 petitions in
        cursor = page(default, cursor).next_cursor
    deep_cursor = cursor
    filtered = QueueFilter(unassigned=True, service_code="dopa.bench-service", escalated=True)

    figures: dict[str, float] = {}
    cases = {
        "queue_first_page": (default, None),
        "queue_deep_page": (default, deep_cursor),
        "queue_filtered_first_page": (filtered, None),
        "queue_filed_desc_first_page": (QueueFilter(sort=QueueSort.FILED, descending=True), None),
    }
    for name, (qf, cur) in cases.items():
        median, p95 = timed(lambda qf=qf, cur=cur: page(qf, cur), args.runs)
        figures[f"{name}_p50_ms"], figures[f"{name}_p95_ms"] = median, p95
        print(f"{name:30} median {median:7.2f} ms   p95 {p95:7.2f} ms")

    plan = explain(engine, build_queue_query(officer, default, now=now, cursor=None, limit=51))
    print("EXPLAIN ANALYZE of the default queue query (first page):")
    for line in plan:
        print("   ", line)
    deep_plan = explain(
        engine, build_queue_query(officer, default, now=now, cursor=deep_cursor, limit=51)
    )
    seq = any("Seq Scan" in line for line in plan + deep_plan)
    index = all("ix_petition_queue" in " ".join(p) for p in (plan, deep_plan))
    sorted_rows = [line.strip() for line in plan if "Sort Method" in line]
    print(f"index scan on ix_petition_queue: {index}; seq scan: {seq}; sorts: {sorted_rows}")

    try:
        measured = whole_page(url, engine, officer, args.runs)
    except Exception as exc:  # the page is a bonus figure; the query figures stand alone
        print(f"whole page not measured: {exc!r}")
        measured = None
    if measured:
        figures["queue_page_http_p50_ms"], figures["queue_page_http_p95_ms"] = measured
        print(
            f"{'GET /backoffice/ (ASGI)':30} median {measured[0]:7.2f} ms"
            f"   p95 {measured[1]:7.2f} ms"
        )

    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM petition")).scalar_one()
    print(f"petitions={total}")
    print(f"runs={args.runs}")
    print(f"queue_uses_index={str(index and not seq).lower()}")
    for key, value in figures.items():
        print(f"{key}={value:.2f}")


if __name__ == "__main__":
    main()
