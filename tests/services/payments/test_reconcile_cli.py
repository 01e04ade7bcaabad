"""`portal payments reconcile` against a bank of its own: agreement, then a lost callback."""

from __future__ import annotations

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from portal.cli import app
from portal.migrate import migrate
from portal.settings import get_settings
from services.payments.bank_sim import create_bank_app
from tests.fixtures.servers import free_port, start_live_server
from tests.services.payments.test_promptpay import THAIQR_GO_BILL_PAYMENT


def test_reconcile_reports_a_payment_the_portal_never_heard_of(monkeypatch, tmp_path):
    # The bank calls back to the discard port, where nobody listens: the callback is lost.
    bank = start_live_server(
        create_bank_app(signing_key=Ed25519PrivateKey.generate(), portal_url="http://127.0.0.1:9"),
        free_port(),
    )
    database_url = f"sqlite:///{tmp_path / 'portal.db'}"
    migrate(database_url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    monkeypatch.setenv("PORTAL_PAYMENT_BANK_URL", bank.url)
    get_settings.cache_clear()
    try:
        agreed = CliRunner().invoke(app, ["payments", "reconcile"])
        assert agreed.exit_code == 0, agreed.output
        assert "all transactions agree" in agreed.output

        lost = httpx.post(f"{bank.url}/pay", json={"payload": THAIQR_GO_BILL_PAYMENT}, timeout=30)
        assert lost.status_code == 502 and lost.json()["error"] == "portal_unreachable"

        found = CliRunner().invoke(app, ["payments", "reconcile"])
        assert found.exit_code == 1, found.output
        assert "MISMATCH missing_callback" in found.output and "REF987654321" in found.output
    finally:
        get_settings.cache_clear()
        bank.stop()
