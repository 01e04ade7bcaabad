"""The civil-register records DOPA serves besides `dopa.population`, derived from the people.

Each function turns a `Person` (and, for links to other people, the register by citizen ID)
into the JSON-ready fields of one dataset in `contract.py`. What a `Person` does not hold (the
names of parents who are not in this register, the day a birth was registered) is drawn from a
`random.Random` seeded with the person's citizen ID, so it is the same on every run; the demo
people have theirs fixed in `_DEMO_BIRTHS`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import geothai

from services.dopa.people import (
    _FEMALE_GIVEN_NAMES,
    _MALE_GIVEN_NAMES,
    MaritalStatus,
    Person,
    PersonStatus,
    age_on,
)

AGE_OF_MAJORITY = 20
"""A person becomes sui juris at 20 (Civil and Commercial Code, section 19), or on marriage
(section 20); until then the parents exercise parental power (sections 1566 and 1569)."""

BIRTH_NOTIFICATION_DAYS = 15
"""A birth is notified to the registrar within 15 days (Civil Registration Act B.E. 2534,
section 18)."""

CHILD_FIELDS = (
    "title_th",
    "given_name_th",
    "family_name_th",
    "title_en",
    "given_name_en",
    "family_name_en",
)


@dataclass(frozen=True)
class _Birth:
    """What the birth certificate (สูติบัตร) of a demo person says beyond the register."""

    registered_on: date
    father: tuple[str, str] = ("", "")  # full names (Thai, English) when not in the register
    mother: tuple[str, str] = ("", "")


_DEMO_BIRTHS: dict[str, _Birth] = {
    "3103900123458": _Birth(  # Somchai: his father Somsak is in the register
        date(1975, 4, 18), mother=("นางบุญเรือน ใจดี", "Mrs Bunruean Jaidee")
    ),
    "1509900456789": _Birth(  # Somying
        date(1992, 8, 28),
        father=("นายประเสริฐ รักไทย", "Mr Prasoet Rakthai"),
        mother=("นางมาลี รักไทย", "Mrs Mali Rakthai"),
    ),
    "1103900773219": _Birth(  # Piyanut: her mother is Somchai's former wife
        date(2015, 2, 20), mother=("นางวันเพ็ญ ใจดี", "Mrs Wanphen Jaidee")
    ),
    "1103900812346": _Birth(  # Pakorn: his parents are not married
        date(2026, 10, 9), mother=("นางสาวอรทัย แสงจันทร์", "Miss Orathai Saengchan")
    ),
}


def index_children(people: Iterable[Person]) -> dict[str, list[Person]]:
    """Parent citizen ID -> their children in the register, oldest first."""
    children: dict[str, list[Person]] = {}
    for person in people:
        for parent in (person.father_id, person.mother_id):
            if parent:
                children.setdefault(parent, []).append(person)
    for found in children.values():
        found.sort(key=lambda p: p.birthdate)
    return children


def is_minor(person: Person, on: date) -> bool:
    """Whether `person` is under the age of majority on `on` (a married minor is not)."""
    if person.marital_status is not MaritalStatus.SINGLE:
        return False
    return age_on(person.birthdate, on) < AGE_OF_MAJORITY


def family_record(children: Iterable[Person]) -> dict[str, object]:
    """`dopa.family`: the person's living children in the register."""
    return {
        "children": [
            {
                "national_id": child.national_id,
                **{f: getattr(child, f) for f in CHILD_FIELDS},
                "birthdate": child.birthdate.isoformat(),
            }
            for child in children
            if child.status is PersonStatus.ALIVE
        ]
    }


def _province(code: str) -> tuple[str, str]:
    found = geothai.province(code)
    return (found.name_th, found.name_en) if found else ("", "")


def _drawn_birth(person: Person) -> _Birth:
    """Parents' names for a generated person, from their birth family name."""
    rng = random.Random(f"dopa:birth:{person.national_id}")
    family_th, family_en = person.birth_family_name
    father_th, father_en = rng.choice(_MALE_GIVEN_NAMES)
    mother_th, mother_en = rng.choice(_FEMALE_GIVEN_NAMES)
    return _Birth(
        registered_on=person.birthdate + timedelta(rng.randint(0, BIRTH_NOTIFICATION_DAYS - 1)),
        father=(f"นาย{father_th} {family_th}", f"Mr {father_en} {family_en}"),
        mother=(f"นาง{mother_th} {family_th}", f"Mrs {mother_en} {family_en}"),
    )


def birth_record(person: Person, by_id: Mapping[str, Person]) -> dict[str, object]:
    """`dopa.birth_record`: the birth registration. A parent in the register is named as the
    register names them now, with their citizen ID; others as the certificate wrote them."""
    birth = _DEMO_BIRTHS.get(person.national_id) or _drawn_birth(person)
    province_th, province_en = _province(person.birth_province_code or person.address.province_code)
    record: dict[str, object] = {
        "birthdate": person.birthdate.isoformat(),
        "birthplace_th": province_th,
        "birthplace_en": province_en,
    }
    for role, parent_id, written in (
        ("father", person.father_id, birth.father),
        ("mother", person.mother_id, birth.mother),
    ):
        parent = by_id.get(parent_id) if parent_id else None
        names = (parent.full_name_th, parent.full_name_en) if parent else written
        record[f"{role}_name_th"], record[f"{role}_name_en"] = names
        record[f"{role}_national_id"] = parent.national_id if parent else ""
    record["registered_on"] = birth.registered_on.isoformat()
    return record


def marital_status_record(person: Person, by_id: Mapping[str, Person]) -> dict[str, object]:
    """`dopa.marital_status`: the status, the spouse's name while married, the last change."""
    spouse = by_id.get(person.spouse_id) if person.spouse_id else None
    married = person.marital_status is MaritalStatus.MARRIED and spouse is not None
    return {
        "marital_status": person.marital_status.value,
        "spouse_name_th": spouse.full_name_th if married and spouse else "",
        "spouse_name_en": spouse.full_name_en if married and spouse else "",
        "registered_on": (
            person.marital_status_on.isoformat() if person.marital_status_on else None
        ),
    }


def name_history_record(person: Person) -> dict[str, object]:
    """`dopa.name_history`: every earlier registered name, oldest first."""
    return {
        "previous_names": [
            {
                "given_name_th": n.given_name_th,
                "family_name_th": n.family_name_th,
                "given_name_en": n.given_name_en,
                "family_name_en": n.family_name_en,
                "changed_on": n.changed_on.isoformat(),
            }
            for n in person.previous_names
        ]
    }


__all__ = [
    "AGE_OF_MAJORITY",
    "birth_record",
    "family_record",
    "index_children",
    "is_minor",
    "marital_status_record",
    "name_history_record",
]
