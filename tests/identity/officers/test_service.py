"""Officers, their sessions and their TOTP second factor, with codes computed here."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import text

from portal.errors import BadRequestError

from .conftest import TEST_KEY_MATERIAL

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


def stored_secret(odb, officer) -> str | None:
    """The column as the database holds it, bypassing the ORM."""
    return (
        odb.connection()
        .execute(text("SELECT totp_secret FROM officer WHERE id = :id"), {"id": officer.id})
        .scalar_one()
    )


def signed_in(officers, odb, officer):
    token = officers.service.start_officer_session(odb, officer=officer, amr=["pwd"])
    session, _ = officers.service.get_active_officer_session(odb, token)
    return session


class TestTotpSecretAtRest:
    def test_the_database_never_holds_the_base32_secret(self, officers, odb, officer, clock):
        totp = enrol(officers, odb, officer, clock)
        clock["t"] = T0 + timedelta(seconds=30)
        session = signed_in(officers, odb, officer)
        officers.service.verify_second_factor(odb, session, officer, totp.at(clock["t"]))

        stored = stored_secret(odb, officer)
        assert stored.startswith("v1:") and totp.secret not in stored
        assert officer.totp_secret == stored  # the model holds the sealed form too
        assert (
            len(stored)
            <= officers.models.Officer.model_fields["totp_secret"].metadata[0].max_length
        )

    def test_enrolment_seals_and_opens_with_the_given_key(self, officers, odb, officer, clock):
        from identity.officers.secrets import open_totp_secret

        key = "a-key-handed-in-by-the-caller-0123456789"
        uri = officers.service.begin_totp_enrolment(odb, officer, key_material=key)
        assert uri == officers.service.begin_totp_enrolment(odb, officer, key_material=key)
        secret = pyotp.parse_uri(uri).secret
        assert (
            open_totp_secret(stored_secret(odb, officer), officer_id=officer.id, key_material=key)
            == secret
        )
        officers.service.confirm_totp(odb, officer, pyotp.TOTP(secret).at(T0), key_material=key)
        assert officer.totp_confirmed_at is not None

    def test_a_wrong_key_fails_closed_without_counting(self, officers, odb, officer, clock, caplog):
        totp = enrol(officers, odb, officer, clock)
        clock["t"] = T0 + timedelta(seconds=30)
        session = signed_in(officers, odb, officer)

        with caplog.at_level(logging.WARNING, logger="identity.officers.service"):
            with pytest.raises(officers.errors.TotpSecretUnreadableError) as raised:
                officers.service.verify_second_factor(
                    odb, session, officer, totp.at(clock["t"]), key_material="some-other-key"
                )
        assert isinstance(raised.value, officers.errors.InvalidTotpCodeError)
        assert raised.value.status_code == 400  # a page, never a 500
        assert "cannot be opened" in caplog.text
        assert totp.secret not in caplog.text
        assert session.second_factor_at is None and session.second_factor_failures == 0

    def test_a_tampered_value_fails_closed(self, officers, odb, officer, clock):
        totp = enrol(officers, odb, officer, clock)
        clock["t"] = T0 + timedelta(seconds=30)
        session = signed_in(officers, odb, officer)
        sealed = officer.totp_secret
        officer.totp_secret = sealed[:10] + ("A" if sealed[10] != "A" else "B") + sealed[11:]

        with pytest.raises(officers.errors.TotpSecretUnreadableError):
            officers.service.verify_second_factor(odb, session, officer, totp.at(clock["t"]))
        assert session.second_factor_at is None

    def test_a_value_copied_from_another_officer_does_not_open(self, officers, odb, officer, clock):
        totp = enrol(officers, odb, officer, clock)
        other = officers.service.register_officer(
            odb, national_id="1234567890121", agency="dopa", roles=["officer"]
        )
        other.totp_secret = officer.totp_secret  # an attacker with write access copies a row
        other.totp_confirmed_at = officer.totp_confirmed_at
        clock["t"] = T0 + timedelta(seconds=30)
        session = signed_in(officers, odb, other)

        with pytest.raises(officers.errors.TotpSecretUnreadableError):
            officers.service.verify_second_factor(odb, session, other, totp.at(clock["t"]))

    def test_an_unreadable_pending_enrolment_is_refused(self, officers, odb, officer, clock):
        officers.service.begin_totp_enrolment(odb, officer)
        with pytest.raises(officers.errors.TotpSecretUnreadableError):
            officers.service.begin_totp_enrolment(odb, officer, key_material="some-other-key")
        with pytest.raises(officers.errors.TotpSecretUnreadableError):
            officers.service.confirm_totp(odb, officer, "123456", key_material="some-other-key")

    def test_a_legacy_clear_secret_is_accepted_and_sealed_on_use(
        self, officers, odb, officer, clock
    ):
        from identity.officers.secrets import open_totp_secret

        legacy = pyotp.random_base32(length=32)
        officer.totp_secret = legacy
        officer.totp_confirmed_at = T0
        odb.add(officer)
        odb.flush()
        assert stored_secret(odb, officer) == legacy
        totp = pyotp.TOTP(legacy)
        clock["t"] = T0 + timedelta(seconds=30)
        session = signed_in(officers, odb, officer)

        # A wrong code leaves it as it is; the right one seals it.
        wrong = "123456" if totp.at(clock["t"]) != "123456" else "654321"
        with pytest.raises(officers.errors.InvalidTotpCodeError):
            officers.service.verify_second_factor(odb, session, officer, wrong)
        assert stored_secret(odb, officer) == legacy
        officers.service.verify_second_factor(odb, session, officer, totp.at(clock["t"]))

        stored = stored_secret(odb, officer)
        assert session.second_factor_at is not None
        assert stored.startswith("v1:") and legacy not in stored
        assert (
            open_totp_secret(stored, officer_id=officer.id, key_material=TEST_KEY_MATERIAL)
            == legacy
        )
        # The same authenticator app keeps working.
        clock["t"] = T0 + timedelta(seconds=60)
        officers.service.verify_second_factor(odb, session, officer, totp.at(clock["t"]))

    def test_a_legacy_pending_enrolment_is_confirmed_and_sealed(
        self, officers, odb, officer, clock
    ):
        legacy = pyotp.random_base32(length=32)
        officer.totp_secret = legacy
        odb.add(officer)
        odb.flush()

        uri = officers.service.begin_totp_enrolment(odb, officer)
        assert pyotp.parse_uri(uri).secret == legacy
        officers.service.confirm_totp(odb, officer, pyotp.TOTP(legacy).at(T0))

        assert officer.totp_confirmed_at is not None
        assert stored_secret(odb, officer).startswith("v1:")
