"""Deterministic synthetic vehicle and driving-licence records, derived from DOPA's people.

Each person draws from their own `random.Random("dlt:<citizen ID>")`, so a record never depends
on who else is in the population and agrees with the other agencies. Only living adults (18 and
over on `REFERENCE_DATE`, the age for a private-car licence under the Motor Vehicle Act B.E.
2522) own vehicles or hold licences; a deceased person's vehicles pass to the heirs and their
licence lapses, so the register has nothing in their name. The owner's address on the register
is the DOPA house address. The demo people have fixed records.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import date, timedelta

from services.dopa.people import BANGKOK, REFERENCE_DATE, Person, PersonStatus, age_on, years_after

LICENCE_AGE = 18
FULL_POINTS = "12"  # behaviour points every licence holder starts with (Land Traffic Act B.E. 2522)

CAR = ("รย.1", "รถยนต์นั่งส่วนบุคคลไม่เกิน 7 คน", "Private car (up to 7 passengers)")
MOTORCYCLE = ("รย.12", "รถจักรยานยนต์ส่วนบุคคล", "Private motorcycle")

LICENCE_CLASSES = {
    ("car", True): ("ใบอนุญาตขับรถยนต์ส่วนบุคคลชั่วคราว", "Temporary private car licence"),
    ("car", False): ("ใบอนุญาตขับรถยนต์ส่วนบุคคล", "Private car licence"),
    ("motorcycle", True): (
        "ใบอนุญาตขับรถจักรยานยนต์ส่วนบุคคลชั่วคราว",
        "Temporary private motorcycle licence",
    ),
    ("motorcycle", False): ("ใบอนุญาตขับรถจักรยานยนต์ส่วนบุคคล", "Private motorcycle licence"),
}

_CAR_MODELS = (
    ("Toyota", "Yaris Ativ"),
    ("Toyota", "Corolla Altis"),
    ("Toyota", "Camry"),
    ("Honda", "City"),
    ("Honda", "Civic"),
    ("Honda", "HR-V"),
    ("Mazda", "2"),
    ("Mazda", "CX-5"),
    ("Nissan", "Almera"),
    ("Mitsubishi", "Attrage"),
    ("Suzuki", "Swift"),
)
_MOTORCYCLE_MODELS = (
    ("Honda", "Wave 110i"),
    ("Honda", "Click 125i"),
    ("Honda", "Scoopy i"),
    ("Honda", "PCX 160"),
    ("Yamaha", "Fino"),
    ("Yamaha", "NMAX"),
    ("Yamaha", "Grand Filano"),
)
_COLOURS = (
    ("ขาว", "White"),
    ("ดำ", "Black"),
    ("เทา", "Grey"),
    ("บรอนซ์เงิน", "Silver"),
    ("แดง", "Red"),
    ("น้ำเงิน", "Blue"),
)
# Consonants used on plates (vowels and tone marks never are).
_PLATE_LETTERS = "กขคฆงจฉชฌญฎฐฒณดตถทธนบปผพภมยรลวศษสหฬอฮ"


def _random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _vehicle(
    person: Person,
    *,
    kind: tuple[str, str, str],
    plate: str,
    brand: str,
    model: str,
    colour: tuple[str, str],
    registered_on: date,
    tax_paid_until: date,
) -> dict[str, str]:
    return {
        "plate": plate,
        "plate_province_th": person.address.province_th,
        "plate_province_en": person.address.province_en,
        "type_code": kind[0],
        "type_th": kind[1],
        "type_en": kind[2],
        "brand": brand,
        "model": model,
        "colour_th": colour[0],
        "colour_en": colour[1],
        "registered_on": registered_on.isoformat(),
        "tax_paid_until": tax_paid_until.isoformat(),
    }


def _licence(
    *, number: str, kind: str, temporary: bool, issued_on: date, expires_on: date
) -> dict[str, str]:
    class_th, class_en = LICENCE_CLASSES[(kind, temporary)]
    return {
        "number": number,
        "class_code": kind,
        "class_th": class_th,
        "class_en": class_en,
        "issued_on": issued_on.isoformat(),
        "expires_on": expires_on.isoformat(),
        "status": "valid" if expires_on >= REFERENCE_DATE else "expired",
    }


def _plate(rng: random.Random, person: Person, *, motorcycle: bool) -> str:
    letters = "".join(rng.choice(_PLATE_LETTERS) for _ in range(2))
    number = rng.randint(1, 999 if motorcycle else 9999)
    if person.address.province_code == BANGKOK or motorcycle:
        return f"{rng.randint(1, 9)}{letters} {number}"
    return f"{letters} {number}"


def _random_vehicle(rng: random.Random, person: Person, *, motorcycle: bool) -> dict[str, str]:
    first = max(years_after(person.birthdate, LICENCE_AGE), date(2000, 1, 1))
    registered_on = _random_date(rng, first, REFERENCE_DATE - timedelta(days=30))
    # Annual tax runs to the anniversary of registration; about one owner in ten is overdue.
    due = years_after(registered_on, REFERENCE_DATE.year - registered_on.year)
    if due < REFERENCE_DATE:
        due = years_after(due, 1)
    if rng.random() < 0.1:
        due = years_after(due, -1)
    brand, model = rng.choice(_MOTORCYCLE_MODELS if motorcycle else _CAR_MODELS)
    return _vehicle(
        person,
        kind=MOTORCYCLE if motorcycle else CAR,
        plate=_plate(rng, person, motorcycle=motorcycle),
        brand=brand,
        model=model,
        colour=rng.choice(_COLOURS),
        registered_on=registered_on,
        tax_paid_until=due,
    )


def _random_licence(rng: random.Random, person: Person, kind: str) -> dict[str, str]:
    """A temporary licence for two years, then five-year licences that end on the holder's
    birthday; a few holders let it lapse. The number, prefixed with the Buddhist-era year of
    first issue, stays the same through renewals."""
    adult = years_after(person.birthdate, LICENCE_AGE)
    issued_on = _random_date(rng, max(adult, date(1995, 1, 1)), REFERENCE_DATE - timedelta(60))
    number = f"{(issued_on.year + 543) % 100:02d}{rng.randint(0, 999_999):06d}"
    expires_on = years_after(issued_on, 2)
    temporary = True
    while expires_on < REFERENCE_DATE and rng.random() > 0.05:
        issued_on = expires_on - timedelta(days=rng.randint(0, 60))
        expires_on = years_after(person.birthdate, issued_on.year + 5 - person.birthdate.year)
        temporary = False
    return _licence(
        number=number,
        kind=kind,
        temporary=temporary,
        issued_on=issued_on,
        expires_on=expires_on,
    )


def _is_eligible(person: Person) -> bool:
    return person.status is PersonStatus.ALIVE and age_on(person.birthdate) >= LICENCE_AGE


def vehicles_of(person: Person) -> list[dict[str, str]]:
    """The vehicles registered to `person` (empty for children and the deceased)."""
    demo = _demo_vehicles(person)
    if demo is not None:
        return demo
    if not _is_eligible(person):
        return []
    rng = random.Random(f"dlt:{person.national_id}")
    vehicles = []
    if rng.random() < 0.45:
        vehicles.append(_random_vehicle(rng, person, motorcycle=False))
    if rng.random() < 0.5:
        vehicles.append(_random_vehicle(rng, person, motorcycle=True))
    if vehicles and rng.random() < 0.1:
        vehicles.append(_random_vehicle(rng, person, motorcycle=rng.random() < 0.5))
    return sorted(vehicles, key=lambda v: v["registered_on"])


def licences_of(person: Person) -> list[dict[str, str]]:
    """The driving licences `person` holds (empty for children and the deceased)."""
    if person.national_id in _DEMO_LICENCES:
        return [dict(v) for v in _DEMO_LICENCES[person.national_id]]
    if not _is_eligible(person):
        return []
    rng = random.Random(f"dlt:licence:{person.national_id}")
    licences = []
    if rng.random() < 0.6:
        licences.append(_random_licence(rng, person, "car"))
    if rng.random() < 0.55:
        licences.append(_random_licence(rng, person, "motorcycle"))
    return licences


def points_of(person: Person) -> str:
    """Behaviour points left; most drivers have never lost any."""
    if person.national_id in _DEMO_LICENCES:
        return FULL_POINTS
    rng = random.Random(f"dlt:points:{person.national_id}")
    return FULL_POINTS if rng.random() < 0.85 else str(rng.choice((4, 8, 10, 11)))


def vehicle_record(person: Person) -> dict[str, object] | None:
    """Every `dlt.vehicles` field of `person`, or None when nothing is registered to them."""
    vehicles = vehicles_of(person)
    if not vehicles:
        return None
    return {"vehicles": vehicles, "owner_address": asdict(person.address)}


def licence_record(person: Person) -> dict[str, object] | None:
    """Every `dlt.driving_licence` field of `person`, or None when they hold no licence."""
    licences = licences_of(person)
    if not licences:
        return None
    return {"licences": licences, "points": points_of(person), "address": asdict(person.address)}


# The demo people: Somchai owns a car and a motorcycle and holds a car licence; Somying rides a
# motorcycle and holds both licences; the long-name person drives a car (a long address on the
# certificate). His daughter is a child and his father is deceased: nothing in their names.
def _demo_vehicles(person: Person) -> list[dict[str, str]] | None:
    """The fixed vehicles of a demo person (plates in their DOPA province), else None."""
    if person.national_id == "3103900123458":
        return [
            _vehicle(
                person,
                kind=CAR,
                plate="1กข 2345",
                brand="Toyota",
                model="Corolla Altis",
                colour=("ขาว", "White"),
                registered_on=date(2019, 5, 20),
                tax_paid_until=date(2026, 5, 20),
            ),
            _vehicle(
                person,
                kind=MOTORCYCLE,
                plate="3กค 189",
                brand="Honda",
                model="Click 125i",
                colour=("แดง", "Red"),
                registered_on=date(2021, 9, 2),
                tax_paid_until=date(2026, 9, 2),
            ),
        ]
    if person.national_id == "1509900456789":
        return [
            _vehicle(
                person,
                kind=MOTORCYCLE,
                plate="1กษ 482",
                brand="Honda",
                model="Scoopy i",
                colour=("ขาว", "White"),
                registered_on=date(2019, 7, 1),
                tax_paid_until=date(2026, 7, 1),
            )
        ]
    if person.national_id == "1770100987658":
        return [
            _vehicle(
                person,
                kind=CAR,
                plate="กท 8899",
                brand="Honda",
                model="City",
                colour=("บรอนซ์เงิน", "Silver"),
                registered_on=date(2016, 2, 10),
                tax_paid_until=date(2026, 2, 10),
            )
        ]
    if person.national_id in _DEMO_LICENCES:  # the daughter and the deceased father
        return []
    return None


_DEMO_LICENCES: dict[str, tuple[dict[str, str], ...]] = {
    "3103900123458": (
        _licence(
            number="65012345",
            kind="car",
            temporary=False,
            issued_on=date(2022, 3, 28),
            expires_on=date(2027, 4, 12),
        ),
    ),
    "1509900456789": (
        _licence(
            number="62004821",
            kind="motorcycle",
            temporary=False,
            issued_on=date(2023, 8, 10),
            expires_on=date(2028, 8, 23),
        ),
        _licence(
            number="68107733",
            kind="car",
            temporary=True,
            issued_on=date(2025, 2, 3),
            expires_on=date(2027, 2, 3),
        ),
    ),
    "1770100987658": (
        _licence(
            number="64055120",
            kind="car",
            temporary=False,
            issued_on=date(2021, 11, 15),
            expires_on=date(2026, 11, 30),
        ),
    ),
    "1103900773219": (),
    "3103900004572": (),
}
