"""The citizen ↔ officer thread and internal notes."""

from __future__ import annotations

import pytest

from identity.officers.errors import OtherAgencyError
from services.petitions.errors import MessageInvalidError, NotClaimedError, PetitionNotFoundError
from services.petitions.messages import (
    add_note,
    list_messages,
    list_notes,
    post_citizen_message,
    post_officer_message,
)
from tests.services.petitions.casework import make_citizen, make_officer, make_petition


def test_citizen_and_officer_write_on_one_thread(db):
    officer = make_officer(db)
    citizen = make_citizen(db)
    petition = make_petition(db, citizen, officer=officer)
    post_citizen_message(db, citizen=citizen, petition_id=petition.id, body="  When?  ")
    post_officer_message(db, officer=officer, petition_id=petition.id, body="Next week")
    db.commit()
    thread = list_messages(db, petition.id)
    assert [(m.author, m.author_id, m.body) for m in thread] == [
        ("citizen", citizen.id, "When?"),
        ("officer", officer.id, "Next week"),
    ]


def test_a_citizen_writes_only_on_a_petition_they_may_see(db):
    petition = make_petition(db, make_citizen(db))
    with pytest.raises(PetitionNotFoundError):
        post_citizen_message(db, citizen=make_citizen(db), petition_id=petition.id, body="Hi")


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_a_message_is_not_empty_nor_too_long(db, body):
    citizen = make_citizen(db)
    petition = make_petition(db, citizen)
    with pytest.raises(MessageInvalidError) as caught:
        post_citizen_message(db, citizen=citizen, petition_id=petition.id, body=body)
    assert caught.value.status_code == 400


def test_an_officer_writes_while_holding_the_claim_or_as_a_supervisor(db):
    holder, other = make_officer(db), make_officer(db)
    supervisor = make_officer(db, roles=["supervisor"])
    petition = make_petition(db, make_citizen(db), officer=holder)
    with pytest.raises(NotClaimedError):
        post_officer_message(db, officer=other, petition_id=petition.id, body="Hello")
    with pytest.raises(NotClaimedError):
        add_note(db, officer=other, petition_id=petition.id, text="Looks fine")
    post_officer_message(db, officer=supervisor, petition_id=petition.id, body="Hello")
    add_note(db, officer=supervisor, petition_id=petition.id, text="Checked the photo")
    assert len(list_messages(db, petition.id)) == 1
    assert [n.text for n in list_notes(db, petition.id)] == ["Checked the photo"]


def test_an_officer_of_another_agency_is_refused(db):
    outsider = make_officer(db, agency="dol", roles=["supervisor"])
    petition = make_petition(db, make_citizen(db))
    with pytest.raises(OtherAgencyError):
        add_note(db, officer=outsider, petition_id=petition.id, text="x")
    with pytest.raises(OtherAgencyError):
        post_officer_message(db, officer=outsider, petition_id=petition.id, body="x")


def test_an_officers_message_arrives_in_the_citizens_mailbox(db):
    models = pytest.importorskip("services.mailbox.models")
    from sqlmodel import select

    officer = make_officer(db)
    citizen = make_citizen(db)
    petition = make_petition(db, citizen, officer=officer)
    post_officer_message(db, officer=officer, petition_id=petition.id, body="Please call us")
    db.commit()
    mail = db.exec(
        select(models.MailboxMessage).where(models.MailboxMessage.citizen_id == citizen.id)
    ).all()
    assert [(m.kind, m.body_en, m.petition_id) for m in mail] == [
        ("message", "Please call us", petition.id)
    ]
