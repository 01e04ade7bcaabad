"""Delivering the outbox: file providers, a real SMTP server, retries with backoff, and one
send per notification however many workers run."""

from __future__ import annotations

import email
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from identity.officers.models import Officer
from portal.db import utcnow
from services.mailbox.models import MessageKind
from services.mailbox.service import post_to_mailbox
from services.notifications import delivery
from services.notifications.delivery import claim_notifications, deliver_notifications
from services.notifications.models import Notification, NotificationState
from services.notifications.providers import (
    FileSmsProvider,
    NotificationProviders,
    SmtpEmailProvider,
    file_providers,
)
from services.notifications.service import queue_officer_notification, save_preferences
from services.petitions.processing import ProcessingContext
from tests.services.petitions.factories import create_citizen


def context(data_dir: Path, providers: NotificationProviders | None = None) -> ProcessingContext:
    return ProcessingContext(
        exchange=None,  # type: ignore[arg-type]
        data_dir=data_dir,
        base_url="http://testserver",
        notifications=providers,
    )


def queue_for(db: Session, person: Any, *, email_on: bool = True, sms_on: bool = True) -> str:
    citizen = create_citizen(db, person)
    save_preferences(
        db,
        citizen_id=citizen.id,  # type: ignore[arg-type]
        email="somchai@example.com",
        phone="0812345678",
        email_enabled=email_on,
        sms_enabled=sms_on,
    )
    message = post_to_mailbox(
        db,
        citizen_id=citizen.id,  # type: ignore[arg-type]
        kind=MessageKind.DECISION,
        subject_th="อนุมัติคำขอแล้ว",
        subject_en="Petition approved",
        body_th="เนื้อหา",
        body_en="Content",
        base_url="https://portal.example",
    )
    db.commit()
    return message.id


def states(db: Session) -> list[tuple[str, int]]:
    db.expire_all()
    rows = db.exec(select(Notification).order_by(col(Notification.id))).all()
    return [(n.state, n.attempts) for n in rows]


def test_file_providers_write_an_eml_and_a_json_line(db: Session, clean_engine, people, tmp_path):
    message_id = queue_for(db, people[0])
    sent = deliver_notifications(clean_engine, context(tmp_path), now=utcnow())
    assert sent == 2
    assert states(db) == [("sent", 1), ("sent", 1)]
    [eml] = list((tmp_path / "outbox" / "email").glob("*.eml"))
    parsed = email.message_from_bytes(eml.read_bytes(), policy=default_policy)
    assert parsed["To"] == "somchai@example.com"
    assert "Petition approved" in parsed["Subject"] and "อนุมัติ" in parsed["Subject"]
    text = parsed.get_content()
    assert f"https://portal.example/me/mailbox/{message_id}" in text
    assert text.index("ท่านมีข้อความใหม่") < text.index("You have a new message")
    [line] = (tmp_path / "outbox" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    sms = json.loads(line)
    assert sms["to"] == "0812345678" and message_id in sms["text"]
    # Nothing is sent twice.
    assert deliver_notifications(clean_engine, context(tmp_path), now=utcnow()) == 0


@dataclass
class Collector:
    messages: list[Any] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Collector, list[tuple[str, str]]]]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    logins: list[tuple[str, str]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"secret")

    collector = Collector()
    port = free_port()
    controller = Controller(
        collector,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield port, collector, logins
    finally:
        controller.stop()


def test_a_real_smtp_round_trip(db: Session, clean_engine, people, tmp_path, smtp_server):
    port, collector, logins = smtp_server
    message_id = queue_for(db, people[0], sms_on=False)
    providers = NotificationProviders(
        email=SmtpEmailProvider(
            host="127.0.0.1",
            port=port,
            sender="portal@portal.example",
            username="portal",
            password="secret",
            starttls=False,
            timeout=5,
        ),
        sms=None,
    )
    assert deliver_notifications(clean_engine, context(tmp_path, providers), now=utcnow()) == 1
    assert logins == [("portal", "secret")]
    [envelope] = collector.messages
    assert envelope.mail_from == "portal@portal.example"
    assert envelope.rcpt_tos == ["somchai@example.com"]
    parsed = email.message_from_bytes(envelope.content, policy=default_policy)
    assert "Petition approved" in parsed["Subject"]
    assert f"https://portal.example/me/mailbox/{message_id}" in parsed.get_content()
    assert states(db) == [("sent", 1)]


def test_an_unreachable_smtp_server_is_retried_later(db: Session, clean_engine, people, tmp_path):
    queue_for(db, people[0], sms_on=False)
    nobody = SmtpEmailProvider(host="127.0.0.1", port=free_port(), starttls=False, timeout=2)
    providers = NotificationProviders(email=nobody, sms=None)
    assert deliver_notifications(clean_engine, context(tmp_path, providers), now=utcnow()) == 0
    [row] = db.exec(select(Notification)).all()
    db.refresh(row)
    assert row.state == NotificationState.PENDING and "ConnectionRefusedError" in row.last_error


class Failing:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, to: str, subject: str, body: str) -> None:
        self.calls += 1
        raise ConnectionRefusedError("smtp down")


def test_a_failing_provider_is_retried_with_backoff_then_marked_failed(
    db: Session, clean_engine, people, tmp_path
):
    queue_for(db, people[0], sms_on=False)
    failing = Failing()
    ctx = context(tmp_path, NotificationProviders(email=failing, sms=None))
    now = utcnow()
    deliver_notifications(clean_engine, ctx, now=now)
    [row] = db.exec(select(Notification)).all()
    db.refresh(row)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.run_after == now + timedelta(minutes=1)
    assert "ConnectionRefusedError: smtp down" in row.last_error
    # Not due yet: nothing is tried before the backoff.
    deliver_notifications(clean_engine, ctx, now=now + timedelta(seconds=59))
    assert failing.calls == 1
    waits = []
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        db.refresh(row)
        now = row.run_after
        deliver_notifications(clean_engine, ctx, now=now)
        db.refresh(row)
        if row.state == NotificationState.PENDING:
            waits.append(int((row.run_after - now).total_seconds() // 60))
    assert waits == list(delivery.BACKOFF_MINUTES[1:])
    assert (row.state, row.attempts, failing.calls) == ("failed", 8, 8)
    assert "smtp down" in row.last_error
    deliver_notifications(clean_engine, ctx, now=now + timedelta(days=30))
    assert failing.calls == 8


def test_sms_with_no_provider_is_not_sent_and_says_why(db: Session, clean_engine, people, tmp_path):
    queue_for(db, people[0], email_on=False)
    providers = replace(file_providers(tmp_path), sms=None)
    deliver_notifications(clean_engine, context(tmp_path, providers), now=utcnow())
    [row] = db.exec(select(Notification)).all()
    db.refresh(row)
    assert row.state == "pending" and "PORTAL_SMS_PROVIDER=none" in row.last_error


class Slow:
    """Counts sends per recipient body; slow enough that the runs overlap."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def send(self, to: str, text: str) -> None:
        with self.lock:
            self.sent.append(text)
        threading.Event().wait(0.01)


def test_concurrent_delivery_runs_send_each_notification_once(
    db: Session, clean_engine, people, tmp_path
):
    for person in people[:12]:
        queue_for(db, person, email_on=False)
    sms = Slow()
    ctx = context(tmp_path, NotificationProviders(email=Failing(), sms=sms))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            deliver_notifications(clean_engine, ctx, now=utcnow())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(sms.sent) == 12 and len(set(sms.sent)) == 12
    assert states(db) == [("sent", 1)] * 12


def test_a_claimed_notification_is_not_claimed_again_until_its_lease_runs_out(
    db: Session, clean_engine, people
):
    queue_for(db, people[0], sms_on=False)
    now = utcnow()
    assert len(claim_notifications(clean_engine, now=now)) == 1
    assert claim_notifications(clean_engine, now=now) == []
    again = claim_notifications(clean_engine, now=now + delivery.LEASE + timedelta(seconds=1))
    assert len(again) == 1


def test_an_officer_with_an_email_gets_one(db: Session, clean_engine, tmp_path):
    officer = Officer(national_id="1101700000001", agency="dopa", email="sup@dopa.example")
    silent = Officer(national_id="1101700000002", agency="dopa")
    db.add(officer)
    db.add(silent)
    db.commit()
    for who in (officer, silent):
        queue_officer_notification(
            db,
            officer_id=who.id,  # type: ignore[arg-type]
            subject_th="ใกล้ครบกำหนด",
            subject_en="Due soon",
            body_th="คำขอ 3 รายการใกล้ครบกำหนด",
            body_en="3 petitions are due soon",
        )
    db.commit()
    [row] = db.exec(select(Notification)).all()
    assert row.officer_id == officer.id and row.recipient == "sup@dopa.example"
    deliver_notifications(clean_engine, context(tmp_path, file_providers(tmp_path)), now=utcnow())
    [eml] = list((tmp_path / "outbox" / "email").glob("*.eml"))
    text = email.message_from_bytes(eml.read_bytes(), policy=default_policy).get_content()
    assert "3 petitions are due soon" in text and "ใกล้ครบกำหนด" in text


def test_sms_file_lines_stay_whole_under_concurrent_writers(tmp_path):
    provider = FileSmsProvider(tmp_path / "sms.jsonl")
    threads = [
        threading.Thread(target=provider.send, args=("0812345678", f"ข้อความ {i}"))
        for i in range(20)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["text"] for line in lines) == sorted(
        f"ข้อความ {i}" for i in range(20)
    )
