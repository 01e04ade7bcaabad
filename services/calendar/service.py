"""The holiday calendar: seeding, administration (audited) and the reads deadlines need."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from services.audit.service import record_event
from services.calendar.business_days import add_business_days, business_days_in
from services.calendar.errors import (
    HolidayExistsError,
    HolidayNotFoundError,
    InvalidHolidayError,
)
from services.calendar.models import Holiday, HolidaySource

FIRST_YEAR = 2000
LAST_YEAR = 2100
NAME_MAX = 200


def parse_holiday_date(text: str) -> date:
    """A Gregorian ISO date ("2026-04-13") within the years the calendar covers.

    Raises InvalidHolidayError (400) for anything else, including a Buddhist-era year.
    """
    try:
        day = date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise InvalidHolidayError() from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidHolidayError()
    return day


def seed_holidays(db: Session, *, years: Iterable[int]) -> int:
    """Adds Thailand's public holidays (substitution days included) for `years`; returns how
    many rows it added.

    Idempotent, and never changes an administrator's row. A year that already holds a seeded
    row is skipped whole, so an administrator's removal of a seeded day (a holiday the cabinet
    moved) is not undone by the next demo start.
    """
    import holidays as holiday_data  # imported here: only seeding needs it

    added = 0
    for year in sorted(set(years)):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidHolidayError()
        first, last = date(year, 1, 1), date(year, 12, 31)
        existing = {
            h.day: h
            for h in db.exec(
                select(Holiday).where(col(Holiday.day) >= first, col(Holiday.day) <= last)
            )
        }
        if any(h.source == HolidaySource.SEED for h in existing.values()):
            continue
        thai = holiday_data.Thailand(years=year, language="th")
        english = holiday_data.Thailand(years=year, language="en_US")
        for day, name_th in sorted(thai.items()):
            if day in existing:
                continue
            db.add(
                Holiday(
                    day=day,
                    name_th=name_th,
                    name_en=english.get(day, name_th),
                    source=HolidaySource.SEED.value,
                    created_by="seed",
                )
            )
            added += 1
    db.flush()
    return added


def _clean_name(value: str) -> str:
    value = " ".join(value.split())
    if not value or len(value) > NAME_MAX:
        raise InvalidHolidayError()
    return value


def add_holiday(db: Session, *, day: date, name_th: str, name_en: str, actor: str) -> Holiday:
    """Makes `day` a holiday (an administrator's row); only petitions filed or resumed from now
    on count it, due dates already set stay as they are."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidHolidayError()
    holiday = Holiday(
        day=day,
        name_th=_clean_name(name_th),
        name_en=_clean_name(name_en),
        source=HolidaySource.ADMIN.value,
        created_by=actor,
    )
    if db.get(Holiday, day) is not None:
        raise HolidayExistsError()
    db.add(holiday)
    db.flush()
    record_event(
        db,
        actor=actor,
        action="holiday.add",
        object_type="holiday",
        object_id=day.isoformat(),
        details={"name_th": holiday.name_th, "name_en": holiday.name_en},
    )
    return holiday


def remove_holiday(db: Session, *, day: date, actor: str) -> Holiday:
    """Makes `day` a working day again (a seeded or an administrator's row)."""
    holiday = db.get(Holiday, day)
    if holiday is None:
        raise HolidayNotFoundError()
    db.delete(holiday)
    db.flush()
    record_event(
        db,
        actor=actor,
        action="holiday.remove",
        object_type="holiday",
        object_id=day.isoformat(),
        details={"name_th": holiday.name_th, "name_en": holiday.name_en, "source": holiday.source},
    )
    return holiday


def list_holidays(db: Session, *, year: int) -> list[Holiday]:
    """One year's holidays in date order."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return list(
        db.exec(
            select(Holiday)
            .where(col(Holiday.day) >= first, col(Holiday.day) <= last)
            .order_by(col(Holiday.day))
        )
    )


def holidays_between(db: Session, start: date, end: date) -> set[date]:
    """The holidays from `start` to `end`, both included."""
    return set(db.exec(_HOLIDAYS_BETWEEN, params={"start": start, "end": end}))


_HOLIDAYS_BETWEEN = select(Holiday.day).where(
    col(Holiday.day) >= bindparam("start"), col(Holiday.day) <= bindparam("end")
)


def add_business_days_on_calendar(db: Session, start: date, n: int) -> date:
    """`add_business_days` with the calendar's holidays, reading only the window it needs.

    The window starts at twice the days plus a month (Songkran and its weekend fit many times);
    a result inside the window saw every holiday before it, otherwise the window doubles.
    """
    span = 2 * n + 31
    while True:
        end = start + timedelta(days=span)
        result = add_business_days(start, n, holidays_between(db, start, end))
        if result <= end:
            return result
        span *= 2


def business_days_in_on_calendar(db: Session, start: date, end: date) -> int:
    """`business_days_in` ([start, end)) with the calendar's holidays."""
    if end <= start:
        return 0
    return business_days_in(start, end, holidays_between(db, start, end))
