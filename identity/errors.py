"""Sign-in errors.

PortalError
├── SignInError (400)            state, nonce, code or ID token failed a check
├── InvalidTokenError (401)      bearer token missing, expired or not signed by the provider
└── ProviderUnavailableError (503) discovery, JWKS or token endpoint unreachable
"""

from __future__ import annotations

from portal.errors import AuthenticationRequiredError, BadRequestError, ServiceUnavailableError


class SignInError(BadRequestError):
    code = "sign_in_failed"
    default_th = "การเข้าสู่ระบบไม่สำเร็จ กรุณาเริ่มเข้าสู่ระบบใหม่อีกครั้ง"
    default_en = "Sign-in failed; please start signing in again"


class AssuranceNotReachedError(SignInError):
    code = "assurance_not_reached"
    default_th = (
        "บริการนี้ต้องยืนยันตัวตนในระดับที่สูงขึ้น แต่การยืนยันตัวตนยังไม่ถึงระดับที่กำหนด "
        "กรุณายกระดับดิจิทัลไอดีของท่าน (เช่น ยืนยันตัวตนที่สำนักทะเบียน) แล้วลองอีกครั้ง"
    )
    default_en = (
        "This service needs a higher identity assurance level than your sign-in reached; "
        "please raise the level of your digital ID (for example at a registration office) "
        "and try again"
    )


class InvalidTokenError(AuthenticationRequiredError):
    code = "invalid_token"
    default_th = "โทเค็นไม่ถูกต้องหรือหมดอายุ"
    default_en = "The access token is invalid or has expired"


class ProviderUnavailableError(ServiceUnavailableError):
    code = "provider_unavailable"
    default_th = "ระบบยืนยันตัวตนดิจิทัลไม่พร้อมให้บริการชั่วคราว"
    default_en = "The digital ID provider is unavailable; please try again later"
