"""Running kiosks: out of service, print mode, printer status, the print agent's credential, the
administrators' overview (prints per Bangkok day) and who may manage which kiosks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from identity.models import Citizen
from identity.officers.errors import RoleRequiredError
from identity.officers.models import Officer
from services.audit.models import AuditPending  # recorded in this transaction, sealed after
from tests.documents.factories import create_document

SECRET = "a-test-secret-key"


@pytest.fixture
def kiosk(kiosks, kdb, clock):
    device, code = kiosks.service.register_kiosk(kdb, name="K1", location="Office", agency="dopa")
    credential = kiosks.service.activate_kiosk(kdb, activation_code=code)
    return device, credential


class TestOutOfService:
    def test_a_disabled_kiosk_is_out_of_service_and_an_unknown_one_unregistered(
        self, kiosks, kdb, kiosk
    ):
        device, credential = kiosk
        assert kiosks.service.authenticate_kiosk(kdb, credential) is device
        kiosks.service.disable_kiosk(kdb, device_id=device.id)
        with pytest.raises(kiosks.errors.KioskOutOfServiceError):
            kiosks.service.authenticate_kiosk(kdb, credential)
        with pytest.raises(kiosks.errors.KioskNotRegisteredError) as unknown:
            kiosks.service.authenticate_kiosk(kdb, "nope")
        assert type(unknown.value) is kiosks.errors.KioskNotRegisteredError

    def test_enabling_brings_the_same_credential_back(self, kiosks, kdb, kiosk):
        device, credential = kiosk
        kiosks.service.disable_kiosk(kdb, device_id=device.id)
        kiosks.service.enable_kiosk(kdb, device_id=device.id)
        assert kiosks.service.authenticate_kiosk(kdb, credential) is device

    def test_registering_the_same_kiosk_twice_is_refused(self, kiosks, kdb, kiosk):
        with pytest.raises(kiosks.errors.KioskAlreadyRegisteredError):
            kiosks.service.register_kiosk(kdb, name="K1", location="Office", agency="dopa")

    def test_a_new_activation_code_replaces_the_old_one(self, kiosks, kdb, kiosk):
        device, credential = kiosk
        _, code = kiosks.service.issue_activation_code(kdb, device_id=device.id)
        assert kiosks.service.authenticate_kiosk(kdb, credential) is device  # until it is used
        new_credential = kiosks.service.activate_kiosk(kdb, activation_code=code)
        assert kiosks.service.authenticate_device(kdb, credential) is None
        assert kiosks.service.authenticate_device(kdb, new_credential) is device


class TestSettingsAndStatus:
    def test_print_mode_is_browser_or_cups(self, kiosks, kdb, kiosk):
        device, _ = kiosk
        assert device.print_mode == "browser"
        kiosks.service.set_print_mode(kdb, device_id=device.id, print_mode="cups")
        assert device.print_mode == "cups"
        with pytest.raises(kiosks.errors.InvalidPrintModeError):
            kiosks.service.set_print_mode(kdb, device_id=device.id, print_mode="fax")

    def test_printer_status_is_stored_and_changes_are_audited(self, kiosks, kdb, kiosk, clock):
        device, _ = kiosk
        record = kiosks.service.record_printer_status
        record(kdb, device=device, status="ok", actor="kiosk")
        clock.advance(minutes=1)
        record(kdb, device=device, status="ok", actor="kiosk")
        record(kdb, device=device, status="paper_low", detail="  media-low  ", actor="kiosk-agent")
        assert (device.printer_status, device.printer_detail) == ("paper_low", "media-low")
        assert device.status_reported_at == clock.now
        events = kdb.exec(
            select(AuditPending).where(AuditPending.action == "kiosk.printer_status")
        ).all()
        assert [e.details["status"] for e in events] == ["ok", "paper_low"]
        with pytest.raises(kiosks.errors.InvalidPrinterStatusError):
            record(kdb, device=device, status="on fire", actor="kiosk")


class TestAgentCredential:
    def test_it_identifies_the_kiosk_and_nothing_else(self, kiosks, kdb, kiosk):
        device, _ = kiosk
        credential = kiosks.service.agent_credential_for(device, secret_key=SECRET)
        assert credential.startswith(f"{device.id}.")
        assert kiosks.service.authenticate_agent(kdb, credential, secret_key=SECRET) is device
        tampered = credential[:-1] + ("1" if credential.endswith("0") else "0")
        mac = credential.split(".")[1]
        for wrong in (None, "", tampered, f"999.{mac}", "x.y", f"²³.{mac}", f"{10**30}.{mac}"):
            with pytest.raises(kiosks.errors.KioskAgentCredentialError):
                kiosks.service.authenticate_agent(kdb, wrong, secret_key=SECRET)
        with pytest.raises(kiosks.errors.KioskAgentCredentialError):
            kiosks.service.authenticate_agent(kdb, credential, secret_key="another-key")

    def test_it_stops_with_the_kiosk_and_changes_on_reactivation(self, kiosks, kdb, kiosk):
        device, _ = kiosk
        credential = kiosks.service.agent_credential_for(device, secret_key=SECRET)
        kiosks.service.disable_kiosk(kdb, device_id=device.id)
        with pytest.raises(kiosks.errors.KioskAgentCredentialError):
            kiosks.service.authenticate_agent(kdb, credential, secret_key=SECRET)
        kiosks.service.enable_kiosk(kdb, device_id=device.id)
        _, code = kiosks.service.issue_activation_code(kdb, device_id=device.id)
        kiosks.service.activate_kiosk(kdb, activation_code=code)
        with pytest.raises(kiosks.errors.KioskAgentCredentialError):
            kiosks.service.authenticate_agent(kdb, credential, secret_key=SECRET)


class TestOverview:
    def test_prints_per_bangkok_day_for_seven_days_in_one_query(self, kiosks, kdb, kiosk, clock):
        device, _ = kiosk
        other, _ = kiosks.service.register_kiosk(kdb, name="K2", location="L", agency="dol")
        citizen = Citizen(national_id="1101700230708", subject="s", issuer="i")
        kdb.add(citizen)
        kdb.flush()
        clock.now = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # 17:00 in Bangkok, 10 March
        token = kiosks.service.start_kiosk_session(kdb, device=device, citizen_id=citizen.id)
        session = kiosks.service.get_active_kiosk_session(kdb, device=device, token=token)
        Print = kiosks.models.KioskPrint

        def printed(at: datetime, state: str = "sent", on=device) -> None:
            document = create_document(kdb, citizen_id=citizen.id)
            kdb.add(
                Print(
                    device_id=on.id,
                    kiosk_session_id=session.id,
                    document_id=document.id,
                    citizen_id=citizen.id,
                    method="browser",
                    state=state,
                    created_at=at,
                )
            )

        printed(datetime(2026, 3, 9, 16, 30, tzinfo=UTC))  # 23:30 on 9 March in Bangkok
        printed(datetime(2026, 3, 9, 17, 30, tzinfo=UTC))  # 00:30 on 10 March in Bangkok
        printed(datetime(2026, 3, 10, 3, 0, tzinfo=UTC), state="printed")
        printed(datetime(2026, 3, 10, 4, 0, tzinfo=UTC), state="failed")  # no paper came out
        printed(datetime(2026, 3, 10, 4, 0, tzinfo=UTC), state="cancelled")
        printed(datetime(2026, 3, 3, 16, 59, tzinfo=UTC))  # 23:59 on 3 March: 8 days ago
        printed(datetime(2026, 3, 10, 5, 0, tzinfo=UTC), on=other)
        kdb.flush()

        rows = {row.device.id: row for row in kiosks.service.list_kiosks(kdb)}
        mine = rows[device.id]
        assert [d.isoformat() for d, _ in mine.prints_by_day][0] == "2026-03-04"
        assert dict(mine.prints_by_day)[datetime(2026, 3, 9).date()] == 1
        assert dict(mine.prints_by_day)[datetime(2026, 3, 10).date()] == 2
        assert mine.prints_total == 3
        assert rows[other.id].prints_total == 1
        only_dol = kiosks.service.list_kiosks(kdb, agency="dol")
        assert [r.device.id for r in only_dol] == [other.id] and only_dol[0].prints_total == 1
        assert len(mine.prints_by_day) == 7 and timedelta(days=6) == (
            mine.prints_by_day[-1][0] - mine.prints_by_day[0][0]
        )


class TestWhoManages:
    @pytest.mark.parametrize(
        ("roles", "scope"),
        [(["portal_admin"], None), (["supervisor"], "dol"), (["agency_admin"], "dol")],
    )
    def test_admins_see_all_supervisors_their_agency(self, kiosks, roles, scope):
        officer = Officer(national_id="1", agency="dol", roles=roles)
        assert kiosks.service.kiosk_agency_scope(officer) == scope

    @pytest.mark.parametrize(
        "officer",
        [
            Officer(national_id="1", agency="dol", roles=["officer"]),
            Officer(national_id="1", agency="dol", roles=["portal_admin"], active=False),
        ],
    )
    def test_others_are_refused(self, kiosks, officer):
        with pytest.raises(RoleRequiredError):
            kiosks.service.kiosk_agency_scope(officer)

    def test_another_agencys_kiosk_is_not_found(self, kiosks, kdb, kiosk):
        device, _ = kiosk
        supervisor = Officer(national_id="1", agency="dol", roles=["supervisor"])
        with pytest.raises(kiosks.errors.KioskNotFoundError):
            kiosks.service.get_kiosk_for_officer(kdb, officer=supervisor, device_id=device.id)
        admin = Officer(national_id="2", agency="dol", roles=["portal_admin"])
        assert kiosks.service.get_kiosk_for_officer(kdb, officer=admin, device_id=device.id)
