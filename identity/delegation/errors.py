"""Delegation errors.

PortalError
├── BadRequestError (400)
│   ├── InvalidGranteeError          not a valid citizen ID, or the grantor's own
│   ├── InvalidDelegationExpiryError not in the future, or more than a year away
│   └── InvalidDelegationScopeError  no services, or an unknown one
├── ForbiddenError (403)
│   └── NoActiveDelegationError      acting for someone without a live delegation for this service
└── NotFoundError (404)
    └── DelegationNotFoundError      unknown, or someone else's
"""

from __future__ import annotations

from portal.errors import BadRequestError, ForbiddenError, NotFoundError


class InvalidGranteeError(BadRequestError):
    code = "invalid_grantee"
    default_th = "เลขประจำตัวประชาชนของผู้รับมอบไม่ถูกต้อง หรือเป็นเลขของท่านเอง"
    default_en = "The grantee's citizen ID is not valid, or it is your own"


class InvalidDelegationExpiryError(BadRequestError):
    code = "invalid_delegation_expiry"
    default_th = "วันหมดอายุของการมอบอำนาจต้องอยู่ในอนาคตและไม่เกินหนึ่งปี"
    default_en = "A delegation must expire in the future and within one year"


class InvalidDelegationScopeError(BadRequestError):
    code = "invalid_delegation_scope"
    default_th = "กรุณาเลือกบริการที่มอบอำนาจอย่างน้อยหนึ่งรายการ"
    default_en = "Please choose at least one service to delegate"


class NoActiveDelegationError(ForbiddenError):
    code = "no_active_delegation"
    default_th = "ท่านไม่ได้รับมอบอำนาจที่ยังมีผลให้ยื่นคำขอบริการนี้แทนบุคคลดังกล่าว"
    default_en = "You do not hold a current delegation to apply for this service for that person"


class DelegationNotFoundError(NotFoundError):
    code = "delegation_not_found"
    default_th = "ไม่พบการมอบอำนาจ"
    default_en = "No such delegation"
