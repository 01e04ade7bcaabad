"""A parent acts for a minor child: the delegation comes from the population register."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from identity.delegation.models import Delegation
from identity.models import Citizen
from services.exchange.models import DataAccess
from services.petitions.models import Petition
from tests.fixtures.identity import parse_forms, sign_in

SERVICE = "dopa.residence-certificate"
DAUGHTER = "1103900773219"  # Piyanut, born 2015
NEWBORN = "1103900812346"  # Pakorn, born 2026-10-01


def find_children(client) -> int:  # type: ignore[no-untyped-def]
    page = client.get("/me/delegations")
    form = next(f for f in parse_forms(page.text) if f["action"] == "/me/delegations/children")
    found = client.post("/me/delegations/children", data=form["fields"], follow_redirects=False)
    assert found.status_code == 303
    return int(found.headers["location"].rsplit("=", 1)[1])


def test_a_parent_finds_minor_children_and_files_for_one(client, people, process_jobs, db: Session):
    somchai = people[0]
    sign_in(client, somchai)
    assert find_children(client) == 2
    parent_row = db.exec(select(Citizen).where(Citizen.national_id == somchai.national_id)).one()
    delegations = db.exec(
        select(Delegation).where(Delegation.grantee_national_id == somchai.national_id)
    ).all()
    assert {d.basis for d in delegations} == {"parent"}
    assert all(d.services == ["*"] for d in delegations)
    daughter = db.exec(select(Citizen).where(Citizen.national_id == DAUGHTER)).one()
    expiry = next(d for d in delegations if d.grantor_id == daughter.id).expires_at
    # Until she turns 20 (14 Feb 2035) at the latest; re-confirmed within a year.
    assert expiry <= datetime(2035, 2, 14, tzinfo=UTC)
    # The register read is about the parent and is in his own access log.
    reads = db.exec(select(DataAccess).where(DataAccess.dataset == "family")).all()
    assert [r.citizen_id for r in reads] == [parent_row.id]

    page = client.get("/me/delegations").text
    assert "ปิยะนุช" in page  # the daughter, named as the register names her

    form_page = client.get(f"/services/{SERVICE}/apply")
    assert f'value="{daughter.id}"' in form_page.text
    form = next(f for f in parse_forms(form_page.text) if f["action"].endswith("/apply"))
    fields = dict(
        form["fields"],
        answer_purpose="education",
        on_behalf_of=str(daughter.id),
        **{"consent:dopa.population": "yes"},
    )
    submitted = client.post(f"/services/{SERVICE}/apply", data=fields, follow_redirects=False)
    assert submitted.status_code == 303, submitted.text
    process_jobs()
    petition = db.exec(select(Petition)).one()
    db.refresh(petition)
    assert petition.citizen_id == daughter.id and petition.filed_by_id == parent_row.id
    assert petition.state == "issued"


def test_looking_up_twice_renews_rather_than_duplicates(client, people, db: Session):
    sign_in(client, people[0])
    assert find_children(client) == 2
    assert find_children(client) == 2
    assert len(db.exec(select(Delegation)).all()) == 2


def test_a_person_without_minor_children_gets_no_delegation(client, people, db: Session):
    sign_in(client, people[1])  # Somying: no children
    assert find_children(client) == 0
    assert db.exec(select(Delegation)).all() == []


def test_the_lookup_needs_the_csrf_token(client, people):
    sign_in(client, people[0])
    assert client.post("/me/delegations/children", data={}).status_code == 403
