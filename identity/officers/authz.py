"""What an officer may do and see. Every back-office read goes through here."""

from __future__ import annotations

from identity.officers.errors import OtherAgencyError, RoleRequiredError
from identity.officers.models import Officer, OfficerRole


def has_role(officer: Officer, role: str) -> bool:
    """Portal administrators hold every role; everyone else only the roles listed."""
    return role in officer.roles or OfficerRole.PORTAL_ADMIN.value in officer.roles


def require_role(officer: Officer, role: str) -> None:
    if not officer.active or not has_role(officer, role):
        raise RoleRequiredError()


def petition_agency(service_code: str) -> str:
    """The agency that owns a service: the code's prefix, as in "dopa.residence-certificate"."""
    return service_code.split(".", 1)[0]


def can_see_petition(officer: Officer, petition_agency: str) -> bool:
    """Portal administrators see every petition; other officers only their own agency's."""
    if not officer.active:
        return False
    if OfficerRole.PORTAL_ADMIN.value in officer.roles:
        return True
    return petition_agency == officer.agency


def require_petition_access(officer: Officer, service_code: str) -> None:
    if not can_see_petition(officer, petition_agency(service_code)):
        raise OtherAgencyError()
