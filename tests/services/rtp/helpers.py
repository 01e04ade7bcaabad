"""Test helpers: register an agency module in the catalogue for one test (until the lead wires
it into `services.agencies.AGENCY_MODULES`; then `register_agency` can go), and complete a
certificate context as the worker does."""

from __future__ import annotations

from datetime import UTC, datetime
from types import ModuleType

import pytest

import services.agencies as agencies
import services.catalogue.service as catalogue_service


def register_agency(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> None:
    """Adds `module` to the agency list, its agency and its certificate contexts, for one test."""
    if module in agencies.AGENCY_MODULES:
        return
    modules = (*agencies.AGENCY_MODULES, module)
    listed = tuple(m.AGENCY for m in modules)
    contexts = {**agencies.CERTIFICATE_CONTEXTS, **module.CERTIFICATE_CONTEXTS}

    def get_agency(code: str):  # type: ignore[no-untyped-def]
        return next((a for a in listed if a.code == code), None)

    for target in (agencies, catalogue_service):
        monkeypatch.setattr(target, "AGENCY_MODULES", modules)
        monkeypatch.setattr(target, "CERTIFICATE_CONTEXTS", contexts)
        monkeypatch.setattr(target, "get_agency", get_agency)
    monkeypatch.setattr(agencies, "AGENCIES", listed)


def full_context(context: dict, agency) -> dict:  # type: ignore[type-arg,no-untyped-def]
    """A builder's context with what the worker and `issue_document` add before rendering."""
    number = f"{agency.code.upper()}-2569-7K3M9QXD"
    return {
        **context,
        "agency": agency.letterhead(),
        "document_number": number,
        "verify_url": f"https://portal.example.go.th/verify/{number}",
        "issued_at": datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
    }
