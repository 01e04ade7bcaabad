"""Deterministic synthetic social-security records, derived from DOPA's people.

Each person draws from their own `random.Random("sso:<citizen ID>")`, so a record never depends
on who else is in the population and NHSO (which reads `insured_record` for its scheme) agrees.
Only living people of working age (18 to 60 on `REFERENCE_DATE`) are insured; children pay no
contributions and a deceased person's record is closed. The insured person's address is their
DOPA house address and their hospital is near it (`hospitals`). The demo people are fixed.

Contribution rates for 2025 (Social Security Act B.E. 2533): section 33 pays 5 % of the wage
between 1,650 and 15,000 baht; section 39 pays 9 % of a fixed 4,800 baht (432); section 40
pays a fixed 70, 100 or 300 baht a month, by the option chosen.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import date

from services.dopa.people import REFERENCE_DATE, Person, PersonStatus, age_on
from services.sso.hospitals import hospital, hospital_near

MIN_AGE, MAX_AGE = 18, 60
WAGE_FLOOR, WAGE_CEILING = 1_650, 15_000
SECTION_33_RATE = 0.05
SECTION_39_BASE, SECTION_39_AMOUNT = 4_800, 432
SECTION_40_AMOUNTS = (70, 100, 300)

_EMPLOYERS: tuple[tuple[str, str], ...] = (
    ("บริษัท ไทยเจริญการค้า จำกัด", "Thai Charoen Trading Co., Ltd."),
    ("บริษัท สยามรุ่งเรืองอุตสาหกรรม จำกัด", "Siam Rungrueang Industry Co., Ltd."),
    ("บริษัท บางกอกโลจิสติกส์ จำกัด", "Bangkok Logistics Co., Ltd."),
    ("บริษัท ศรีสุขอาหาร จำกัด", "Sisuk Foods Co., Ltd."),
    ("บริษัท เมืองทองก่อสร้าง จำกัด", "Mueang Thong Construction Co., Ltd."),
    ("บริษัท รัตนาการ์เมนต์ จำกัด", "Rattana Garment Co., Ltd."),
    ("บริษัท อีสานพัฒนาเกษตร จำกัด", "Isan Phatthana Kaset Co., Ltd."),
    ("บริษัท ทะเลใต้ซีฟู้ด จำกัด", "Thale Tai Seafood Co., Ltd."),
    ("ห้างหุ้นส่วนจำกัด มั่นคงวัสดุ", "Mankhong Watsadu Limited Partnership"),
    ("บริษัท ไทยดิจิทัลเซอร์วิส จำกัด", "Thai Digital Service Co., Ltd."),
)

LAST_12_MONTHS = tuple(f"{REFERENCE_DATE.year - 1}-{m:02d}" for m in range(1, 13))
"""The contribution months a record lists: the calendar year before `REFERENCE_DATE`."""


def _months_between(start: date, end: date) -> int:
    return max((end.year - start.year) * 12 + end.month - start.month, 0)


def _contributions(
    months: tuple[str, ...], wage_base: int | None, amount: int
) -> list[dict[str, str | None]]:
    return [
        {
            "month": m,
            "wage_base": None if wage_base is None else str(wage_base),
            "amount": str(amount),
        }
        for m in months
    ]


def is_working_age(person: Person) -> bool:
    return person.status is PersonStatus.ALIVE and MIN_AGE <= age_on(person.birthdate) <= MAX_AGE


def _random_record(person: Person) -> dict[str, object] | None:
    rng = random.Random(f"sso:{person.national_id}")
    if not is_working_age(person) or rng.random() >= 0.7:
        return None
    roll = rng.random()
    section = "33" if roll < 0.6 else "39" if roll < 0.7 else "40"
    first_year = min(person.birthdate.year + rng.randint(MIN_AGE, 25), REFERENCE_DATE.year - 1)
    first_job = date(first_year, rng.randint(1, 12), 1)
    first_job = max(first_job, date(1991, 1, 1))  # contributions began in B.E. 2534
    working_months = _months_between(first_job, REFERENCE_DATE)
    record: dict[str, object] = {
        "section": section,
        "status": "active",
        "employer_name_th": None,
        "employer_name_en": None,
        "employment_start": None,
        "address": asdict(person.address),
        "hospital": hospital_near(rng, person.address),
    }
    if section == "33":
        start = date(rng.randint(first_job.year, REFERENCE_DATE.year - 1), rng.randint(1, 12), 1)
        start = max(start, first_job)
        wage = rng.randrange(9_000, 60_001, 500)
        base = min(max(wage, WAGE_FLOOR), WAGE_CEILING)
        paid = tuple(m for m in LAST_12_MONTHS if m >= start.isoformat()[:7])
        employer = rng.choice(_EMPLOYERS)
        record |= {
            "employer_name_th": employer[0],
            "employer_name_en": employer[1],
            "employment_start": start.isoformat(),
            "contribution_months": str(
                max(
                    _months_between(start, REFERENCE_DATE),
                    working_months - rng.randint(0, working_months // 10),
                )
            ),
            "contributions": _contributions(paid, base, round(base * SECTION_33_RATE)),
        }
    elif section == "39":
        record |= {
            "contribution_months": str(
                max(12, working_months - rng.randint(0, working_months // 10))
            ),
            "contributions": _contributions(LAST_12_MONTHS, SECTION_39_BASE, SECTION_39_AMOUNT),
        }
    else:
        # Section 40 is voluntary: some months go unpaid, and it brings no hospital of choice.
        paid = tuple(m for m in LAST_12_MONTHS if rng.random() < 0.85)
        joined = max(first_job, date(2011, 5, 1))  # the section 40 options began in B.E. 2554
        record |= {
            "hospital": None,
            "contribution_months": str(
                max(len(paid), _months_between(joined, REFERENCE_DATE) * 85 // 100)
            ),
            "contributions": _contributions(paid, None, rng.choice(SECTION_40_AMOUNTS)),
        }
    return record


def insured_record(person: Person) -> dict[str, object] | None:
    """Every `sso.insured` field of `person`, or None when they are not insured."""
    if person.national_id in _DEMO:
        demo = _DEMO[person.national_id]
        return None if demo is None else demo(person)
    return _random_record(person)


def _somchai(person: Person) -> dict[str, object]:
    return {
        "section": "33",
        "status": "active",
        "employer_name_th": "บริษัท อโศกเทรดดิ้ง จำกัด",
        "employer_name_en": "Asok Trading Co., Ltd.",
        "employment_start": "2010-06-01",
        "contribution_months": "322",
        "contributions": _contributions(LAST_12_MONTHS, WAGE_CEILING, 750),
        "address": asdict(person.address),
        "hospital": hospital("โรงพยาบาลกล้วยน้ำไท", "Kluaynamthai Hospital", person.address),
    }


def _somying(person: Person) -> dict[str, object]:
    return {
        "section": "33",
        "status": "active",
        "employer_name_th": "บริษัท ล้านนาซอฟต์แวร์ จำกัด",
        "employer_name_en": "Lanna Software Co., Ltd.",
        "employment_start": "2019-07-01",
        "contribution_months": "78",
        "contributions": _contributions(LAST_12_MONTHS, WAGE_CEILING, 750),
        "address": asdict(person.address),
        "hospital": hospital("โรงพยาบาลนครพิงค์", "Nakornping Hospital", person.address),
    }


def _long_names(person: Person) -> dict[str, object]:
    return {
        "section": "40",
        "status": "active",
        "employer_name_th": None,
        "employer_name_en": None,
        "employment_start": None,
        "contribution_months": "94",
        "contributions": _contributions(LAST_12_MONTHS, None, 100),
        "address": asdict(person.address),
        "hospital": None,
    }


# Somchai and Somying are employees (section 33); the long-name person is self-employed
# (section 40); Somchai's daughter is a child and his father is deceased: not insured.
_DEMO = {
    "3103900123458": _somchai,
    "1509900456789": _somying,
    "1770100987658": _long_names,
    "1103900773219": None,
    "3103900004572": None,
}
