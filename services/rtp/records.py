"""Deterministic synthetic criminal records, derived from the DOPA population.

Each person's record is drawn from `random.Random("rtp:<citizen ID>")`, so it never changes with
the size of the population or the order of the people. About 2 % of adults have a conviction;
children have none: what a juvenile court orders is not a criminal record the division certifies
(Juvenile and Family Court and Procedure Act B.E. 2553).
The demo people are fixed and clean.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from services.dopa.people import BANGKOK, REFERENCE_DATE, Person, PersonStatus, demo_people

ADULT_YEARS = 18
CONVICTION_RATE = 0.02

RECORD_NONE = "none"
RECORD_FOUND = "found"


@dataclass(frozen=True)
class _Offence:
    offence_th: str
    offence_en: str
    sentences: tuple[tuple[str, str], ...]


# Common offences with sentences in the range the Criminal Court usually hands down.
_OFFENCES: tuple[_Offence, ...] = (
    _Offence(
        "ลักทรัพย์ (ประมวลกฎหมายอาญา มาตรา 334)",
        "Theft (Criminal Code, section 334)",
        (
            ("จำคุก 6 เดือน รอการลงโทษไว้ 2 ปี", "6 months' imprisonment, suspended for 2 years"),
            ("จำคุก 1 ปี", "1 year's imprisonment"),
        ),
    ),
    _Offence(
        "ขับรถขณะเมาสุรา (พระราชบัญญัติจราจรทางบก พ.ศ. 2522 มาตรา 43)",
        "Drunk driving (Land Traffic Act B.E. 2522, section 43)",
        (
            (
                "ปรับ 10,000 บาท จำคุก 3 เดือน รอการลงโทษไว้ 1 ปี",
                "Fine of 10,000 baht and 3 months' imprisonment, suspended for 1 year",
            ),
            ("ปรับ 5,000 บาท", "Fine of 5,000 baht"),
        ),
    ),
    _Offence(
        "ทำร้ายร่างกาย (ประมวลกฎหมายอาญา มาตรา 295)",
        "Assault causing bodily harm (Criminal Code, section 295)",
        (
            ("จำคุก 4 เดือน รอการลงโทษไว้ 2 ปี", "4 months' imprisonment, suspended for 2 years"),
            ("ปรับ 8,000 บาท", "Fine of 8,000 baht"),
        ),
    ),
    _Offence(
        "ฉ้อโกง (ประมวลกฎหมายอาญา มาตรา 341)",
        "Fraud (Criminal Code, section 341)",
        (
            ("จำคุก 1 ปี 6 เดือน", "1 year and 6 months' imprisonment"),
            ("จำคุก 8 เดือน รอการลงโทษไว้ 2 ปี", "8 months' imprisonment, suspended for 2 years"),
        ),
    ),
    _Offence(
        "ครอบครองยาเสพติดให้โทษประเภท 1",
        "Possession of a Category 1 narcotic",
        (
            ("จำคุก 2 ปี", "2 years' imprisonment"),
            ("จำคุก 1 ปี ปรับ 20,000 บาท", "1 year's imprisonment and a fine of 20,000 baht"),
        ),
    ),
    _Offence(
        "เล่นการพนัน (พระราชบัญญัติการพนัน พ.ศ. 2478)",
        "Gambling (Gambling Act B.E. 2478)",
        (("ปรับ 2,000 บาท", "Fine of 2,000 baht"),),
    ),
)


_BANGKOK_COURTS = (
    ("ศาลอาญา", "Criminal Court"),
    ("ศาลอาญากรุงเทพใต้", "Bangkok South Criminal Court"),
    ("ศาลแขวงพระนครใต้", "Phra Nakhon Tai Kwaeng Court"),
)


def _adult_from(person: Person) -> date:
    born = person.birthdate
    try:
        return born.replace(year=born.year + ADULT_YEARS)
    except ValueError:  # 29 February
        return born.replace(year=born.year + ADULT_YEARS, day=28)


def _court(person: Person, rng: random.Random) -> tuple[str, str]:
    """The court of first instance where the person lives (a simplification: offences are
    tried where committed, which is mostly near home)."""
    address = person.address
    if address.province_code == BANGKOK:
        return rng.choice(_BANGKOK_COURTS)
    return f"ศาลจังหวัด{address.province_th}", f"{address.province_en} Provincial Court"


def _conviction(person: Person, rng: random.Random) -> dict[str, str] | None:
    start = _adult_from(person)
    end = REFERENCE_DATE - timedelta(days=60)
    if person.status is PersonStatus.DECEASED:
        # No death date is registered here: keep judgments to the person's young adult years,
        # well before any plausible death, so nothing is dated after it.
        end = min(end, start + timedelta(days=365 * 17))
    if end <= start:
        return None
    judged_on = start + timedelta(days=rng.randint(0, (end - start).days))
    offence = rng.choice(_OFFENCES)
    sentence_th, sentence_en = rng.choice(offence.sentences)
    court_th, court_en = _court(person, rng)
    year_be = judged_on.year + 543
    return {
        "case_number": f"อ.{rng.randint(100, 9999)}/{year_be}",
        "court_th": court_th,
        "court_en": court_en,
        "offence_th": offence.offence_th,
        "offence_en": offence.offence_en,
        "judged_on": judged_on.isoformat(),
        "sentence_th": sentence_th,
        "sentence_en": sentence_en,
    }


_DEMO_IDS = frozenset(p.national_id for p in demo_people())


def criminal_record(person: Person) -> dict[str, object]:
    """Every `rtp.criminal_record` field of one person, JSON-ready; the same person always gets
    the same record."""
    convictions: list[dict[str, str]] = []
    rng = random.Random(f"rtp:{person.national_id}")
    if person.national_id not in _DEMO_IDS and rng.random() < CONVICTION_RATE:
        for _ in range(1 if rng.random() < 0.8 else 2):
            conviction = _conviction(person, rng)
            if conviction is not None:
                convictions.append(conviction)
    convictions.sort(key=lambda c: c["judged_on"])
    return {
        "record_status": RECORD_FOUND if convictions else RECORD_NONE,
        "convictions": convictions,
    }
