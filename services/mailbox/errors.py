"""Mailbox errors.

PortalError
└── MessageNotFoundError (404)  unknown, or another citizen's message
"""

from __future__ import annotations

from portal.errors import NotFoundError


class MessageNotFoundError(NotFoundError):
    code = "message_not_found"
    default_th = "ไม่พบข้อความที่ระบุ"
    default_en = "There is no such message"
