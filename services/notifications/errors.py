"""Notification errors.

PortalError
└── PreferencesInvalidError (400)  an e-mail address or mobile number is not valid
"""

from __future__ import annotations

from typing import Any

from portal.errors import BadRequestError


class PreferencesInvalidError(BadRequestError):
    """`problems` maps a form field to its message (Thai, English)."""

    code = "notification_preferences_invalid"
    default_th = "กรุณาตรวจสอบช่องทางการแจ้งเตือน"
    default_en = "Please check your notification channels"

    def __init__(self, problems: dict[str, tuple[str, str]], **details: Any):
        super().__init__(**details)
        self.problems = problems
        self.details = {"fields": {f: {"th": th, "en": en} for f, (th, en) in problems.items()}}
