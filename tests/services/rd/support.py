"""Helpers the RD, DOL and DBD tests share: agency wiring, registry clients, PDF rendering.

`wired` stands in for listing the modules in `services.agencies.AGENCY_MODULES`; remove it once
they are listed there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

import services.agencies
import services.catalogue.service
import services.exchange.registry
from documents.render import render_certificate_pdf
from identity.citizen_ids import check_digit
from services.catalogue.definitions import ServiceDefinition
from services.catalogue.service import load_definition
from services.exchange.datasets import SubjectKind
from services.exchange.datasets import is_valid_subject as _is_valid_subject
from tests.documents.test_render import normalised, pdf_text

API_KEY = "test-registry-key"


def headers() -> dict[str, str]:
    return {
        "Authorization": f"Bearer {API_KEY}",
        "X-Request-Id": "req-1",
        "X-Caller": "citizen-service-portal",
        "X-Purpose": "test",
        "X-Petition-Id": "petition-1",
        "X-Consent-Ref": "",
    }


@contextmanager
def wired(monkeypatch: pytest.MonkeyPatch, *modules: ModuleType) -> Iterator[None]:
    """The agency modules as if listed in `services.agencies.AGENCY_MODULES`."""
    listed = tuple(dict.fromkeys((*services.agencies.AGENCY_MODULES, *modules)))
    contexts = {n: b for m in listed for n, b in m.CERTIFICATE_CONTEXTS.items()}
    monkeypatch.setattr(services.agencies, "AGENCY_MODULES", listed)
    monkeypatch.setattr(services.agencies, "AGENCIES", tuple(m.AGENCY for m in listed))
    monkeypatch.setattr(services.agencies, "CERTIFICATE_CONTEXTS", contexts)
    monkeypatch.setattr(services.catalogue.service, "CERTIFICATE_CONTEXTS", contexts)
    monkeypatch.setattr(services.catalogue.service, "get_agency", services.agencies.get_agency)
    yield


def load(monkeypatch: pytest.MonkeyPatch, path: Path, *modules: ModuleType) -> ServiceDefinition:
    from services import dopa

    with wired(monkeypatch, dopa, *modules):
        return load_definition(path)


def _juristic_aware_is_valid_subject(kind: SubjectKind, subject: str) -> bool:
    # identity.citizen_ids refuses a leading 0, which every juristic person ID has.
    if kind == "juristic_id":
        return (
            len(subject) == 13
            and subject.isascii()
            and subject.isdigit()
            and check_digit(subject[:12]) == int(subject[12])
        )
    return _is_valid_subject(kind, subject)


def accept_juristic_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Until `services.exchange.datasets.is_valid_subject` accepts juristic IDs (which start
    with 0), the registry tests use this version of it."""
    monkeypatch.setattr(
        services.exchange.registry, "is_valid_subject", _juristic_aware_is_valid_subject
    )


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry")


def render_text(template: str, context: dict[str, Any], agency: Any, tmp_path: Path) -> str:
    """The normalised PDF text of `template` rendered as the petition worker would."""
    number = f"{agency.code.upper()}-2569-7K3M9QXD"
    full = {
        **context,
        "agency": agency.letterhead(),
        "document_number": number,
        "verify_url": f"https://portal.example.go.th/verify/{number}",
        "issued_at": datetime(2026, 1, 20, 3, 0, tzinfo=UTC),
    }
    full.setdefault(
        "holder",
        {
            "national_id": "3103900123458",
            "title_th": "นาย",
            "given_name_th": "สมชาย",
            "family_name_th": "ใจดี",
            "title_en": "Mr",
            "given_name_en": "Somchai",
            "family_name_en": "Jaidee",
        },
    )
    return normalised(pdf_text(render_certificate_pdf(template, full), tmp_path))


__all__ = ["normalised"]
