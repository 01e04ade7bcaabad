"""A citizen's journey at a kiosk: choose a certificate, confirm, wait, pay, print, leave.

1. Before anyone signs in, the kiosk offers the certificates whose definition lists the
   "kiosk" channel (`kiosk_services`); the choice rides along the phone sign-in and is kept on
   the `KioskSession` (`choose_service`).
2. The citizen confirms who they are (a masked name) and what they ask for, answers the
   service's form and agrees to the evidence being fetched; `file_kiosk_petition` files it
   through the same `submit_petition` as the web, channel "kiosk", with an idempotency key
   derived from the session, so a double tap files once.
3. `journey_step` says where the session stands, from the petition and its document: waiting
   for the worker, handed to an officer (the document will arrive in the mailbox), refused,
   fee due (PromptPay, `services.payments`), or ready to print (`identity.kiosks.printing`).
4. Every request the citizen makes counts as activity (`touch_session`); a session idle past
   the kiosk's limit is ended on its next request (`idle_expired`), whatever the page's script
   did or did not do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from documents.models import Document
from identity.kiosks.models import KioskSession
from identity.models import Citizen
from portal.db import utcnow
from portal.errors import BadRequestError, ConflictError, NotFoundError
from services.catalogue.definitions import ServiceDefinition
from services.catalogue.errors import UnknownServiceError
from services.catalogue.service import Catalogue
from services.payments.service import is_released
from services.petitions.models import Petition, PetitionState
from services.petitions.service import submit_petition

KIOSK_CHANNEL = "kiosk"
# Steps of the journey, in order; "review" and "refused" end it without a document here.
CHOOSE, CONFIRM, WAIT, REVIEW, REFUSED, PAY, PRINT = (
    "choose",
    "confirm",
    "wait",
    "review",
    "refused",
    "pay",
    "print",
)
_WAITING_STATES = {PetitionState.SUBMITTED, PetitionState.EVIDENCE_PENDING, PetitionState.APPROVED}
_REFUSED_STATES = {PetitionState.REJECTED, PetitionState.WITHDRAWN}


class ServiceNotAtKioskError(NotFoundError):
    code = "service_not_at_kiosk"
    default_th = "บริการนี้ไม่เปิดให้ขอที่ตู้บริการ"
    default_en = "This service is not offered at kiosks"


class KioskConsentNeededError(BadRequestError):
    code = "kiosk_consent_needed"
    default_th = (
        "ตู้บริการจะออกเอกสารได้เมื่อท่านยินยอมให้ดึงข้อมูลจากหน่วยงานเท่านั้น "
        "หากไม่ยินยอม ท่านยื่นคำขอทางเว็บไซต์และแนบสำเนาเอกสารแทนได้"
    )
    default_en = (
        "The kiosk can issue this document only if you agree to the data being fetched from "
        "the agency; otherwise you can apply on the website and upload a copy instead"
    )


class PetitionAlreadyFiledError(ConflictError):
    code = "kiosk_petition_already_filed"
    default_th = "ท่านยื่นคำขอในการใช้งานครั้งนี้แล้ว"
    default_en = "You have already made a request in this session"


def kiosk_services(catalogue: Catalogue) -> list[ServiceDefinition]:
    """Certificates a kiosk may issue: the "kiosk" channel, a certificate as outcome, and
    nothing to upload (a kiosk has no scanner), cheapest first within each agency's order."""
    return [
        s
        for s in catalogue.services
        if KIOSK_CHANNEL in s.channels
        and s.outcome == "certificate"
        and s.certificate is not None
        and not any(u.required for u in s.uploads)
    ]


def get_kiosk_service(catalogue: Catalogue, code: str) -> ServiceDefinition:
    """The kiosk service `code`; refuses codes not offered at kiosks as if unknown."""
    try:
        service = catalogue.get(code)
    except UnknownServiceError:
        raise ServiceNotAtKioskError() from None
    if service not in kiosk_services(catalogue):
        raise ServiceNotAtKioskError()
    return service


# -- activity ------------------------------------------------------------------------------------


def touch_session(db: Session, session: KioskSession, *, now: datetime | None = None) -> None:
    """Records that the citizen did something (a page, a tap, "I am still here")."""
    session.last_activity_at = now or utcnow()
    db.add(session)
    db.flush()


def idle_expired(session: KioskSession, *, limit: timedelta, now: datetime | None = None) -> bool:
    """True when nobody has touched the kiosk for longer than `limit` (the page's idle time
    plus its "are you still there?" countdown): the next person may be standing there."""
    last = session.last_activity_at or session.created_at
    return (now or utcnow()) - last > limit


# -- choosing and filing -------------------------------------------------------------------------


def choose_service(db: Session, session: KioskSession, *, service: ServiceDefinition) -> None:
    """Sets the certificate this session is for; fixed once a petition is filed."""
    if session.petition_id is not None and session.service_code != service.code:
        raise PetitionAlreadyFiledError()
    session.service_code = service.code
    db.add(session)
    db.flush()


def idempotency_key_for(session: KioskSession) -> str:
    """One petition per kiosk session: a double tap or a resent form answers the first one.

    Derived from the session's id (itself a hash of the cookie), so it reveals nothing."""
    return "kiosk-" + hashlib.sha256(f"kiosk-petition:{session.id}".encode()).hexdigest()[:40]


def consent_items(service: ServiceDefinition) -> list[str]:
    """The datasets whose fetch needs the citizen's consent ("I agree" covers exactly these)."""
    return [e.dataset for e in service.evidence if e.consent_required]


def file_kiosk_petition(
    db: Session,
    *,
    session: KioskSession,
    citizen: Citizen,
    service: ServiceDefinition,
    answers: dict[str, str],
    agreed: bool,
) -> Petition:
    """Files the session's petition as the web does (same validation), channel "kiosk".

    `agreed` is the citizen tapping "I agree" under the list of what will be fetched, from
    whom and why; without it nothing is filed. A kiosk cannot take a copy instead.
    """
    if session.petition_id is not None:
        petition = db.get(Petition, session.petition_id)
        if petition is not None:
            return petition
    if consent_items(service) and not agreed:
        raise KioskConsentNeededError()
    petition = submit_petition(
        db,
        citizen=citizen,
        service=service,
        consented_datasets=consent_items(service) if agreed else [],
        answers=answers,
        channel=KIOSK_CHANNEL,
        idempotency_key=idempotency_key_for(session),
    )
    session.service_code = service.code
    session.petition_id = petition.id
    db.add(session)
    db.flush()
    return petition


# -- where the journey stands --------------------------------------------------------------------


@dataclass(frozen=True)
class JourneyStep:
    step: str
    petition: Petition | None = None
    document: Document | None = None


def journey_step(db: Session, session: KioskSession) -> JourneyStep:
    """The step the session is at; records the issued document on the session when it appears."""
    if session.service_code is None:
        return JourneyStep(CHOOSE)
    if session.petition_id is None:
        return JourneyStep(CONFIRM)
    petition = db.get(Petition, session.petition_id)
    if petition is None or petition.citizen_id != session.citizen_id:
        return JourneyStep(CONFIRM)
    if petition.state in _REFUSED_STATES:
        return JourneyStep(REFUSED, petition)
    if petition.state in _WAITING_STATES:
        return JourneyStep(WAIT, petition)
    if petition.state != PetitionState.ISSUED:
        return JourneyStep(REVIEW, petition)  # an officer acts next; the mailbox will tell
    document = _session_document(db, session, petition)
    if document is None:
        return JourneyStep(REVIEW, petition)  # a letter or a record: nothing to print here
    if not is_released(db, document_id=document.id):  # type: ignore[arg-type]
        return JourneyStep(PAY, petition, document)
    return JourneyStep(PRINT, petition, document)


def _session_document(db: Session, session: KioskSession, petition: Petition) -> Document | None:
    if session.document_id is not None:
        document = db.get(Document, session.document_id)
        if document is not None and document.citizen_id == session.citizen_id:
            return document
    document = db.exec(select(Document).where(Document.petition_id == petition.id)).first()
    if document is None or document.citizen_id != session.citizen_id:
        return None
    session.document_id = document.id
    db.add(session)
    db.flush()
    return document
