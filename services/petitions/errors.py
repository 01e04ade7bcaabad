"""Petition errors.

PortalError
├── ConsentRequiredError (400)   evidence needs consent that was not given
├── InvalidAnswersError (400)    form answers missing or not allowed
├── ChannelNotOfferedError (400) the service is not offered on this channel
├── AssuranceTooLowError (403)   the sign-in's IAL is below the service's minimum
├── PetitionNotFoundError (404)  unknown, or someone else's
├── IdempotencyConflictError (409) the same key was used for a different petition
├── NotClaimedError (409)        an officer acts on a petition they do not hold
├── PetitionNotInReviewError (409) a decision on a petition not in review
├── SecondApprovalSameOfficerError (409) a two-officer service approved twice by one officer
├── ReasonRequiredError (400)    a rejection or transfer without a reason
├── SupplementInvalidError (400) a supplement request asking for nothing or for unknown fields
├── NoSupplementRequestedError (409) answering when nothing is asked
├── SupplementAlreadyAnsweredError (409) answering the same request twice
├── UnknownOfficeError (400)     a transfer to an unknown, inactive or other agency's office
└── MessageInvalidError (400)    an empty or too long message or note
"""

from __future__ import annotations

from portal.errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError


class ConsentRequiredError(BadRequestError):
    code = "consent_required"
    default_th = (
        "บริการนี้ต้องได้รับความยินยอมจากท่านเพื่อดึงข้อมูลจากหน่วยงานเจ้าของข้อมูล กรุณาให้ความยินยอมสำหรับทุกรายการ"
    )
    default_en = (
        "This service needs your consent to fetch the data from the agency that holds it; "
        "please consent to every item"
    )


class InvalidAnswersError(BadRequestError):
    code = "invalid_answers"
    default_th = "กรุณากรอกข้อมูลในแบบคำขอให้ครบถ้วนและถูกต้อง"
    default_en = "Please complete the form correctly"


class ChannelNotOfferedError(BadRequestError):
    code = "channel_not_offered"
    default_th = "บริการนี้ไม่เปิดให้ยื่นผ่านช่องทางนี้"
    default_en = "This service is not offered on this channel"


class AssuranceTooLowError(ForbiddenError):
    code = "assurance_too_low"
    default_th = "บริการนี้ต้องยืนยันตัวตนในระดับที่สูงขึ้น"
    default_en = "This service needs a higher identity assurance level"


class PetitionNotFoundError(NotFoundError):
    code = "petition_not_found"
    default_th = "ไม่พบคำขอที่ระบุ"
    default_en = "There is no such petition"


class IdempotencyConflictError(ConflictError):
    code = "idempotency_conflict"
    default_th = "รหัสป้องกันการยื่นซ้ำนี้ถูกใช้กับคำขออื่นแล้ว"
    default_en = "This idempotency key was already used for a different petition"


class UploadRejectedError(BadRequestError):
    """An uploaded file was empty, too large or not a PDF, JPEG or PNG (checked by content)."""

    code = "upload_rejected"
    default_th = "ไฟล์ที่แนบไม่ถูกต้อง กรุณาแนบไฟล์ PDF, JPEG หรือ PNG ขนาดไม่เกินที่กำหนด"
    default_en = (
        "The attached file was not accepted: attach a PDF, JPEG or PNG within the size limit"
    )


class UploadRequiredError(BadRequestError):
    code = "upload_required"
    default_th = "กรุณาแนบเอกสารที่ระบุ หรือให้ความยินยอมให้ระบบดึงข้อมูลแทน"
    default_en = (
        "Please attach the document named, or consent to the portal fetching the data instead"
    )


class ApprovalNotFoundError(NotFoundError):
    code = "approval_not_found"
    default_th = "ไม่พบคำขอความยินยอมที่ระบุ หรือได้ตัดสินใจไปแล้ว"
    default_en = "There is no such request for your approval, or it was already decided"


class ApproverInvalidError(BadRequestError):
    code = "approver_invalid"
    default_th = "เลขประจำตัวประชาชนของผู้ให้ความยินยอมไม่ถูกต้อง"
    default_en = "The citizen ID of the person who must approve is not valid"


class PersonNotYoursError(ForbiddenError):
    """A form names another person whose records would be read, and the petitioner may not act
    for them: nobody may look a stranger up by typing their citizen ID."""

    code = "person_not_yours"
    default_th = (
        "ท่านระบุได้เฉพาะบุตรที่ทะเบียนราษฎรแสดงว่าเป็นบุตรของท่าน หรือผู้ที่มอบอำนาจให้ท่าน "
        "กรุณาค้นหาบุตรของท่านที่หน้า “ทำแทนผู้อื่น” ก่อน"
    )
    default_en = (
        "You can name only a child the population register shows as yours, or someone who "
        "gave you a delegation: first find your children under “Acting for others”"
    )


class NotClaimedError(ConflictError):
    code = "not_claimed"
    default_th = "ท่านต้องรับเรื่องนี้ไว้ดำเนินการก่อน หรือเรื่องนี้มีเจ้าหน้าที่ท่านอื่นรับไปแล้ว"
    default_en = "Claim this petition first, or another officer already holds it"


# -- officers' casework (decisions, supplements, transfers, notes, messages) --------------------


class PetitionNotInReviewError(ConflictError):
    """An officer's decision or request on a petition that is not (or no longer) in review."""

    code = "petition_not_in_review"
    default_th = "คำขอนี้ไม่อยู่ในขั้นตอนการพิจารณาของเจ้าหน้าที่ จึงดำเนินการนี้ไม่ได้"
    default_en = "This petition is not under review by an officer, so this cannot be done"


class SecondApprovalSameOfficerError(ConflictError):
    code = "second_approval_same_officer"
    default_th = "บริการนี้ต้องได้รับการอนุมัติจากเจ้าหน้าที่สองคน การอนุมัติครั้งที่สองต้องเป็นของเจ้าหน้าที่อีกท่านหนึ่ง"
    default_en = (
        "This service needs the approval of two officers: "
        "the second approval must come from a different officer"
    )


class ReasonRequiredError(BadRequestError):
    code = "reason_required"
    default_th = "กรุณาระบุเหตุผลให้ชัดเจน (อย่างน้อย 10 ตัวอักษร)"
    default_en = "Please give a clear reason (at least 10 characters)"


class SupplementInvalidError(BadRequestError):
    """A supplement request names nothing to supply, an unknown field, or has no message."""

    code = "supplement_invalid"
    default_th = "กรุณาเลือกข้อมูลหรือเอกสารที่ต้องการอย่างน้อยหนึ่งรายการ และเขียนข้อความถึงผู้ยื่นคำขอ"
    default_en = (
        "Choose at least one field or document to ask for, and write a message to the citizen"
    )


class NoSupplementRequestedError(ConflictError):
    code = "no_supplement_requested"
    default_th = "คำขอนี้ไม่มีการขอข้อมูลเพิ่มเติมที่รอคำตอบ"
    default_en = "Nothing is being asked for on this petition"


class SupplementAlreadyAnsweredError(ConflictError):
    code = "supplement_already_answered"
    default_th = "ท่านได้ส่งข้อมูลเพิ่มเติมนี้ไปแล้ว เจ้าหน้าที่กำลังพิจารณา"
    default_en = "You already answered this request; an officer is reviewing your answer"


class UnknownOfficeError(BadRequestError):
    code = "unknown_office"
    default_th = "ไม่พบสำนักงานปลายทาง หรือสำนักงานนั้นไม่ได้อยู่ในหน่วยงานเดียวกัน"
    default_en = "There is no such active office of this agency to transfer to"


class MessageInvalidError(BadRequestError):
    code = "message_invalid"
    default_th = "กรุณาเขียนข้อความ (ไม่เกิน 2,000 ตัวอักษร)"
    default_en = "Please write a message (at most 2,000 characters)"


class CertificateDataError(ValueError):
    """The registers' data cannot make the certificate asked for (no record of the tax year,
    not resident): not a passing fault, so processing hands the petition to an officer rather
    than retrying."""
