"""Maps fetched taxpayer and population fields onto the RD certificate template."""

from __future__ import annotations

from typing import Any

from services.dopa.certificates import ADDRESS_FIELDS, HOLDER_FIELDS


def tax_residence_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `templates/certificates/tax_residence.html`.

    Raises ValueError when the register shows the person was not resident in the tax year asked
    for (fewer than 180 days in Thailand, Revenue Code section 41) or holds no record of that
    year: RD certifies residents only, so an officer must answer the petition.
    """
    taxpayer = evidence["rd.taxpayer"]
    population = evidence["dopa.population"]
    tax_year = str(answers.get("tax_year", "")).strip()
    tax_year = tax_year.removesuffix(".0")  # a number field may arrive as "2567.0"
    year = next((r for r in taxpayer.get("residence") or [] if r.get("tax_year") == tax_year), None)
    if year is None:
        raise ValueError(f"no residence record for tax year {tax_year}")
    if year.get("resident") != "yes":
        raise ValueError(f"not resident in Thailand in tax year {tax_year}")
    address = population.get("address") or {}
    return {
        "holder": {
            "national_id": holder["national_id"],
            **{f: population.get(f, "") for f in HOLDER_FIELDS},
        },
        "address": {f: str(address.get(f, "") or "") for f in ADDRESS_FIELDS},
        "tax_year_be": int(tax_year),
        "tax_year_ce": int(tax_year) - 543,
        "country": str(answers.get("country", "")).strip(),
        "tax_office_th": taxpayer.get("tax_office_th", ""),
        "tax_office_en": taxpayer.get("tax_office_en", ""),
    }


CONTEXTS = {"tax_residence": tax_residence_context}
