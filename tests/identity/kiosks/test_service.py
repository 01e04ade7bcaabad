"""Registering, activating and authenticating kiosks, and their citizens' 5-minute sessions."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from identity.models import Citizen
from portal.errors import BadRequestError


@pytest.fixture
def registered(kiosks, kdb, clock):
    return kiosks.service.register_kiosk(
        kdb, name="Kiosk 1", location="Bang Rak district office", agency="dopa"
    )


@pytest.fixture
def citizen(kdb):
    person = Citizen(national_id="1101700230708", subject="s", issuer="i", given_name_th="สมชาย")
    kdb.add(person)
    kdb.flush()
    return person


class TestRegisterKiosk:
    def test_stores_only_a_hash_of_the_activation_code(self, kiosks, registered, clock):
        device, code = registered
        assert len(code) == 14 and code[4] == code[9] == "-"
        plain = kiosks.service.normalise_activation_code(code)
        assert device.activation_code_hash == hashlib.sha256(plain.encode()).hexdigest()
        assert device.activation_expires_at == clock.now + timedelta(hours=24)
        assert device.credential_hash is None and device.activated_at is None

    @pytest.mark.parametrize(
        ("name", "location", "agency"),
        [("", "Office", "dopa"), ("Kiosk", " ", "dopa"), ("Kiosk", "Office", "DOPA!")],
    )
    def test_refuses_missing_names_and_bad_agency_codes(self, kiosks, kdb, name, location, agency):
        with pytest.raises(BadRequestError):
            kiosks.service.register_kiosk(kdb, name=name, location=location, agency=agency)


class TestActivateKiosk:
    def test_trades_the_code_for_a_device_credential_once(self, kiosks, kdb, registered):
        device, code = registered
        credential = kiosks.service.activate_kiosk(kdb, activation_code=code)

        assert device.credential_hash == hashlib.sha256(credential.encode()).hexdigest()
        assert device.activated_at is not None and device.activation_code_hash is None
        with pytest.raises(kiosks.errors.InvalidActivationCodeError):
            kiosks.service.activate_kiosk(kdb, activation_code=code)

    def test_the_code_is_case_dash_and_space_insensitive(self, kiosks, kdb, registered):
        _, code = registered
        typed = " " + code.replace("-", " ").lower() + " "
        assert kiosks.service.activate_kiosk(kdb, activation_code=typed)

    def test_the_code_expires_after_24_hours(self, kiosks, kdb, registered, clock):
        _, code = registered
        clock.advance(hours=24)
        with pytest.raises(kiosks.errors.InvalidActivationCodeError):
            kiosks.service.activate_kiosk(kdb, activation_code=code)

    def test_a_disabled_kiosk_cannot_be_activated(self, kiosks, kdb, registered):
        device, code = registered
        kiosks.service.disable_kiosk(kdb, device_id=device.id)
        with pytest.raises(kiosks.errors.InvalidActivationCodeError):
            kiosks.service.activate_kiosk(kdb, activation_code=code)

    @pytest.mark.parametrize("code", ["", "BCDF-GHJK-LMNP", "short", "x" * 64])
    def test_wrong_codes_are_refused(self, kiosks, kdb, registered, code):
        with pytest.raises(kiosks.errors.InvalidActivationCodeError):
            kiosks.service.activate_kiosk(kdb, activation_code=code)


class TestAuthenticateDevice:
    def test_knows_an_activated_kiosk_by_its_credential(self, kiosks, kdb, registered):
        device, code = registered
        credential = kiosks.service.activate_kiosk(kdb, activation_code=code)
        assert kiosks.service.authenticate_device(kdb, credential) is device

    @pytest.mark.parametrize("credential", [None, "", "not-a-credential"])
    def test_unknown_credentials_are_nobody(self, kiosks, kdb, registered, credential):
        assert kiosks.service.authenticate_device(kdb, credential) is None

    def test_a_disabled_kiosk_is_nobody(self, kiosks, kdb, registered):
        device, code = registered
        credential = kiosks.service.activate_kiosk(kdb, activation_code=code)
        kiosks.service.disable_kiosk(kdb, device_id=device.id)
        assert kiosks.service.authenticate_device(kdb, credential) is None

    def test_last_seen_is_written_at_most_once_a_minute(self, kiosks, kdb, registered, clock):
        device, code = registered
        credential = kiosks.service.activate_kiosk(kdb, activation_code=code)
        activated = device.last_seen_at
        clock.advance(seconds=30)
        kiosks.service.authenticate_device(kdb, credential)
        assert device.last_seen_at == activated
        clock.advance(seconds=31)
        kiosks.service.authenticate_device(kdb, credential)
        assert device.last_seen_at == clock.now

    def test_disabling_an_unknown_kiosk_is_not_found(self, kiosks, kdb):
        with pytest.raises(kiosks.errors.KioskNotFoundError):
            kiosks.service.disable_kiosk(kdb, device_id=999)


class TestKioskSessions:
    def test_a_session_lasts_five_minutes(self, kiosks, kdb, registered, citizen, clock):
        device, _ = registered
        token = kiosks.service.start_kiosk_session(kdb, device=device, citizen_id=citizen.id)
        session = kiosks.service.get_active_kiosk_session(kdb, device=device, token=token)
        assert session is not None and session.citizen_id == citizen.id
        clock.advance(minutes=4, seconds=59)
        assert kiosks.service.get_active_kiosk_session(kdb, device=device, token=token)
        clock.advance(seconds=1)
        assert kiosks.service.get_active_kiosk_session(kdb, device=device, token=token) is None

    def test_finishing_ends_the_session(self, kiosks, kdb, registered, citizen):
        device, _ = registered
        token = kiosks.service.start_kiosk_session(kdb, device=device, citizen_id=citizen.id)
        kiosks.service.end_kiosk_session(kdb, token=token)
        assert kiosks.service.get_active_kiosk_session(kdb, device=device, token=token) is None

    def test_a_session_works_only_on_its_own_kiosk(self, kiosks, kdb, registered, citizen):
        device, _ = registered
        other, _ = kiosks.service.register_kiosk(kdb, name="K2", location="L", agency="dopa")
        token = kiosks.service.start_kiosk_session(kdb, device=device, citizen_id=citizen.id)
        assert kiosks.service.get_active_kiosk_session(kdb, device=other, token=token) is None

    def test_a_new_sign_in_ends_the_previous_citizens_session(
        self, kiosks, kdb, registered, citizen
    ):
        device, _ = registered
        first = kiosks.service.start_kiosk_session(kdb, device=device, citizen_id=citizen.id)
        kiosks.service.start_kiosk_session(kdb, device=device, citizen_id=citizen.id)
        assert kiosks.service.get_active_kiosk_session(kdb, device=device, token=first) is None

    def test_disabling_the_kiosk_ends_its_sessions(self, kiosks, kdb, registered, citizen):
        device, _ = registered
        token = kiosks.service.start_kiosk_session(kdb, device=device, citizen_id=citizen.id)
        kiosks.service.disable_kiosk(kdb, device_id=device.id)
        assert kiosks.service.get_active_kiosk_session(kdb, device=device, token=token) is None
