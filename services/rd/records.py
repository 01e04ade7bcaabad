"""Deterministic synthetic taxpayer records derived from the DOPA population.

Each person's record comes from `random.Random(f"rd:{national_id}")`, so it never depends on who
else is in the population. Tax years are Buddhist-era years; the last one filed is B.E. 2567
(filed January to April 2025), since B.E. 2568 returns are not due before the reference day
(1 January 2026). Nobody files before turning 20, and a deceased person (DOPA gives no date of
death) files nothing after B.E. 2565.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from services.dopa.people import REFERENCE_DATE, Person, PersonStatus

TAX_YEARS: tuple[int, ...] = (2563, 2564, 2565, 2566, 2567)
"""The tax years the register answers for (B.E.)."""

BE_OFFSET = 543
RESIDENT_DAYS = 180
"""Revenue Code section 41: 180 days or more in Thailand in a tax year makes a person resident."""

LAST_YEAR_OF_DECEASED = 2565
MIN_FILING_AGE = 20
TAXPAYER_SHARE = 0.75

INCOME_BANDS: tuple[str, ...] = (
    "0-150,000",
    "150,001-300,000",
    "300,001-500,000",
    "500,001-750,000",
    "750,001-1,000,000",
    "1,000,001-2,000,000",
    "2,000,001-5,000,000",
)
"""Bands follow the personal income tax brackets; the register never answers an amount."""


@dataclass(frozen=True)
class Filing:
    tax_year: int
    form: str
    filed_on: date
    income_band: str
    status: str


@dataclass(frozen=True)
class Residence:
    tax_year: int
    days_in_thailand: int

    @property
    def resident(self) -> bool:
        return self.days_in_thailand >= RESIDENT_DAYS


@dataclass(frozen=True)
class Taxpayer:
    national_id: str
    registered_on: date
    tax_office_th: str
    tax_office_en: str
    filings: tuple[Filing, ...]
    residence: tuple[Residence, ...]


def tax_office(person: Person) -> tuple[str, str]:
    """The area revenue office of the person's registered address: a branch per Bangkok
    district, one office per province elsewhere."""
    a = person.address
    if a.province_code == "10":
        district = a.district_th.removeprefix("เขต")
        return f"สำนักงานสรรพากรพื้นที่สาขา{district}", f"{a.district_en} Area Revenue Branch Office"
    return f"สำนักงานสรรพากรพื้นที่{a.province_th}", f"{a.province_en} Area Revenue Office"


def _filed_on(rng: random.Random, tax_year: int) -> date:
    # Returns are due by 31 March (8 April when filed online) of the following year.
    return date(tax_year - BE_OFFSET + 1, 1, 5) + timedelta(days=rng.randint(0, 93))


def _status(rng: random.Random, band: str) -> str:
    if band == INCOME_BANDS[0]:
        return "no_tax_due"
    return rng.choice(("refunded", "refunded", "paid", "paid", "paid"))


def _age_at_year_end(person: Person, tax_year: int) -> int:
    return tax_year - BE_OFFSET - person.birthdate.year


def _synthetic_taxpayer(person: Person) -> Taxpayer | None:
    rng = random.Random(f"rd:{person.national_id}")
    if rng.random() >= TAXPAYER_SHARE:
        return None
    first_year = person.birthdate.year + MIN_FILING_AGE + rng.randint(0, 8)
    registered_on = date(first_year, rng.randint(1, 12), rng.randint(1, 28))
    if registered_on >= REFERENCE_DATE:
        return None
    last_year = TAX_YEARS[-1]
    if person.status is PersonStatus.DECEASED:
        last_year = rng.randint(TAX_YEARS[0] - 3, LAST_YEAR_OF_DECEASED)
    band = rng.randint(0, len(INCOME_BANDS) - 2)
    form = rng.choice(("ภ.ง.ด.91", "ภ.ง.ด.91", "ภ.ง.ด.90"))
    filings: list[Filing] = []
    residence: list[Residence] = []
    for year in TAX_YEARS:
        if year > last_year or _age_at_year_end(person, year) < MIN_FILING_AGE:
            continue
        if year - BE_OFFSET < registered_on.year:
            continue
        band = min(max(band + rng.choice((-1, 0, 0, 0, 1)), 0), len(INCOME_BANDS) - 1)
        days = rng.randint(300, 365) if rng.random() > 0.05 else rng.randint(20, 179)
        residence.append(Residence(year, days))
        filings.append(
            Filing(
                year,
                form,
                _filed_on(rng, year),
                INCOME_BANDS[band],
                _status(rng, INCOME_BANDS[band]),
            )
        )
    office_th, office_en = tax_office(person)
    return Taxpayer(
        person.national_id, registered_on, office_th, office_en, tuple(filings), tuple(residence)
    )


def _fixed(
    person: Person,
    registered_on: date,
    years: dict[int, tuple[str, str, date, int]],
    form: str = "ภ.ง.ด.91",
) -> Taxpayer:
    office_th, office_en = tax_office(person)
    return Taxpayer(
        person.national_id,
        registered_on,
        office_th,
        office_en,
        tuple(
            Filing(y, form, filed, band, status) for y, (band, status, filed, _) in years.items()
        ),
        tuple(Residence(y, days) for y, (*_, days) in years.items()),
    )


def _demo_taxpayer(person: Person) -> Taxpayer | None:
    """Fixed records for the demo people; None when the person is not a demo person."""
    if person.national_id == "3103900123458":  # Somchai: a company director, resident every year
        band = "1,000,001-2,000,000"
        return _fixed(
            person,
            date(1998, 5, 1),
            {
                2563: (band, "refunded", date(2021, 3, 2), 352),
                2564: (band, "refunded", date(2022, 2, 18), 365),
                2565: (band, "paid", date(2023, 3, 29), 341),
                2566: (band, "paid", date(2024, 3, 25), 328),
                2567: (band, "refunded", date(2025, 2, 14), 337),
            },
            form="ภ.ง.ด.90",
        )
    if person.national_id == "1509900456789":  # Somying: worked in Japan for most of 2565
        band = "300,001-500,000"
        return _fixed(
            person,
            date(2014, 6, 2),
            {
                2563: (band, "refunded", date(2021, 2, 9), 361),
                2564: (band, "refunded", date(2022, 2, 11), 358),
                2565: ("150,001-300,000", "refunded", date(2023, 3, 30), 96),
                2566: (band, "paid", date(2024, 2, 20), 349),
                2567: ("500,001-750,000", "paid", date(2025, 3, 3), 355),
            },
        )
    if person.national_id == "3103900004572":  # Somchai's father: a pensioner until his death
        return _fixed(
            person,
            date(1969, 10, 1),
            {2563: ("150,001-300,000", "no_tax_due", date(2021, 3, 15), 365)},
        )
    if person.national_id == "1770100987658":  # the longest names: a salaried employee
        band = "500,001-750,000"
        return _fixed(
            person,
            date(2011, 7, 1),
            {
                2566: (band, "refunded", date(2024, 1, 30), 362),
                2567: (band, "refunded", date(2025, 1, 28), 360),
            },
        )
    return None  # Somchai's daughter is a child: no taxpayer record


DEMO_IDS = frozenset(
    {"3103900123458", "1509900456789", "1770100987658", "1103900773219", "3103900004572"}
)


def synthetic_taxpayers(people: list[Person] | tuple[Person, ...]) -> dict[str, Taxpayer]:
    """Taxpayer records by citizen ID for those of `people` who are registered taxpayers."""
    found: dict[str, Taxpayer] = {}
    for person in people:
        taxpayer = (
            _demo_taxpayer(person)
            if person.national_id in DEMO_IDS
            else _synthetic_taxpayer(person)
        )
        if taxpayer is not None:
            found[person.national_id] = taxpayer
    return found


def taxpayer_to_record(taxpayer: Taxpayer) -> dict[str, object]:
    """Every `rd.taxpayer` field as JSON-ready values."""
    return {
        "registered_on": taxpayer.registered_on.isoformat(),
        "tax_office_th": taxpayer.tax_office_th,
        "tax_office_en": taxpayer.tax_office_en,
        "filings": [
            {
                "tax_year": str(f.tax_year),
                "form": f.form,
                "filed_on": f.filed_on.isoformat(),
                "income_band": f.income_band,
                "status": f.status,
            }
            for f in taxpayer.filings
        ],
        "residence": [
            {
                "tax_year": str(r.tax_year),
                "days_in_thailand": str(r.days_in_thailand),
                "resident": "yes" if r.resident else "no",
            }
            for r in taxpayer.residence
        ],
    }
