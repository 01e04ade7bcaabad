"""The mailbox and notification settings in the browser, and the mailbox in the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from identity.models import Citizen
from services.mailbox.models import MailboxMessage, MessageKind
from services.mailbox.service import post_to_mailbox
from services.notifications.models import Notification, NotificationPreference
from tests.fixtures.identity import obtain_access_token, parse_forms, sign_in

SERVICE = "dopa.residence-certificate"


def citizen_of(db: Session, person) -> Citizen:  # type: ignore[no-untyped-def]
    return db.exec(select(Citizen).where(Citizen.national_id == person.national_id)).one()


def post(db: Session, citizen: Citizen, subject_en: str = "A letter") -> MailboxMessage:
    message = post_to_mailbox(
        db,
        citizen_id=citizen.id,  # type: ignore[arg-type]
        kind=MessageKind.MESSAGE,
        subject_th="จดหมาย",
        subject_en=subject_en,
        body_th="บรรทัดแรก\nบรรทัดสอง",
        body_en="First line\nSecond line",
    )
    db.commit()
    return message


def test_a_submission_lands_in_the_mailbox_and_the_document_follows(
    client: TestClient, people, process_jobs, db: Session
):
    sign_in(client, people[0])
    page = client.get(f"/services/{SERVICE}/apply")
    form = next(f for f in parse_forms(page.text) if f["action"].endswith("/apply"))
    fields = dict(form["fields"], answer_purpose="bank", consent="dopa.population")
    assert client.post(f"/services/{SERVICE}/apply", data=fields).status_code == 200
    process_jobs()
    mailbox = client.get("/me/mailbox?lang=en")
    assert mailbox.status_code == 200
    assert "Petition received" in mailbox.text and "Your document is ready" in mailbox.text
    assert "(2 unread)" in mailbox.text  # the header link


def test_reading_marks_read_and_unread_can_be_set_again(client: TestClient, people, db: Session):
    sign_in(client, people[0])
    message = post(db, citizen_of(db, people[0]))
    listing = client.get("/me/mailbox?lang=en").text
    assert "<strong>Unread</strong>" in listing and "<strong>A letter</strong>" in listing
    assert 'id="nav-mailbox"' in listing and "(1 unread)" in listing

    page = client.get(f"/me/mailbox/{message.id}?lang=en")
    assert page.status_code == 200
    assert "First line<br>Second line" in page.text
    assert "unread)" not in page.text  # the header counts it read already
    db.refresh(message)
    assert message.read_at is not None
    assert "<strong>Unread</strong>" not in client.get("/me/mailbox").text

    form = next(f for f in parse_forms(page.text) if f["action"].endswith("/unread"))
    back = client.post(form["action"], data=form["fields"], follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == "/me/mailbox"
    db.refresh(message)
    assert message.read_at is None
    # Without the CSRF token the change is refused.
    assert client.post(form["action"], data={}).status_code in (400, 403)


def test_another_citizen_gets_404_for_a_message(client: TestClient, people, db: Session):
    sign_in(client, people[0])
    message = post(db, citizen_of(db, people[0]))
    other = TestClient(client.app)
    sign_in(other, people[1])
    assert other.get(f"/me/mailbox/{message.id}").status_code == 404
    assert other.get("/me/mailbox/not-a-real-id").status_code == 404
    page = other.get("/me/mailbox?lang=en")
    assert "A letter" not in page.text and 'id="mailbox-empty"' in page.text
    db.refresh(message)
    assert message.read_at is None


def test_the_mailbox_needs_sign_in(client: TestClient):
    answer = client.get("/me/mailbox", follow_redirects=False)
    assert answer.status_code in (302, 303, 401)


def test_notification_settings_refuse_bad_input_and_keep_it(
    client: TestClient, people, db: Session
):
    sign_in(client, people[0])
    account = client.get("/me/account?lang=en").text
    assert 'href="/me/notifications"' in account
    page = client.get("/me/notifications?lang=en")
    assert page.status_code == 200
    form = next(f for f in parse_forms(page.text) if f["action"] == "/me/notifications")
    bad = dict(form["fields"], email="somchai@", phone="021234567", email_enabled="1")
    answer = client.post("/me/notifications?lang=en", data=bad)
    assert answer.status_code == 400
    assert 'value="somchai@"' in answer.text and 'value="021234567"' in answer.text
    assert "Please enter a valid e-mail address" in answer.text
    assert "Thai mobile number" in answer.text and 'aria-invalid="true"' in answer.text
    thai = client.post("/me/notifications?lang=th", data=bad)
    assert "กรุณากรอกอีเมลให้ถูกต้อง" in thai.text
    assert db.exec(select(NotificationPreference)).all() == []

    good = dict(
        form["fields"],
        email="somchai@example.com",
        phone="0812345678",
        email_enabled="1",
        sms_enabled="1",
    )
    saved = client.post("/me/notifications", data=good, follow_redirects=False)
    assert saved.status_code == 303
    shown = client.get(saved.headers["location"] + "&lang=en").text
    assert 'id="saved"' in shown and 'value="somchai@example.com"' in shown
    [preference] = db.exec(select(NotificationPreference)).all()
    assert preference.email_enabled and preference.sms_enabled

    post(db, citizen_of(db, people[0]))
    assert {n.channel for n in db.exec(select(Notification)).all()} == {"email", "sms"}


def test_the_api_lists_the_callers_mailbox(client: TestClient, settings, people, db: Session):
    token = obtain_access_token(settings, people[0])
    unauthenticated = client.get("/api/v1/me/mailbox")
    assert unauthenticated.status_code == 401
    first = client.get("/api/v1/me/mailbox", headers={"Authorization": f"Bearer {token}"})
    assert first.status_code == 200 and first.json() == []
    message = post(db, citizen_of(db, people[0]), subject_en="Via the API")
    other = TestClient(client.app)
    sign_in(other, people[1])
    post(db, citizen_of(db, people[1]), subject_en="Someone else's")
    body = client.get("/api/v1/me/mailbox", headers={"Authorization": f"Bearer {token}"}).json()
    assert [(m["id"], m["subject_en"], m["read_at"]) for m in body] == [
        (message.id, "Via the API", None)
    ]
