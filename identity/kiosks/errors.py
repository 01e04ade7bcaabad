"""Kiosk errors.

PortalError
├── BadRequestError (400)
│   ├── InvalidActivationCodeError      unknown, used or expired activation code
│   ├── InvalidPrintModeError           print mode other than 'browser' or 'cups'
│   └── InvalidPrinterStatusError       printer status not in PRINTER_STATUSES
├── ForbiddenError (403)
│   ├── KioskNotRegisteredError         no valid device credential: not a registered kiosk
│   │   └── KioskOutOfServiceError      a registered kiosk an administrator has disabled
│   ├── KioskSignInNotFoundError        no pending phone sign-in for this kiosk
│   ├── DocumentNotForSessionError      the document is not the signed-in citizen's
│   └── ReprintNotAllowedError          printed before, in another session
├── AuthenticationRequiredError (401)
│   ├── KioskSessionRequiredError       no live kiosk session (never started, finished, expired)
│   └── KioskAgentCredentialError       the print agent's credential is missing or wrong
├── ConflictError (409)
│   ├── KioskAlreadyRegisteredError     an active kiosk of that name at that location exists
│   ├── DocumentNotValidError           revoked or superseded: not to be printed
│   ├── PrintLimitReachedError          the copies allowed in one session are used up
│   └── PrintJobClosedError             the job was cancelled or finished; no further report
├── FeeDueError (402)                   the document's fee is not paid (or waived) yet
└── NotFoundError (404)
    ├── KioskNotFoundError
    └── KioskPrintNotFoundError         no such print for this kiosk (and session)
"""

from __future__ import annotations

from portal.errors import (
    AuthenticationRequiredError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PortalError,
)


class InvalidActivationCodeError(BadRequestError):
    code = "invalid_activation_code"
    default_th = "รหัสเปิดใช้งานไม่ถูกต้อง ถูกใช้ไปแล้ว หรือหมดอายุ กรุณาขอรหัสใหม่จากผู้ดูแลระบบ"
    default_en = (
        "The activation code is wrong, already used or expired; ask the administrator for a new one"
    )


class KioskNotRegisteredError(ForbiddenError):
    code = "kiosk_not_registered"
    default_th = "เครื่องนี้ไม่ได้ลงทะเบียนเป็นตู้บริการ"
    default_en = "This device is not registered as a kiosk"


class KioskSignInNotFoundError(ForbiddenError):
    code = "kiosk_sign_in_not_found"
    default_th = "ไม่พบการเข้าสู่ระบบที่รออยู่ กรุณาเริ่มใหม่"
    default_en = "There is no sign-in waiting on this kiosk; please start again"


class KioskSessionRequiredError(AuthenticationRequiredError):
    code = "kiosk_session_required"
    default_th = "กรุณาเข้าสู่ระบบด้วยโทรศัพท์ของท่าน"
    default_en = "Please sign in with your phone"


class KioskNotFoundError(NotFoundError):
    code = "kiosk_not_found"
    default_th = "ไม่พบตู้บริการ"
    default_en = "No such kiosk"


class KioskOutOfServiceError(KioskNotRegisteredError):
    """A subclass of "not registered", so every handler of that one shows this page too."""

    code = "kiosk_out_of_service"
    default_th = "ตู้บริการนี้งดให้บริการชั่วคราว ขออภัยในความไม่สะดวก"
    default_en = "This kiosk is not in service; we are sorry for the inconvenience"


class InvalidPrintModeError(BadRequestError):
    code = "invalid_print_mode"
    default_th = "วิธีพิมพ์ต้องเป็น browser หรือ cups"
    default_en = "The print mode must be 'browser' or 'cups'"


class InvalidPrinterStatusError(BadRequestError):
    code = "invalid_printer_status"
    default_th = "สถานะเครื่องพิมพ์ไม่ถูกต้อง"
    default_en = "Not a known printer status"


class DocumentNotForSessionError(ForbiddenError):
    code = "kiosk_document_not_yours"
    default_th = "เอกสารนี้ไม่ใช่ของผู้ที่เข้าสู่ระบบอยู่ที่ตู้นี้"
    default_en = "This document does not belong to the person signed in at this kiosk"


class FeeDueError(PortalError):
    """402 as `services.payments.errors.FeeDueError` (the PDF download's answer)."""

    status_code = 402
    code = "kiosk_fee_due"
    default_th = "กรุณาชำระค่าธรรมเนียมก่อนพิมพ์เอกสาร"
    default_en = "Please pay the fee before the document is printed"


class ReprintNotAllowedError(ForbiddenError):
    code = "kiosk_reprint_not_allowed"
    default_th = (
        "เอกสารนี้พิมพ์ไปแล้ว พิมพ์ซ้ำได้เฉพาะระหว่างการใช้งานครั้งเดียวกัน ท่านดาวน์โหลดได้จากกระเป๋าเอกสารบนเว็บไซต์"
    )
    default_en = (
        "This document has been printed already; a reprint is possible only during the same "
        "session. You can download it from your wallet on the website"
    )


class KioskAgentCredentialError(AuthenticationRequiredError):
    code = "kiosk_agent_credential"
    default_th = "ข้อมูลยืนยันตัวตนของโปรแกรมพิมพ์ไม่ถูกต้อง หรือตู้บริการถูกปิดใช้งาน"
    default_en = "The print agent's credential is not valid, or the kiosk is disabled"


class DocumentNotValidError(ConflictError):
    code = "kiosk_document_not_valid"
    default_th = "เอกสารนี้ถูกเพิกถอน มีฉบับใหม่แทน หรือหมดอายุแล้ว จึงพิมพ์ไม่ได้"
    default_en = "This document has been revoked, replaced or has expired, so it cannot be printed"


class PrintLimitReachedError(ConflictError):
    code = "kiosk_print_limit"
    default_th = "พิมพ์ครบจำนวนที่อนุญาตในครั้งนี้แล้ว"
    default_en = "The number of copies allowed in one session has been printed"


class PrintJobClosedError(ConflictError):
    code = "kiosk_print_closed"
    default_th = "งานพิมพ์นี้ถูกยกเลิกหรือเสร็จสิ้นแล้ว"
    default_en = "This print job has been cancelled or has finished"


class KioskPrintNotFoundError(NotFoundError):
    code = "kiosk_print_not_found"
    default_th = "ไม่พบงานพิมพ์"
    default_en = "No such print job"


class KioskAlreadyRegisteredError(ConflictError):
    code = "kiosk_already_registered"
    default_th = "มีตู้บริการชื่อนี้ที่สถานที่นี้ลงทะเบียนไว้แล้ว ดูได้ในรายการตู้บริการ"
    default_en = "A kiosk of this name at this location is already registered; see the list"
