"""First-run material for a deployment or the demo: signing keys for every agency."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from documents.pki import ensure_agency_seal, ensure_root_ca
from services.agencies import AGENCIES
from services.dopa.people import Person


def seed_keys(data_dir: Path) -> list[str]:
    """Creates the portal root CA and an agency seal per agency, if missing. Returns the codes."""
    ensure_root_ca(data_dir)
    for agency in AGENCIES:
        ensure_agency_seal(data_dir, agency.code, agency.name_en)
    return [a.code for a in AGENCIES]


def seed_holiday_calendar(database_url: str) -> int:
    """This year's and next year's Thai public holidays, where the calendar has none yet
    (idempotent; an administrator's rows and removals stay). Returns the rows added."""
    from portal.db import get_engine, session_scope, utcnow
    from services.calendar.business_days import bangkok_date
    from services.calendar.service import seed_holidays

    year = bangkok_date(utcnow()).year
    with session_scope(get_engine(database_url)) as db:
        return seed_holidays(db, years=[year, year + 1])


# The demo's back office: who works where (indexes into the demo account holders, after the
# four citizens the demo prints first), so every decision mode can be tried at once.
DEMO_STAFF: tuple[tuple[int, str, tuple[str, ...], str | None], ...] = (
    (4, "rd", ("officer",), None),
    (5, "rd", ("officer", "supervisor"), None),
    (6, "rtp", ("officer",), None),
    (7, "rtp", ("officer", "supervisor"), None),
    (8, "dopa", ("officer",), "dopa-bangrak"),
    (9, "dopa", ("portal_admin",), None),
)


@dataclass(frozen=True)
class DemoOfficer:
    national_id: str
    agency: str
    roles: tuple[str, ...]
    office_code: str | None


def seed_demo_back_office(database_url: str, holders: list[Person]) -> list[DemoOfficer]:
    """A central office per agency (and a district office for DOPA) and six demo officers,
    where missing; idempotent. Officers still enrol their own TOTP at first sign-in."""
    from identity.officers.models import Office, Officer
    from identity.officers.service import get_officer_by_national_id, register_officer
    from portal.db import get_engine, session_scope

    staff: list[DemoOfficer] = []
    with session_scope(get_engine(database_url)) as db:
        offices = [(a.code, f"{a.code}-central", a.name_th, a.name_en) for a in AGENCIES]
        offices.append(("dopa", "dopa-bangrak", "สำนักงานเขตบางรัก", "Bang Rak District Office"))
        for agency, code, name_th, name_en in offices:
            if db.get(Office, code) is None:
                db.add(Office(code=code, agency=agency, name_th=name_th, name_en=name_en))
        db.flush()
        for index, agency, roles, office in DEMO_STAFF:
            person = holders[index]
            officer: Officer | None = get_officer_by_national_id(db, person.national_id)
            if officer is None:
                officer = register_officer(
                    db, national_id=person.national_id, agency=agency, roles=roles
                )
                officer.office_code = office
                officer.name_th, officer.name_en = person.full_name_th, person.full_name_en
                db.add(officer)
            staff.append(DemoOfficer(person.national_id, agency, roles, office))
    return staff
