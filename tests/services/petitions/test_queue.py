"""The officers' queue: scope, filters, sorts and keyset pages (no duplicates, no gaps)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from identity.officers.models import Office
from services.petitions.models import PetitionState
from services.petitions.queue import (
    ALL_OFFICES,
    InvalidCursorError,
    QueueFilter,
    QueueSort,
    list_queue,
)
from tests.services.petitions.queue_helpers import NOW, make_citizen, make_officer, make_petition


def all_pages(db, officer, qf, page_size=7):
    ids, cursor, pages = [], None, 0
    while True:
        page = list_queue(
            db, officer=officer, queue_filter=qf, cursor=cursor, now=NOW, page_size=page_size
        )
        ids += [i.id for i in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return ids, pages
        assert pages < 100


@pytest.fixture
def world(db):
    rng = random.Random(5)
    citizen = make_citizen(db)
    officer = make_officer(db, "dopa")
    petitions = []
    for _n in range(40):
        petitions.append(
            make_petition(
                db,
                citizen,
                state=rng.choice([PetitionState.IN_REVIEW, PetitionState.SUPPLEMENT_REQUESTED]),
                due_in=rng.choice([None, -2, 0, 1, 3, 3, 7]),
                created_at=NOW - timedelta(hours=rng.randint(1, 500)),
            )
        )
    make_petition(db, citizen, state=PetitionState.ISSUED)
    make_petition(db, citizen, service_code="dol.title-deed-copy")
    db.commit()
    return citizen, officer, petitions


def expected(petitions, key, reverse=False):
    dated = [p for p in petitions if key(p) is not None]
    undated = [p for p in petitions if key(p) is None]
    dated.sort(key=lambda p: (key(p), p.id), reverse=reverse)
    undated.sort(key=lambda p: p.id, reverse=reverse)
    return [p.id for p in dated + undated]


class TestPages:
    @pytest.mark.parametrize("descending", [False, True])
    def test_due_date_pages_cover_the_queue_once_nulls_last(self, db, world, descending):
        _citizen, officer, petitions = world
        ids, pages = all_pages(db, officer, QueueFilter(descending=descending))
        assert len(ids) == len(set(ids)) == 40 and pages == 6
        assert ids == expected(petitions, lambda p: p.due_on, reverse=descending)

    @pytest.mark.parametrize("sort", [QueueSort.FILED, QueueSort.UPDATED])
    @pytest.mark.parametrize("descending", [False, True])
    def test_other_sorts_page_without_gaps(self, db, world, sort, descending):
        _citizen, officer, petitions = world
        ids, _ = all_pages(db, officer, QueueFilter(sort=sort, descending=descending))
        key = (lambda p: p.created_at) if sort is QueueSort.FILED else (lambda p: p.updated_at)
        assert ids == expected(petitions, key, reverse=descending)

    def test_the_default_page_is_fifty(self, db, world):
        citizen, officer, _ = world
        for _ in range(20):
            make_petition(db, citizen)
        db.commit()
        page = list_queue(db, officer=officer, now=NOW)
        assert len(page.items) == 50 and page.next_cursor
        rest = list_queue(db, officer=officer, now=NOW, cursor=page.next_cursor)
        assert len(rest.items) == 10 and rest.next_cursor is None

    def test_a_tampered_cursor_is_a_400(self, db, world):
        _citizen, officer, _ = world
        with pytest.raises(InvalidCursorError):
            list_queue(db, officer=officer, now=NOW, cursor="not-a-cursor")
        page = list_queue(db, officer=officer, now=NOW, page_size=5)
        with pytest.raises(InvalidCursorError):  # a cursor of another sort
            list_queue(
                db,
                officer=officer,
                now=NOW,
                cursor=page.next_cursor,
                queue_filter=QueueFilter(sort=QueueSort.FILED),
            )


class TestScopeAndFilters:
    def test_the_default_is_the_agencys_petitions_waiting_for_an_officer(self, db, world):
        _citizen, officer, petitions = world
        ids, _ = all_pages(db, officer, QueueFilter())
        assert set(ids) == {p.id for p in petitions}
        every, _ = all_pages(db, officer, QueueFilter(states=()))
        assert len(every) == 41  # the issued one too, never the other agency's

    def test_a_portal_admin_sees_every_agency_or_the_one_chosen(self, db, world):
        admin = make_officer(db, "dopa", roles=["portal_admin"])
        ids, _ = all_pages(db, admin, QueueFilter())
        assert len(ids) == 41
        dol, _ = all_pages(db, admin, QueueFilter(agency="dol"))
        assert len(dol) == 1

    def test_state_service_overdue_due_before_and_escalation(self, db, world):
        citizen, officer, petitions = world
        make_petition(db, citizen, service_code="dopa.birth-record", escalation=1, due_in=1)
        db.commit()
        only_supplements, _ = all_pages(
            db, officer, QueueFilter(states=(PetitionState.SUPPLEMENT_REQUESTED.value,))
        )
        assert set(only_supplements) == {
            p.id for p in petitions if p.state == PetitionState.SUPPLEMENT_REQUESTED
        }
        birth, _ = all_pages(db, officer, QueueFilter(service_code="dopa.birth-record"))
        assert len(birth) == 1
        overdue, _ = all_pages(db, officer, QueueFilter(overdue=True))
        assert set(overdue) == {p.id for p in petitions if p.due_on and p.due_on < NOW.date()}
        soon = NOW.date() + timedelta(days=2)
        before, _ = all_pages(db, officer, QueueFilter(due_before=soon))
        assert len(before) == sum(1 for p in petitions if p.due_on and p.due_on < soon) + 1
        escalated, _ = all_pages(db, officer, QueueFilter(escalated=True))
        assert escalated == birth

    def test_offices_see_their_own_and_the_shared_pool(self, db, world):
        citizen, _officer, petitions = world
        db.add(Office(code="dopa-a", agency="dopa", name_th="ก", name_en="A"))
        db.add(Office(code="dopa-b", agency="dopa", name_th="ข", name_en="B"))
        db.flush()
        in_a = make_petition(db, citizen, office_code="dopa-a")
        in_b = make_petition(db, citizen, office_code="dopa-b")
        at_a = make_officer(db, "dopa", office_code="dopa-a")
        db.commit()
        ids, _ = all_pages(db, at_a, QueueFilter())
        assert in_a.id in ids and in_b.id not in ids and len(ids) == 41
        everywhere, _ = all_pages(db, at_a, QueueFilter(office_code=ALL_OFFICES))
        assert len(everywhere) == 42
        only_b, _ = all_pages(db, at_a, QueueFilter(office_code="dopa-b"))
        assert only_b == [in_b.id]

    def test_mine_and_unassigned_count_a_stale_claim_as_free(self, db, world):
        _citizen, officer, petitions = world
        other = make_officer(db, "dopa")
        mine, fresh, stale = petitions[0], petitions[1], petitions[2]
        mine.assigned_officer_id = officer.id
        mine.claim_active_at = NOW - timedelta(minutes=5)
        fresh.assigned_officer_id = other.id
        fresh.claim_active_at = NOW - timedelta(minutes=5)
        stale.assigned_officer_id = other.id
        stale.claim_active_at = NOW - timedelta(hours=3)
        stale.state = PetitionState.IN_REVIEW
        stale.updated_at = NOW - timedelta(hours=3)
        db.add_all([mine, fresh, stale])
        db.commit()
        assert all_pages(db, officer, QueueFilter(mine=True))[0] == [mine.id]
        free, _ = all_pages(db, officer, QueueFilter(unassigned=True))
        assert stale.id in free and mine.id not in free and fresh.id not in free
        assert len(free) == 38
        page = list_queue(db, officer=officer, now=NOW, page_size=100)
        held = {i.id: i.held for i in page.items}
        assert held[mine.id] and held[fresh.id] and not held[stale.id]
        assert page.holders[other.id].id == other.id
