"""The same petition sent twice at the same moment with the same idempotency key: one petition.

Two threads, each with its own HTTP connection to the live portal, send the same submission
at once (a barrier releases them together), several rounds over, on SQLite and PostgreSQL:
over the API (`Idempotency-Key`) and as the web form a double click or a second tab sends
twice (same session, same hidden key). Each round both answers name the same petition, and
the database holds one petition, one job, one consent and one receipt per key.
(Sequential retries are covered in tests/portal/api/test_api_journey.py and
tests/portal/web/test_journey.py.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import Session, func, select

from services.mailbox.models import MailboxMessage, MessageKind
from services.petitions.models import Consent, Petition, PetitionJob
from tests.fixtures.identity import approve_at_provider, obtain_access_token, parse_forms

pytestmark = pytest.mark.e2e

SERVICE = "dopa.residence-certificate"
ROUNDS = 6


def at_once(send: Callable[[httpx.Client], httpx.Response], clients: list[httpx.Client]):  # type: ignore[no-untyped-def]
    """Sends from every client at the same moment; returns the answers in client order."""
    barrier = threading.Barrier(len(clients))

    def go(client: httpx.Client) -> httpx.Response:
        barrier.wait(10)
        return send(client)

    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(go, clients))


def count(db: Session, model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def assert_one_of_everything_per_petition(engine, ids: set[str]) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as db:
        assert count(db, Petition) == len(ids) == ROUNDS
        for petition_id in ids:
            assert count(db, PetitionJob, PetitionJob.petition_id == petition_id) == 1
            assert count(db, Consent, Consent.petition_id == petition_id) == 1
            receipts = count(
                db,
                MailboxMessage,
                MailboxMessage.petition_id == petition_id,
                MailboxMessage.kind == MessageKind.RECEIPT,
            )
            assert receipts == 1


def test_two_api_clients_sending_the_same_key_at_once_file_one_petition(
    live_portal, settings, people, clean_engine
):
    token = obtain_access_token(settings, people[0])
    body = {"service_code": SERVICE, "consent": ["dopa.population"], "answers": {"purpose": "bank"}}
    clients = [httpx.Client(base_url=live_portal.url, timeout=30) for _ in range(2)]
    ids = set()
    try:
        for round_ in range(ROUNDS):
            headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"twice-{round_}"}
            answers = at_once(
                lambda c: c.post("/api/v1/petitions", json=body, headers=headers),  # noqa: B023
                clients,
            )
            assert [a.status_code for a in answers] == [202, 202], [a.text for a in answers]
            first, second = (a.json()["id"] for a in answers)
            assert first == second
            ids.add(first)
    finally:
        for client in clients:
            client.close()
    assert_one_of_everything_per_petition(clean_engine, ids)


def signed_in_browser(base_url: str, person) -> httpx.Client:  # type: ignore[no-untyped-def]
    browser = httpx.Client(base_url=base_url, timeout=30)
    start = browser.get("/login", follow_redirects=False)
    assert start.status_code == 303, start.text
    back = approve_at_provider(start.headers["location"], person)
    done = browser.get(back, follow_redirects=False)
    assert done.status_code == 303, done.text
    return browser


def test_a_form_sent_twice_at_once_from_one_session_files_one_petition(
    live_portal, people, clean_engine
):
    browser = signed_in_browser(live_portal.url, people[1])
    # A second connection with the same cookies: a double click, or the form open in two tabs.
    tab = httpx.Client(base_url=live_portal.url, timeout=30)
    ids = set()
    try:
        for _ in range(ROUNDS):
            page = browser.get(f"/services/{SERVICE}/apply")
            assert page.status_code == 200
            form = next(f for f in parse_forms(page.text) if f["action"].endswith("/apply"))
            fields = dict(form["fields"], answer_purpose="bank", consent="dopa.population")
            tab.cookies = browser.cookies  # the CSRF cookie the form page set
            answers = at_once(
                lambda c: c.post(f"/services/{SERVICE}/apply", data=fields),  # noqa: B023
                [browser, tab],
            )
            assert [a.status_code for a in answers] == [303, 303], [a.text for a in answers]
            first, second = (a.headers["location"] for a in answers)
            assert first == second and first.startswith("/petitions/")
            ids.add(first.removeprefix("/petitions/").split("?")[0])
    finally:
        tab.close()
        browser.close()
    assert_one_of_everything_per_petition(clean_engine, ids)
