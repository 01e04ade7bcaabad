"""PostgreSQL restarts while citizens submit: a clear retry answer, nothing half-written.

A private PostgreSQL cluster (tests/fixtures/pgcluster.py; never the machine's shared server)
backs a `portal serve` process and a `portal worker` process. A client files petitions over
the API in a loop, each with its own idempotency key. After a few are filed the server is shut
down (`pg_ctl stop -m fast`, cutting every session), stays down for a moment, and starts again.

- Every answer is 202 or 503; a 503 carries `Retry-After` and a Thai and English message.
- Sending each refused petition again with the same key files it, once: the database holds one
  petition per key, and every petition is whole (its job, consent, first event, receipt).
- Both processes carry on after the restart by themselves: the worker issues every petition.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa
from sqlalchemy import text
from sqlmodel import Session, select

from documents.models import Document
from documents.service import read_document_pdf
from portal.db import get_engine, normalise_url
from portal.deps import get_db
from portal.errors import is_database_unavailable
from portal.migrate import migrate
from services.petitions.models import Petition, PetitionState
from tests.fixtures.identity import obtain_access_token
from tests.fixtures.pgcluster import (
    PrivateCluster,
    portal_environment,
    start_portal_process,
    wait_until,
)
from tests.fixtures.servers import free_port, make_settings

pytestmark = pytest.mark.e2e

SERVICE = "dopa.residence-certificate"
BODY = {"service_code": SERVICE, "consent": ["dopa.population"], "answers": {"purpose": "bank"}}
DOWN_SECONDS = 1.5
PACE_SECONDS = 0.1  # a citizen's app, not a flood: the worker must issue them all afterwards


@dataclass
class Submitter:
    """Files petitions one after another until stopped, keeping every answer."""

    client: httpx.Client
    token: str
    answers: list[tuple[str, int, httpx.Response]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def send(self, key: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": key}
        return self.client.post("/api/v1/petitions", json=BODY, headers=headers)

    def run(self) -> None:
        number = 0
        while not self.stopping.is_set():
            key = f"restart-{number}"
            answer = self.send(key)
            self.answers.append((key, answer.status_code, answer))
            number += 1
            self.stopping.wait(PACE_SECONDS)

    def count(self, status: int) -> int:
        return sum(1 for _, s, _ in self.answers if s == status)


def test_a_database_restart_during_submissions_answers_503_and_loses_nothing(
    private_postgres: PrivateCluster, live_servers, ports, data_dir, people, tmp_path
):
    url = normalise_url(private_postgres.url)
    migrate(url)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = portal_environment(
        data_dir=data_dir,
        database_url=url,
        ports=ports,
        base_url=base_url,
        job_lease_seconds="2",
        # One citizen files many petitions here; the submission budget is not under test.
        submission_account_burst="100000",
        submission_burst="100000",
    )
    # Not the `settings` fixture: that would run this test once per test database.
    token = obtain_access_token(
        make_settings(data_dir=data_dir, ports=ports, database_url=url), people[0]
    )
    web = start_portal_process(["serve", "--port", str(port)], env, tmp_path / "serve.log")
    worker = start_portal_process(["worker"], env, tmp_path / "worker.log")
    client = httpx.Client(base_url=base_url, timeout=30)
    submitter = Submitter(client, token)
    thread = threading.Thread(target=submitter.run, daemon=True)
    try:
        wait_until(lambda: _healthy(client), timeout=60, what="portal serve to start")
        thread.start()
        wait_until(lambda: submitter.count(202) >= 5, timeout=60, what="five petitions filed")
        private_postgres.stop()
        time.sleep(DOWN_SECONDS)
        private_postgres.start()
        filed_before = submitter.count(202)
        wait_until(
            lambda: submitter.count(202) >= filed_before + 5,
            timeout=60,
            what="five more petitions filed after the restart",
        )
        submitter.stopping.set()
        thread.join(30)

        statuses = {status for _, status, _ in submitter.answers}
        assert statuses == {202, 503}, (statuses, web.output()[-3000:])
        refused = [(key, answer) for key, status, answer in submitter.answers if status == 503]
        for _, answer in refused:
            assert answer.headers["Retry-After"] == "5"
            body = answer.json()
            assert body["error"] == "database_unavailable"
            assert body["message"]["th"] and body["message"]["en"]

        # The citizen's app sends each refused petition again, with the same key.
        for key, _ in refused:
            again = submitter.send(key)
            assert again.status_code == 202, again.text
        # And a petition that was filed, sent again, is the same petition.
        first_key, _, first_answer = submitter.answers[0]
        assert submitter.send(first_key).json()["id"] == first_answer.json()["id"]

        keys = {key for key, _, _ in submitter.answers}
        engine = get_engine(url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT idempotency_key, id FROM petition")).all()
            assert sorted(key for key, _ in rows) == sorted(keys)  # one petition per key
            assert_every_petition_whole(conn)

        def all_issued() -> bool:
            with Session(engine) as db:
                waiting = select(Petition.id).where(Petition.state != PetitionState.ISSUED)
                return db.exec(waiting.limit(1)).first() is None

        wait_until(all_issued, timeout=120, interval=0.5, what="the worker to issue every petition")
        with Session(engine) as db:
            documents = db.exec(select(Document)).all()
            assert len({d.petition_id for d in documents}) == len(documents) == len(keys)
            for document in documents:  # each PDF whole and where its row says
                assert read_document_pdf(data_dir, document).startswith(b"%PDF-")
        engine.dispose()
    finally:
        submitter.stopping.set()
        client.close()
        web.stop()
        worker.stop()
    assert "Traceback" not in web.output(), web.output()[-5000:]
    assert " 500 " not in web.output()


def _healthy(client: httpx.Client) -> bool:
    try:
        return client.get("/healthz").status_code == 200
    except httpx.TransportError:
        return False


def assert_every_petition_whole(conn) -> None:  # type: ignore[no-untyped-def]
    """Each petition has what filing writes with it in one transaction."""
    for table, where in (
        ("petition_job", "j.petition_id = p.id"),
        ("consent", "j.petition_id = p.id"),
        ("petition_event", "j.petition_id = p.id"),
        ("mailbox_message", "j.petition_id = p.id AND j.kind = 'receipt'"),
    ):
        query = f"SELECT id FROM petition p WHERE NOT EXISTS (SELECT FROM {table} j WHERE {where})"
        missing = conn.execute(text(query)).all()
        assert missing == [], f"petitions without a {table} row: {missing}"


def _wrapped(original: Exception, kind: type[sa.DBAPIError] = sa.OperationalError) -> Exception:
    return kind.instance("SELECT 1", {}, original, Exception)


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (_wrapped(psycopg.OperationalError("connection failed: Connection refused")), True),
        (_wrapped(psycopg.errors.AdminShutdown("terminating connection")), True),
        (_wrapped(psycopg.errors.CannotConnectNow("the database system is starting up")), True),
        (_wrapped(psycopg.errors.TooManyConnections("too many clients")), True),
        (sa.TimeoutError("QueuePool limit reached"), True),
        (_wrapped(sqlite3.OperationalError("database is locked")), True),
        (_wrapped(sqlite3.OperationalError("no such table: petition")), False),
        (_wrapped(psycopg.errors.UndefinedTable("petition"), sa.ProgrammingError), False),
        (_wrapped(psycopg.errors.UniqueViolation("duplicate key"), sa.IntegrityError), False),
        (ValueError("not a database error"), False),
    ],
)
def test_only_an_unreachable_database_counts_as_unavailable(error, unavailable):
    assert is_database_unavailable(error) is unavailable


@pytest.mark.parametrize(
    ("path", "kind"), [("/api/v1/petitions", "application/json"), ("/documents", "text/html")]
)
def test_an_unreachable_database_is_a_503_with_retry_after_in_thai_and_english(
    app, client, path, kind
):
    def unreachable() -> Iterator[None]:
        raise _wrapped(psycopg.OperationalError("connection failed: Connection refused"))
        yield  # pragma: no cover

    app.dependency_overrides[get_db] = unreachable
    answer = client.get(path, headers={"Authorization": "Bearer x", "Accept-Language": "th"})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert answer.headers["content-type"].startswith(kind)
    assert "ระบบขัดข้องชั่วคราว" in answer.text
    if kind == "application/json":
        assert answer.json()["error"] == "database_unavailable"
        assert "briefly unavailable" in answer.json()["message"]["en"]


def test_a_database_error_that_is_a_bug_stays_a_500(app, client):
    def broken() -> Iterator[None]:
        raise _wrapped(psycopg.errors.UndefinedTable("petition"), sa.ProgrammingError)
        yield  # pragma: no cover

    app.dependency_overrides[get_db] = broken
    with TestClient(app, raise_server_exceptions=False) as quiet:
        answer = quiet.get("/api/v1/petitions", headers={"Authorization": "Bearer x"})
    assert answer.status_code == 500 and "Retry-After" not in answer.headers
