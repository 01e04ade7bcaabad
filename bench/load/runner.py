"""The load benchmark of issue 8: the portal as deployed, a realistic mix, rising load.

1. **A fresh database** (PostgreSQL by default; its name must start with `load`, so the run can
   never touch the test databases) is migrated; keys and holidays are seeded.
2. **The outside world** starts in its own process (`stack.py`: digital-ID provider and every
   simulated registry), then the portal as production runs it: `portal serve --workers N`
   (uvicorn worker processes) and `--job-workers` × `portal worker`.
3. **Identities are made before measuring**, never inside the measured loop: bearer tokens
   for the submitting citizens by the real authorization-code + PKCE flow at the provider;
   browser sessions for the viewing citizens and two-factor back-office sessions for the
   officers are written to the database, as a sign-in would leave them.
4. **Template petitions** go through the real system (API → worker → registries → seal), then
   `seed.py` copies them into `--petitions` petitions with their events, consents and
   documents (COPY on PostgreSQL), timed.
5. **Step load** (`steps.py`, Locust as a library, headless): each step holds a number of
   users for `--step-seconds` after a ramp and prints throughput and p50/p95/p99 per request
   type; the run stops at the first step with errors or a p99 over `--break-p99-ms`.
6. **Backlog**: submissions are accepted (202) faster than workers fetch and issue; at the
   end the jobs still pending are counted and the time until they are all done is measured,
   and every accepted submission is checked to exist and to be issued.

Ends with `load_*=` key=value lines. See `bench/bench_load.py` for the command.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[2]
LOAD_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(LOAD_DIR))

import httpx  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/load_a"
DEFAULT_STEPS = "25,50,100,150,200,250,300,350,400,600,800"
AGENCIES_WITH_REGISTRIES = ("dopa", "rd", "dol", "dlt", "rtp", "sso", "moe", "dbd", "nhso")
SUBMITTED_SERVICES = ("dopa.residence-certificate", "dopa.marital-status-certificate")
# Answers a generated form would get wrong: the last tax year the synthetic records hold.
ANSWERS = {"tax_year": "2567", "country": "Japan"}
# What the measured run turns off or raises: one machine sends everything from 127.0.0.1, so
# per-address and per-account budgets would measure the limiter, not the portal. The limiter
# itself still runs on every limited request.
UNLIMITED = {
    "PORTAL_VERIFY_RATE_PER_MINUTE": "1e12",
    "PORTAL_VERIFY_BURST": "1000000000",
    "PORTAL_VERIFY_UPLOAD_RATE_PER_MINUTE": "1e12",
    "PORTAL_VERIFY_UPLOAD_BURST": "1000000000",
    "PORTAL_SUBMISSION_RATE_PER_MINUTE": "1e12",
    "PORTAL_SUBMISSION_BURST": "1000000000",
    "PORTAL_SUBMISSION_ACCOUNT_RATE_PER_MINUTE": "1e12",
    "PORTAL_SUBMISSION_ACCOUNT_BURST": "1000000000",
    "PORTAL_SIGNIN_RATE_PER_MINUTE": "1e12",
    "PORTAL_SIGNIN_BURST": "1000000000",
}


# How the portal is deployed for a peak (docs/architecture.md, "Running at national scale"):
# handlers on the event loop with one web process per vCPU, the audit chain linked by the
# workers' sealer rather than after every commit, and no test query before each request's first
# (PostgreSQL is not restarted during the run). Overridable from the environment, to compare.
PEAK_SETTINGS = {
    "PORTAL_INLINE_HANDLERS": "true",
    "PORTAL_AUDIT_SEAL_AFTER_COMMIT": "false",
    "PORTAL_DB_POOL_PRE_PING": "false",
}


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, *, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:.0f} s")


def wait_for_workers(base: str, workers: int, *, timeout: float) -> None:
    """Waits until every uvicorn worker answers: the parent binds the socket before its
    workers have imported the app. A run of quick answers on fresh connections (each may land
    on any worker) is the sign that all are up."""
    deadline = time.monotonic() + timeout
    quick = 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            ok = httpx.get(f"{base}/api/v1/services", timeout=30).status_code == 200
        except httpx.HTTPError:
            ok = False
        quick = quick + 1 if ok and time.monotonic() - started < 1.0 else 0
        if quick >= 4 * workers:
            return
        time.sleep(0.1)
    raise RuntimeError(f"portal serve did not answer within {timeout:.0f} s")


# --- the database ---------------------------------------------------------------------------


def fresh_database(url: str, data_dir: Path) -> str:
    """Empties the PostgreSQL database of `url`, creating it if missing (or makes a new SQLite
    file); returns the URL. The schema is dropped rather than the database: DROP DATABASE
    forces a checkpoint, which takes minutes on a machine busy writing.

    Refuses a PostgreSQL database whose name does not start with `load`: the shared `test`
    database and the helpers' `test_*` ones must never be dropped by a benchmark.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from portal.db import normalise_url

    if url.startswith("sqlite"):
        return f"sqlite:///{data_dir / 'portal.db'}"
    parsed = make_url(normalise_url(url))
    name = parsed.database or ""
    if not name.startswith("load"):
        raise SystemExit(f"refusing to recreate database {name!r}: its name must start with 'load'")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if found.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(parsed, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return parsed.render_as_string(hide_password=False)


# --- processes --------------------------------------------------------------------------------


@dataclass
class Stack:
    """Every process of the run, stopped together (their whole process groups)."""

    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> Any:
        out = (log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append((name, process))
        return process

    def stop(self) -> None:
        for _, process in reversed(self.processes):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in reversed(self.processes):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in 20 s: killed")
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def lower_priority(pid: int, nice: int) -> None:
    """Background work yields the cores to citizens' requests at the peak and catches up
    afterwards (the backlog drains at the end of the run), as on a machine shared by web and
    worker processes. Linux schedules each session (autogroup) fairly against the others
    whatever its processes' nice values, and every process here has its own session: the
    session's own nice value is what counts."""
    if not nice:
        return
    os.setpriority(os.PRIO_PROCESS, pid, nice)
    with suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


@contextmanager
def running_stack() -> Iterator[Stack]:
    stack = Stack()
    try:
        yield stack
    finally:
        stack.stop()


def portal_command(*args: str) -> list[str]:
    portal = shutil.which("portal", path=str(Path(sys.executable).parent)) or "portal"
    return [portal, *args]


# --- identities -------------------------------------------------------------------------------


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")


def obtain_access_token(http: httpx.Client, env: dict[str, str], national_id: str) -> str:
    """A bearer token for the API, by the authorization-code + PKCE flow a mobile app runs."""
    issuer, base_url = env["PORTAL_OIDC_ISSUER"], env["PORTAL_BASE_URL"]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    redirect_uri = f"{base_url}/auth/callback"
    meta = http.get(f"{issuer}/.well-known/openid-configuration").json()
    query = httpx.QueryParams(
        response_type="code",
        client_id="portal",
        redirect_uri=redirect_uri,
        scope="openid profile address pid",
        state=secrets.token_urlsafe(16),
        nonce=secrets.token_urlsafe(16),
        code_challenge=challenge.rstrip(b"=").decode(),
        code_challenge_method="S256",
    )
    authorize_url = f"{meta['authorization_endpoint']}?{query}"
    with httpx.Client() as browser:
        page = browser.get(authorize_url)
        parser = _Forms()
        parser.feed(page.text)
        form = parser.forms[0]
        fields = dict(form["fields"], pid=national_id, password="demo", action="allow")
        answer = browser.post(urljoin(authorize_url, form["action"] or "/authorize"), data=fields)
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"provider refused {national_id}: {answer.status_code}")
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    tokens = http.post(
        meta["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=("portal", env["PORTAL_OIDC_CLIENT_SECRET"]),
    )
    tokens.raise_for_status()
    return str(tokens.json()["access_token"])


def submission_body(service_code: str) -> dict[str, Any]:
    """The API body of a petition the load run files (consent to every dataset asked for)."""
    from services.catalogue.service import get_catalogue

    service = get_catalogue().get(service_code)
    answers: dict[str, str] = {}
    for spec in service.form:
        if spec.name in ANSWERS:
            answers[spec.name] = ANSWERS[spec.name]
        elif spec.kind == "choice":
            answers[spec.name] = spec.choices[0][0]
        elif spec.kind == "number":
            answers[spec.name] = str(spec.maximum or spec.minimum or 1)
        else:
            answers[spec.name] = "Japan"
    consent = [item.dataset for item in service.evidence if item.consent_required]
    return {"service_code": service_code, "consent": consent, "answers": answers}


def wait_for_state(
    http: httpx.Client, base: str, token: str, petition_id: str, states: set[str], timeout: float
) -> str:
    deadline = time.monotonic() + timeout
    state = ""
    while time.monotonic() < deadline:
        answer = http.get(
            f"{base}/api/v1/petitions/{petition_id}", headers={"Authorization": f"Bearer {token}"}
        )
        answer.raise_for_status()
        state = answer.json()["state"]
        if state in states:
            return state
        time.sleep(0.3)
    raise RuntimeError(f"petition {petition_id} still {state!r} after {timeout:.0f} s")


def file_petition(http: httpx.Client, base: str, token: str, body: dict[str, Any]) -> str:
    answer = http.post(
        f"{base}/api/v1/petitions",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
    )
    if answer.status_code != 202:
        raise RuntimeError(f"template petition refused: {answer.status_code} {answer.text[:300]}")
    return str(answer.json()["id"])


def make_templates(http: httpx.Client, base: str, tokens: list[str]) -> dict[str, str]:
    """Real petitions, processed by the real worker, that the seed copies: kind -> petition id."""
    templates: dict[str, str] = {}
    for kind, code in (("residence", SUBMITTED_SERVICES[0]), ("marital", SUBMITTED_SERVICES[1])):
        petition_id = file_petition(http, base, tokens[0], submission_body(code))
        state = wait_for_state(
            http, base, tokens[0], petition_id, {"issued", "rejected", "in_review"}, 120
        )
        if state != "issued":
            raise RuntimeError(f"template {code} ended {state}, not issued")
        templates[kind] = petition_id
    # The officers' share: a one-officer service whose approval issues a certificate.
    for token in tokens[1:]:
        body = submission_body("rd.tax-residence-certificate")
        petition_id = file_petition(http, base, token, body)
        state = wait_for_state(
            http, base, token, petition_id, {"issued", "rejected", "in_review"}, 120
        )
        if state == "in_review":
            templates["tax_review"] = petition_id
            break
    else:
        raise RuntimeError("no submitter is a taxpayer: no in-review template for officers")
    return templates


# --- the run ----------------------------------------------------------------------------------


def _count_jobs(engine: Any, *, only_backing_off: bool = False) -> int:
    from sqlalchemy import and_, func, select

    from portal.db import utcnow
    from services.petitions.models import JobState, PetitionJob

    job = PetitionJob.__table__.c  # type: ignore[attr-defined]
    where = job.state.in_([JobState.PENDING, JobState.RUNNING])
    if only_backing_off:
        where = and_(job.state == JobState.PENDING, job.attempts > 0, job.run_after > utcnow())
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(where)).scalar_one())


def backlog(engine: Any) -> int:
    """Jobs the workers still owe: pending (due or waiting out a retry backoff) or running."""
    return _count_jobs(engine)


def backing_off(engine: Any) -> int:
    """Jobs that failed and wait to be retried: a registry that did not keep up, say."""
    return _count_jobs(engine, only_backing_off=True)


def drain(engine: Any, timeout: float) -> tuple[int, float | None]:
    """(jobs pending at the start, seconds until none is left, or None past `timeout`)."""
    started = time.monotonic()
    at_start = backlog(engine)
    left = at_start
    last_report = started
    while left:
        if time.monotonic() - started > timeout:
            return at_start, None
        time.sleep(0.5)
        left = backlog(engine)
        if time.monotonic() - last_report > 10:
            log(f"draining: {left} jobs left")
            last_report = time.monotonic()
    return at_start, time.monotonic() - started


def check_submissions(engine: Any, ids: list[str]) -> dict[str, int]:
    """How many accepted submissions exist, and in which state (after the drain)."""
    from sqlalchemy import text

    states: dict[str, int] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            params = {f"p{i}": v for i, v in enumerate(chunk)}
            marks = ", ".join(f":p{i}" for i in range(len(chunk)))
            rows = conn.execute(
                text(f"SELECT state, count(*) FROM petition WHERE id IN ({marks}) GROUP BY state"),
                params,
            ).all()
            for state, count in rows:
                states[str(state).lower()] = states.get(str(state).lower(), 0) + int(count)
    return states


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load benchmark (issue 8)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PORTAL_LOAD_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="emptied on every run; PostgreSQL names must start with 'load' (or sqlite://)",
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="portal serve --workers (one per vCPU)"
    )
    parser.add_argument("--job-workers", type=int, default=1, help="portal worker processes")
    parser.add_argument(
        "--worker-nice", type=int, default=19, help="CPU niceness of the portal workers (0: none)"
    )
    parser.add_argument("--petitions", type=int, default=50_000, help="petitions seeded")
    parser.add_argument("--citizens", type=int, default=10_000, help="citizens seeded")
    parser.add_argument("--sessions", type=int, default=2_000, help="signed-in viewers")
    parser.add_argument("--officers", type=int, default=20)
    parser.add_argument("--population", type=int, default=2_000, help="people in the registries")
    parser.add_argument("--submitters", type=int, default=50, help="citizens with bearer tokens")
    parser.add_argument("--steps", default=DEFAULT_STEPS, help="users per step")
    parser.add_argument("--step-seconds", type=float, default=30.0, help="measured per step")
    parser.add_argument("--ramp-seconds", type=float, default=5.0, help="unmeasured, per step")
    parser.add_argument("--break-p99-ms", type=float, default=1000.0)
    parser.add_argument("--target-p99-ms", type=float, default=500.0)
    parser.add_argument("--drain-timeout", type=float, default=900.0)
    parser.add_argument(
        "--rate-limit-backend",
        choices=("database", "redis", "memory"),
        default="database",
        help="where the shared rate-limit buckets live (production without Redis: database)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--keep", action="store_true", help="keep the data dir and logs")
    parser.add_argument(
        "--hold",
        action="store_true",
        help="after seeding, keep the stack up without load (for bench/load/replay.py) until "
        "SIGINT/SIGTERM; implies --keep",
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, str]:
    from seed import seed_load_data

    from portal.db import get_engine
    from portal.migrate import migrate
    from portal.seed import seed_holiday_calendar, seed_keys

    data_dir = Path(tempfile.mkdtemp(prefix="portal-load-"))
    log_dir = data_dir / "logs"
    log_dir.mkdir()
    figures: dict[str, str] = {}
    try:
        started = time.perf_counter()
        database_url = fresh_database(args.database_url, data_dir)
        log(f"fresh database in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        migrate(database_url)
        seed_keys(data_dir)
        seed_holiday_calendar(database_url)
        name = database_url.rsplit("/", 1)[-1]
        log(f"database {name} migrated in {time.perf_counter() - started:.1f} s")

        port, provider_port = free_port(), free_port()
        registry_urls = {a: f"http://127.0.0.1:{free_port()}" for a in AGENCIES_WITH_REGISTRIES}
        env = dict(
            os.environ,
            PORTAL_ENV="development",
            PORTAL_DATA_DIR=str(data_dir),
            PORTAL_DATABASE_URL=database_url,
            PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
            PORTAL_OIDC_ISSUER=f"http://127.0.0.1:{provider_port}",
            PORTAL_OIDC_CLIENT_SECRET="load-client-secret",
            PORTAL_REGISTRY_URLS=json.dumps(registry_urls),
            PORTAL_SECRET_KEY=secrets.token_urlsafe(48),
            PORTAL_RUN_WORKER_IN_PROCESS="false",
            PORTAL_RATE_LIMIT_BACKEND=args.rate_limit_backend,
            **UNLIMITED,
        )
        for name, value in PEAK_SETTINGS.items():
            env.setdefault(name, value)
        if args.rate_limit_backend == "redis":
            env["PORTAL_REDIS_URL"] = args.redis_url
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        base = env["PORTAL_BASE_URL"]
        engine = get_engine(database_url)
        with running_stack() as stack:
            outside = stack.start(
                "stack",
                [sys.executable, str(LOAD_DIR / "stack.py"), "--population", str(args.population),
                 "--accounts", str(args.submitters)],
                env, log_dir,
            )  # fmt: skip
            web = stack.start(
                "serve",
                portal_command("serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(args.workers)),
                env, log_dir,
            )  # fmt: skip
            for index in range(args.job_workers):
                job_worker = stack.start(f"worker-{index}", portal_command("worker"), env, log_dir)
                lower_priority(job_worker.pid, args.worker_nice)
            wait_for_port(provider_port, timeout=120, process=outside)
            for url in registry_urls.values():
                wait_for_port(urlsplit(url).port or 80, timeout=120, process=outside)
            wait_for_port(port, timeout=120, process=web)
            wait_for_workers(base, args.workers, timeout=180)
            log(
                f"portal serve --workers {args.workers} on {base}, {args.job_workers} portal "
                f"worker(s), provider and {len(registry_urls)} registries up"
            )

            with httpx.Client(timeout=60) as http:
                holders = submitter_ids(args.population, args.submitters)
                started = time.perf_counter()
                tokens = [obtain_access_token(http, env, pid) for pid in holders]
                for token in tokens:  # the API meets each citizen once (userinfo), not measured
                    http.get(
                        f"{base}/api/v1/petitions", headers={"Authorization": f"Bearer {token}"}
                    ).raise_for_status()
                log(f"{len(tokens)} bearer tokens in {time.perf_counter() - started:.1f} s")
                started = time.perf_counter()
                templates = make_templates(http, base, tokens)
                log(f"template petitions processed in {time.perf_counter() - started:.1f} s")

            started = time.perf_counter()
            seeded = seed_load_data(
                engine,
                templates=templates,
                petitions=args.petitions,
                citizens=args.citizens,
                sessions=args.sessions,
                officers=args.officers,
                secret_key=env["PORTAL_SECRET_KEY"],
            )
            seed_seconds = time.perf_counter() - started
            log(f"seeded {seeded.summary()} in {seed_seconds:.1f} s")
            figures["load_seed_petitions"] = str(seeded.counts["petition"])
            figures["load_seed_documents"] = str(seeded.counts["document"])
            figures["load_seed_rows"] = str(sum(seeded.counts.values()))
            figures["load_seed_s"] = f"{seed_seconds:.1f}"

            fixtures = data_dir / "fixtures.json"
            fixtures.write_text(
                json.dumps(
                    seeded.fixtures
                    | {
                        "bearer_tokens": tokens,
                        "submission_bodies": [submission_body(c) for c in SUBMITTED_SERVICES],
                    }
                )
            )
            submitted_file = data_dir / "submitted.txt"
            if args.hold:
                hold(data_dir, env)
                return figures
            step_figures = run_steps(args, base, fixtures, submitted_file, env, engine, stack)
            figures |= step_figures

            ids = [line for line in submitted_file.read_text().splitlines() if line]
            retrying = backing_off(engine)
            at_end, drain_seconds = drain(engine, args.drain_timeout)
            states = check_submissions(engine, ids)
            found = sum(states.values())
            figures["load_submissions_accepted"] = str(len(ids))
            figures["load_submissions_lost"] = str(len(ids) - found)
            figures["load_submissions_issued"] = str(states.get("issued", 0))
            figures["load_backlog_at_end"] = str(at_end)
            figures["load_jobs_retrying_at_end"] = str(retrying)
            figures["load_backlog_drain_s"] = (
                f"{drain_seconds:.1f}" if drain_seconds is not None else "timeout"
            )
            log(f"accepted submissions by state after the drain: {states}")
        return figures
    finally:
        if args.keep or args.hold:
            log(f"data dir and logs kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def hold(data_dir: Path, env: dict[str, str]) -> None:
    """Keeps the seeded stack up, idle, for an in-process replay of the mix
    (bench/load/replay.py reads `portal.env.json` and `fixtures.json` from the data dir)."""
    settings = {k: v for k, v in env.items() if k.startswith("PORTAL_")}
    (data_dir / "portal.env.json").write_text(json.dumps(settings, indent=1))
    log(f"holding (Ctrl-C or SIGTERM to stop): bench/load/replay.py --data-dir {data_dir}")
    with suppress(KeyboardInterrupt, SystemExit):  # SIGTERM raises SystemExit (main)
        while True:
            time.sleep(3600)


def submitter_ids(population: int, count: int) -> list[str]:
    """The citizen IDs stack.py gives provider accounts: the first adults of the population."""
    from datetime import date

    from services.dopa.people import PersonStatus, age_on, synthetic_population

    today = date.today()
    people = synthetic_population(size=population)
    adults = [
        p for p in people if p.status == PersonStatus.ALIVE and age_on(p.birthdate, today) >= 18
    ]
    return [p.national_id for p in adults[:count]]


class WaitSampler(threading.Thread):
    """Samples PostgreSQL's active sessions of the run's database four times a second, so each
    step can say what the database spent its time on (CPU or which wait), and on which
    statement: where the portal breaks, not only when."""

    def __init__(self, engine: Any) -> None:
        super().__init__(name="pg-wait-sampler", daemon=True)
        self.engine = engine
        self.samples: Counter[tuple[str, str]] = Counter()
        self.ticks = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def run(self) -> None:
        from sqlalchemy import text

        query = text(
            "SELECT coalesce(wait_event_type || ':' || wait_event, 'running'),"
            " left(regexp_replace(query, '\\s+', ' ', 'g'), 60)"
            " FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'"
            " AND pid <> pg_backend_pid()"
        )
        with self.engine.connect() as conn:
            while not self.stopping.wait(0.25):
                rows = conn.execute(query).all()
                conn.commit()
                with self.lock:
                    self.ticks += 1
                    self.samples.update((str(w), str(q)) for w, q in rows)

    def report(self) -> str:
        """The step's summary (since the last report), and a fresh start for the next."""
        with self.lock:
            samples, ticks = self.samples, max(self.ticks, 1)
            self.samples, self.ticks = Counter(), 0
        active = sum(samples.values()) / ticks
        top = ", ".join(f"{w} {n / ticks:.1f} ({q})" for (w, q), n in samples.most_common(3))
        return f"  database sessions active on average: {active:.1f}; most: {top or 'none'}"

    def stop(self) -> None:
        self.stopping.set()
        self.join(5)


class CpuByRole:
    """CPU time of each part of the run between two reports, in cores: the web processes, the
    job workers, the simulated outside world, PostgreSQL's backends and the load generator.
    Where a step's two cores went, so the break point names its consumer."""

    def __init__(self, stack: Stack, locust_pid: int) -> None:
        import psutil

        self.psutil = psutil
        self.roots = {name: process.pid for name, process in stack.processes}
        self.roots["locust"] = locust_pid
        self.last = self._sample()

    def _role(self, root_name: str) -> str:
        if root_name.startswith("worker-"):
            return "job workers"
        return {"serve": "web", "stack": "registries+provider"}.get(root_name, root_name)

    def _sample(self) -> tuple[float, dict[str, float]]:
        totals: dict[str, float] = {}
        for name, pid in self.roots.items():
            try:
                root = self.psutil.Process(pid)
                processes = [root, *root.children(recursive=True)]
            except self.psutil.Error:
                continue
            totals[self._role(name)] = totals.get(self._role(name), 0.0) + self._cpu(processes)
        postgres = [p for p in self.psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
        totals["postgresql"] = self._cpu(postgres)
        return time.monotonic(), totals

    def _cpu(self, processes: list[Any]) -> float:
        seconds = 0.0
        for process in processes:
            with suppress(self.psutil.Error):
                times = process.cpu_times()
                seconds += times.user + times.system
        return seconds

    def report(self) -> str:
        (then, before), (now, after) = self.last, self._sample()
        self.last = (now, after)
        elapsed = max(now - then, 1e-9)
        used = {role: (after[role] - before.get(role, 0.0)) / elapsed for role in after}
        parts = ", ".join(f"{role} {cores:.2f}" for role, cores in used.items())
        total = sum(used.values())
        return f"  CPU in cores over the step (ramp included): {parts}; all {total:.2f}"


def run_steps(
    args: argparse.Namespace,
    base: str,
    fixtures: Path,
    submitted: Path,
    env: dict[str, str],
    engine: Any,
    stack: Stack,
) -> dict[str, str]:
    """Runs steps.py (Locust, in its own process: gevent patches what it imports) and relays
    its output, adding the job backlog at the end of each step; returns its figures."""
    command = [
        sys.executable, str(LOAD_DIR / "steps.py"), "--host", base, "--fixtures", str(fixtures),
        "--submitted", str(submitted), "--steps", args.steps,
        "--step-seconds", str(args.step_seconds), "--ramp-seconds", str(args.ramp_seconds),
        "--break-p99-ms", str(args.break_p99_ms), "--target-p99-ms", str(args.target_p99_ms),
    ]  # fmt: skip
    figures: dict[str, str] = {}
    sampler = WaitSampler(engine) if engine.dialect.name == "postgresql" else None
    if sampler:
        sampler.start()
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        bufsize=1,
    ) as process:  # fmt: skip
        assert process.stdout is not None
        cpu = CpuByRole(stack, process.pid)
        for line in process.stdout:
            key, sep, value = line.strip().partition("=")
            if sep and key.startswith("load_") and " " not in line.strip():
                figures[key] = value  # printed once, with the runner's own, at the end
            else:
                print(line, end="", flush=True)
            if line.startswith("== ") and " users, " in line:
                print(f"  jobs the workers owe at the end of the step: {backlog(engine)}")
                if sampler:
                    print(sampler.report(), flush=True)
                print(cpu.report(), flush=True)
    if sampler:
        sampler.stop()
    if process.returncode != 0:
        raise RuntimeError(f"steps.py exited with {process.returncode}")
    return figures


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # so `finally` stops the portal, workers and simulators


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    args = parse_args(argv)
    started = time.perf_counter()
    figures = run(args)
    figures["load_total_s"] = f"{time.perf_counter() - started:.0f}"
    for key, value in figures.items():
        print(f"{key}={value}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
