"""Errors that carry their HTTP status and a message in Thai and English.

    PortalError
    ├── BadRequestError            400  malformed or impossible input
    ├── AuthenticationRequiredError 401 sign in first / token missing or invalid
    ├── ForbiddenError             403
    ├── NotFoundError              404  also used for "exists but not yours"
    ├── ConflictError              409
    ├── PayloadTooLargeError       413
    ├── UnsupportedMediaTypeError  415
    └── ServiceUnavailableError    503  a dependency (provider, registry) is down
        └── DatabaseUnavailableError    the database is unreachable or restarting

Domain packages raise these (or subclasses in their own `errors.py`); one handler in
`portal.app` turns them into an HTML page or a JSON body. Nothing else answers with an error.
"""

from __future__ import annotations

from typing import Any, ClassVar


class PortalError(Exception):
    """Base of every error the portal shows to a person or an API client."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "error"
    default_th: ClassVar[str] = "เกิดข้อผิดพลาด"
    default_en: ClassVar[str] = "Something went wrong"

    def __init__(
        self, message_en: str | None = None, message_th: str | None = None, **details: Any
    ):
        self.message_en = message_en or self.default_en
        self.message_th = message_th or self.default_th
        self.details = details
        super().__init__(self.message_en)

    def message(self, lang: str) -> str:
        return self.message_th if lang == "th" else self.message_en

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "error": self.code,
            "message": {"th": self.message_th, "en": self.message_en},
        }
        if self.details:
            body["details"] = self.details
        return body


class BadRequestError(PortalError):
    status_code = 400
    code = "bad_request"
    default_th = "คำขอไม่ถูกต้อง"
    default_en = "The request is not valid"


class AuthenticationRequiredError(PortalError):
    status_code = 401
    code = "authentication_required"
    default_th = "กรุณาเข้าสู่ระบบด้วยดิจิทัลไอดี"
    default_en = "Please sign in with your digital ID"


class ForbiddenError(PortalError):
    status_code = 403
    code = "forbidden"
    default_th = "คุณไม่มีสิทธิ์ดำเนินการนี้"
    default_en = "You are not allowed to do this"


class NotFoundError(PortalError):
    status_code = 404
    code = "not_found"
    default_th = "ไม่พบสิ่งที่ต้องการ"
    default_en = "Not found"


class ConflictError(PortalError):
    status_code = 409
    code = "conflict"
    default_th = "คำขอขัดแย้งกับสถานะปัจจุบัน"
    default_en = "The request conflicts with the current state"


class PayloadTooLargeError(PortalError):
    status_code = 413
    code = "payload_too_large"
    default_th = "ไฟล์มีขนาดใหญ่เกินกำหนด"
    default_en = "The file is too large"


class UnsupportedMediaTypeError(PortalError):
    status_code = 415
    code = "unsupported_media_type"
    default_th = "ประเภทไฟล์ไม่ถูกต้อง"
    default_en = "This type of file is not accepted"


class ServiceUnavailableError(PortalError):
    status_code = 503
    code = "service_unavailable"
    default_th = "ระบบที่เกี่ยวข้องไม่พร้อมให้บริการชั่วคราว กรุณาลองใหม่ภายหลัง"
    default_en = "A service the portal depends on is unavailable; please try again later"


class DatabaseUnavailableError(ServiceUnavailableError):
    """The database cannot be reached (restarting, failing over, out of connections).

    Answered with `Retry-After`; whatever the request was doing was rolled back, and a form
    or API call sent again with the same idempotency key files one petition, even if the
    commit had in fact gone through before the connection dropped.
    """

    code = "database_unavailable"
    default_th = "ระบบขัดข้องชั่วคราว กรุณาลองใหม่อีกครั้งในอีกสักครู่ หากท่านกำลังยื่นคำขอ การส่งซ้ำจะไม่ทำให้เกิดคำขอซ้ำ"
    default_en = (
        "The portal is briefly unavailable; please try again in a moment. If you were "
        "filing a petition, sending it again will not file it twice"
    )
    retry_after_seconds: ClassVar[int] = 5


# SQLSTATE classes of a server that went away or is not taking work: connection exception,
# insufficient resources, operator intervention (shutdown, "the database system is starting
# up").
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether a database error means "try again shortly" rather than a bug.

    A dropped or refused connection, a server shutting down or starting up, an exhausted
    connection pool, SQLite's busy timeout. Constraint violations, bad SQL and missing tables
    are bugs (500).
    """
    from sqlalchemy import exc as sa

    if isinstance(exc, sa.TimeoutError):  # the pool had no connection to give in time
        return True
    if not isinstance(exc, sa.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, sa.OperationalError | sa.InterfaceError):
        return False
    original = exc.orig
    if type(original).__module__.startswith("psycopg"):
        sqlstate = getattr(original, "sqlstate", None)
        # No SQLSTATE: the client library itself could not connect or lost the connection.
        return sqlstate is None or sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES
    return "database is locked" in str(original)
