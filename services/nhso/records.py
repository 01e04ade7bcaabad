"""Deterministic synthetic health-coverage records, derived from DOPA's people and SSO's.

Every living Thai citizen has one scheme (National Health Security Act B.E. 2545, section 5):
a person insured with SSO under section 33 or 39 has the social-security scheme at their SSO
hospital, some other working-age adults are civil servants (CSMBS), and everyone else has the
gold card (UCS) at a hospital near their DOPA address. Each person draws from their own
`random.Random("nhso:<citizen ID>")`. A deceased person's right has ended, and a child born
after `REFERENCE_DATE` is not registered yet (that is `nhso.newborn-registration`): no record.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from services.dopa.people import REFERENCE_DATE, Person, PersonStatus
from services.sso.hospitals import hospital_near
from services.sso.records import insured_record, is_working_age

SCHEMES = {
    "UCS": ("สิทธิหลักประกันสุขภาพแห่งชาติ (บัตรทอง)", "Universal Coverage Scheme (gold card)"),
    "SSS": ("สิทธิประกันสังคม", "Social Security Scheme"),
    "CSMBS": (
        "สิทธิสวัสดิการรักษาพยาบาลข้าราชการ",
        "Civil Servant Medical Benefit Scheme",
    ),
}
UCS_START = date(2002, 10, 1)  # the gold card nationwide, as the Act came into force


def scheme(code: str) -> dict[str, str]:
    name_th, name_en = SCHEMES[code]
    return {"code": code, "name_th": name_th, "name_en": name_en}


def coverage_record(person: Person) -> dict[str, object] | None:
    """Every `nhso.coverage` field of `person`, or None (deceased, or not registered yet)."""
    if person.status is not PersonStatus.ALIVE or person.birthdate > REFERENCE_DATE:
        return None
    rng = random.Random(f"nhso:{person.national_id}")
    insured = insured_record(person)
    if insured is not None and insured["section"] in ("33", "39"):
        since = insured["employment_start"] or _random_since(rng, person)
        return {
            "scheme": scheme("SSS"),
            "main_hospital": insured["hospital"],
            "registered_since": since,
        }
    if insured is None and is_working_age(person) and rng.random() < 0.3:
        since = _random_since(rng, person)
        return {"scheme": scheme("CSMBS"), "main_hospital": None, "registered_since": since}
    return {
        "scheme": scheme("UCS"),
        "main_hospital": hospital_near(rng, person.address),
        "registered_since": _random_since(rng, person),
    }


def _random_since(rng: random.Random, person: Person) -> str:
    """A gold-card holder registers again with a hospital near each new home."""
    start = max(person.moved_in_on, person.birthdate, UCS_START)
    return (start + timedelta(days=rng.randint(0, 60))).isoformat()
