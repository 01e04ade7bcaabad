"""Business-day arithmetic: weekends and Thai public holidays skipped, Bangkok dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.calendar.business_days import (
    add_business_days,
    bangkok_date,
    business_days_between,
    business_days_in,
    is_business_day,
)

# Thai public holidays of late 2026 (from the `holidays` package, as seeded).
FATHERS_DAY_IN_LIEU = date(2026, 12, 7)  # Monday: 5 December fell on a Saturday
SONGKRAN = {date(2026, 4, 13), date(2026, 4, 14), date(2026, 4, 15)}  # Monday to Wednesday
HOLIDAYS = {date(2026, 12, 5), FATHERS_DAY_IN_LIEU, date(2026, 12, 10), *SONGKRAN}


def test_weekends_and_holidays_are_not_business_days():
    assert is_business_day(date(2026, 12, 4), HOLIDAYS)  # Friday
    assert not is_business_day(date(2026, 12, 5), set())  # Saturday
    assert not is_business_day(date(2026, 12, 6), set())  # Sunday
    assert not is_business_day(FATHERS_DAY_IN_LIEU, HOLIDAYS)


def test_three_days_from_the_thursday_before_a_monday_holiday_end_on_wednesday():
    thursday = date(2026, 12, 3)
    assert add_business_days(thursday, 3, HOLIDAYS) == date(2026, 12, 9)
    assert add_business_days(thursday, 3, set()) == date(2026, 12, 8)  # without the holiday


def test_songkran_holds_up_a_petition_filed_the_friday_before():
    friday = date(2026, 4, 10)
    assert add_business_days(friday, 1, HOLIDAYS) == date(2026, 4, 16)
    assert add_business_days(friday, 3, HOLIDAYS) == date(2026, 4, 20)  # Thu, Fri, Mon
    assert business_days_between(friday, date(2026, 4, 20), HOLIDAYS) == 3


def test_zero_days_is_the_start_and_negative_days_are_refused():
    assert add_business_days(date(2026, 12, 5), 0, HOLIDAYS) == date(2026, 12, 5)
    with pytest.raises(ValueError):
        add_business_days(date(2026, 12, 5), -1, HOLIDAYS)


@pytest.mark.parametrize("n", range(0, 12))
def test_between_is_the_inverse_of_add(n):
    for start in (date(2026, 4, 9), date(2026, 12, 4), date(2026, 12, 6)):
        assert business_days_between(start, add_business_days(start, n, HOLIDAYS), HOLIDAYS) == n


def test_between_counts_backwards_as_negative_and_skips_the_weekend():
    assert business_days_between(date(2026, 12, 11), date(2026, 12, 8), HOLIDAYS) == -2  # Thu, Fri
    assert business_days_between(date(2026, 12, 4), date(2026, 12, 6), HOLIDAYS) == 0


def test_days_in_a_half_open_range():
    # The pause arithmetic: from the pause date up to, not including, the answer date.
    assert business_days_in(date(2026, 12, 4), date(2026, 12, 4), HOLIDAYS) == 0  # same day
    assert business_days_in(date(2026, 12, 4), date(2026, 12, 8), HOLIDAYS) == 1  # Fri → Tue
    assert business_days_in(date(2026, 12, 3), date(2026, 12, 8), HOLIDAYS) == 2  # Thu, Fri
    assert business_days_in(date(2026, 12, 8), date(2026, 12, 3), HOLIDAYS) == 0


def test_half_past_eleven_at_night_utc_is_the_next_morning_in_bangkok():
    assert bangkok_date(datetime(2026, 12, 3, 23, 30, tzinfo=UTC)) == date(2026, 12, 4)
    assert bangkok_date(datetime(2026, 12, 3, 16, 59, tzinfo=UTC)) == date(2026, 12, 3)
    assert bangkok_date(datetime(2026, 12, 3, 17, 0)) == date(2026, 12, 4)  # naive is UTC
