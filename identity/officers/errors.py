"""Back-office errors.

PortalError
├── AuthenticationRequiredError (401)
│   ├── OfficerSignInRequiredError      no live officer session: sign in at /backoffice/login
│   └── SecondFactorRequiredError       signed in, but no second factor yet
├── BadRequestError (400)
│   └── InvalidTotpCodeError            wrong, expired or already used code
│       └── TotpSecretUnreadableError   the stored secret does not open (wrong key, tampered)
├── ForbiddenError (403)
│   ├── NotAnOfficerError               the signed-in person is not an active officer
│   ├── RoleRequiredError               the officer lacks the role
│   └── OtherAgencyError                the petition belongs to another agency
├── ConflictError (409)
│   └── OfficerAlreadyRegisteredError
└── NotFoundError (404)
    └── OfficerNotFoundError
"""

from __future__ import annotations

from portal.errors import (
    AuthenticationRequiredError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
)


class OfficerSignInRequiredError(AuthenticationRequiredError):
    code = "officer_sign_in_required"
    default_th = "กรุณาเข้าสู่ระบบสำหรับเจ้าหน้าที่"
    default_en = "Please sign in to the back office"


class SecondFactorRequiredError(AuthenticationRequiredError):
    code = "second_factor_required"
    default_th = "กรุณายืนยันตัวตนปัจจัยที่สองด้วยรหัสจากแอปยืนยันตัวตน"
    default_en = "Please confirm your sign-in with a code from your authenticator app"


class InvalidTotpCodeError(BadRequestError):
    code = "invalid_totp_code"
    default_th = "รหัสยืนยันไม่ถูกต้อง หมดอายุ หรือถูกใช้ไปแล้ว กรุณารอรหัสใหม่แล้วลองอีกครั้ง"
    default_en = "The code is wrong, expired or already used; wait for a new code and try again"


class TotpSecretUnreadableError(InvalidTotpCodeError):
    """Fails closed: the officer cannot pass TOTP until an administrator resets the factor.

    A subclass of `InvalidTotpCodeError` so every caller that refuses a wrong code refuses this
    too; it never counts as a wrong code against the session.
    """

    code = "totp_secret_unreadable"
    default_th = "ไม่สามารถตรวจสอบรหัสยืนยันได้ กรุณาติดต่อผู้ดูแลระบบเพื่อตั้งค่าการยืนยันตัวตนปัจจัยที่สองใหม่"
    default_en = "Your second factor cannot be checked; ask an administrator to set it up again"


class NotAnOfficerError(ForbiddenError):
    code = "not_an_officer"
    default_th = "บัญชีนี้ไม่ได้รับสิทธิ์เข้าใช้ระบบเจ้าหน้าที่"
    default_en = "This account is not allowed into the back office"


class RoleRequiredError(ForbiddenError):
    code = "role_required"
    default_th = "ท่านไม่มีบทบาทที่จำเป็นสำหรับการดำเนินการนี้"
    default_en = "You do not have the role this needs"


class OtherAgencyError(ForbiddenError):
    code = "other_agency"
    default_th = "คำขอนี้อยู่ในความรับผิดชอบของหน่วยงานอื่น"
    default_en = "This petition belongs to another agency"


class OfficerAlreadyRegisteredError(ConflictError):
    code = "officer_already_registered"
    default_th = "เลขประจำตัวประชาชนนี้ลงทะเบียนเป็นเจ้าหน้าที่แล้ว"
    default_en = "This citizen ID is already registered as an officer"


class OfficerNotFoundError(NotFoundError):
    code = "officer_not_found"
    default_th = "ไม่พบเจ้าหน้าที่"
    default_en = "No such officer"
