"""Helpers the RD, DOL and DBD tests share: registry clients and PDF rendering."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from documents.render import render_certificate_pdf
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
