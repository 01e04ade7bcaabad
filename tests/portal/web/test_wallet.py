"""My documents, reissue after a correction, and share links, through the real web app.

Documents are issued by the real petition flow (sign-in at the provider, the registry read,
the worker), so reissue re-reads the same registry the original petition did.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from documents.models import Document, ShareLink
from documents.service import get_document_by_number
from documents.sharing import create_share_link, open_share_link
from documents.wallet_errors import ShareLinkGoneError
from identity.models import Citizen
from portal.db import session_scope, utcnow
from services.audit.models import AuditEvent
from services.exchange.models import DataAccess
from services.mailbox.models import MailboxMessage
from services.petitions.models import Petition, PetitionJob
from tests.fixtures.identity import obtain_access_token, parse_forms, sign_in

SERVICE = "dopa.residence-certificate"


def issue_certificate(client: TestClient, process_jobs) -> str:  # type: ignore[no-untyped-def]
    """Files a residence-certificate petition as the signed-in citizen; returns the number."""
    page = client.get(f"/services/{SERVICE}/apply")
    form = next(f for f in parse_forms(page.text) if f["action"].endswith("/apply"))
    fields = dict(form["fields"], answer_purpose="bank", consent="dopa.population")
    submitted = client.post(f"/services/{SERVICE}/apply", data=fields, follow_redirects=False)
    assert submitted.status_code == 303, submitted.text
    assert process_jobs() == 1
    status = client.get(submitted.headers["location"])
    return re.search(r"/documents/([A-Z0-9-]+)", status.text).group(1)  # type: ignore[union-attr]


def form_of(html: str, action: str) -> dict[str, str]:
    return next(f for f in parse_forms(html) if f["action"] == action)["fields"]


def create_link(client: TestClient, number: str, **fields: str) -> tuple[str, str]:
    """Creates a link through the page's form; returns (the link's path, the page)."""
    page = client.get(f"/documents/{number}/share")
    data = dict(form_of(page.text, f"/documents/{number}/share"))
    data.update({"recipient_name": "Krungthai Bank", "expires_in": "1440", **fields})
    created = client.post(f"/documents/{number}/share", data=data)
    assert created.status_code == 200, created.text
    url = re.search(r'id="share-url" value="([^"]+)"', created.text).group(1)  # type: ignore[union-attr]
    return "/s/" + url.split("/s/", 1)[1], created.text


def open_link(app, path: str):  # type: ignore[no-untyped-def]
    """The recipient: a browser without a session presses "Open the document"."""
    recipient = TestClient(app)
    landing = recipient.get(path)
    if landing.status_code != 200:
        return landing
    return recipient.post(path, data=form_of(landing.text, path))


@pytest.fixture
def issued(client: TestClient, people, process_jobs) -> str:  # type: ignore[no-untyped-def]
    sign_in(client, people[0])
    return issue_certificate(client, process_jobs)


def citizen_of(db: Session, person) -> Citizen:  # type: ignore[no-untyped-def]
    return db.exec(select(Citizen).where(Citizen.national_id == person.national_id)).one()


class TestMyDocuments:
    def test_list_shows_status_valid_until_and_share(self, client: TestClient, issued: str):
        page = client.get("/documents?lang=en")
        assert page.status_code == 200
        assert f'data-number="{issued}" data-status="valid"' in page.text
        assert "Valid until" in page.text and f"/documents/{issued}/share" in page.text

    def test_document_page_shows_check_code_and_status(
        self, client: TestClient, issued: str, db: Session
    ):
        document = get_document_by_number(db, issued)
        page = client.get(f"/documents/{issued}?lang=en")
        assert f'<code id="check-code">{document.check_code}</code>' in page.text
        assert 'data-status="valid"' in page.text

    def test_revoked_and_expired_show_as_such(self, client: TestClient, issued: str, db: Session):
        db.exec(
            update(Document)
            .where(col(Document.number) == issued)
            .values(valid_until=utcnow().date() - timedelta(days=3))
        )
        db.commit()
        assert 'data-status="expired"' in client.get(f"/documents/{issued}").text
        db.exec(
            update(Document)
            .where(col(Document.number) == issued)
            .values(revoked_at=utcnow(), revocation_reason="issued in error")
        )
        db.commit()
        page = client.get("/documents?lang=en")
        assert 'data-status="revoked"' in page.text and "issued in error" in page.text

    def test_the_api_lists_the_owners_view(self, client, settings, people, issued: str):
        token = obtain_access_token(settings, people[0])
        answer = client.get("/api/v1/documents", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
        (document,) = answer.json()
        assert document["number"] == issued and document["wallet_status"] == "valid"
        assert len(document["check_code"]) > 0

    def test_the_api_queues_one_reissue_and_answers_its_state(
        self, client, settings, people, issued: str, process_jobs
    ):
        bearer = {"Authorization": f"Bearer {obtain_access_token(settings, people[0])}"}
        first = client.post(f"/api/v1/documents/{issued}/reissue", headers=bearer)
        second = client.post(f"/api/v1/documents/{issued}/reissue", headers=bearer)
        assert first.status_code == second.status_code == 202
        assert first.json()["created"] is True and second.json()["created"] is False
        assert second.json() == dict(first.json(), created=False)
        assert second.json()["state"] == "pending"
        assert process_jobs() == 1
        answer = client.get(f"/api/v1/documents/{issued}", headers=bearer).json()
        assert answer["wallet_status"] == "superseded" and answer["superseded_by"]
        refused = client.post(f"/api/v1/documents/{issued}/reissue", headers=bearer)
        assert refused.status_code == 409
        assert refused.json()["error"] == "document_superseded"


class TestShareLinks:
    def test_recipient_sees_what_the_document_shows_and_the_view_is_logged(
        self, client: TestClient, issued: str, db: Session, people
    ):
        path, created = create_link(client, issued, purpose="Loan application")
        assert "<svg" in created and 'role="img"' in created  # the QR, inline
        link = db.exec(select(ShareLink)).one()
        token = path.removeprefix("/s/")
        assert token not in link.token_sha256 and len(link.token_sha256) == 64

        recipient = TestClient(client.app)
        landing = recipient.get(path)  # a chat app's preview fetch: nothing is shown or counted
        assert landing.status_code == 200 and issued not in landing.text
        assert landing.headers["cache-control"] == "no-store"
        assert landing.headers["referrer-policy"] == "no-referrer"
        assert "noindex" in landing.headers["x-robots-tag"]
        db.refresh(link)
        assert link.view_count == 0

        shown = recipient.post(path, data=form_of(landing.text, path))
        assert shown.status_code == 200
        assert issued in shown.text and 'data-status="valid"' in shown.text
        assert people[0].national_id not in shown.text  # the masked name only
        assert shown.headers["referrer-policy"] == "no-referrer"
        pdf = recipient.post(f"{path}/pdf", data=form_of(shown.text, f"{path}/pdf"))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        assert pdf.headers["cache-control"] == "no-store"

        db.refresh(link)
        assert link.view_count == 2
        logged = db.exec(select(DataAccess).where(DataAccess.dataset == "document")).all()
        assert len(logged) == 2
        assert {e.citizen_id for e in logged} == {citizen_of(db, people[0]).id}
        assert all("Krungthai Bank" in e.purpose_en and issued in e.fields for e in logged)
        assert "Krungthai Bank" in client.get("/me/data-access?lang=en").text
        listing = client.get(f"/documents/{issued}/share")
        assert 'data-state="active"' in listing.text

    def test_an_expired_link_answers_410_in_thai_and_english(
        self, client: TestClient, issued: str, db: Session
    ):
        path, _ = create_link(client, issued, expires_in="15")
        db.exec(update(ShareLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
        recipient = TestClient(client.app)
        gone = recipient.get(path)
        assert gone.status_code == 410
        assert "This link has expired" in gone.text and "ลิงก์นี้หมดอายุแล้ว" in gone.text
        assert gone.headers["cache-control"] == "no-store"
        assert db.exec(select(ShareLink)).one().view_count == 0

    def test_a_revoked_link_answers_410(self, client: TestClient, issued: str, db: Session):
        path, created = create_link(client, issued)
        link = db.exec(select(ShareLink)).one()
        action = f"/documents/{issued}/share/{link.id}/revoke"
        revoked = client.post(action, data=form_of(created, action), follow_redirects=False)
        assert revoked.status_code == 303
        gone = open_link(client.app, path)
        assert gone.status_code == 410 and "revoked this link" in gone.text
        listing = client.get(f"/documents/{issued}/share")
        assert 'data-state="revoked"' in listing.text

    def test_a_used_up_link_answers_410(self, client: TestClient, issued: str):
        path, _ = create_link(client, issued, max_views="1")
        assert open_link(client.app, path).status_code == 200
        gone = open_link(client.app, path)
        assert gone.status_code == 410 and "as many times as it allows" in gone.text

    def test_a_revoked_document_closes_its_links(
        self, client: TestClient, issued: str, db: Session
    ):
        path, _ = create_link(client, issued)
        db.exec(update(Document).values(revoked_at=utcnow(), revocation_reason="error"))
        db.commit()
        assert open_link(client.app, path).status_code == 410

    def test_an_unknown_token_is_404(self, client: TestClient):
        assert TestClient(client.app).get("/s/" + "A" * 43).status_code == 404
        assert TestClient(client.app).get("/s/short").status_code == 404

    def test_bad_input_is_refused_with_a_message(self, client: TestClient, issued: str):
        page = client.get(f"/documents/{issued}/share")
        base = form_of(page.text, f"/documents/{issued}/share")
        cases = [
            ({"recipient_name": "  ", "expires_in": "60"}, "name the person"),
            ({"recipient_name": "x" * 201, "expires_in": "60"}, "at most 200"),
            ({"recipient_name": "Bank", "expires_in": "61"}, "how long the link"),
            ({"recipient_name": "Bank", "expires_in": "60", "max_views": "0"}, "between 1"),
            ({"recipient_name": "Bank", "expires_in": "60", "max_views": "๓"}, "not valid"),
        ]
        for fields, message in cases:
            answer = client.post(f"/documents/{issued}/share?lang=en", data=dict(base, **fields))
            assert answer.status_code == 400, (fields, answer.status_code)
            assert message in answer.text, fields

    def test_forms_without_the_csrf_token_are_refused(
        self, client: TestClient, issued: str, db: Session
    ):
        data = {"recipient_name": "Bank", "expires_in": "60"}
        assert client.post(f"/documents/{issued}/share", data=data).status_code == 403
        path, _ = create_link(client, issued)
        assert TestClient(client.app).post(path).status_code == 403
        link = db.exec(select(ShareLink)).one()
        revoke = client.post(f"/documents/{issued}/share/{link.id}/revoke")
        assert revoke.status_code == 403
        assert client.post(f"/documents/{issued}/reissue").status_code == 403
        db.refresh(link)
        assert link.view_count == 0 and link.revoked_at is None

    def test_another_citizen_can_neither_list_create_nor_revoke(
        self, client: TestClient, issued: str, people, settings, db: Session
    ):
        path, _ = create_link(client, issued)
        link = db.exec(select(ShareLink)).one()
        other = TestClient(client.app)
        sign_in(other, people[1])
        page = other.get("/documents")  # any page, for the other browser's CSRF token
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        fields = {"csrf_token": token.group(1) if token else ""}
        assert other.get(f"/documents/{issued}/share").status_code == 404
        created = other.post(
            f"/documents/{issued}/share",
            data=dict(fields, recipient_name="Thief", expires_in="60"),
        )
        assert created.status_code == 404
        revoked = other.post(f"/documents/{issued}/share/{link.id}/revoke", data=fields)
        assert revoked.status_code == 404
        assert other.post(f"/documents/{issued}/reissue", data=fields).status_code == 404

        bearer = {"Authorization": f"Bearer {obtain_access_token(settings, people[1])}"}
        assert other.get(f"/api/v1/documents/{issued}/shares", headers=bearer).status_code == 404
        deleted = other.delete(f"/api/v1/documents/{issued}/shares/{link.id}", headers=bearer)
        assert deleted.status_code == 404
        db.refresh(link)
        assert link.revoked_at is None and db.exec(select(ShareLink)).all() == [link]
        assert open_link(client.app, path).status_code == 200

    def test_the_api_creates_lists_and_revokes(
        self, client: TestClient, issued: str, people, settings
    ):
        bearer = {"Authorization": f"Bearer {obtain_access_token(settings, people[0])}"}
        base = f"/api/v1/documents/{issued}/shares"
        created = client.post(
            base,
            json={"recipient_name": "Employer", "expires_in_minutes": 60, "max_views": 2},
            headers=bearer,
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["url"].endswith(f"/s/{body['token']}") and body["state"] == "active"
        listed = client.get(base, headers=bearer).json()
        assert [s["id"] for s in listed] == [body["id"]] and "token" not in listed[0]
        assert client.delete(f"{base}/{body['id']}", headers=bearer).status_code == 204
        assert client.get(base, headers=bearer).json()[0]["state"] == "revoked"
        bad = client.post(
            base, json={"recipient_name": "x", "expires_in_minutes": 5}, headers=bearer
        )
        assert bad.status_code == 400


def test_max_views_hold_under_ten_concurrent_openings(
    clean_engine: Engine, db: Session, issued: str, people
):
    """Ten recipients at once on a three-view link: exactly three views are counted."""
    document = get_document_by_number(db, issued)
    link, token = create_share_link(
        db,
        document=document,
        citizen_id=document.citizen_id,
        recipient_name="Bank",
        expires_in_minutes=60,
        max_views=3,
    )
    db.commit()
    start = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def open_once() -> None:
        start.wait()
        try:
            with session_scope(clean_engine) as session:
                open_share_link(session, token=token)
            outcome = "ok"
        except ShareLinkGoneError as error:
            outcome = error.reason
        except Exception as error:  # a lock timeout would show up here, and fail the test
            outcome = f"error: {error!r}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=open_once) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["ok"] * 3 + ["used_up"] * 7, outcomes
    db.refresh(link)
    assert link.view_count == 3


class TestReissue:
    def test_reissue_reads_the_register_again_and_supersedes_the_old_document(
        self, client: TestClient, issued: str, db: Session, process_jobs, people
    ):
        old = get_document_by_number(db, issued)
        petition = db.get(Petition, old.petition_id)
        # The register has changed since: what the petition stored is no longer current.
        stale = dict(petition.evidence["dopa.population"], family_name_en="Oldname")
        petition.evidence = {**petition.evidence, "dopa.population": stale}
        db.add(petition)
        db.commit()
        reads_before = len(db.exec(select(DataAccess)).all())

        page = client.get(f"/documents/{issued}")
        fields = form_of(page.text, f"/documents/{issued}/reissue")
        first = client.post(f"/documents/{issued}/reissue", data=fields, follow_redirects=False)
        second = client.post(f"/documents/{issued}/reissue", data=fields, follow_redirects=False)
        assert first.headers["location"].endswith("?reissue=requested")
        assert second.headers["location"].endswith("?reissue=pending")
        assert 'data-state="pending"' in client.get(f"/documents/{issued}").text
        jobs = db.exec(select(PetitionJob).where(col(PetitionJob.kind).startswith("reissue:")))
        assert len(jobs.all()) == 1  # two clicks, one job; nothing issued in the request
        assert db.exec(select(Document)).all() == [old]

        assert process_jobs() == 1
        db.expire_all()
        old = get_document_by_number(db, issued)
        new = db.exec(select(Document).where(Document.replaces == issued)).one()
        assert old.status == "superseded" and old.superseded_by == new.number
        assert old.superseded_at is not None and new.petition_id is None
        assert new.status == "valid" and new.check_code and new.check_code != old.check_code
        # Names come from the fresh read, not from the stored (stale) evidence.
        assert new.holder_display_en.endswith(f"{people[0].family_name_en[0]}***")
        assert len(db.exec(select(DataAccess)).all()) == reads_before + 1

        message = db.exec(
            select(MailboxMessage).where(MailboxMessage.document_number == new.number)
        ).one()
        assert issued in message.body_en
        actions = [e.action for e in db.exec(select(AuditEvent)).all()]
        assert "document.reissue_requested" in actions and "document.reissued" in actions

        page = client.get(f"/documents/{issued}?lang=en")
        assert 'data-status="superseded"' in page.text and f"/documents/{new.number}" in page.text
        again = client.post(f"/documents/{issued}/reissue", data=fields)
        assert again.status_code == 409 and new.number in again.text
        refused = client.post(
            f"/documents/{issued}/share", data=dict(fields, recipient_name="B", expires_in="60")
        )
        assert refused.status_code == 409
        assert process_jobs() == 0
        # The reissued document can itself be reissued: its chain leads to the petition.
        fields = form_of(
            client.get(f"/documents/{new.number}").text, f"/documents/{new.number}/reissue"
        )
        client.post(f"/documents/{new.number}/reissue", data=fields)
        assert process_jobs() == 1
        db.expire_all()
        assert get_document_by_number(db, new.number).status == "superseded"

    def test_a_second_job_for_a_superseded_document_does_nothing(
        self, client: TestClient, issued: str, db: Session, process_jobs
    ):
        old = get_document_by_number(db, issued)
        for _ in range(2):  # as if two requests raced past the pending check
            db.add(PetitionJob(petition_id=old.petition_id, kind=f"reissue:{issued}"))
        db.commit()
        assert process_jobs() == 2
        assert len(db.exec(select(Document).where(Document.replaces == issued)).all()) == 1


@pytest.fixture
def portal_cli(monkeypatch, settings, database_url):  # type: ignore[no-untyped-def]
    """Runs `portal …` against the test database."""
    from typer.testing import CliRunner

    from portal.cli import app
    from portal.settings import get_settings

    monkeypatch.setenv("PORTAL_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)

    def run(*args: str):  # type: ignore[no-untyped-def]
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args))
        finally:
            get_settings.cache_clear()

    return run


class TestCli:
    def test_revoke_marks_the_document_and_is_audited(
        self, portal_cli, issued: str, db: Session, client: TestClient
    ):
        result = portal_cli("documents", "revoke", issued, "--reason", "issued in error")
        assert result.exit_code == 0, result.output
        db.expire_all()
        document = get_document_by_number(db, issued)
        assert document.status == "revoked" and document.revocation_reason == "issued in error"
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "document.revoke")).one()
        assert event.object_id == issued and event.actor == "cli"
        assert 'data-status="revoked"' in client.get(f"/documents/{issued}").text

        again = portal_cli("documents", "revoke", issued, "--reason", "twice")
        assert again.exit_code == 1
        assert "has been revoked" in again.output and "ถูกเพิกถอนแล้ว" in again.output
        reissue = portal_cli("documents", "reissue", issued)
        assert reissue.exit_code == 1 and "ออกใหม่ไม่ได้" in reissue.output

    def test_refusals_exit_1_in_thai_and_english(self, portal_cli, issued: str):
        unknown = portal_cli("documents", "revoke", "DOPA-2569-00000000", "--reason", "error")
        assert unknown.exit_code == 1 and "There is no document" in unknown.output
        assert "ไม่พบเอกสาร" in unknown.output
        short = portal_cli("documents", "revoke", issued, "--reason", "x")
        assert short.exit_code == 1 and "3 to 500 characters" in short.output

    def test_reissue_queues_one_job_for_the_worker(
        self, portal_cli, issued: str, db: Session, process_jobs
    ):
        first = portal_cli("documents", "reissue", issued)
        assert first.exit_code == 0 and "queued" in first.output
        second = portal_cli("documents", "reissue", issued)
        assert second.exit_code == 0 and "already pending" in second.output
        assert process_jobs() == 1
        db.expire_all()
        assert get_document_by_number(db, issued).status == "superseded"
