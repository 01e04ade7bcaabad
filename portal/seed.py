"""First-run material for a deployment or the demo: signing keys for every agency."""

from __future__ import annotations

from pathlib import Path

from documents.pki import ensure_agency_seal, ensure_root_ca
from services.agencies import AGENCIES


def seed_keys(data_dir: Path) -> list[str]:
    """Creates the portal root CA and an agency seal per agency, if missing. Returns the codes."""
    ensure_root_ca(data_dir)
    for agency in AGENCIES:
        ensure_agency_seal(data_dir, agency.code, agency.name_en)
    return [a.code for a in AGENCIES]
