"""Legal deadlines in business days: across Thai public holidays, through a supplement pause,
and escalated to supervisors once per level."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from identity.models import Citizen
from identity.officers.models import Officer
from services.calendar.business_days import add_business_days
from services.calendar.service import add_holiday, seed_holidays
from services.catalogue.service import get_catalogue
from services.petitions import deadlines
from services.petitions.deadlines import (
    days_left,
    deadline_holidays,
    deadline_status,
    escalate_deadlines,
    pause_clock,
    resume_clock,
    start_clock,
)
from services.petitions.models import Petition, PetitionPublic, PetitionState

SERVICE = "dopa.residence-certificate"
_ids = count(1)


def bangkok(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant given on a Bangkok wall clock (UTC+7), as an aware UTC datetime."""
    return datetime(y, m, d, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def service(days: int):  # type: ignore[no-untyped-def]
    return get_catalogue().get(SERVICE).model_copy(update={"processing_days": days})


@pytest.fixture
def calendar(db: Session) -> Session:
    seed_holidays(db, years=[2026, 2027])
    db.commit()
    return db


@pytest.fixture
def citizen(db: Session) -> Citizen:
    person = Citizen(national_id="3103900123458", subject="s", issuer="i", ial=2.3)
    db.add(person)
    db.commit()
    return person


def filed(db: Session, citizen: Citizen, at: datetime, *, days: int = 3, **fields) -> Petition:  # type: ignore[no-untyped-def]
    petition = Petition(
        citizen_id=citizen.id,  # type: ignore[arg-type]
        service_code=SERVICE,
        service_version=1,
        created_at=at,
        state=PetitionState.IN_REVIEW,
    )
    start_clock(db, petition, service(days))
    for name, value in fields.items():
        setattr(petition, name, value)
    db.add(petition)
    db.commit()
    return petition


class TestStartClock:
    def test_three_days_from_the_thursday_before_a_monday_holiday(self, calendar, citizen):
        # Monday 7 December 2026 is a substitution day for Father's Day (a Saturday).
        petition = filed(calendar, citizen, bangkok(2026, 12, 3))
        assert petition.due_on == date(2026, 12, 9)  # Fri 4, (Mon 7 off) Tue 8, Wed 9

    def test_songkran_moves_the_due_date_past_the_festival(self, calendar, citizen):
        petition = filed(calendar, citizen, bangkok(2026, 4, 10))  # Friday
        assert petition.due_on == date(2026, 4, 20)  # Thu 16, Fri 17, Mon 20

    def test_filed_at_half_past_eleven_utc_counts_from_the_next_day_in_bangkok(
        self, calendar, citizen
    ):
        late = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # Friday 4 December, 06:30 in Bangkok
        petition = filed(calendar, citizen, late, days=1)
        assert petition.due_on == date(2026, 12, 8)  # not Friday 4: Monday 7 is off

    def test_a_service_without_a_legal_time_has_no_due_date(self, calendar, citizen):
        petition = filed(calendar, citizen, bangkok(2026, 12, 3), days=0)
        assert petition.due_on is None
        assert deadline_status(petition, date(2027, 1, 1), set()) is None

    def test_a_holiday_the_administrator_adds_moves_due_dates_of_new_petitions_only(
        self, calendar, citizen
    ):
        before = filed(calendar, citizen, bangkok(2026, 11, 19))  # Thursday
        assert before.due_on == date(2026, 11, 24)  # Fri 20, Mon 23, Tue 24
        add_holiday(
            calendar, day=date(2026, 11, 23), name_th="วันหยุดพิเศษ", name_en="Special", actor="cli"
        )
        after = filed(calendar, citizen, bangkok(2026, 11, 19))
        assert after.due_on == date(2026, 11, 25)
        calendar.refresh(before)
        assert before.due_on == date(2026, 11, 24)

    def test_submitting_a_petition_sets_its_due_date(self, calendar, citizen):
        from services.petitions.service import submit_petition

        petition = submit_petition(
            calendar,
            citizen=citizen,
            service=get_catalogue().get(SERVICE),
            consented_datasets=["dopa.population"],
            answers={"purpose": "bank"},
            channel="web",
        )
        calendar.commit()
        holidays = deadline_holidays(calendar, today=date.today())
        from services.calendar.business_days import bangkok_date

        expected = add_business_days(bangkok_date(petition.created_at), 1, holidays)
        assert petition.due_on == expected
        public = PetitionPublic.model_validate(petition, from_attributes=True)
        assert public.due_on == expected and public.clock_paused_at is None


class TestPause:
    def test_a_pause_over_a_weekend_costs_the_friday(self, calendar, citizen):
        petition = filed(calendar, citizen, bangkok(2026, 11, 25))  # Wednesday
        assert petition.due_on == date(2026, 11, 30)  # Thu 26, Fri 27, Mon 30
        pause_clock(calendar, petition, at=bangkok(2026, 11, 27, 15))
        assert deadline_status(petition, date(2026, 11, 27), set()) == "paused"
        assert resume_clock(calendar, petition, at=bangkok(2026, 11, 30, 9)) == 1
        assert petition.due_on == date(2026, 12, 1) and petition.clock_paused_at is None

    def test_a_pause_over_a_weekend_and_a_holiday_moves_past_the_next_holiday(
        self, calendar, citizen
    ):
        petition = filed(calendar, citizen, bangkok(2026, 12, 3))
        assert petition.due_on == date(2026, 12, 9)
        pause_clock(calendar, petition, at=bangkok(2026, 12, 4, 11))  # Friday
        # Answered on Tuesday: Friday is lost; Saturday, Sunday and Monday 7 (a holiday) are not.
        assert resume_clock(calendar, petition, at=bangkok(2026, 12, 8, 8)) == 1
        # One business day after Wednesday 9: Thursday 10 is Constitution Day.
        assert petition.due_on == date(2026, 12, 11)

    def test_an_answer_the_same_day_costs_nothing(self, calendar, citizen):
        petition = filed(calendar, citizen, bangkok(2026, 12, 3))
        pause_clock(calendar, petition, at=bangkok(2026, 12, 4, 9))
        assert resume_clock(calendar, petition, at=bangkok(2026, 12, 4, 16)) == 0
        assert petition.due_on == date(2026, 12, 9)

    def test_pausing_twice_keeps_the_first_time_and_resuming_unpaused_does_nothing(
        self, calendar, citizen
    ):
        petition = filed(calendar, citizen, bangkok(2026, 12, 1))  # Tuesday → due Fri 4
        first = bangkok(2026, 12, 2)
        pause_clock(calendar, petition, at=first)
        pause_clock(calendar, petition, at=bangkok(2026, 12, 3))
        assert petition.clock_paused_at == first
        assert resume_clock(calendar, petition, at=bangkok(2026, 12, 3)) == 1  # Wednesday 2
        assert resume_clock(calendar, petition, at=bangkok(2026, 12, 9)) == 0
        assert petition.due_on == date(2026, 12, 8)  # Fri 4 + 1, Monday 7 off

    def test_the_pause_date_is_the_bangkok_date(self, calendar, citizen):
        petition = filed(calendar, citizen, bangkok(2026, 12, 1))  # due Fri 4
        # 23:30 UTC on Wednesday is Thursday morning in Bangkok; answered Thursday: no cost.
        pause_clock(calendar, petition, at=datetime(2026, 12, 2, 23, 30, tzinfo=UTC))
        assert resume_clock(calendar, petition, at=bangkok(2026, 12, 3, 17)) == 0


class TestStatus:
    def test_ok_near_and_overdue_count_business_days(self, calendar, citizen):
        petition = filed(calendar, citizen, bangkok(2026, 12, 3))  # due Wednesday 9
        holidays = deadline_holidays(calendar, today=date(2026, 12, 4))
        assert days_left(petition, today=date(2026, 12, 4), holidays=holidays) == 2
        assert deadline_status(petition, date(2026, 12, 4), holidays) == "ok"
        # On the holiday Monday two business days are left (Tuesday, Wednesday): still "ok".
        assert days_left(petition, today=date(2026, 12, 7), holidays=holidays) == 2
        assert deadline_status(petition, date(2026, 12, 7), holidays) == "ok"
        assert days_left(petition, today=date(2026, 12, 8), holidays=holidays) == 1
        assert deadline_status(petition, date(2026, 12, 8), holidays) == "near"
        assert deadline_status(petition, date(2026, 12, 9), holidays) == "near"
        assert deadline_status(petition, date(2026, 12, 10), holidays) == "overdue"
        assert days_left(petition, today=date(2026, 12, 11), holidays=holidays) == -1

    def test_a_decided_petition_has_no_deadline_status(self, calendar, citizen):
        petition = filed(calendar, citizen, bangkok(2026, 12, 3), state=PetitionState.ISSUED)
        assert deadline_status(petition, date(2026, 12, 31), set()) is None


class TestEscalation:
    @pytest.fixture
    def sent(self, monkeypatch) -> list[dict]:  # type: ignore[no-untyped-def]
        calls: list[dict] = []
        monkeypatch.setattr(
            deadlines, "queue_officer_notification", lambda db, **kw: calls.append(kw)
        )
        return calls

    @pytest.fixture
    def supervisors(self, calendar) -> list[Officer]:
        def officer(roles, agency="dopa", active=True, office_code=None):  # type: ignore[no-untyped-def]
            o = Officer(
                national_id=f"11000000000{next(_ids):02d}",
                agency=agency,
                roles=roles,
                active=active,
                office_code=office_code,
            )
            calendar.add(o)
            return o

        wanted = [
            officer(["supervisor"]),
            officer(["officer", "agency_admin"]),
            officer(["supervisor"], office_code="dopa-elsewhere"),
        ]
        officer(["officer"])
        officer(["supervisor"], active=False)
        officer(["supervisor"], agency="dol")
        calendar.commit()
        return wanted

    def test_each_level_is_notified_once_even_when_the_task_runs_twice(
        self, calendar, citizen, clean_engine: Engine, sent, supervisors
    ):
        near = filed(calendar, citizen, bangkok(2026, 12, 3), office_code="dopa-bangrak")
        overdue = filed(calendar, citizen, bangkok(2026, 11, 30))  # due Thu 3
        later_one = filed(calendar, citizen, bangkok(2026, 12, 7))  # due Fri 11 (Thu 10 off)
        filed(calendar, citizen, bangkok(2026, 11, 30), clock_paused_at=bangkok(2026, 12, 1))
        filed(calendar, citizen, bangkok(2026, 11, 30), state=PetitionState.REJECTED)
        filed(calendar, citizen, bangkok(2026, 11, 30), state=PetitionState.SUPPLEMENT_REQUESTED)
        now = bangkok(2026, 12, 8, 9)  # Tuesday: `near` is due tomorrow

        assert escalate_deadlines(clean_engine, None, now=now) == 2
        assert escalate_deadlines(clean_engine, None, now=now) == 0

        calendar.expire_all()
        levels = {p.id: p.escalation for p in calendar.exec(select(Petition))}
        assert levels[near.id] == 1 and levels[overdue.id] == 2
        assert sum(levels.values()) == 3
        agency_wide, elsewhere = {o.id for o in supervisors[:2]}, supervisors[2].id

        def told(petition: Petition) -> set[int]:
            return {s["officer_id"] for s in sent if petition.id in s["body_en"]}

        # The office's petition goes to the agency-wide supervisors (not another office's); the
        # shared pool's goes to every active supervisor and agency admin of the agency.
        assert told(near) == agency_wide and told(overdue) == agency_wide | {elsewhere}
        assert len(sent) == 5
        assert all(
            "past its legal due date" in s["subject_en"] for s in sent if overdue.id in s["body_en"]
        )

        # Thursday 10 (a holiday): the near one is overdue, the later one is due tomorrow.
        later = bangkok(2026, 12, 10, 9)
        assert escalate_deadlines(clean_engine, None, now=later) == 2
        assert escalate_deadlines(clean_engine, None, now=later) == 0
        assert len(sent) == 10 and told(later_one) == agency_wide | {elsewhere}
        calendar.expire_all()
        assert calendar.get(Petition, near.id).escalation == 2  # type: ignore[union-attr]
        assert calendar.get(Petition, later_one.id).escalation == 1  # type: ignore[union-attr]

    def test_escalation_is_audited(self, calendar, citizen, clean_engine: Engine, sent):
        from services.audit import models as audit_models

        petition = filed(calendar, citizen, bangkok(2026, 11, 30))
        escalate_deadlines(clean_engine, None, now=bangkok(2026, 12, 8))
        event_model = getattr(audit_models, "AuditEvent", None)
        if event_model is None:
            pytest.skip("no audit table")
        events = calendar.exec(
            select(event_model).where(event_model.action == "petition.escalate")
        ).all()
        assert [(e.object_id, e.actor) for e in events] == [(petition.id, "system")]

    def test_a_resumed_clock_lowers_the_level_only_when_the_new_date_is_further(
        self, calendar, citizen, clean_engine: Engine, sent
    ):
        petition = filed(calendar, citizen, bangkok(2026, 12, 3))  # due Wed 9
        escalate_deadlines(clean_engine, None, now=bangkok(2026, 12, 8))
        calendar.refresh(petition)
        assert petition.escalation == 1
        pause_clock(calendar, petition, at=bangkok(2026, 12, 8))
        # Answered on Thursday 10 (a holiday): Tuesday 8 and Wednesday 9 were lost, so the due
        # date is Monday 14 and two business days are left: no longer near.
        resume_clock(calendar, petition, at=bangkok(2026, 12, 10))
        assert petition.due_on == date(2026, 12, 14) and petition.escalation == 0
        calendar.commit()

    def test_a_resumed_clock_keeps_the_level_when_it_is_still_near(
        self, calendar, citizen, clean_engine, sent
    ):
        petition = filed(calendar, citizen, bangkok(2026, 12, 3))  # due Wed 9
        escalate_deadlines(clean_engine, None, now=bangkok(2026, 12, 8))
        calendar.refresh(petition)
        pause_clock(calendar, petition, at=bangkok(2026, 12, 8))
        resume_clock(calendar, petition, at=bangkok(2026, 12, 15))  # 4 business days lost
        assert petition.due_on == date(2026, 12, 16) and petition.escalation == 1

    def test_the_housekeeping_runs_escalation(self):
        from services.petitions.housekeeping import _tasks

        assert escalate_deadlines in _tasks()


def test_workers_escalating_at_the_same_moment_notify_once(
    calendar, citizen, clean_engine: Engine, monkeypatch
):
    """Four workers run the task at once: each petition's level is won by exactly one."""
    import threading

    sent: list[int] = []
    lock = threading.Lock()

    def record(db, **kw):  # type: ignore[no-untyped-def]
        with lock:
            sent.append(kw["officer_id"])

    monkeypatch.setattr(deadlines, "queue_officer_notification", record)
    boss = Officer(national_id="1100000000999", agency="dopa", roles=["supervisor"])
    calendar.add(boss)
    calendar.commit()
    for _ in range(6):
        filed(calendar, citizen, bangkok(2026, 11, 30))  # due Thu 3: overdue on the 8th
    start = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            n = escalate_deadlines(clean_engine, None, now=bangkok(2026, 12, 8))
            with lock:
                results.append(n)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 6 and sent == [boss.id] * 6


def test_a_backlog_is_escalated_over_several_passes_earliest_first(
    calendar, citizen, clean_engine: Engine, monkeypatch
):
    monkeypatch.setattr(deadlines, "queue_officer_notification", lambda db, **kw: None)
    monkeypatch.setattr(deadlines, "ESCALATION_BATCH", 2)
    latest = filed(calendar, citizen, bangkok(2026, 12, 1))  # due Fri 4
    filed(calendar, citizen, bangkok(2026, 11, 30))  # due Thu 3
    filed(calendar, citizen, bangkok(2026, 11, 27))  # due Wed 2
    now = bangkok(2026, 12, 8)
    assert escalate_deadlines(clean_engine, None, now=now) == 2
    calendar.refresh(latest)
    assert latest.escalation == 0
    assert escalate_deadlines(clean_engine, None, now=now) == 1
    assert escalate_deadlines(clean_engine, None, now=now) == 0
