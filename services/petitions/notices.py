"""What a petition's state change tells its citizen, as a message in their portal mailbox.

| change                                  | message (kind)                                     |
|-----------------------------------------|----------------------------------------------------|
| submitted (from None)                   | receipt: service, number, expected date            |
| submitted into awaiting_approval        | receipt, saying it waits for the approver          |
| → supplement_requested                  | supplement_request: what is asked, where to answer |
| supplement_requested → (anything open)  | receipt of the answer                              |
| → approved, decided by an officer       | decision                                           |
| → rejected                              | decision with the reason and how to appeal         |
| → issued                                | document: number and link (approval included when  |
|                                         | it was automatic, so one message, not two)         |
| internal steps (evidence, review, …)    | nothing                                            |

The message goes to the person the petition is for; a delegate who filed it gets a copy
(kind notice). Written in the transaction of the state change, with its notifications.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from documents.dates import format_english_date, format_thai_date
from services.mailbox.models import MessageKind
from services.mailbox.service import post_to_mailbox
from services.petitions.models import Petition, PetitionState

# Administrative Procedure Act B.E. 2539 (1996), s. 44: an appeal within 15 days of notice.
APPEAL_TH = (
    "หากไม่เห็นด้วยกับคำสั่งนี้ ท่านอุทธรณ์ได้ภายใน 15 วันนับแต่วันที่ได้รับแจ้ง "
    "โดยยื่นต่อหน่วยงานที่ออกคำสั่ง (พระราชบัญญัติวิธีปฏิบัติราชการทางปกครอง พ.ศ. 2539 มาตรา 44)"
)
APPEAL_EN = (
    "If you disagree with this decision you may appeal within 15 days of receiving it, to the "
    "agency that made it (Administrative Procedure Act B.E. 2539, section 44)."
)
_AUTOMATIC_APPROVAL_EN = "Approved automatically"  # services.petitions.processing._AUTO_APPROVED

_OPEN_AFTER_SUPPLEMENT = {
    PetitionState.IN_REVIEW,
    PetitionState.SUBMITTED,
    PetitionState.EVIDENCE_PENDING,
}


def on_state_change(
    db: Session, petition: Petition, *, from_state: str | None, to_state: str, note: str = ""
) -> None:
    """Posts the mailbox message (and queues the notifications) a state change calls for."""
    content = _message_for(petition, from_state=from_state, to_state=to_state, note=note)
    if content is None:
        return
    kind, subject_th, subject_en, body_th, body_en = content
    document_number = petition.document_number if to_state == PetitionState.ISSUED else None
    if document_number:
        from services.payments.notices import fee_note  # issue 7: say when a fee is due

        note = fee_note(db, petition)
        if note is not None:
            body_th, body_en = f"{body_th}\n\n{note[0]}", f"{body_en}\n\n{note[1]}"
    post_to_mailbox(
        db,
        citizen_id=petition.citizen_id,
        kind=kind,
        subject_th=subject_th,
        subject_en=subject_en,
        body_th=body_th,
        body_en=body_en,
        petition_id=petition.id,
        document_number=document_number,
    )
    if petition.filed_by_id is not None and petition.filed_by_id != petition.citizen_id:
        post_to_mailbox(
            db,
            citizen_id=petition.filed_by_id,
            kind=MessageKind.NOTICE,
            subject_th=f"สำเนา: {subject_th}",
            subject_en=f"Copy: {subject_en}",
            body_th="ท่านได้รับสำเนานี้เพราะท่านยื่นคำขอนี้แทนผู้อื่น\n\n" + body_th,
            body_en="You receive this copy because you filed this petition for someone else.\n\n"
            + body_en,
            petition_id=petition.id,
            document_number=document_number,
        )


def _message_for(
    petition: Petition, *, from_state: str | None, to_state: str, note: str
) -> tuple[MessageKind, str, str, str, str] | None:
    name_th, name_en = _service_names(petition)
    number_th = f"เลขที่คำขอ: {petition.id}"
    number_en = f"Petition number: {petition.id}"
    status_path = f"/petitions/{petition.id}"

    if from_state is None:
        body_th = [f"ได้รับคำขอ{name_th}ของท่านแล้ว", number_th]
        body_en = [f"We have received your petition for {name_en}.", number_en]
        if petition.due_on is not None:
            body_th.append(f"คาดว่าจะดำเนินการแล้วเสร็จภายในวันที่ {_th(petition.due_on)}")
            body_en.append(f"We expect to finish it by {_en(petition.due_on)}.")
        if to_state == PetitionState.AWAITING_APPROVAL:
            body_th.append(
                "คำขอนี้ต้องได้รับความยินยอมจากบุคคลที่ท่านระบุ (เช่น เจ้าบ้าน) ก่อน "
                "เมื่อผู้นั้นยินยอมในบัญชีของตนแล้ว เราจะดำเนินการต่อทันที"
            )
            body_en.append(
                "It first needs the agreement of the person you named (such as the house "
                "owner); once they agree in their own account, we carry on at once."
            )
        body_th.append(f"ติดตามสถานะได้ที่ {status_path}")
        body_en.append(f"Follow it at {status_path}")
        return (
            MessageKind.RECEIPT,
            f"ได้รับคำขอแล้ว: {name_th}",
            f"Petition received: {name_en}",
            "\n\n".join(body_th),
            "\n\n".join(body_en),
        )

    if to_state == PetitionState.SUPPLEMENT_REQUESTED:
        asked = note.strip() or "-"
        answer_path = f"/petitions/{petition.id}/supplement"
        return (
            MessageKind.SUPPLEMENT_REQUEST,
            f"ขอเอกสารหรือข้อมูลเพิ่มเติม: {name_th}",
            f"More information needed: {name_en}",
            "\n\n".join(
                [
                    f"เจ้าหน้าที่ขอข้อมูลหรือเอกสารเพิ่มเติมสำหรับคำขอ{name_th}ของท่าน",
                    number_th,
                    f"สิ่งที่ขอ:\n{asked}",
                    f"ระยะเวลาดำเนินการหยุดนับระหว่างรอท่าน กรุณาตอบในพอร์ทัลที่ {answer_path}",
                ]
            ),
            "\n\n".join(
                [
                    f"The officer needs more information or documents for your petition for "
                    f"{name_en}.",
                    number_en,
                    f"What is asked:\n{asked}",
                    f"The processing clock is paused while we wait for you. Please answer in the "
                    f"portal at {answer_path}",
                ]
            ),
        )

    if from_state == PetitionState.SUPPLEMENT_REQUESTED and to_state in _OPEN_AFTER_SUPPLEMENT:
        return (
            MessageKind.RECEIPT,
            f"ได้รับข้อมูลเพิ่มเติมแล้ว: {name_th}",
            f"Your answer was received: {name_en}",
            f"ได้รับข้อมูลเพิ่มเติมสำหรับคำขอ{name_th}แล้ว เจ้าหน้าที่จะพิจารณาต่อ\n\n{number_th}",
            f"We received your answer for {name_en}; the officer carries on.\n\n{number_en}",
        )

    if to_state == PetitionState.APPROVED:
        if petition.decision_reason_en == _AUTOMATIC_APPROVAL_EN:
            return None  # the issued message follows within seconds and says so
        reason_th = petition.decision_reason_th.strip()
        reason_en = petition.decision_reason_en.strip()
        return (
            MessageKind.DECISION,
            f"อนุมัติคำขอแล้ว: {name_th}",
            f"Petition approved: {name_en}",
            "\n\n".join(
                [f"คำขอ{name_th}ของท่านได้รับอนุมัติแล้ว", number_th]
                + ([f"หมายเหตุ: {reason_th}"] if reason_th else [])
                + ["เราจะแจ้งท่านอีกครั้งเมื่อเอกสารพร้อม"]
            ),
            "\n\n".join(
                [f"Your petition for {name_en} has been approved.", number_en]
                + ([f"Note: {reason_en}"] if reason_en else [])
                + ["We will tell you again when the document is ready."]
            ),
        )

    if to_state == PetitionState.REJECTED:
        reason_th = petition.decision_reason_th.strip() or note.strip() or "-"
        reason_en = petition.decision_reason_en.strip() or note.strip() or "-"
        return (
            MessageKind.DECISION,
            f"ไม่อนุมัติคำขอ: {name_th}",
            f"Petition rejected: {name_en}",
            "\n\n".join(
                [f"คำขอ{name_th}ของท่านไม่ได้รับอนุมัติ", number_th, f"เหตุผล: {reason_th}", APPEAL_TH]
            ),
            "\n\n".join(
                [
                    f"Your petition for {name_en} was rejected.",
                    number_en,
                    f"Reason: {reason_en}",
                    APPEAL_EN,
                ]
            ),
        )

    if to_state == PetitionState.ISSUED:
        automatic = petition.decision_reason_en == _AUTOMATIC_APPROVAL_EN
        body_th = [f"คำขอ{name_th}ของท่านได้รับอนุมัติแล้ว" if automatic else "", number_th]
        body_en = [
            f"Your petition for {name_en} has been approved." if automatic else "",
            number_en,
        ]
        if petition.document_number:
            path = f"/documents/{petition.document_number}"
            body_th += [
                f"เอกสารของท่านพร้อมแล้ว เลขที่เอกสาร: {petition.document_number}",
                f"ดาวน์โหลดได้ที่ {path} และตรวจสอบความถูกต้องได้ที่ /verify/{petition.document_number}",
            ]
            body_en += [
                f"Your document is ready. Document number: {petition.document_number}",
                f"Download it at {path}; anyone can check it at /verify/{petition.document_number}",
            ]
        else:
            body_th.append("ดำเนินการตามคำขอเสร็จสิ้นแล้ว")
            body_en.append("Your petition has been completed.")
        return (
            MessageKind.DOCUMENT,
            f"เอกสารพร้อมแล้ว: {name_th}" if petition.document_number else f"เสร็จสิ้น: {name_th}",
            f"Your document is ready: {name_en}"
            if petition.document_number
            else f"Completed: {name_en}",
            "\n\n".join(p for p in body_th if p),
            "\n\n".join(p for p in body_en if p),
        )
    return None  # internal steps: evidence, review, approval received, withdrawal


def _service_names(petition: Petition) -> tuple[str, str]:
    name = (petition.definition or {}).get("name") or {}
    if name.get("th") and name.get("en"):
        return name["th"], name["en"]
    from services.catalogue.errors import UnknownServiceError
    from services.catalogue.service import get_catalogue

    try:
        text = get_catalogue().get(petition.service_code).name
        return text.th, text.en
    except UnknownServiceError:
        return petition.service_code, petition.service_code


def _th(day: date) -> str:
    return format_thai_date(day)


def _en(day: date) -> str:
    return format_english_date(day)
