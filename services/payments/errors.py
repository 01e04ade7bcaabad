"""Errors of payments.

    PortalError (portal.errors)
    ├── FeeDueError               402  the document is withheld until its fee is paid
    ├── PaymentNotFoundError      404  no such payment, or not the caller's
    ├── PaymentReferenceError     400  a reference or payload the portal did not issue
    ├── CallbackSignatureError    401  the bank's callback is unsigned, stale or forged
    └── UnknownExemptionError     400  a category not in services.payments.exemptions

Each carries its Thai and English message; the portal's handler renders them.
"""

from __future__ import annotations

from typing import ClassVar

from portal.errors import (
    AuthenticationRequiredError,
    BadRequestError,
    NotFoundError,
    PortalError,
)


class FeeDueError(PortalError):
    """Raised where a withheld document would leave the portal: PDF, share link, print."""

    status_code: ClassVar[int] = 402
    code = "fee_due"
    default_th = "เอกสารนี้มีค่าธรรมเนียมที่ยังไม่ได้ชำระ กรุณาชำระด้วยพร้อมเพย์ก่อน"
    default_en = "A fee is due on this document; please pay it with PromptPay first"


class PaymentNotFoundError(NotFoundError):
    code = "payment_not_found"
    default_th = "ไม่พบรายการชำระเงินนี้"
    default_en = "There is no such payment"


class PaymentReferenceError(BadRequestError):
    code = "payment_reference"
    default_th = "เลขอ้างอิงการชำระเงินไม่ถูกต้อง"
    default_en = "The payment reference is not valid"


class CallbackSignatureError(AuthenticationRequiredError):
    code = "bad_signature"
    default_th = "ลายมือชื่ออิเล็กทรอนิกส์ของธนาคารไม่ถูกต้องหรือหมดอายุ"
    default_en = "The bank's signature is missing, stale or does not verify"


class UnknownExemptionError(BadRequestError):
    code = "unknown_exemption"
    default_th = "ไม่รู้จักประเภทการยกเว้นค่าธรรมเนียมนี้"
    default_en = "Unknown fee exemption category"
