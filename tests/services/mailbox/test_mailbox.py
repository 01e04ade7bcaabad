"""The mailbox: what each state change tells the citizen, who may read it, and that a message
and its notifications stand or fall with the event's transaction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, col, select

from services.mailbox.errors import MessageNotFoundError
from services.mailbox.models import MailboxMessage, MessageKind
from services.mailbox.queries import count_unread, get_citizen_message, list_messages
from services.mailbox.service import mark_unread, open_message, post_to_mailbox
from services.notifications.models import Notification
from services.notifications.service import save_preferences
from services.petitions.models import Petition, PetitionState
from services.petitions.service import change_state
from services.petitions.worker import run_until_idle
from tests.services.petitions.factories import (
    context_for,
    create_citizen,
    create_petition,
    population_answer,
    registry_answering,
)


def messages_of(db: Session, citizen_id: int) -> list[MailboxMessage]:
    return list(
        db.exec(
            select(MailboxMessage)
            .where(MailboxMessage.citizen_id == citizen_id)
            .order_by(col(MailboxMessage.created_at))
        ).all()
    )


def post(db: Session, citizen_id: int, **overrides: object) -> MailboxMessage:
    arguments = {
        "citizen_id": citizen_id,
        "kind": MessageKind.MESSAGE,
        "subject_th": "เรื่องทดสอบ",
        "subject_en": "A test",
        "body_th": "เนื้อหาส่วนตัว",
        "body_en": "Private content",
    } | overrides
    return post_to_mailbox(db, **arguments)  # type: ignore[arg-type]


class TestStateChanges:
    def test_submission_posts_a_receipt_with_the_service_number_and_expected_date(
        self, db: Session, people
    ):
        citizen = create_citizen(db, people[0])
        petition = create_petition(db, citizen)
        [receipt] = messages_of(db, citizen.id)
        assert receipt.kind == MessageKind.RECEIPT and receipt.petition_id == petition.id
        assert "หนังสือรับรอง" in receipt.subject_th or "รับรอง" in receipt.body_th
        assert petition.id in receipt.body_th and petition.id in receipt.body_en
        if petition.due_on is not None:
            assert str(petition.due_on.day) in receipt.body_en and "expect" in receipt.body_en

    def test_a_receipt_names_the_expected_date_when_the_petition_has_one(self, db: Session, people):
        from services.petitions.notices import _message_for

        citizen = create_citizen(db, people[0])
        petition = create_petition(db, citizen)
        petition.due_on = date(2026, 12, 7)
        content = _message_for(petition, from_state=None, to_state="submitted", note="")
        assert content is not None
        assert "7 December 2026" in content[4] and "พ.ศ. 2569" in content[3]

    def test_internal_steps_post_nothing(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        petition = create_petition(db, citizen)
        change_state(db, petition, PetitionState.EVIDENCE_PENDING, actor="system")
        change_state(db, petition, PetitionState.IN_REVIEW, actor="system", note="contract")
        db.commit()
        assert [m.kind for m in messages_of(db, citizen.id)] == [MessageKind.RECEIPT]

    def test_a_supplement_request_says_what_is_asked_and_where_to_answer(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        petition = create_petition(db, citizen)
        change_state(db, petition, PetitionState.IN_REVIEW, actor="system")
        change_state(
            db,
            petition,
            PetitionState.SUPPLEMENT_REQUESTED,
            actor="officer:1",
            note="Please upload the house registration page 2",
        )
        db.commit()
        request = messages_of(db, citizen.id)[-1]
        assert request.kind == MessageKind.SUPPLEMENT_REQUEST
        assert "house registration page 2" in request.body_en
        assert f"/petitions/{petition.id}/supplement" in request.body_en
        change_state(db, petition, PetitionState.IN_REVIEW, actor="citizen")
        db.commit()
        assert messages_of(db, citizen.id)[-1].kind == MessageKind.RECEIPT

    def test_an_officer_approval_posts_a_decision(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        petition = create_petition(db, citizen)
        change_state(db, petition, PetitionState.IN_REVIEW, actor="system")
        petition.decision_reason_th, petition.decision_reason_en = "ครบถ้วน", "Complete"
        change_state(db, petition, PetitionState.APPROVED, actor="officer:7")
        db.commit()
        decision = messages_of(db, citizen.id)[-1]
        assert decision.kind == MessageKind.DECISION
        assert "approved" in decision.body_en and "Complete" in decision.body_en

    def test_a_rejection_gives_the_reason_and_how_to_appeal(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        petition = create_petition(db, citizen)
        petition.decision_reason_th = "เอกสารไม่ครบ"
        petition.decision_reason_en = "Documents missing"
        change_state(db, petition, PetitionState.REJECTED, actor="officer:7")
        db.commit()
        decision = messages_of(db, citizen.id)[-1]
        assert decision.kind == MessageKind.DECISION
        assert "Documents missing" in decision.body_en and "เอกสารไม่ครบ" in decision.body_th
        assert "appeal within 15 days" in decision.body_en and "อุทธรณ์" in decision.body_th

    def test_automatic_processing_posts_one_document_message_not_two(
        self, db: Session, clean_engine, people, tmp_path
    ):
        citizen = create_citizen(db, people[0])
        petition = create_petition(db, citizen)
        ctx = context_for(registry_answering(population_answer(people[0])), tmp_path)
        run_until_idle(clean_engine, ctx)
        db.expire_all()
        petition = db.get(Petition, petition.id)
        assert petition is not None and petition.state == PetitionState.ISSUED
        kinds = [m.kind for m in messages_of(db, citizen.id)]
        assert kinds == [MessageKind.RECEIPT, MessageKind.DOCUMENT]
        document = messages_of(db, citizen.id)[-1]
        assert document.document_number == petition.document_number is not None
        assert f"/documents/{petition.document_number}" in document.body_en
        assert "approved" in document.body_en

    def test_a_petition_filed_by_a_delegate_goes_to_the_person_with_a_copy_to_the_filer(
        self, db: Session, people
    ):
        from services.catalogue.service import get_catalogue

        person = create_citizen(db, people[0])
        delegate = create_citizen(db, people[1], subject="s2")
        petition = Petition(
            citizen_id=person.id,  # type: ignore[arg-type]
            filed_by_id=delegate.id,
            service_code="dopa.residence-certificate",
            service_version=1,
            definition=get_catalogue().get("dopa.residence-certificate").model_dump(mode="json"),
        )
        db.add(petition)
        db.flush()
        petition.decision_reason_en = "Documents missing"
        change_state(db, petition, PetitionState.REJECTED, actor="officer:7")
        db.commit()
        [original] = messages_of(db, person.id)  # type: ignore[arg-type]
        [copy] = messages_of(db, delegate.id)  # type: ignore[arg-type]
        assert original.kind == MessageKind.DECISION and copy.kind == MessageKind.NOTICE
        assert copy.subject_en.startswith("Copy: ") and "Documents missing" in copy.body_en


class TestReading:
    def test_another_citizen_cannot_read_or_mark_a_message(self, db: Session, people):
        owner = create_citizen(db, people[0])
        other = create_citizen(db, people[1], subject="s2")
        message = post(db, owner.id)
        db.commit()
        with pytest.raises(MessageNotFoundError):
            get_citizen_message(db, citizen_id=other.id, message_id=message.id)  # type: ignore[arg-type]
        with pytest.raises(MessageNotFoundError):
            open_message(db, citizen_id=other.id, message_id=message.id)  # type: ignore[arg-type]
        with pytest.raises(MessageNotFoundError):
            mark_unread(db, citizen_id=other.id, message_id=message.id)  # type: ignore[arg-type]
        assert list_messages(db, citizen_id=other.id) == []  # type: ignore[arg-type]

    def test_opening_marks_read_and_it_can_be_marked_unread_again(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        first = post(db, citizen.id)
        post(db, citizen.id, subject_en="Second")
        db.commit()
        assert count_unread(db, citizen_id=citizen.id) == 2  # type: ignore[arg-type]
        opened = open_message(db, citizen_id=citizen.id, message_id=first.id)  # type: ignore[arg-type]
        assert opened.read_at is not None
        assert count_unread(db, citizen_id=citizen.id) == 1  # type: ignore[arg-type]
        mark_unread(db, citizen_id=citizen.id, message_id=first.id)  # type: ignore[arg-type]
        assert count_unread(db, citizen_id=citizen.id) == 2  # type: ignore[arg-type]

    def test_the_list_is_newest_first_and_pages_by_keyset(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        posted = [post(db, citizen.id, subject_en=f"n{i}") for i in range(5)]
        db.commit()
        page = list_messages(db, citizen_id=citizen.id, limit=3)  # type: ignore[arg-type]
        rest = list_messages(
            db,
            citizen_id=citizen.id,  # type: ignore[arg-type]
            before=(page[-1].created_at, page[-1].id),
        )
        assert len(page) == 3 and len(rest) == 2
        assert {m.id for m in page + rest} == {m.id for m in posted}
        assert [m.created_at for m in page + rest] == sorted(
            (m.created_at for m in page + rest), reverse=True
        )


class TestSameTransaction:
    def test_notifications_are_queued_only_for_enabled_channels_and_carry_no_content(
        self, db: Session, people
    ):
        citizen = create_citizen(db, people[0])
        save_preferences(
            db,
            citizen_id=citizen.id,  # type: ignore[arg-type]
            email="somchai@example.com",
            phone="0812345678",
            email_enabled=True,
            sms_enabled=True,
        )
        message = post(db, citizen.id)
        db.commit()
        queued = db.exec(select(Notification).order_by(col(Notification.id))).all()
        assert [(n.channel, n.recipient) for n in queued] == [
            ("email", "somchai@example.com"),
            ("sms", "0812345678"),
        ]
        for notification in queued:
            assert notification.mailbox_message_id == message.id
            assert f"/me/mailbox/{message.id}" in notification.body
            assert "A test" in notification.body and "เรื่องทดสอบ" in notification.body
            assert "Private content" not in notification.body
            assert "เนื้อหาส่วนตัว" not in notification.body

    def test_a_rolled_back_event_leaves_no_message_and_no_notification(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        save_preferences(
            db,
            citizen_id=citizen.id,  # type: ignore[arg-type]
            email="somchai@example.com",
            phone="",
            email_enabled=True,
            sms_enabled=False,
        )
        db.commit()
        post(db, citizen.id)
        db.flush()
        assert db.exec(select(Notification)).all() != []
        db.rollback()
        assert db.exec(select(MailboxMessage)).all() == []
        assert db.exec(select(Notification)).all() == []

    def test_a_citizen_without_preferences_gets_the_mailbox_message_only(self, db: Session, people):
        citizen = create_citizen(db, people[0])
        post(db, citizen.id)
        db.commit()
        assert len(messages_of(db, citizen.id)) == 1  # type: ignore[arg-type]
        assert db.exec(select(Notification)).all() == []
