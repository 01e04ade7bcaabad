"""The kiosk's machine endpoints end to end: the CUPS print agent against the portal served by
uvicorn on a real socket, with fake `lp`, `lpstat` and `cancel` scripts on PATH that record
their arguments; and the kiosk page's heartbeat.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from documents.service import documents_dir
from identity.kiosks import printing, service
from identity.kiosks.agent import AgentConfig, AgentConfigError, PrintAgent, read_credential_file
from identity.kiosks.models import KioskDevice, KioskPrint
from identity.models import Citizen
from portal.app import create_app
from portal.cli_kiosks import kiosks_app
from tests.documents.factories import create_document
from tests.fixtures.servers import (
    TEST_PORTAL_URL,
    LiveServer,
    Ports,
    free_port,
    make_settings,
    start_live_server,
)

PDF = b"%PDF-1.7\n% the signed certificate\n%%EOF\n"
PRINTER = "Kiosk_Printer"

# The fakes keep their state in $FAKE_CUPS: what they were called with, the files lp was given,
# what `lpstat -l -p` answers and which jobs `lpstat -o` still lists.
FAKE_LP = """#!/bin/sh
echo "$@" >> "$FAKE_CUPS/lp.calls"
for last; do :; done
cp "$last" "$FAKE_CUPS/printed-$(wc -l < "$FAKE_CUPS/lp.calls" | tr -d ' ').pdf"
if [ -f "$FAKE_CUPS/lp.fail" ]; then echo "lp: Unsupported document-format" >&2; exit 1; fi
echo "request id is $PRINTER-$((16 + $(wc -l < "$FAKE_CUPS/lp.calls"))) (1 file(s))"
""".replace("$PRINTER", PRINTER)
FAKE_LPSTAT = """#!/bin/sh
echo "$@" >> "$FAKE_CUPS/lpstat.calls"
case "$1" in
  -d) echo "system default destination: $PRINTER" ;;
  -l) cat "$FAKE_CUPS/printer" ;;
  -o) cat "$FAKE_CUPS/active" 2>/dev/null ;;
esac
""".replace("$PRINTER", PRINTER)
FAKE_CANCEL = """#!/bin/sh
echo "$@" >> "$FAKE_CUPS/cancel.calls"
"""
IDLE = f"printer {PRINTER} is idle.  enabled since Sat 21 Nov 2026 09:00:00\n\tAlerts: none\n"
PAPER_LOW = (
    f"printer {PRINTER} is idle.  enabled since Sat 21 Nov 2026 09:00:00\n\tAlerts: media-low\n"
)
PAPER_OUT = (
    f"printer {PRINTER} disabled since Sat 21 Nov 2026 09:05:00 -\n"
    "\tMedia Empty\n\tAlerts: media-empty-error\n"
)


@pytest.fixture
def fake_cups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir, state = tmp_path / "bin", tmp_path / "cups"
    bin_dir.mkdir()
    state.mkdir()
    for name, script in (("lp", FAKE_LP), ("lpstat", FAKE_LPSTAT), ("cancel", FAKE_CANCEL)):
        path = bin_dir / name
        path.write_text(script)
        path.chmod(0o755)
    (state / "printer").write_text(IDLE)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CUPS", str(state))
    return state


def calls(state: Path, program: str) -> list[list[str]]:
    path = state / f"{program}.calls"
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def portal(
    clean_engine: Engine, database_url: str, ports: Ports, tmp_path: Path
) -> Iterator[SimpleNamespace]:
    port = free_port()
    settings = make_settings(
        data_dir=tmp_path / "data",
        ports=ports,
        database_url=database_url,
        base_url=f"http://127.0.0.1:{port}",
    )
    app = create_app(settings)
    server: LiveServer = start_live_server(app, port)
    yield SimpleNamespace(url=server.url, settings=settings, app=app, engine=clean_engine)
    server.stop()


@pytest.fixture
def cups_kiosk(portal: SimpleNamespace) -> SimpleNamespace:
    """An activated CUPS-mode kiosk, a citizen signed in at it with a stored signed PDF, and
    the agent's credential."""
    with Session(portal.engine, expire_on_commit=False) as db:
        device, code = service.register_kiosk(db, name="K1", location="Office", agency="dopa")
        device_credential = service.activate_kiosk(db, activation_code=code)
        service.set_print_mode(db, device_id=device.id, print_mode="cups")
        citizen = Citizen(national_id="1101700230708", subject="s", issuer="i")
        db.add(citizen)
        db.flush()
        document = create_document(
            db, citizen_id=citizen.id, sha256=hashlib.sha256(PDF).hexdigest()
        )
        stored = documents_dir(portal.settings.data_dir) / document.storage_key
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_bytes(PDF)
        token = service.start_kiosk_session(db, device=device, citizen_id=citizen.id)
        credential = service.agent_credential_for(device, secret_key=portal.app.state.secret_key)
        db.commit()
    return SimpleNamespace(
        device=device,
        device_credential=device_credential,
        document=document,
        citizen=citizen,
        token=token,
        credential=credential,
    )


def queue_print(portal: SimpleNamespace, kiosk: SimpleNamespace) -> int:
    with Session(portal.engine, expire_on_commit=False) as db:
        device = db.get(KioskDevice, kiosk.device.id)
        session = service.get_active_kiosk_session(db, device=device, token=kiosk.token)
        job = printing.request_print(db, device=device, session=session, document=kiosk.document)
        db.commit()
        return job.id


def read_print(portal: SimpleNamespace, print_id: int) -> KioskPrint:
    with Session(portal.engine) as db:
        job = db.get(KioskPrint, print_id)
        db.expunge(job)
        return job


def read_device(portal: SimpleNamespace, device_id: int) -> KioskDevice:
    with Session(portal.engine) as db:
        device = db.get(KioskDevice, device_id)
        db.expunge(device)
        return device


_AGENTS: list[PrintAgent] = []


@pytest.fixture(autouse=True)
def _close_agents() -> Iterator[None]:
    yield
    while _AGENTS:
        _AGENTS.pop().close()


def agent_for(portal: SimpleNamespace, kiosk: SimpleNamespace, **config) -> PrintAgent:
    agent = PrintAgent(
        AgentConfig(portal_url=portal.url, credential=kiosk.credential, **config),
        http=httpx.Client(timeout=10),
    )
    _AGENTS.append(agent)
    return agent


class TestPrintAgent:
    def test_prints_a_queued_job_with_lp_and_reports_it_sent(self, portal, cups_kiosk, fake_cups):
        (fake_cups / "printer").write_text(PAPER_LOW)
        print_id = queue_print(portal, cups_kiosk)

        report = agent_for(portal, cups_kiosk, printer=PRINTER).run_once()

        assert report.status == "paper_low" and report.sent == [(print_id, f"{PRINTER}-17")]
        [lp] = calls(fake_cups, "lp")
        assert lp[:4] == ["-d", PRINTER, "-t", str(print_id)] and lp[4].endswith(".pdf")
        assert not Path(lp[4]).exists()  # the temporary copy is gone once CUPS has it
        assert (fake_cups / "printed-1.pdf").read_bytes() == PDF
        job = read_print(portal, print_id)
        assert (job.state, job.cups_job) == ("sent", f"{PRINTER}-17")
        device = read_device(portal, cups_kiosk.device.id)
        assert (device.printer_status, device.printer_detail) == (
            "paper_low",
            " ".join(PAPER_LOW.split()),
        )
        assert device.status_reported_at is not None

    def test_a_job_gone_from_the_spool_is_reported_printed(self, portal, cups_kiosk, fake_cups):
        print_id = queue_print(portal, cups_kiosk)
        agent = agent_for(portal, cups_kiosk)  # no --printer: CUPS's default destination
        agent.run_once()
        (fake_cups / "active").write_text(f"{PRINTER}-17 kiosk 1024 Sat 21 Nov 2026\n")
        assert agent.run_once().printed == []
        (fake_cups / "active").write_text("")
        assert agent.run_once().printed == [print_id]
        assert read_print(portal, print_id).state == "printed"
        assert ["-d"] in calls(fake_cups, "lpstat")

    def test_a_finished_sessions_job_still_in_the_spool_is_cancelled(
        self, portal, cups_kiosk, fake_cups
    ):
        print_id = queue_print(portal, cups_kiosk)
        agent = agent_for(portal, cups_kiosk, printer=PRINTER)
        agent.run_once()
        (fake_cups / "active").write_text(f"{PRINTER}-17 kiosk 1024 Sat 21 Nov 2026\n")
        with Session(portal.engine) as db:
            service.end_kiosk_session(db, token=cups_kiosk.token)
            db.commit()

        assert agent.run_once().cancelled == [print_id]
        assert calls(fake_cups, "cancel") == [[f"{PRINTER}-17"]]
        assert read_print(portal, print_id).state == "cancelled"

    def test_a_job_cancelled_before_the_agent_came_is_never_printed(
        self, portal, cups_kiosk, fake_cups
    ):
        print_id = queue_print(portal, cups_kiosk)
        with Session(portal.engine) as db:
            service.end_kiosk_session(db, token=cups_kiosk.token)
            db.commit()
        report = agent_for(portal, cups_kiosk, printer=PRINTER).run_once()
        assert report.sent == [] and calls(fake_cups, "lp") == []
        assert read_print(portal, print_id).state == "cancelled"

    def test_lp_failing_reports_the_job_failed_with_its_message(
        self, portal, cups_kiosk, fake_cups
    ):
        (fake_cups / "lp.fail").write_text("")
        (fake_cups / "printer").write_text(PAPER_OUT)
        print_id = queue_print(portal, cups_kiosk)
        report = agent_for(portal, cups_kiosk, printer=PRINTER).run_once()
        assert report.failed == [print_id] and report.status == "paper_out"
        job = read_print(portal, print_id)
        assert (job.state, job.detail) == ("failed", "lp: Unsupported document-format")

    def test_the_cli_runs_one_cycle_with_a_private_credential_file(
        self, portal, cups_kiosk, fake_cups, tmp_path
    ):
        print_id = queue_print(portal, cups_kiosk)
        credential_file = tmp_path / "agent-credential"
        credential_file.write_text(cups_kiosk.credential + "\n")
        credential_file.chmod(0o644)
        args = ["agent", "--portal", portal.url, "--credential-file", str(credential_file)]
        refused = CliRunner().invoke(kiosks_app, [*args, "--once"])
        assert refused.exit_code == 2 and "chmod 600" in refused.output
        credential_file.chmod(stat.S_IRUSR | stat.S_IWUSR)

        result = CliRunner().invoke(kiosks_app, [*args, "--printer", PRINTER, "--once"])
        assert result.exit_code == 0, result.output
        assert "sent 1" in result.output
        assert read_print(portal, print_id).state == "sent"


class TestAgentApi:
    def test_a_wrong_or_disabled_credential_gets_401_json(self, portal, cups_kiosk):
        for credential in ("", "Bearer nope", f"Bearer {cups_kiosk.credential}x"):
            answer = httpx.get(
                f"{portal.url}/kiosk/agent/jobs", headers={"Authorization": credential}
            )
            assert answer.status_code == 401
            assert answer.json()["error"] == "kiosk_agent_credential"
        with Session(portal.engine) as db:
            service.disable_kiosk(db, device_id=cups_kiosk.device.id)
            db.commit()
        answer = httpx.get(
            f"{portal.url}/kiosk/agent/jobs",
            headers={"Authorization": f"Bearer {cups_kiosk.credential}"},
        )
        assert answer.status_code == 401
        agent = agent_for(portal, cups_kiosk)
        with pytest.raises(AgentConfigError):
            agent._call("GET", "/kiosk/agent/jobs")

    def test_bad_reports_are_answered_in_json_without_a_change(self, portal, cups_kiosk):
        print_id = queue_print(portal, cups_kiosk)
        headers = {"Authorization": f"Bearer {cups_kiosk.credential}"}
        url = f"{portal.url}/kiosk/agent/jobs/{print_id}"
        for body, status in (
            ({"state": "sent"}, 400),  # no CUPS job id
            ({"state": "printed"}, 409),  # never sent
            ({"state": "x" * 40}, 422),
            ({"nothing": 1}, 422),
        ):
            answer = httpx.post(url, headers=headers, json=body)
            assert answer.status_code == status, answer.text
            assert "error" in answer.json()
        bad_status = httpx.post(
            f"{portal.url}/kiosk/agent/status", headers=headers, json={"status": "melted"}
        )
        assert bad_status.status_code == 400
        assert read_print(portal, print_id).state == "queued"
        missing = httpx.get(f"{portal.url}/kiosk/agent/jobs/99999/pdf", headers=headers)
        assert missing.status_code == 404 and missing.json()["error"] == "kiosk_print_not_found"

    def test_another_kiosks_agent_sees_none_of_these_jobs(self, portal, cups_kiosk):
        print_id = queue_print(portal, cups_kiosk)
        with Session(portal.engine, expire_on_commit=False) as db:
            other, code = service.register_kiosk(db, name="K2", location="Hall", agency="dopa")
            service.activate_kiosk(db, activation_code=code)
            other_credential = service.agent_credential_for(
                other, secret_key=portal.app.state.secret_key
            )
            db.commit()
        headers = {"Authorization": f"Bearer {other_credential}"}
        jobs = httpx.get(f"{portal.url}/kiosk/agent/jobs", headers=headers).json()
        assert jobs["jobs"] == [] and jobs["spooled"] == []
        pdf = httpx.get(f"{portal.url}/kiosk/agent/jobs/{print_id}/pdf", headers=headers)
        assert pdf.status_code == 404
        report = httpx.post(
            f"{portal.url}/kiosk/agent/jobs/{print_id}", headers=headers, json={"state": "failed"}
        )
        assert report.status_code == 404


def test_the_agent_refuses_plain_http_to_another_host_and_a_shared_credential_file(tmp_path):
    with pytest.raises(AgentConfigError):
        PrintAgent(AgentConfig(portal_url="http://portal.example.go.th", credential="1.x"))
    agent = PrintAgent(AgentConfig(portal_url="https://portal.example.go.th/", credential="1.x"))
    assert agent.portal_url == "https://portal.example.go.th"
    agent.close()
    shared = tmp_path / "credential"
    shared.write_text("1.abc")
    shared.chmod(0o640)
    with pytest.raises(AgentConfigError):
        read_credential_file(shared)


class TestHeartbeat:
    @pytest.fixture
    def kiosk_client(self, portal, cups_kiosk) -> Iterator[TestClient]:
        with TestClient(portal.app, base_url=TEST_PORTAL_URL) as client:
            client.cookies.set("portal_kiosk_device", cups_kiosk.device_credential)
            yield client

    def csrf(self, client: TestClient) -> str:
        page = client.get("/kiosk/activate")
        return page.text.split('name="csrf_token" value="')[1].split('"')[0]

    def test_browser_mode_reports_the_printer_status(self, portal, cups_kiosk, kiosk_client):
        with Session(portal.engine) as db:
            service.set_print_mode(db, device_id=cups_kiosk.device.id, print_mode="browser")
            db.commit()
        token = self.csrf(kiosk_client)
        answer = kiosk_client.post(
            "/kiosk/heartbeat", data={"csrf_token": token, "printer_status": "paper_out"}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"in_service": True, "print_mode": "browser"}
        assert read_device(portal, cups_kiosk.device.id).printer_status == "paper_out"
        # Nothing said: the page knows of no problem.
        kiosk_client.post("/kiosk/heartbeat", data={"csrf_token": token})
        assert read_device(portal, cups_kiosk.device.id).printer_status == "ok"
        bad = kiosk_client.post(
            "/kiosk/heartbeat", data={"csrf_token": token, "printer_status": "melted"}
        )
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_printer_status"

    def test_cups_mode_leaves_the_status_to_the_agent(self, portal, cups_kiosk, kiosk_client):
        answer = kiosk_client.post(
            "/kiosk/heartbeat",
            data={"csrf_token": self.csrf(kiosk_client), "printer_status": "paper_out"},
        )
        assert answer.json()["print_mode"] == "cups"
        assert read_device(portal, cups_kiosk.device.id).printer_status is None

    def test_without_the_csrf_token_or_the_device_nothing_is_recorded(
        self, portal, cups_kiosk, kiosk_client
    ):
        assert kiosk_client.post("/kiosk/heartbeat", data={}).status_code == 403
        kiosk_client.cookies.clear()
        answer = kiosk_client.post("/kiosk/heartbeat", data={"csrf_token": "x"})
        assert answer.status_code == 403

    def test_a_disabled_kiosk_hears_it_is_out_of_service(self, portal, cups_kiosk, kiosk_client):
        token = self.csrf(kiosk_client)
        with Session(portal.engine) as db:
            service.disable_kiosk(db, device_id=cups_kiosk.device.id)
            db.commit()
        answer = kiosk_client.post("/kiosk/heartbeat", data={"csrf_token": token})
        assert answer.status_code == 403
        assert answer.json()["error"] == "kiosk_out_of_service"
        assert json.dumps(answer.json()["message"], ensure_ascii=False).count("ตู้บริการ") == 1
