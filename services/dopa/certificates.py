"""Maps fetched civil-register fields onto DOPA certificate templates.

Each builder takes the evidence the definition fetched (`evidence["dopa.<dataset>"]`), the
petition's subject (`holder`) and the form answers, and returns the template context. Names
come from `dopa.population` where the definition fetched it: a certificate of the register
prints the register's names.
"""

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

MARITAL_STATUSES = {
    "single": ("โสด", "Single (never married)"),
    "married": ("สมรส", "Married"),
    "divorced": ("หย่า", "Divorced"),
    "widowed": ("หม้าย (คู่สมรสถึงแก่กรรม)", "Widowed"),
}


def _holder(evidence: dict[str, Any], holder: dict[str, str]) -> dict[str, str]:
    population = evidence.get("dopa.population") or {}
    return {
        "national_id": holder["national_id"],
        **{f: str(population.get(f) or holder.get(f, "")) for f in HOLDER_FIELDS},
    }


def _date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def name_change_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `name_change.html`: the current names and every earlier one, oldest first.

    An empty `changes` list makes the certificate say that no change is recorded.
    """
    history = evidence["dopa.name_history"].get("previous_names") or []
    return {
        "holder": _holder(evidence, holder),
        "changes": [
            {
                "given_name_th": item.get("given_name_th") or "",
                "family_name_th": item.get("family_name_th") or "",
                "given_name_en": item.get("given_name_en") or "",
                "family_name_en": item.get("family_name_en") or "",
                "changed_on": date.fromisoformat(item["changed_on"]),
            }
            for item in history
        ],
    }


def marital_status_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `marital_status.html` from `dopa.marital_status`."""
    record = evidence["dopa.marital_status"]
    status = str(record.get("marital_status") or "single")
    status_th, status_en = MARITAL_STATUSES.get(status, (status, status))
    return {
        "holder": _holder(evidence, holder),
        "marital_status": status,
        "status_th": status_th,
        "status_en": status_en,
        "spouse_name_th": record.get("spouse_name_th") or "",
        "spouse_name_en": record.get("spouse_name_en") or "",
        "registered_on": _date(record.get("registered_on")),
    }


def birth_record_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `birth_record.html`: the subject's birth registration.

    The subject may be a child a parent files for, so names come from the register.
    """
    record = evidence["dopa.birth_record"]
    gender = (evidence.get("dopa.population") or {}).get("gender", "")
    return {
        "holder": _holder(evidence, holder),
        "gender_th": {"male": "ชาย", "female": "หญิง"}.get(gender, ""),
        "gender_en": {"male": "Male", "female": "Female"}.get(gender, ""),
        "birthdate": date.fromisoformat(record["birthdate"]),
        "birthplace_th": record.get("birthplace_th") or "",
        "birthplace_en": record.get("birthplace_en") or "",
        "father": {
            "name_th": record.get("father_name_th") or "",
            "name_en": record.get("father_name_en") or "",
            "national_id": record.get("father_national_id") or "",
        },
        "mother": {
            "name_th": record.get("mother_name_th") or "",
            "name_en": record.get("mother_name_en") or "",
            "national_id": record.get("mother_national_id") or "",
        },
        "registered_on": date.fromisoformat(record["registered_on"]),
    }


CONTEXTS = {
    "residence": residence_context,
    "name_change": name_change_context,
    "marital_status": marital_status_context,
    "birth_record": birth_record_context,
}
