"""Plain factories with safe defaults for the documents tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from documents.models import Document
from documents.numbers import new_document_number
from documents.service import issue_document

AGENCY_CODE = "dopa"
AGENCY_NAME_TH = "กรมการปกครอง"
AGENCY_NAME_EN = "Department of Provincial Administration"

AGENCY = {
    "code": "dopa",
    "name_th": "กรมการปกครอง กระทรวงมหาดไทย",
    "name_en": "Department of Provincial Administration, Ministry of Interior",
    "address_th": "116 ถนนนครสวรรค์ แขวงวัดโสมนัส เขตป้อมปราบศัตรูพ่าย กรุงเทพมหานคร 10100",
    "address_en": "116 Nakhon Sawan Road, Wat Sommanat, Pom Prap Sattru Phai, Bangkok 10100",
}


def residence_context(**overrides: Any) -> dict[str, Any]:
    """The context the petition worker passes for "residence", minus what issue_document adds."""
    context: dict[str, Any] = {
        "agency": dict(AGENCY),
        "holder": {
            "national_id": "1101700230708",
            "title_th": "นาย",
            "given_name_th": "สมชาย",
            "family_name_th": "ใจดี",
            "title_en": "Mr",
            "given_name_en": "Somchai",
            "family_name_en": "Jaidee",
        },
        "address": {
            "house_no": "99/123",
            "moo": "4",
            "soi": "",
            "road": "พหลโยธิน",
            "subdistrict_th": "ลาดยาว",
            "subdistrict_en": "Lat Yao",
            "district_th": "จตุจักร",
            "district_en": "Chatuchak",
            "province_th": "กรุงเทพมหานคร",
            "province_en": "Bangkok",
            "postal_code": "10900",
        },
        "moved_in_on": date(2015, 3, 1),
        "purpose_th": "เพื่อใช้ประกอบการสมัครงาน",
        "purpose_en": "For a job application",
    }
    context.update(overrides)
    return context


def full_residence_context(number: str = "DOPA-2569-7K3M9QXD", **overrides: Any) -> dict[str, Any]:
    """A complete context for render_certificate_pdf (number, verify URL, issue time included)."""
    context = residence_context(**overrides)
    context.setdefault("document_number", number)
    context.setdefault("verify_url", f"https://portal.example.go.th/verify/{number}")
    context.setdefault("issued_at", datetime(2026, 11, 20, 18, 30, tzinfo=UTC))
    return context


def create_document(db: Session, **overrides: Any) -> Document:
    """A Document row without a PDF behind it, for wallet and lookup tests."""
    issued_at = overrides.pop("issued_at", datetime(2026, 11, 21, 3, 0, tzinfo=UTC))
    number = overrides.pop("number", new_document_number("dopa", issued_at))
    values: dict[str, Any] = {
        "number": number,
        "citizen_id": 1,
        "petition_id": None,
        "agency": "dopa",
        "agency_name_th": AGENCY_NAME_TH,
        "agency_name_en": AGENCY_NAME_EN,
        "template": "residence",
        "title_th": "หนังสือรับรองการอยู่อาศัย",
        "title_en": "Certificate of Residence",
        "holder_display_th": "นาย สมชาย ใ***",
        "holder_display_en": "Mr Somchai J***",
        "issued_at": issued_at,
        "sha256": hashlib.sha256(number.encode()).hexdigest(),
        "size_bytes": 1,
        "storage_key": f"2569/{number}.pdf",
        "signer_subject": "Common Name: test",
    }
    values.update(overrides)
    document = Document(**values)
    db.add(document)
    db.flush()
    return document


def issue_residence(db: Session, data_dir: Path, **overrides: Any) -> Document:
    """issue_document for a DOPA residence certificate, as the petition worker calls it."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "base_url": "https://portal.example.go.th",
        "citizen_id": 1,
        "petition_id": None,
        "agency_code": AGENCY_CODE,
        "agency_name_th": AGENCY_NAME_TH,
        "agency_name_en": AGENCY_NAME_EN,
        "template": "residence",
        "title_th": "หนังสือรับรองการอยู่อาศัย",
        "title_en": "Certificate of Residence",
        "context": residence_context(),
        "holder_display_th": "นาย สมชาย ใ***",
        "holder_display_en": "Mr Somchai J***",
    }
    values.update(overrides)
    return issue_document(db, **values)
