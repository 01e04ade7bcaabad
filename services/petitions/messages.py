"""The citizen ↔ officer message thread on a petition, and officers' internal notes.

Who may write: the citizen who may see the petition (`get_citizen_petition`); an officer of
the petition's agency who holds its claim, or a supervisor (agency admin, portal admin) of
that agency without it — a supervisor answers a citizen while the petition waits in the pool.
The same rule holds for internal notes, which the citizen never sees.

An officer's message is posted to the citizen's mailbox, the legal channel of record; a
citizen's message is notified to the officer holding the petition.
"""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from identity.models import Citizen
from identity.officers.authz import has_role
from identity.officers.models import Officer, OfficerRole
from portal.db import utcnow
from services.audit.service import record_event
from services.mailbox.service import post_to_mailbox
from services.petitions.casework_models import (
    MESSAGE_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    PetitionMessage,
    PetitionNote,
)
from services.petitions.claims import require_claim, touch_claim
from services.petitions.decisions import actor_of
from services.petitions.errors import MessageInvalidError
from services.petitions.models import Petition
from services.petitions.processing import definition_of
from services.petitions.queries import get_citizen_petition, get_officer_petition


def _clean(text: str, limit: int) -> str:
    text = text.replace("\r\n", "\n").strip()
    if not text or len(text) > limit:
        raise MessageInvalidError()
    return text


def _load_for_writing(db: Session, officer: Officer, petition_id: str) -> Petition:
    petition = get_officer_petition(db, officer, petition_id)
    if not has_role(officer, OfficerRole.SUPERVISOR.value) and not has_role(
        officer, OfficerRole.AGENCY_ADMIN.value
    ):
        require_claim(db, officer, petition)
    return petition


def add_note(db: Session, *, officer: Officer, petition_id: str, text: str) -> PetitionNote:
    """An internal note for colleagues; never shown to the citizen."""
    petition = _load_for_writing(db, officer, petition_id)
    note = PetitionNote(
        petition_id=petition.id,
        officer_id=officer.id,  # type: ignore[arg-type]
        text=_clean(text, NOTE_MAX_LENGTH),
    )
    db.add(note)
    touch_claim(db, officer=officer, petition=petition, now=utcnow())
    record_event(
        db,
        actor=actor_of(officer),
        action="petition.note",
        object_type="petition",
        object_id=petition.id,
        details={"length": len(note.text)},
    )
    db.flush()
    return note


_NOTES_OF_PETITION = (
    select(PetitionNote)
    .where(PetitionNote.petition_id == bindparam("petition_id"))
    .order_by(col(PetitionNote.id))
)


def list_notes(db: Session, petition_id: str) -> list[PetitionNote]:
    return list(db.exec(_NOTES_OF_PETITION, params={"petition_id": petition_id}))


_THREAD_OF_PETITION = (
    select(PetitionMessage)
    .where(PetitionMessage.petition_id == bindparam("petition_id"))
    .order_by(col(PetitionMessage.id))
)


def list_messages(db: Session, petition_id: str) -> list[PetitionMessage]:
    return list(db.exec(_THREAD_OF_PETITION, params={"petition_id": petition_id}))


def post_citizen_message(
    db: Session, *, citizen: Citizen, petition_id: str, body: str
) -> PetitionMessage:
    """The citizen (or whoever filed for them) writes to the officers handling the petition."""
    petition = get_citizen_petition(
        db,
        citizen_id=citizen.id,  # type: ignore[arg-type]
        petition_id=petition_id,
    )
    message = PetitionMessage(
        petition_id=petition.id,
        author="citizen",
        author_id=citizen.id,  # type: ignore[arg-type]
        body=_clean(body, MESSAGE_MAX_LENGTH),
    )
    db.add(message)
    record_event(
        db,
        actor=f"citizen:{citizen.id}",
        action="petition.message",
        object_type="petition",
        object_id=petition.id,
        details={"author": "citizen", "length": len(message.body)},
    )
    if petition.assigned_officer_id is not None:
        from services.notifications.service import queue_officer_notification

        queue_officer_notification(
            db,
            officer_id=petition.assigned_officer_id,
            subject_th="ข้อความใหม่จากผู้ยื่นคำขอ",
            subject_en="A new message from the petitioner",
            body_th=f"มีข้อความใหม่ในคำขอเลขที่ {petition.id}",
            body_en=f"There is a new message on petition {petition.id}",
        )
    db.flush()
    return message


def post_officer_message(
    db: Session, *, officer: Officer, petition_id: str, body: str
) -> PetitionMessage:
    """An officer writes to the citizen; the message also arrives in their mailbox."""
    petition = _load_for_writing(db, officer, petition_id)
    message = PetitionMessage(
        petition_id=petition.id,
        author="officer",
        author_id=officer.id,  # type: ignore[arg-type]
        body=_clean(body, MESSAGE_MAX_LENGTH),
    )
    db.add(message)
    touch_claim(db, officer=officer, petition=petition, now=utcnow())
    record_event(
        db,
        actor=actor_of(officer),
        action="petition.message",
        object_type="petition",
        object_id=petition.id,
        details={"author": "officer", "length": len(message.body)},
    )
    _to_mailbox(db, petition, message.body)
    db.flush()
    return message


def _to_mailbox(db: Session, petition: Petition, body: str) -> None:
    """Posts an officer's message to the citizen's mailbox, the legal channel of record."""
    name = definition_of(petition).name
    post_to_mailbox(
        db,
        citizen_id=petition.citizen_id,
        kind="message",
        subject_th=f"ข้อความจากเจ้าหน้าที่: {name.th}",
        subject_en=f"A message from an officer: {name.en}",
        body_th=body,
        body_en=body,
        petition_id=petition.id,
    )
