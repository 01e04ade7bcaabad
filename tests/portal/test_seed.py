"""The demo's back office: offices and officers for every decision mode, seeded once."""

from __future__ import annotations

from sqlmodel import Session, select

from identity.officers.models import Office, Officer
from portal.seed import DEMO_STAFF, seed_demo_back_office
from portal.servers import demo_account_holders
from services.agencies import AGENCIES


def test_demo_back_office_has_offices_and_officers_and_seeds_once(
    database_url, clean_engine, people
):
    holders = demo_account_holders(people)
    first = seed_demo_back_office(database_url, holders)
    again = seed_demo_back_office(database_url, holders)
    assert first == again and len(first) == len(DEMO_STAFF)
    with Session(clean_engine) as db:
        offices = {o.code: o.agency for o in db.exec(select(Office))}
        officers = list(db.exec(select(Officer)))
    assert {f"{a.code}-central" for a in AGENCIES} <= set(offices)
    assert offices["dopa-bangrak"] == "dopa"
    assert len(officers) == len(DEMO_STAFF)
    # Two RTP officers, so the two-officer criminal-record service can be decided in the demo.
    assert sum(o.agency == "rtp" for o in officers) == 2
    # The demo officers are not the four citizens the demo prints to sign in with.
    assert not {o.national_id for o in officers} & {h.national_id for h in holders[:4]}
    bangrak = next(o for o in officers if o.office_code)
    assert bangrak.agency == "dopa" and bangrak.name_en
