"""Kiosk errors.

PortalError
├── BadRequestError (400)
│   └── InvalidActivationCodeError      unknown, used or expired activation code
├── ForbiddenError (403)
│   ├── KioskNotRegisteredError         no valid device credential: not a registered kiosk
│   └── KioskSignInNotFoundError        no pending phone sign-in for this kiosk
├── AuthenticationRequiredError (401)
│   └── KioskSessionRequiredError       no live kiosk session (never started, finished, expired)
└── NotFoundError (404)
    └── KioskNotFoundError
"""

from __future__ import annotations

from portal.errors import (
    AuthenticationRequiredError,
    BadRequestError,
    ForbiddenError,
    NotFoundError,
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
