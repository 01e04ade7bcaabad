"""Deterministic synthetic companies derived from the DOPA population.

About one living adult in twenty founds a limited company, seeded per founder
(`random.Random(f"dbd:{national_id}")`), registered after their 20th birthday at their own
house or elsewhere in their district, sometimes with an adult of the same house as a second
director. Deceased people found nothing. Somchai is the sole director of Jaidee Trading Co.,
Ltd., juristic ID 0105556043212 (Bangkok, registered B.E. 2556).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta

import geothai

from identity.citizen_ids import check_digit
from services.dopa.people import REFERENCE_DATE, HouseAddress, Person, PersonStatus

FOUNDER_SHARE = 0.05
CO_DIRECTOR_SHARE = 0.4
CLOSED_SHARE = 0.1
MIN_DIRECTOR_AGE = 20
COMPANY_TYPE = "5"  # the type digit of a limited company (บริษัทจำกัด)

SOMCHAI_COMPANY = "0105556043212"

BUSINESSES: tuple[tuple[str, str], ...] = (
    ("การค้า", "Trading"),
    ("ก่อสร้าง", "Construction"),
    ("เทคโนโลยี", "Technology"),
    ("ฟู้ดส์", "Foods"),
    ("เอ็นจิเนียริ่ง", "Engineering"),
    ("ทัวร์", "Tour"),
    ("คอนซัลแตนท์", "Consultant"),
    ("อินเตอร์เนชั่นแนล", "International"),
)
CAPITALS = (500_000, 1_000_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000)


@dataclass(frozen=True)
class Company:
    juristic_id: str
    name_th: str
    name_en: str
    registered_on: date
    closed: bool
    capital_baht: int
    head_office: HouseAddress
    directors: tuple[Person, ...]


def juristic_id(office: str, registered_on: date, running: int) -> str:
    """0 + registration office (province code) + type + B.E. year (last 3 digits) + running
    number + the mod-11 check digit."""
    body = f"0{office}{COMPANY_TYPE}{(registered_on.year + 543) % 1000:03d}{running:05d}"
    return body + str(check_digit(body))


def signatory_rule(directors: Sequence[Person]) -> tuple[str, str]:
    if len(directors) == 1:
        d = directors[0]
        return (
            f"{d.title_th}{d.given_name_th} {d.family_name_th} ลงลายมือชื่อและประทับตราสำคัญของบริษัท",
            f"{d.title_en} {d.given_name_en} {d.family_name_en} "
            "signs with the company seal affixed",
        )
    return (
        "กรรมการสองคนลงลายมือชื่อร่วมกันและประทับตราสำคัญของบริษัท",
        "Two directors sign jointly with the company seal affixed",
    )


def _adult_from(person: Person) -> date:
    b = person.birthdate
    try:
        return b.replace(year=b.year + MIN_DIRECTOR_AGE)
    except ValueError:
        return b.replace(year=b.year + MIN_DIRECTOR_AGE, day=28)


def _random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _office_address(rng: random.Random, home: HouseAddress) -> HouseAddress:
    if rng.random() < 0.6:
        return home
    subdistrict = rng.choice(geothai.subdistricts(home.district_code))
    found = geothai.address(subdistrict.code)
    assert found is not None
    return replace(
        home,
        house_no=f"{rng.randint(1, 999)}/{rng.randint(1, 99)}",
        moo="" if home.province_code == "10" else str(rng.randint(1, 15)),
        soi="",
        soi_en="",
        subdistrict_code=subdistrict.code,
        subdistrict_th=found.subdistrict.name_th,
        subdistrict_en=found.subdistrict.name_en,
        postal_code=subdistrict.postal_codes[0],
    )


def _synthetic_company(
    person: Person, household: Sequence[Person], taken: set[str]
) -> Company | None:
    rng = random.Random(f"dbd:{person.national_id}")
    if person.status is PersonStatus.DECEASED or rng.random() >= FOUNDER_SHARE:
        return None
    latest = REFERENCE_DATE - timedelta(days=30)
    if _adult_from(person) >= latest:
        return None
    directors = [person]
    others = [
        p
        for p in household
        if p is not person and p.status is PersonStatus.ALIVE and _adult_from(p) < latest
    ]
    if others and rng.random() < CO_DIRECTOR_SHARE:
        directors.append(rng.choice(others))
    registered_on = _random_date(
        rng, max(date(2006, 1, 1), *(_adult_from(d) for d in directors)), latest
    )
    head_office = _office_address(rng, person.address)
    while True:
        value = juristic_id(head_office.province_code, registered_on, rng.randint(1, 99_999))
        if value not in taken:
            taken.add(value)
            break
    business_th, business_en = rng.choice(BUSINESSES)
    return Company(
        juristic_id=value,
        name_th=f"บริษัท {person.family_name_th}{business_th} จำกัด",
        name_en=f"{person.family_name_en} {business_en} Co., Ltd.",
        registered_on=registered_on,
        closed=registered_on.year < 2020 and rng.random() < CLOSED_SHARE,
        capital_baht=rng.choice(CAPITALS),
        head_office=head_office,
        directors=tuple(directors),
    )


def _somchai_company(somchai: Person) -> Company:
    # An office building a few doors up Soi Sukhumvit 21 from his house.
    office = replace(somchai.address, house_no="123/45")
    return Company(
        juristic_id=SOMCHAI_COMPANY,
        name_th="บริษัท ใจดีเทรดดิ้ง จำกัด",
        name_en="Jaidee Trading Co., Ltd.",
        registered_on=date(2013, 7, 15),
        closed=False,
        capital_baht=5_000_000,
        head_office=office,
        directors=(somchai,),
    )


DEMO_IDS = frozenset(
    {"3103900123458", "1509900456789", "1770100987658", "1103900773219", "3103900004572"}
)


def synthetic_companies(people: Sequence[Person]) -> dict[str, Company]:
    """Companies by juristic ID over `people`: Somchai's and the generated ones."""
    households: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        households[person.house_id].append(person)
    taken = {SOMCHAI_COMPANY}
    companies: dict[str, Company] = {}
    for person in people:
        if person.national_id == "3103900123458":
            company: Company | None = _somchai_company(person)
        elif person.national_id in DEMO_IDS:
            company = None
        else:
            company = _synthetic_company(person, households[person.house_id], taken)
        if company is not None:
            companies[company.juristic_id] = company
    return companies


def _director(person: Person) -> dict[str, str]:
    return {
        "national_id": person.national_id,
        "title_th": person.title_th,
        "given_name_th": person.given_name_th,
        "family_name_th": person.family_name_th,
        "title_en": person.title_en,
        "given_name_en": person.given_name_en,
        "family_name_en": person.family_name_en,
    }


def company_to_record(company: Company) -> dict[str, object]:
    """Every `dbd.company` field as JSON-ready values."""
    rule_th, rule_en = signatory_rule(company.directors)
    return {
        "name_th": company.name_th,
        "name_en": company.name_en,
        "registered_on": company.registered_on.isoformat(),
        "status": "closed" if company.closed else "active",
        "registered_capital_baht": str(company.capital_baht),
        "head_office": asdict(company.head_office),
        "directors": [_director(d) for d in company.directors],
        "signatory_rule_th": rule_th,
        "signatory_rule_en": rule_en,
    }


def company_director_record(company: Company) -> dict[str, object]:
    """The `dbd.company_director` record: the first director only (see the contract)."""
    return {"director_national_id": company.directors[0].national_id}
