"""`portal verify qr`: the offline checker a bank or an auditor runs, and its exit codes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from documents.qrpayload import jwks, load_public_keys, qr_key_dir, qr_payload
from portal.cli import app
from portal.settings import get_settings

NUMBER = "DOPA-2569-7K3M9QXD"
CODE = "1A0B2C"
runner = CliRunner()


@pytest.fixture
def portal_dir(tmp_path: Path) -> Path:
    return tmp_path / "portal"


@pytest.fixture
def payload(portal_dir: Path) -> str:
    return qr_payload(portal_dir, "https://portal.example.go.th", NUMBER, CODE)


@pytest.fixture
def jwks_file(portal_dir: Path, payload: str, tmp_path: Path) -> Path:
    path = tmp_path / "document-keys.json"
    path.write_text(json.dumps(jwks(load_public_keys(portal_dir))))
    return path


def forge(payload: str) -> str:
    head, sig = payload.rsplit("&s=", 1)
    return f"{head}&s={'B' if sig[0] != 'B' else 'C'}{sig[1:]}"


def test_a_genuine_payload_exits_0_and_names_the_document(payload, jwks_file):
    result = runner.invoke(app, ["verify", "qr", payload, "--keys", str(jwks_file)])
    assert result.exit_code == 0, result.output
    assert NUMBER in result.output and CODE in result.output


def test_forged_tampered_and_foreign_payloads_exit_1(payload, jwks_file, tmp_path):
    foreign = qr_payload(tmp_path / "other", "https://portal.example.go.th", NUMBER, CODE)
    for text in (forge(payload), payload.replace(CODE, "1A0B2D"), foreign, "not a qr"):
        result = runner.invoke(app, ["verify", "qr", text, "--keys", str(jwks_file)])
        assert result.exit_code == 1, (text, result.output)
    forged = runner.invoke(app, ["verify", "qr", forge(payload), "--keys", str(jwks_file)])
    assert "FORGED" in forged.output


def test_unreadable_or_empty_keys_exit_2(payload, tmp_path):
    missing = runner.invoke(app, ["verify", "qr", payload, "--keys", str(tmp_path / "none.json")])
    assert missing.exit_code == 2
    empty = tmp_path / "empty.json"
    empty.write_text('{"keys": []}')
    assert runner.invoke(app, ["verify", "qr", payload, "--keys", str(empty)]).exit_code == 2


def test_keys_from_a_folder_and_from_the_data_dir(payload, portal_dir, monkeypatch):
    folder = runner.invoke(app, ["verify", "qr", payload, "--keys", str(qr_key_dir(portal_dir))])
    assert folder.exit_code == 0, folder.output
    monkeypatch.setenv("PORTAL_DATA_DIR", str(portal_dir))
    get_settings.cache_clear()
    try:
        assert runner.invoke(app, ["verify", "qr", payload]).exit_code == 0
        assert runner.invoke(app, ["verify", "qr", forge(payload)]).exit_code == 1
    finally:
        get_settings.cache_clear()


@pytest.fixture
def served(jwks_file: Path) -> Iterator[str]:
    """The JWKS file over real HTTP, as the portal's /.well-known/ URL serves it."""
    handler = partial(SimpleHTTPRequestHandler, directory=str(jwks_file.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{jwks_file.name}"
    server.shutdown()
    server.server_close()


def test_keys_fetched_from_a_url(payload, served):
    assert runner.invoke(app, ["verify", "qr", payload, "--keys", served]).exit_code == 0
    assert runner.invoke(app, ["verify", "qr", forge(payload), "--keys", served]).exit_code == 1
    gone = runner.invoke(app, ["verify", "qr", payload, "--keys", served + ".missing"])
    assert gone.exit_code == 2
