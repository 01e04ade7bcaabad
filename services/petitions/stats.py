"""Figures for supervisors' dashboards and the public statistics page.

Every figure is one aggregate query (GROUP BY, window functions): no petition is loaded into
Python, so the figures stay cheap at a million petitions. Days are Bangkok dates (UTC+7 all
year, no daylight saving), computed in SQL by `bangkok_date()`, which compiles per dialect.

The median time to decision is the same portable query on SQLite and PostgreSQL: the durations
of one service are numbered by `row_number()` over a window ordered by duration, and the median
is the average of the middle one or two (rows `(n+1)//2` and `(n+2)//2`), which equals
PostgreSQL's `percentile_cont(0.5)`.

Scope: one agency (or every agency for a portal administrator and the public page), optionally
one service, and a period of 7, 30 or 90 Bangkok days ending today.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, and_, case, func, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlmodel import Session, col, select

from identity.officers.authz import has_role
from identity.officers.errors import OtherAgencyError, RoleRequiredError
from identity.officers.models import Officer, OfficerRole
from portal.db import utcnow
from portal.errors import BadRequestError
from services.agencies import get_agency
from services.petitions.models import EvidenceUpload, Petition, PetitionEvent, PetitionState

BANGKOK = ZoneInfo("Asia/Bangkok")
PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
# Shown as a rate or a median only when at least this many petitions stand behind it, so that
# no single citizen's case can be read off the public page.
MIN_PUBLIC_COUNT = 5

# At the agency: waiting for evidence, an officer, the citizen, or the document to be issued.
# Drafts and petitions awaiting a third party's approval have not reached the agency yet.
BACKLOG_STATES = (
    PetitionState.SUBMITTED,
    PetitionState.EVIDENCE_PENDING,
    PetitionState.IN_REVIEW,
    PetitionState.SUPPLEMENT_REQUESTED,
    PetitionState.APPROVED,
)
# A decision was made (an approved petition stays decided once issued).
DECIDED_STATES = (PetitionState.APPROVED, PetitionState.ISSUED, PetitionState.REJECTED)
# An officer's decision, as change_state records it with actor "officer:<id>".
OFFICER_DECISIONS = (PetitionState.APPROVED.value, PetitionState.REJECTED.value)


class UnknownPeriodError(BadRequestError):
    code = "unknown_period"
    default_th = "ช่วงเวลาไม่ถูกต้อง เลือกได้ 7, 30 หรือ 90 วัน"
    default_en = "Unknown period: choose 7, 30 or 90 days"


class UnknownServiceFilterError(BadRequestError):
    code = "unknown_service_filter"
    default_th = "ไม่พบบริการที่เลือก"
    default_en = "Unknown service"


DASHBOARD_ROLES = (OfficerRole.SUPERVISOR, OfficerRole.AGENCY_ADMIN)


# -- dialect-portable SQL pieces -----------------------------------------------------------------


class bangkok_date(FunctionElement[date]):  # noqa: N801 (an SQL function)
    """The Bangkok calendar date of a UTC timestamp column."""

    type = Date()
    inherit_cache = True


@compiles(bangkok_date)
def _bangkok_date_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # SQLite stores the UTC wall time without an offset; Bangkok is UTC+7 all year.
    return f"date({compiler.process(element.clauses, **kw)}, '+7 hours')"


@compiles(bangkok_date, "postgresql")
def _bangkok_date_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Bangkok' AS DATE)"


class seconds_between(FunctionElement[float]):  # noqa: N801
    """seconds_between(later, earlier): the difference of two timestamp columns, in seconds."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


class json_key_count(FunctionElement[int]):  # noqa: N801
    """The number of keys of a JSON object column (fetched evidence items)."""

    inherit_cache = True


@compiles(json_key_count)
def _keys_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"(SELECT count(*) FROM json_each({compiler.process(element.clauses, **kw)}))"


@compiles(json_key_count, "postgresql")
def _keys_pg(element: Any, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return (
        f"(CASE WHEN json_typeof({column}) = 'object' THEN "
        f"(SELECT count(*) FROM json_object_keys({column})) ELSE 0 END)"
    )


# -- scope ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """`days` Bangkok calendar days, the last one `last` (today), both ends included."""

    days: int
    last: date

    @property
    def first(self) -> date:
        return self.last - timedelta(days=self.days - 1)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), BANGKOK).astimezone(UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), BANGKOK).astimezone(UTC)

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


def period_ending(*, days: int = DEFAULT_PERIOD, now: datetime | None = None) -> Period:
    if days not in PERIODS:
        raise UnknownPeriodError(days=days)
    today = (now or utcnow()).astimezone(BANGKOK).date()
    return Period(days=days, last=today)


@dataclass(frozen=True)
class Scope:
    period: Period
    agency: str | None = None  # None: every agency
    service_code: str | None = None


def officer_scope(
    officer: Officer,
    *,
    days: int = DEFAULT_PERIOD,
    service_code: str | None = None,
    agency: str | None = None,
    known_services: frozenset[str] | set[str] = frozenset(),
    now: datetime | None = None,
) -> Scope:
    """The dashboard scope an officer may see: supervisors and agency administrators their own
    agency, portal administrators any agency or all (`agency` None). Plain officers none."""
    if not officer.active or not any(has_role(officer, r) for r in DASHBOARD_ROLES):
        raise RoleRequiredError()
    if OfficerRole.PORTAL_ADMIN.value in officer.roles:
        if agency and get_agency(agency) is None:
            raise OtherAgencyError()  # not an agency at all: nothing to show
        chosen = agency or None
    elif agency and agency != officer.agency:
        raise OtherAgencyError()
    else:
        chosen = officer.agency
    if service_code:
        if service_code not in known_services:
            raise UnknownServiceFilterError(service=service_code)
        if chosen is not None and service_code.split(".", 1)[0] != chosen:
            raise OtherAgencyError()
    return Scope(
        period=period_ending(days=days, now=now), agency=chosen, service_code=service_code or None
    )


def _where(scope: Scope) -> list[Any]:
    """Conditions on `petition` for the scope's agency and service (not the period)."""
    conditions: list[Any] = []
    if scope.agency is not None:
        conditions.append(col(Petition.agency) == scope.agency)
    if scope.service_code is not None:
        conditions.append(col(Petition.service_code) == scope.service_code)
    return conditions


def _filed_in(scope: Scope) -> list[Any]:
    return [
        col(Petition.created_at) >= scope.period.start,
        col(Petition.created_at) < scope.period.end,
    ]


def _decided_in(scope: Scope) -> list[Any]:
    return [
        col(Petition.state).in_(DECIDED_STATES),
        col(Petition.decided_at) >= scope.period.start,
        col(Petition.decided_at) < scope.period.end,
    ]


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


# -- the figures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BacklogRow:
    service_code: str
    state: str
    count: int


def backlog(db: Session, scope: Scope) -> list[BacklogRow]:
    """Petitions at the agency now, not yet final, per service and state (not the period)."""
    rows = db.exec(
        select(Petition.service_code, Petition.state, func.count())
        .where(col(Petition.state).in_(BACKLOG_STATES), *_where(scope))
        .group_by(Petition.service_code, Petition.state)
        .order_by(Petition.service_code, Petition.state)
    ).all()
    return [BacklogRow(code, str(PetitionState(state)), int(n)) for code, state, n in rows]


def backlog_by_state(rows: list[BacklogRow]) -> list[tuple[str, int]]:
    """The backlog summed over services, in the order petitions move through the states."""
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row.state] += row.count
    return [(state.value, totals[state.value]) for state in BACKLOG_STATES]


@dataclass(frozen=True)
class DayRow:
    day: date
    filed: int
    decided: int


def throughput(db: Session, scope: Scope) -> list[DayRow]:
    """Petitions filed and decided on each Bangkok day of the period (zeros included)."""
    filed_day = bangkok_date(Petition.created_at)
    filed = db.exec(
        select(filed_day, func.count()).where(*_filed_in(scope), *_where(scope)).group_by(filed_day)
    ).all()
    decided_day = bangkok_date(Petition.decided_at)
    decided = db.exec(
        select(decided_day, func.count())
        .where(*_decided_in(scope), *_where(scope))
        .group_by(decided_day)
    ).all()
    filed_on = {_as_date(day): int(n) for day, n in filed}
    decided_on = {_as_date(day): int(n) for day, n in decided}
    return [
        DayRow(day, filed_on.get(day, 0), decided_on.get(day, 0)) for day in scope.period.dates()
    ]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class TimelinessRow:
    service_code: str
    decided: int  # decided in the period with a legal due date
    on_time: int  # of which decided on or before the due date (Bangkok date)

    @property
    def share(self) -> float | None:
        return _share(self.on_time, self.decided)


def timeliness(db: Session, scope: Scope) -> list[TimelinessRow]:
    on_time = case((bangkok_date(Petition.decided_at) <= col(Petition.due_on), 1), else_=0)
    rows = db.exec(
        select(Petition.service_code, func.count(), func.sum(on_time))
        .where(*_decided_in(scope), col(Petition.due_on).is_not(None), *_where(scope))
        .group_by(Petition.service_code)
        .order_by(Petition.service_code)
    ).all()
    return [TimelinessRow(code, int(n), int(k or 0)) for code, n, k in rows]


def total_timeliness(rows: list[TimelinessRow]) -> TimelinessRow:
    return TimelinessRow("", sum(r.decided for r in rows), sum(r.on_time for r in rows))


@dataclass(frozen=True)
class MedianRow:
    service_code: str
    decided: int
    median_seconds: float

    @property
    def median_hours(self) -> float:
        return self.median_seconds / 3600

    @property
    def median_days(self) -> float:
        return self.median_seconds / 86400


def median_time_to_decision(db: Session, scope: Scope) -> list[MedianRow]:
    """Per service, the median of decided_at - created_at over petitions decided in the period."""
    duration = seconds_between(Petition.decided_at, Petition.created_at)
    numbered = (
        select(
            col(Petition.service_code).label("service_code"),
            duration.label("seconds"),
            func.row_number()
            .over(partition_by=Petition.service_code, order_by=duration)
            .label("rn"),
            func.count().over(partition_by=Petition.service_code).label("n"),
        )
        .where(*_decided_in(scope), *_where(scope))
        .subquery()
    )
    middle = or_(numbered.c.rn == (numbered.c.n + 1) // 2, numbered.c.rn == (numbered.c.n + 2) // 2)
    rows = db.exec(
        select(numbered.c.service_code, func.max(numbered.c.n), func.avg(numbered.c.seconds))
        .where(middle)
        .group_by(numbered.c.service_code)
        .order_by(numbered.c.service_code)
    ).all()
    return [MedianRow(code, int(n), float(seconds)) for code, n, seconds in rows]


@dataclass(frozen=True)
class WorkloadRow:
    officer_id: int
    name_th: str
    name_en: str
    open_held: int  # petitions in the backlog assigned to the officer now
    decisions: int  # approvals and rejections the officer made in the period


def workload(db: Session, scope: Scope) -> list[WorkloadRow]:
    """Per officer (internal only: names officers)."""
    held = dict(
        db.exec(
            select(Petition.assigned_officer_id, func.count())
            .where(
                col(Petition.assigned_officer_id).is_not(None),
                col(Petition.state).in_(BACKLOG_STATES),
                *_where(scope),
            )
            .group_by(Petition.assigned_officer_id)
        ).all()
    )
    decided_rows = db.exec(
        select(PetitionEvent.actor, func.count())
        .join(Petition, col(Petition.id) == col(PetitionEvent.petition_id))
        .where(
            col(PetitionEvent.actor).startswith("officer:"),
            col(PetitionEvent.to_state).in_(OFFICER_DECISIONS),
            col(PetitionEvent.at) >= scope.period.start,
            col(PetitionEvent.at) < scope.period.end,
            *_where(scope),
        )
        .group_by(PetitionEvent.actor)
    ).all()
    decisions: dict[int, int] = defaultdict(int)
    for actor, n in decided_rows:
        officer_id = actor.removeprefix("officer:")
        if officer_id.isdigit():
            decisions[int(officer_id)] += int(n)
    ids = {int(i) for i in held} | set(decisions)
    conditions: list[Any] = [col(Officer.id).in_(ids)] if ids else []
    if scope.agency is not None:
        # Every active officer of the agency is listed, idle ones with zeros.
        conditions.append(and_(col(Officer.agency) == scope.agency, col(Officer.active)))
    if not conditions:
        return []
    officers = db.exec(select(Officer).where(or_(*conditions)).order_by(Officer.id)).all()
    return [
        WorkloadRow(
            officer_id=o.id or 0,
            name_th=o.name_th,
            name_en=o.name_en,
            open_held=int(held.get(o.id, 0)),
            decisions=decisions.get(o.id or 0, 0),
        )
        for o in officers
    ]


@dataclass(frozen=True)
class EvidenceRow:
    service_code: str
    fetched: int  # evidence items read from the registry that holds them
    uploaded: int  # copies the citizen uploaded

    @property
    def share_fetched(self) -> float | None:
        return _share(self.fetched, self.fetched + self.uploaded)


def evidence_sources(db: Session, scope: Scope) -> list[EvidenceRow]:
    """Over petitions filed in the period, per service."""
    per_petition = (
        select(
            col(Petition.service_code).label("service_code"),
            json_key_count(Petition.evidence).label("item_count"),
        )
        .where(*_filed_in(scope), *_where(scope))
        .subquery()
    )
    fetched = dict(
        db.exec(
            select(per_petition.c.service_code, func.sum(per_petition.c.item_count)).group_by(
                per_petition.c.service_code
            )
        ).all()
    )
    uploaded = dict(
        db.exec(
            select(Petition.service_code, func.count(col(EvidenceUpload.id)))
            .join(EvidenceUpload, col(EvidenceUpload.petition_id) == col(Petition.id))
            .where(*_filed_in(scope), *_where(scope))
            .group_by(Petition.service_code)
        ).all()
    )
    codes = sorted(set(fetched) | set(uploaded))
    rows = [EvidenceRow(c, int(fetched.get(c) or 0), int(uploaded.get(c) or 0)) for c in codes]
    return [r for r in rows if r.fetched or r.uploaded]


def filed_and_decided(db: Session, scope: Scope) -> dict[str, tuple[int, int]]:
    """Per service: petitions filed in the period, petitions decided in the period."""
    filed = dict(
        db.exec(
            select(Petition.service_code, func.count())
            .where(*_filed_in(scope), *_where(scope))
            .group_by(Petition.service_code)
        ).all()
    )
    decided = dict(
        db.exec(
            select(Petition.service_code, func.count())
            .where(*_decided_in(scope), *_where(scope))
            .group_by(Petition.service_code)
        ).all()
    )
    return {
        code: (int(filed.get(code, 0)), int(decided.get(code, 0)))
        for code in sorted(set(filed) | set(decided))
    }


# -- everything on one page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    backlog: list[BacklogRow]
    throughput: list[DayRow]
    timeliness: list[TimelinessRow]
    median: list[MedianRow]
    workload: list[WorkloadRow]
    evidence: list[EvidenceRow]


def dashboard(db: Session, scope: Scope) -> Dashboard:
    return Dashboard(
        scope=scope,
        backlog=backlog(db, scope),
        throughput=throughput(db, scope),
        timeliness=timeliness(db, scope),
        median=median_time_to_decision(db, scope),
        workload=workload(db, scope),
        evidence=evidence_sources(db, scope),
    )


@dataclass(frozen=True)
class PublicServiceRow:
    """One service's figures for the public: counts, and rates only over enough petitions."""

    service_code: str
    agency: str
    filed: int
    decided: int
    backlog: int
    on_time_share: float | None  # None: fewer than MIN_PUBLIC_COUNT decisions with a due date
    median_days: float | None  # None: fewer than MIN_PUBLIC_COUNT decisions
    fetched_share: float | None  # None: fewer than MIN_PUBLIC_COUNT evidence items


def public_statistics(
    db: Session,
    period: Period,
    *,
    service_codes: list[str] = (),  # type: ignore[assignment]
) -> list[PublicServiceRow]:
    """Per service across every agency; no person, citizen or officer, appears.

    `service_codes` (the catalogue) are listed even with no petitions, with zeros.
    """
    scope = Scope(period=period)
    counts = filed_and_decided(db, scope)
    waiting: dict[str, int] = defaultdict(int)
    for row in backlog(db, scope):
        waiting[row.service_code] += row.count
    timely = {r.service_code: r for r in timeliness(db, scope)}
    medians = {r.service_code: r for r in median_time_to_decision(db, scope)}
    sources = {r.service_code: r for r in evidence_sources(db, scope)}
    rows = []
    for code in sorted(set(service_codes) | set(counts) | set(waiting)):
        filed, decided = counts.get(code, (0, 0))
        t, m, e = timely.get(code), medians.get(code), sources.get(code)
        rows.append(
            PublicServiceRow(
                service_code=code,
                agency=code.split(".", 1)[0],
                filed=filed,
                decided=decided,
                backlog=waiting.get(code, 0),
                on_time_share=t.share if t and t.decided >= MIN_PUBLIC_COUNT else None,
                median_days=(
                    round(m.median_days, 1) if m and m.decided >= MIN_PUBLIC_COUNT else None
                ),
                fetched_share=(
                    e.share_fetched if e and e.fetched + e.uploaded >= MIN_PUBLIC_COUNT else None
                ),
            )
        )
    return rows
