"""Maps the fetched education record onto the MOE certificate template."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.dopa.certificates import HOLDER_FIELDS


def education_record_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `templates/certificates/education_record.html`: the qualifications oldest
    first, with dates parsed for the date filters; names from the population register when
    fetched, else as the digital ID gives them."""
    record = evidence["moe.education"]
    population = evidence.get("dopa.population") or {}
    qualifications = sorted(
        (
            {**q, "graduated_on": date.fromisoformat(q["graduated_on"])}
            for q in record.get("qualifications") or []
        ),
        key=lambda q: q["graduated_on"],
    )
    return {
        "holder": {
            "national_id": holder["national_id"],
            **{f: population.get(f) or holder.get(f, "") for f in HOLDER_FIELDS},
        },
        "qualifications": qualifications,
    }


CONTEXTS = {"education_record": education_record_context}
