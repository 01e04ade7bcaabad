"""Deterministic synthetic land titles derived from the DOPA population.

About three in ten living adults own a title deed, seeded per person
(`random.Random(f"dol:{national_id}")`); most parcels lie in the owner's own subdistrict, the
rest elsewhere in their district, so addresses and land agree with DOPA. A spouse or adult
relative in the same house is sometimes a co-owner. Owners were at least 20 when they acquired
the land, and deceased people acquire nothing. Somchai owns "10-12345" in Bangkok and Somying
"50-45678" in Chiang Mai.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import geothai

from services.dopa.people import REFERENCE_DATE, Person, PersonStatus

OWNER_SHARE = 0.3
CO_OWNER_SHARE = 0.3
MORTGAGE_SHARE = 0.4
MIN_OWNER_AGE = 20

SOMCHAI_DEED = "10-12345"
SOMYING_DEED = "50-45678"

BANKS: tuple[tuple[str, str], ...] = (
    ("ธนาคารอาคารสงเคราะห์", "Government Housing Bank"),
    ("ธนาคารกรุงไทย จำกัด (มหาชน)", "Krung Thai Bank PCL"),
    ("ธนาคารกสิกรไทย จำกัด (มหาชน)", "Kasikornbank PCL"),
    ("ธนาคารไทยพาณิชย์ จำกัด (มหาชน)", "Siam Commercial Bank PCL"),
    ("ธนาคารกรุงเทพ จำกัด (มหาชน)", "Bangkok Bank PCL"),
    ("ธนาคารเพื่อการเกษตรและสหกรณ์การเกษตร", "Bank for Agriculture and Agricultural Cooperatives"),
)


@dataclass(frozen=True)
class Parcel:
    parcel_no: str
    survey_page: str
    subdistrict_code: str


@dataclass(frozen=True)
class Mortgage:
    bank_th: str
    bank_en: str
    registered_on: date


@dataclass(frozen=True)
class LandTitle:
    title_deed: str  # "<province code>-<deed number>"
    parcel: Parcel
    area: tuple[int, int, int]  # rai, ngan, square wah
    owners: tuple[Person, ...]
    acquired_on: date
    mortgage: Mortgage | None
    land_office: tuple[str, str] | None = None  # None: derived from the parcel's district

    @property
    def deed_no(self) -> str:
        return self.title_deed.split("-", 1)[1]


def land_office(subdistrict_code: str) -> tuple[str, str]:
    """The land office (Thai, English) that keeps deeds of a subdistrict: a Bangkok branch per
    district; a provincial office for the capital district and a branch for the others."""
    found = geothai.address(subdistrict_code)
    assert found is not None
    district, province = found.district, found.province
    if province.code == "10":
        name = district.name_th.removeprefix("เขต")
        return (
            f"สำนักงานที่ดินกรุงเทพมหานคร สาขา{name}",
            f"Bangkok Land Office, {district.name_en} Branch",
        )
    office_th, office_en = (
        f"สำนักงานที่ดินจังหวัด{province.name_th}",
        f"{province.name_en} Provincial Land Office",
    )
    if district.code.endswith("01"):
        return office_th, office_en
    return f"{office_th} สาขา{district.name_th}", f"{office_en}, {district.name_en} Branch"


def _adult_from(person: Person) -> date:
    b = person.birthdate
    try:
        return b.replace(year=b.year + MIN_OWNER_AGE)
    except ValueError:
        return b.replace(year=b.year + MIN_OWNER_AGE, day=28)


def _random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _area(rng: random.Random, bangkok: bool) -> tuple[int, int, int]:
    if bangkok:
        return 0, rng.randint(0, 2), rng.randint(16, 99)
    return rng.randint(0, 15), rng.randint(0, 3), rng.randint(0, 99)


def _synthetic_title(
    person: Person, household: Sequence[Person], taken: set[str]
) -> LandTitle | None:
    rng = random.Random(f"dol:{person.national_id}")
    if person.status is PersonStatus.DECEASED or rng.random() >= OWNER_SHARE:
        return None
    latest = REFERENCE_DATE - timedelta(days=30)
    if _adult_from(person) >= latest:
        return None
    owners = [person]
    others = [
        p
        for p in household
        if p is not person
        and p.status is PersonStatus.ALIVE
        and _adult_from(p) < latest
        and p.birthdate.year < person.birthdate.year + 15  # a spouse or sibling, not a child
    ]
    if others and rng.random() < CO_OWNER_SHARE:
        owners.append(rng.choice(others))
    acquired_on = _random_date(rng, max(_adult_from(p) for p in owners), latest)
    address = person.address
    subdistrict = address.subdistrict_code
    if rng.random() < 0.2:
        subdistrict = rng.choice(geothai.subdistricts(address.district_code)).code
    while True:
        deed = f"{subdistrict[:2]}-{rng.randint(1000, 99999)}"
        if deed not in taken:
            taken.add(deed)
            break
    mortgage = None
    if rng.random() < MORTGAGE_SHARE:
        bank_th, bank_en = rng.choice(BANKS)
        mortgage = Mortgage(bank_th, bank_en, acquired_on)
    return LandTitle(
        title_deed=deed,
        parcel=Parcel(str(rng.randint(1, 999)), str(rng.randint(100, 9999)), subdistrict),
        area=_area(rng, subdistrict.startswith("10")),
        owners=tuple(owners),
        acquired_on=acquired_on,
        mortgage=mortgage,
    )


def _demo_title(person: Person) -> LandTitle | None:
    if person.national_id == "3103900123458":  # Somchai: the house on Sukhumvit 21
        return LandTitle(
            title_deed=SOMCHAI_DEED,
            parcel=Parcel("456", "7890", "103901"),
            area=(0, 1, 52),
            owners=(person,),
            acquired_on=date(2008, 2, 20),
            mortgage=Mortgage(*BANKS[0], date(2008, 2, 20)),
            # Khlong Toei Nuea's deeds are kept at the Phra Khanong branch.
            land_office=(
                "สำนักงานที่ดินกรุงเทพมหานคร สาขาพระโขนง",
                "Bangkok Land Office, Phra Khanong Branch",
            ),
        )
    if person.national_id == "1509900456789":  # Somying: a plot in Mae Hia, Mueang Chiang Mai
        return LandTitle(
            title_deed=SOMYING_DEED,
            parcel=Parcel("1021", "15342", "500109"),
            area=(0, 2, 10),
            owners=(person,),
            acquired_on=date(2021, 11, 5),
            mortgage=Mortgage(*BANKS[2], date(2021, 11, 5)),
        )
    return None


DEMO_IDS = frozenset(
    {"3103900123458", "1509900456789", "1770100987658", "1103900773219", "3103900004572"}
)


def synthetic_land_titles(people: Sequence[Person]) -> dict[str, LandTitle]:
    """Title deeds by deed key over `people`: the demo deeds and the generated ones."""
    households: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        households[person.house_id].append(person)
    taken = {SOMCHAI_DEED, SOMYING_DEED}
    titles: dict[str, LandTitle] = {}
    for person in people:
        if person.national_id in DEMO_IDS:
            title = _demo_title(person)
        else:
            title = _synthetic_title(person, households[person.house_id], taken)
        if title is not None:
            titles[title.title_deed] = title
    return titles


def _owner(person: Person, acquired_on: date) -> dict[str, str]:
    return {
        "national_id": person.national_id,
        "title_th": person.title_th,
        "given_name_th": person.given_name_th,
        "family_name_th": person.family_name_th,
        "title_en": person.title_en,
        "given_name_en": person.given_name_en,
        "family_name_en": person.family_name_en,
        "acquired_on": acquired_on.isoformat(),
    }


def title_to_record(title: LandTitle) -> dict[str, object]:
    """Every `dol.land_title` field as JSON-ready values."""
    found = geothai.address(title.parcel.subdistrict_code)
    assert found is not None
    office_th, office_en = title.land_office or land_office(title.parcel.subdistrict_code)
    encumbrances = []
    if title.mortgage is not None:
        encumbrances.append(
            {
                "kind_th": "จำนอง",
                "kind_en": "Mortgage",
                "holder_th": title.mortgage.bank_th,
                "holder_en": title.mortgage.bank_en,
                "registered_on": title.mortgage.registered_on.isoformat(),
            }
        )
    rai, ngan, wah = title.area
    return {
        "deed_no": title.deed_no,
        "land_office_th": office_th,
        "land_office_en": office_en,
        "parcel": {
            "parcel_no": title.parcel.parcel_no,
            "survey_page": title.parcel.survey_page,
            "subdistrict_code": title.parcel.subdistrict_code,
            "subdistrict_th": found.subdistrict.name_th,
            "subdistrict_en": found.subdistrict.name_en,
            "district_th": found.district.name_th,
            "district_en": found.district.name_en,
            "province_th": found.province.name_th,
            "province_en": found.province.name_en,
        },
        "area": {"rai": str(rai), "ngan": str(ngan), "square_wah": str(wah)},
        "owners": [_owner(p, title.acquired_on) for p in title.owners],
        "encumbrances": encumbrances,
    }


def title_owner_record(title: LandTitle) -> dict[str, object]:
    """The `dol.title_owner` record: the first owner only (see the contract's limitation)."""
    return {"owner_national_id": title.owners[0].national_id}
