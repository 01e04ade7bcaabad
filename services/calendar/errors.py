"""Errors of the holiday calendar.

PortalError
├── BadRequestError
│   └── InvalidHolidayError     400  not a date, out of range, a name missing or too long
├── NotFoundError
│   └── HolidayNotFoundError    404  removing a day that is not a holiday
└── ConflictError
    └── HolidayExistsError      409  adding a day that already is one
"""

from __future__ import annotations

from portal.errors import BadRequestError, ConflictError, NotFoundError


class InvalidHolidayError(BadRequestError):
    code = "invalid_holiday"
    default_th = "วันหยุดไม่ถูกต้อง กรุณาระบุวันที่ (ปปปป-ดด-วว แบบคริสต์ศักราช) และชื่อภาษาไทยและภาษาอังกฤษ"
    default_en = "The holiday is not valid: give a date (YYYY-MM-DD) and a Thai and an English name"


class HolidayNotFoundError(NotFoundError):
    code = "holiday_not_found"
    default_th = "วันที่นี้ไม่ได้เป็นวันหยุดในปฏิทิน"
    default_en = "This date is not a holiday in the calendar"


class HolidayExistsError(ConflictError):
    code = "holiday_exists"
    default_th = "วันที่นี้เป็นวันหยุดในปฏิทินอยู่แล้ว"
    default_en = "This date is already a holiday in the calendar"
