"""Business-day arithmetic, pure: no database, the holidays are passed in.

A business day is a Monday to Friday that is not in `holidays`. Dates are Thai local dates:
a petition filed at 23:30 UTC was filed on the next day in Bangkok (UTC+7, no daylight saving).
"""

from __future__ import annotations

from collections.abc import Set
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
_DAY = timedelta(days=1)


def bangkok_date(at: datetime) -> date:
    """The calendar date in Bangkok at the instant `at` (a naive value is taken as UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(BANGKOK).date()


def is_business_day(day: date, holidays: Set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: date, n: int, holidays: Set[date]) -> date:
    """The nth business day after `start` (`start` itself never counts; n=0 gives `start`).

    A 3-business-day service filed on a Thursday before a Monday holiday is due on Wednesday:
    Friday (1), Tuesday (2), Wednesday (3).
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n > 0:
        day += _DAY
        if is_business_day(day, holidays):
            n -= 1
    return day


def business_days_between(a: date, b: date, holidays: Set[date]) -> int:
    """How many business days lie after `a` up to and including `b`; negative when `b` < `a`.

    The inverse of `add_business_days`: `business_days_between(a, add_business_days(a, n)) == n`.
    """
    if b < a:
        return -business_days_between(b, a, holidays)
    count = 0
    day = a
    while day < b:
        day += _DAY
        if is_business_day(day, holidays):
            count += 1
    return count


def business_days_in(start: date, end: date, holidays: Set[date]) -> int:
    """How many business days lie in the half-open range [`start`, `end`) (0 if empty)."""
    if end <= start:
        return 0
    return business_days_between(start - _DAY, end - _DAY, holidays)
