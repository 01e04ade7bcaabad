"""Catalogue errors.

PortalError
├── UnknownServiceError (404)     no service with that code
└── DefinitionError (ValueError)  a definition file is invalid (file and location given)
"""

from __future__ import annotations

from portal.errors import NotFoundError


class UnknownServiceError(NotFoundError):
    code = "unknown_service"
    default_th = "ไม่พบบริการที่ระบุ"
    default_en = "There is no such service"


class DefinitionError(ValueError):
    """A service definition failed validation; the message names the file and the field."""
