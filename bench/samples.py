"""Sample data for the benchmarks, built the way the portal builds it (not copied by hand)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from portal.servers import demo_population
from services.dopa import AGENCY
from services.dopa.certificates import residence_context
from services.dopa.people import person_to_record

SAMPLE_NUMBER = "DOPA-2569-7K3M9QXD"
SAMPLE_CHECK_CODE = "7K3M-9QXD"
# The length of the verify helper's signed QR payload (number, check code, signature).
SAMPLE_QR_DATA = (
    f"https://portal.example.go.th/v/{SAMPLE_NUMBER}.7K3M9QXD."
    "MEUCIQDx4kR2q9vJ0aWc5b3nT8YpLhQe1sZmKf7GdUoA2iVwNgIgV3hXc9RzLk4m8bPq2TjYs1eFu6WnAo0dCx7KrQ"
)


def sample_residence_context() -> dict[str, Any]:
    """The residence certificate's values for the first demo citizen, as the worker and
    `documents.service.issue_document` make them (check code, QR payload, validity included)."""
    person = demo_population()[0]
    context = residence_context(
        evidence={"dopa.population": person_to_record(person)},
        holder={"national_id": person.national_id},
        answers={"purpose": "bank"},
    )
    return context | {
        "agency": AGENCY.letterhead(),
        "document_number": SAMPLE_NUMBER,
        "check_code": SAMPLE_CHECK_CODE,
        "verify_url": f"https://portal.example.go.th/verify/{SAMPLE_NUMBER}",
        "qr_data": SAMPLE_QR_DATA,
        "issued_at": datetime(2026, 11, 21, 3, 0, tzinfo=UTC),
        "valid_until": date(2027, 2, 18),
        "thai_digits": False,
        "issued_by": None,
    }


def sample_certificate_data(context: dict[str, Any]) -> dict[str, Any]:
    """The JSON attachment for `context`, as issue_document builds it."""
    from documents.render import certificate_data

    return certificate_data(
        template="residence",
        number=SAMPLE_NUMBER,
        agency_code=AGENCY.code,
        title_th="หนังสือรับรองการอยู่อาศัย",
        title_en="Certificate of Residence",
        values=context,
    )
