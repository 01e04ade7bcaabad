"""Maps the fetched health-coverage fields onto the NHSO certificate."""

from __future__ import annotations

from datetime import date
from typing import Any


def health_coverage_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `health_coverage.html`: the scheme, main hospital and since when."""
    coverage = evidence["nhso.coverage"]
    since = coverage.get("registered_since")
    return {
        "scheme": coverage["scheme"],
        "main_hospital": coverage.get("main_hospital"),
        "registered_since": date.fromisoformat(since) if since else None,
    }


CONTEXTS = {"health_coverage": health_coverage_context}
