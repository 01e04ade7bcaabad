"""`portal kiosks …`: print mode, enable, list (prints per day, last contact), agent credential."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from portal.cli import app
from portal.settings import get_settings


@pytest.fixture
def portal(monkeypatch, tmp_path, database_url, clean_engine):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)

    def run(*args: str):  # type: ignore[no-untyped-def]
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args))
        finally:
            get_settings.cache_clear()

    return run


def test_kiosk_commands_list_set_mode_and_print_the_agent_credential(portal, kiosks, kdb):
    assert (
        portal("kiosks", "add", "--name", "K1", "--location", "Hall", "--agency", "dol").exit_code
        == 0
    )
    [device] = kdb.exec(kiosks.models.KioskDevice.__table__.select()).all()
    assert portal("kiosks", "print-mode", str(device.id), "fax").exit_code == 1
    assert portal("kiosks", "print-mode", str(device.id), "cups").exit_code == 0
    not_yet = portal("kiosks", "agent-credential", str(device.id))
    assert not_yet.exit_code == 1 and "not been activated" in not_yet.output

    listed = portal("kiosks", "list", "--agency", "dol")
    assert listed.exit_code == 0
    row = listed.output.splitlines()[1].split()
    assert row[:6] == [str(device.id), "dol", "new", "cups", "-", "-"] and row[6:14] == ["0"] * 8
    assert portal("kiosks", "list", "--agency", "dopa").output == ""

    assert portal("kiosks", "disable", str(device.id)).exit_code == 0
    assert "disabled" in portal("kiosks", "list").output
    assert portal("kiosks", "enable", str(device.id)).exit_code == 0
    assert "new" in portal("kiosks", "list").output
