"""The dashboard figures, each checked exactly against petitions seeded directly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from identity.models import Citizen
from identity.officers.models import Officer
from services.petitions import stats
from services.petitions.models import EvidenceUpload, Petition, PetitionEvent, PetitionState

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)  # 17:00 in Bangkok
RESIDENCE = "dopa.residence-certificate"
BIRTH = "dopa.birth-record"
LAND = "dol.land-title-abstract"


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def add_petition(db: Session, citizen: Citizen, service: str, state: PetitionState, **kw):
    petition = Petition(
        citizen_id=citizen.id, service_code=service, service_version=1, state=state, **kw
    )
    db.add(petition)
    db.flush()
    return petition


def upload(db: Session, petition: Petition, item: str = "dopa.house") -> None:
    db.add(
        EvidenceUpload(
            petition_id=petition.id,
            item=item,
            filename="copy.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            stored_name="x" * 32,
        )
    )


@pytest.fixture
def seeded(db: Session):
    """Seven days ending 21 November 2026 (Bangkok): 15–21 November."""
    citizen = Citizen(national_id="1100700000011", subject="s", issuer="i")
    db.add(citizen)
    anna = Officer(national_id="3100700000011", agency="dopa", name_th="อันนา", name_en="Anna")
    ben = Officer(national_id="3100700000012", agency="dopa", name_th="เบน", name_en="Ben")
    carl = Officer(national_id="3100700000013", agency="dol", name_th="คาร์ล", name_en="Carl")
    db.add_all([anna, ben, carl])
    db.flush()
    p = {}
    # Decided 23:30 Bangkok on its due date: on time.
    p["on_time"] = add_petition(
        db,
        citizen,
        RESIDENCE,
        PetitionState.APPROVED,
        created_at=utc(16, 2),
        decided_at=utc(18, 16, 30),
        due_on=date(2026, 11, 18),
        evidence={"dopa.population": {"a": 1}},
    )
    # Decided 00:30 Bangkok the day after its due date (17:30 UTC on the due date): late.
    p["late"] = add_petition(
        db,
        citizen,
        RESIDENCE,
        PetitionState.REJECTED,
        created_at=utc(16, 1, 30),
        decided_at=utc(18, 17, 30),
        due_on=date(2026, 11, 18),
        evidence={"dopa.population": {"a": 1}, "dopa.house": {"b": 2}},
    )
    # Filed 23:30 Bangkok the day before the period (not filed in it), decided in it, no clock.
    p["issued"] = add_petition(
        db,
        citizen,
        RESIDENCE,
        PetitionState.ISSUED,
        created_at=utc(14, 16, 30),
        decided_at=utc(17, 5),
    )
    # Filed 00:30 Bangkok on the first day; in review, held by Anna; one upload.
    p["review"] = add_petition(
        db,
        citizen,
        RESIDENCE,
        PetitionState.IN_REVIEW,
        created_at=utc(14, 17, 30),
        assigned_officer_id=anna.id,
    )
    upload(db, p["review"])
    p["birth"] = add_petition(
        db,
        citizen,
        BIRTH,
        PetitionState.SUBMITTED,
        created_at=utc(20, 3),
        assigned_officer_id=ben.id,
    )
    add_petition(db, citizen, BIRTH, PetitionState.WITHDRAWN, created_at=utc(20, 4))
    add_petition(db, citizen, BIRTH, PetitionState.DRAFT, created_at=utc(20, 4))
    # Another agency's.
    p["land"] = add_petition(
        db,
        citizen,
        LAND,
        PetitionState.IN_REVIEW,
        created_at=utc(19, 3),
        assigned_officer_id=carl.id,
    )
    upload(db, p["land"], "dol.title")
    events = [
        (p["on_time"], "approved", f"officer:{anna.id}", utc(18, 16, 30)),
        (p["late"], "rejected", f"officer:{ben.id}", utc(18, 17, 30)),
        (p["late"], "in_review", f"officer:{ben.id}", utc(17, 1)),  # not a decision
        (p["issued"], "approved", f"officer:{anna.id}", utc(17, 5)),
        (p["issued"], "issued", "system", utc(17, 5)),
        (p["issued"], "approved", f"officer:{anna.id}", utc(14, 16)),  # before the period
        (p["land"], "approved", f"officer:{carl.id}", utc(19, 5)),
    ]
    for petition, to_state, actor, at in events:
        db.add(PetitionEvent(petition_id=petition.id, to_state=to_state, actor=actor, at=at))
    db.commit()
    return {"petitions": p, "anna": anna, "ben": ben, "carl": carl}


def dopa(days: int = 7, service: str | None = None) -> stats.Scope:
    return stats.Scope(
        period=stats.period_ending(days=days, now=NOW), agency="dopa", service_code=service
    )


def test_the_period_is_bangkok_days():
    period = stats.period_ending(days=7, now=NOW)
    assert (period.first, period.last) == (date(2026, 11, 15), date(2026, 11, 21))
    assert period.start == utc(14, 17) and period.end == utc(21, 17)
    # 23:30 UTC is already the next day in Bangkok.
    assert stats.period_ending(days=7, now=utc(21, 23, 30)).last == date(2026, 11, 22)


def test_an_unknown_period_is_refused():
    with pytest.raises(stats.UnknownPeriodError):
        stats.period_ending(days=12, now=NOW)


def test_backlog_by_service_and_state(db, seeded):
    rows = stats.backlog(db, dopa())
    assert {(r.service_code, r.state, r.count) for r in rows} == {
        (RESIDENCE, "approved", 1),  # approved, not yet issued
        (RESIDENCE, "in_review", 1),
        (BIRTH, "submitted", 1),
    }
    assert dict(stats.backlog_by_state(rows))["in_review"] == 1
    assert stats.backlog(db, dopa(service=BIRTH)) == [stats.BacklogRow(BIRTH, "submitted", 1)]
    everyone = stats.Scope(period=stats.period_ending(days=7, now=NOW))
    assert sum(r.count for r in stats.backlog(db, everyone)) == 4


def test_throughput_per_bangkok_day(db, seeded):
    days = {r.day: (r.filed, r.decided) for r in stats.throughput(db, dopa())}
    assert len(days) == 7
    assert days[date(2026, 11, 15)] == (1, 0)  # filed 00:30 Bangkok
    assert days[date(2026, 11, 16)] == (2, 0)
    assert days[date(2026, 11, 17)] == (0, 1)
    assert days[date(2026, 11, 18)] == (0, 1)  # 23:30 Bangkok
    assert days[date(2026, 11, 19)] == (0, 1)  # 00:30 Bangkok, 17:30 UTC the day before
    assert days[date(2026, 11, 20)] == (3, 0)  # a withdrawn and a draft were filed too
    assert sum(f for f, _ in days.values()) == 6


def test_share_decided_within_the_legal_time_across_midnight_in_bangkok(db, seeded):
    rows = stats.timeliness(db, dopa())
    assert rows == [stats.TimelinessRow(RESIDENCE, decided=2, on_time=1)]
    assert rows[0].share == 0.5


def test_median_time_to_decision(db, seeded):
    # 62.5 h, 64 h and 60.5 h: the median is 62.5 h.
    rows = stats.median_time_to_decision(db, dopa())
    assert [(r.service_code, r.decided) for r in rows] == [(RESIDENCE, 3)]
    assert rows[0].median_hours == pytest.approx(62.5, abs=1e-3)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(db):
    citizen = Citizen(national_id="1100700000011", subject="s", issuer="i")
    db.add(citizen)
    db.flush()
    for hours in (10, 30, 20, 2):
        add_petition(
            db,
            citizen,
            RESIDENCE,
            PetitionState.REJECTED,
            created_at=utc(19, 0),
            decided_at=utc(19 + hours // 24, hours % 24),
        )
    db.commit()
    [row] = stats.median_time_to_decision(db, dopa())
    assert row.decided == 4 and row.median_hours == pytest.approx(15, abs=1e-3)


def test_workload_per_officer(db, seeded):
    anna, ben = seeded["anna"], seeded["ben"]
    rows = stats.workload(db, dopa())
    assert [(r.name_en, r.open_held, r.decisions) for r in rows] == [
        ("Anna", 1, 2),
        ("Ben", 1, 1),
    ]
    assert rows[0].officer_id == anna.id and rows[1].officer_id == ben.id
    assert [
        (r.name_en, r.open_held, r.decisions) for r in stats.workload(db, dopa(service=BIRTH))
    ] == [
        ("Anna", 0, 0),
        ("Ben", 1, 0),
    ]


def test_evidence_fetched_versus_uploaded(db, seeded):
    rows = stats.evidence_sources(db, dopa())
    assert rows == [stats.EvidenceRow(RESIDENCE, fetched=3, uploaded=1)]
    assert rows[0].share_fetched == 0.75


def test_other_agencies_are_outside_the_scope(db, seeded):
    board = stats.dashboard(db, dopa())
    assert LAND not in {r.service_code for r in board.backlog}
    assert "Carl" not in {r.name_en for r in board.workload}
    dol = stats.Scope(period=stats.period_ending(days=7, now=NOW), agency="dol")
    assert [(r.name_en, r.open_held, r.decisions) for r in stats.workload(db, dol)] == [
        ("Carl", 1, 1)
    ]


def test_public_statistics_hide_rates_over_few_petitions(db, seeded):
    period = stats.period_ending(days=7, now=NOW)
    rows = {r.service_code: r for r in stats.public_statistics(db, period, service_codes=[LAND])}
    residence = rows[RESIDENCE]
    assert (residence.filed, residence.decided, residence.backlog) == (3, 3, 2)
    assert residence.on_time_share is None and residence.median_days is None
    assert residence.fetched_share is None  # 4 items
    assert rows[BIRTH].backlog == 1 and rows[LAND].filed == 1


def test_public_statistics_show_rates_over_enough_petitions(db):
    citizen = Citizen(national_id="1100700000011", subject="s", issuer="i")
    db.add(citizen)
    db.flush()
    for i in range(5):
        add_petition(
            db,
            citizen,
            RESIDENCE,
            PetitionState.ISSUED,
            created_at=utc(16, 0),
            decided_at=utc(17, 0) + timedelta(hours=i * 6),  # 24, 30, 36, 42, 48 hours
            due_on=date(2026, 11, 18) if i < 4 else date(2026, 11, 17),
            evidence={"dopa.population": {}},
        )
    db.commit()
    [row] = stats.public_statistics(db, stats.period_ending(days=30, now=NOW))
    assert row.median_days == 1.5
    assert row.on_time_share == 0.8  # 48 h is 00:00 UTC on the 18th, 07:00 in Bangkok
    assert row.fetched_share == 1.0
