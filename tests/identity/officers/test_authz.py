"""Who sees which petitions."""

from __future__ import annotations

import pytest


def make(officers, agency: str, roles: list[str], active: bool = True):
    return officers.models.Officer(
        national_id="1101700230705", agency=agency, roles=roles, active=active
    )


def test_officers_see_only_their_agency(officers):
    dol = make(officers, "dol", ["officer"])
    assert officers.authz.can_see_petition(dol, "dol")
    assert not officers.authz.can_see_petition(dol, "dopa")
    with pytest.raises(officers.errors.OtherAgencyError) as caught:
        officers.authz.require_petition_access(dol, "dopa.residence-certificate")
    assert caught.value.status_code == 403 and caught.value.message_th


def test_portal_admin_sees_every_agency(officers):
    admin = make(officers, "dga", ["portal_admin"])
    assert officers.authz.can_see_petition(admin, "dopa")
    officers.authz.require_role(admin, "supervisor")


def test_disabled_officers_see_nothing(officers):
    assert not officers.authz.can_see_petition(make(officers, "dopa", ["officer"], False), "dopa")


def test_require_role(officers):
    officer = make(officers, "dopa", ["officer"])
    officers.authz.require_role(officer, "officer")
    with pytest.raises(officers.errors.RoleRequiredError):
        officers.authz.require_role(officer, "supervisor")
