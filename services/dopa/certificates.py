"""Maps fetched population-register fields onto DOPA certificate templates."""

from __future__ import annotations

from datetime import date
from typing import Any

HOLDER_FIELDS = (
    "title_th",
    "given_name_th",
    "family_name_th",
    "title_en",
    "given_name_en",
    "family_name_en",
)
ADDRESS_FIELDS = (
    "house_no",
    "moo",
    "soi",
    "soi_en",
    "road",
    "road_en",
    "subdistrict_th",
    "subdistrict_en",
    "district_th",
    "district_en",
    "province_th",
    "province_en",
    "postal_code",
)


def residence_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `templates/certificates/residence.html` from the `dopa.population` answer;
    the names are the register's, which a certificate of the register must print."""
    population = evidence["dopa.population"]
    address = population.get("address") or {}
    purpose = PURPOSES.get(answers.get("purpose", ""), PURPOSES["other"])
    return {
        "holder": {
            "national_id": holder["national_id"],
            **{f: population.get(f, "") for f in HOLDER_FIELDS},
        },
        "address": {f: str(address.get(f, "") or "") for f in ADDRESS_FIELDS},
        "moved_in_on": date.fromisoformat(population["moved_in_on"]),
        "purpose_th": purpose[0],
        "purpose_en": purpose[1],
    }


PURPOSES = {
    "employment": ("เพื่อใช้ประกอบการสมัครงาน", "For a job application"),
    "bank": ("เพื่อใช้ยื่นต่อธนาคารหรือสถาบันการเงิน", "For a bank or financial institution"),
    "education": ("เพื่อใช้ยื่นต่อสถานศึกษา", "For a school or university"),
    "other": ("เพื่อใช้ประกอบการติดต่อหน่วยงาน", "For dealings with other offices"),
}

CONTEXTS = {"residence": residence_context}
