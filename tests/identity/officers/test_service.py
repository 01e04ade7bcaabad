"""Officers, their sessions and their TOTP second factor, with codes computed here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from portal.errors import BadRequestError

DOPA_ID = "1101700230708"
T0 = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def clock(officers, monkeypatch):
    """The service's clock, settable by the test."""
    now = {"t": T0}
    monkeypatch.setattr(officers.service, "utcnow", lambda: now["t"])
    return now


@pytest.fixture
def officer(officers, odb):
    return officers.service.register_officer(
        odb, national_id=DOPA_ID, agency="dopa", roles=["officer"]
    )


def enrol(officers, odb, officer, clock) -> pyotp.TOTP:
    uri = officers.service.begin_totp_enrolment(odb, officer)
    totp = pyotp.parse_uri(uri)
    officers.service.confirm_totp(odb, officer, totp.at(clock["t"]))
    return totp


class TestRegisterOfficer:
    def test_registers_once_per_citizen_id(self, officers, odb, officer):
        assert officer.roles == ["officer"] and officer.active
        assert officers.service.get_officer_by_national_id(odb, DOPA_ID).id == officer.id
        with pytest.raises(officers.errors.OfficerAlreadyRegisteredError):
            officers.service.register_officer(
                odb, national_id=DOPA_ID, agency="dol", roles=["officer"]
            )

    @pytest.mark.parametrize(
        ("national_id", "agency", "roles"),
        [
            ("1101700230705", "dopa", ["officer"]),  # wrong check digit
            (DOPA_ID, "DOPA.x", ["officer"]),
            (DOPA_ID, "dopa", []),
            (DOPA_ID, "dopa", ["root"]),
        ],
    )
    def test_refuses_bad_input(self, officers, odb, national_id, agency, roles):
        with pytest.raises(BadRequestError):
            officers.service.register_officer(
                odb, national_id=national_id, agency=agency, roles=roles
            )


class TestSessions:
    def test_password_sign_in_has_no_second_factor(self, officers, odb, officer):
        token = officers.service.start_officer_session(odb, officer=officer, amr=["pwd"])
        session, found = officers.service.get_active_officer_session(odb, token)
        assert found.id == officer.id and session.second_factor_at is None
        assert session.id != token  # only the hash is stored
        assert session.expires_at - session.created_at == timedelta(hours=8)

    @pytest.mark.parametrize("amr", [["pwd", "otp"], ["mfa"], ["hwk"], ["face"], ["fpt"]])
    def test_provider_proven_second_factor_counts(self, officers, odb, officer, amr):
        token = officers.service.start_officer_session(odb, officer=officer, amr=amr)
        session, _ = officers.service.get_active_officer_session(odb, token)
        assert session.second_factor_at is not None

    def test_revoked_expired_and_disabled_sessions_are_dead(self, officers, odb, officer, clock):
        svc = officers.service
        token = svc.start_officer_session(odb, officer=officer, amr=[])
        svc.revoke_officer_session(odb, token)
        assert svc.get_active_officer_session(odb, token) is None

        token = svc.start_officer_session(odb, officer=officer, amr=[])
        clock["t"] = T0 + timedelta(hours=8, seconds=1)
        assert svc.get_active_officer_session(odb, token) is None

        token = svc.start_officer_session(odb, officer=officer, amr=[])
        assert svc.get_active_officer_session(odb, token) is not None
        svc.disable_officer(odb, officer)
        assert svc.get_active_officer_session(odb, token) is None
        assert svc.get_active_officer_session(odb, "not-a-token") is None


class TestTotp:
    def test_enrolment_keeps_one_secret_until_confirmed(self, officers, odb, officer, clock):
        first = officers.service.begin_totp_enrolment(odb, officer)
        assert first == officers.service.begin_totp_enrolment(odb, officer)
        assert first.startswith("otpauth://totp/") and "Citizen%20Service%20Portal" in first
        assert DOPA_ID not in first  # only the masked ID is in the label
        totp = pyotp.parse_uri(first)
        with pytest.raises(officers.errors.InvalidTotpCodeError):
            officers.service.confirm_totp(
                odb, officer, "000000" if totp.at(T0) != "000000" else "1"
            )
        officers.service.confirm_totp(odb, officer, totp.at(T0))
        assert officer.totp_confirmed_at is not None
        with pytest.raises(BadRequestError):
            officers.service.begin_totp_enrolment(odb, officer)

    def test_valid_code_marks_the_session(self, officers, odb, officer, clock):
        totp = enrol(officers, odb, officer, clock)
        clock["t"] = T0 + timedelta(seconds=30)
        token = officers.service.start_officer_session(odb, officer=officer, amr=["pwd"])
        session, _ = officers.service.get_active_officer_session(odb, token)
        officers.service.verify_second_factor(odb, session, officer, totp.at(clock["t"]))
        assert session.second_factor_at is not None

    def test_a_code_is_accepted_once(self, officers, odb, officer, clock):
        totp = enrol(officers, odb, officer, clock)
        token = officers.service.start_officer_session(odb, officer=officer, amr=["pwd"])
        session, _ = officers.service.get_active_officer_session(odb, token)
        with pytest.raises(officers.errors.InvalidTotpCodeError):
            officers.service.verify_second_factor(odb, session, officer, totp.at(T0))
        # Nor an older step still inside the ±1 window, once a newer one was used.
        clock["t"] = T0 + timedelta(seconds=30)
        with pytest.raises(officers.errors.InvalidTotpCodeError):
            officers.service.verify_second_factor(odb, session, officer, totp.at(T0))
        officers.service.verify_second_factor(odb, session, officer, totp.at(clock["t"]))

    def test_one_step_of_drift_is_tolerated_but_not_two(self, officers, odb, officer, clock):
        totp = enrol(officers, odb, officer, clock)
        clock["t"] = T0 + timedelta(minutes=5)
        token = officers.service.start_officer_session(odb, officer=officer, amr=["pwd"])
        session, _ = officers.service.get_active_officer_session(odb, token)
        with pytest.raises(officers.errors.InvalidTotpCodeError):
            officers.service.verify_second_factor(
                odb, session, officer, totp.at(clock["t"] - timedelta(seconds=60))
            )
        officers.service.verify_second_factor(
            odb, session, officer, totp.at(clock["t"] + timedelta(seconds=30))
        )

    def test_five_wrong_codes_end_the_session(self, officers, odb, officer, clock):
        totp = enrol(officers, odb, officer, clock)
        clock["t"] = T0 + timedelta(minutes=5)
        token = officers.service.start_officer_session(odb, officer=officer, amr=["pwd"])
        session, _ = officers.service.get_active_officer_session(odb, token)
        wrong = "123456" if totp.at(clock["t"]) != "123456" else "654321"
        for _ in range(5):
            with pytest.raises(officers.errors.InvalidTotpCodeError):
                officers.service.verify_second_factor(odb, session, officer, wrong)
        assert session.revoked_at is not None
        with pytest.raises(officers.errors.InvalidTotpCodeError):
            officers.service.verify_second_factor(odb, session, officer, totp.at(clock["t"]))
        assert officers.service.get_active_officer_session(odb, token) is None

    def test_rotation_keeps_the_second_factor_and_kills_the_old_token(
        self, officers, odb, officer, clock
    ):
        svc = officers.service
        token = svc.start_officer_session(odb, officer=officer, amr=["mfa"])
        session, _ = svc.get_active_officer_session(odb, token)
        fresh = svc.rotate_officer_session(odb, session)
        assert svc.get_active_officer_session(odb, token) is None
        new_session, _ = svc.get_active_officer_session(odb, fresh)
        assert new_session.second_factor_at is not None
        assert new_session.expires_at == session.expires_at
