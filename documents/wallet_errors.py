"""Errors of the wallet: revoking, reissuing and sharing documents.

    PortalError (portal.errors)
    ├── DocumentNotFoundError        404  no such document, or not the caller's
    ├── DocumentRevokedError         409  revoked: cannot be shared, reissued or revoked again
    ├── DocumentSupersededError      409  already replaced by a newer document
    ├── NotReissuableError           409  not issued from a petition (nothing to re-read)
    ├── InvalidRevocationReasonError 400
    ├── InvalidShareError            400  recipient, purpose, expiry or maximum views out of range
    ├── ShareLinkNotFoundError       404  unknown token or share id
    └── ShareLinkGoneError           410  expired, revoked, used up, or its document revoked

Each carries its Thai and English message; the portal's handler renders them.
"""

from __future__ import annotations

from typing import ClassVar

from portal.errors import BadRequestError, ConflictError, NotFoundError, PortalError


class DocumentNotFoundError(NotFoundError):
    code = "document_not_found"
    default_th = "ไม่พบเอกสารเลขที่นี้"
    default_en = "There is no document with this number"


class DocumentRevokedError(ConflictError):
    code = "document_revoked"
    default_th = "เอกสารนี้ถูกเพิกถอนแล้ว"
    default_en = "This document has been revoked"


class DocumentSupersededError(ConflictError):
    code = "document_superseded"
    default_th = "เอกสารนี้ถูกแทนที่ด้วยฉบับใหม่แล้ว"
    default_en = "This document has been replaced by a newer one"


class NotReissuableError(ConflictError):
    code = "document_not_reissuable"
    default_th = "เอกสารนี้ไม่ได้ออกจากคำขอในระบบ จึงออกใหม่อัตโนมัติไม่ได้ กรุณาติดต่อหน่วยงาน"
    default_en = (
        "This document was not issued from a petition on the portal, so it cannot be reissued "
        "automatically; please contact the agency"
    )


class InvalidRevocationReasonError(BadRequestError):
    code = "invalid_revocation_reason"
    default_th = "กรุณาระบุเหตุผลในการเพิกถอน 3 ถึง 500 ตัวอักษร"
    default_en = "Please give a reason for the revocation, 3 to 500 characters"


class InvalidShareError(BadRequestError):
    code = "invalid_share"
    default_th = "ข้อมูลการแชร์ไม่ถูกต้อง"
    default_en = "The sharing details are not valid"


class ShareLinkNotFoundError(NotFoundError):
    code = "share_link_not_found"
    default_th = "ไม่พบลิงก์นี้ กรุณาตรวจสอบว่าคัดลอกลิงก์มาครบถ้วน"
    default_en = "This link does not exist; please check that it was copied in full"


class ShareLinkGoneError(PortalError):
    """410: the link existed but no longer opens; `reason` says why (for the page)."""

    status_code: ClassVar[int] = 410
    code = "share_link_gone"
    default_th = "ลิงก์นี้ใช้ไม่ได้แล้ว"
    default_en = "This link no longer works"

    MESSAGES: ClassVar[dict[str, tuple[str, str]]] = {
        "expired": ("ลิงก์นี้หมดอายุแล้ว", "This link has expired"),
        "revoked": ("เจ้าของเอกสารยกเลิกลิงก์นี้แล้ว", "The owner of the document has revoked this link"),
        "used_up": (
            "ลิงก์นี้ถูกเปิดครบจำนวนครั้งที่กำหนดแล้ว",
            "This link has been opened as many times as it allows",
        ),
        "document_revoked": (
            "เอกสารที่แชร์ถูกเพิกถอนแล้ว",
            "The shared document has been revoked",
        ),
    }

    def __init__(self, reason: str) -> None:
        th, en = self.MESSAGES[reason]
        super().__init__(
            f"{en}. Ask the person who shared it for a new link.",
            f"{th} กรุณาขอลิงก์ใหม่จากผู้ที่แชร์ให้ท่าน",
            reason=reason,
        )
        self.reason = reason
