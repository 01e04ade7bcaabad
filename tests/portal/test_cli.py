"""The `portal` command on a fresh machine: nothing exists yet under the data directory."""

from __future__ import annotations

from typer.testing import CliRunner

from portal.cli import app
from portal.settings import get_settings


def run(monkeypatch, tmp_path, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "fresh" / "var"))
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()


def test_migrate_creates_a_fresh_data_directory(monkeypatch, tmp_path):
    result = run(monkeypatch, tmp_path, "migrate")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fresh" / "var" / "portal.db").exists()


def test_seed_creates_keys_outside_the_repository(monkeypatch, tmp_path):
    result = run(monkeypatch, tmp_path, "seed")
    assert result.exit_code == 0, result.output
    assert any((tmp_path / "fresh" / "var" / "pki").iterdir())


def test_services_check_validates_every_definition(monkeypatch, tmp_path):
    result = run(monkeypatch, tmp_path, "services", "check")
    assert result.exit_code == 0 and "dopa.residence-certificate" in result.output


def test_production_mode_with_demo_secrets_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    result = run(monkeypatch, tmp_path, "migrate")
    assert result.exit_code == 2
    assert "PORTAL_OIDC_CLIENT_SECRET is the demo value" in result.output


def test_only_living_adults_get_demo_sign_in_accounts():
    from portal.servers import demo_account_holders, demo_population
    from services.dopa.people import PersonStatus

    people = demo_population()
    holders = demo_account_holders(people)
    assert holders[:3] == people[:3]  # the documented demo citizens come first
    assert all(p.status == PersonStatus.ALIVE for p in holders)
    assert all(not p.title_th.startswith("เด็ก") for p in holders)
    assert any(p.status != PersonStatus.ALIVE for p in people)  # the registry still has them


def test_officers_add_registers_an_officer(monkeypatch, tmp_path):
    assert run(monkeypatch, tmp_path, "migrate").exit_code == 0
    result = run(
        monkeypatch, tmp_path, "officers", "add", "1509900456789", "dopa", "--role", "supervisor"
    )
    assert result.exit_code == 0, result.output
    assert "dopa supervisor" in result.output


def test_offices_and_an_officer_bound_to_one(monkeypatch, tmp_path):
    assert run(monkeypatch, tmp_path, "migrate").exit_code == 0
    added = run(
        monkeypatch,
        tmp_path,
        *("offices", "add", "dopa-bangrak", "dopa", "สำนักงานเขตบางรัก", "Bang Rak District Office"),
    )
    assert added.exit_code == 0, added.output
    listed = run(monkeypatch, tmp_path, "offices", "list", "--agency", "dopa")
    assert "dopa-bangrak" in listed.output and "Bang Rak District Office" in listed.output
    again = run(monkeypatch, tmp_path, "offices", "add", "dopa-bangrak", "dopa", "ก", "B")
    assert again.exit_code == 1 and "taken" in again.output
    officer = run(
        monkeypatch,
        tmp_path,
        *("officers", "add", "1509900456789", "dopa", "--office", "dopa-bangrak"),
        *("--email", "somsri@dopa.example.go.th"),
    )
    assert officer.exit_code == 0, officer.output
    # An office of another agency, or none, is refused with a message and nothing written.
    wrong = run(
        monkeypatch, tmp_path, "officers", "add", "3103900123458", "rd", "--office", "dopa-bangrak"
    )
    assert wrong.exit_code == 1 and "No such office" in wrong.output
    assert run(monkeypatch, tmp_path, "officers", "add", "3103900123458", "rd").exit_code == 0
