"""Sample data for the benchmarks, built the way the portal builds it (not copied by hand)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from portal.servers import demo_population
from services.dopa import AGENCY
from services.dopa.certificates import residence_context
from services.dopa.people import person_to_record

SAMPLE_NUMBER = "DOPA-2569-7K3M9QXD"


def sample_residence_context() -> dict[str, Any]:
    """The residence certificate's context for the first demo citizen, as the worker makes it."""
    person = demo_population()[0]
    context = residence_context(
        evidence={"dopa.population": person_to_record(person)},
        holder={"national_id": person.national_id},
        answers={"purpose": "bank"},
    )
    return context | {
        "agency": AGENCY.letterhead(),
        "document_number": SAMPLE_NUMBER,
        "verify_url": f"https://portal.example.go.th/verify/{SAMPLE_NUMBER}",
        "issued_at": datetime(2026, 11, 21, 3, 0, tzinfo=UTC),
    }
