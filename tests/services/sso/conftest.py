"""Wires the DLT, SSO and NHSO modules into the agency lists for these tests only, until
services/agencies.py lists them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from services import agencies, dlt, dopa, nhso, sso
from services.catalogue import service


@pytest.fixture
def wired(monkeypatch: pytest.MonkeyPatch) -> None:
    modules = (dopa, dlt, sso, nhso)
    found = tuple(m.AGENCY for m in modules)
    contexts = {n: b for m in modules for n, b in m.CERTIFICATE_CONTEXTS.items()}

    def get_agency(code: str):  # type: ignore[no-untyped-def]
        return next((a for a in found if a.code == code), None)

    monkeypatch.setattr(agencies, "AGENCY_MODULES", modules)
    monkeypatch.setattr(agencies, "AGENCIES", found)
    monkeypatch.setattr(agencies, "CERTIFICATE_CONTEXTS", contexts)
    monkeypatch.setattr(service, "CERTIFICATE_CONTEXTS", contexts)
    monkeypatch.setattr(service, "get_agency", get_agency)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
