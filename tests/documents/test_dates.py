from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from documents.dates import (
    buddhist_year,
    format_english_date,
    format_thai_date,
    thailand_date,
    to_thai_digits,
)


def test_buddhist_year_adds_543() -> None:
    assert buddhist_year(date(2026, 11, 21)) == 2569
    assert buddhist_year(date(1999, 1, 1)) == 2542


def test_thai_date_uses_thai_month_and_buddhist_era() -> None:
    assert format_thai_date(date(2026, 11, 21)) == "21 พฤศจิกายน พ.ศ. 2569"
    assert format_thai_date(date(2015, 3, 1)) == "1 มีนาคม พ.ศ. 2558"


def test_thai_date_can_print_thai_digits() -> None:
    assert format_thai_date(date(2026, 11, 21), thai_digits=True) == "๒๑ พฤศจิกายน พ.ศ. ๒๕๖๙"
    assert to_thai_digits("0123456789") == "๐๑๒๓๔๕๖๗๘๙"


@pytest.mark.parametrize(
    ("month", "name_th", "name_en"),
    [(1, "มกราคม", "January"), (2, "กุมภาพันธ์", "February"), (12, "ธันวาคม", "December")],
)
def test_every_month_has_its_names(month: int, name_th: str, name_en: str) -> None:
    assert name_th in format_thai_date(date(2026, month, 5))
    assert format_english_date(date(2026, month, 5)) == f"5 {name_en} 2026"


def test_english_date_is_gregorian_day_first() -> None:
    assert format_english_date(date(2026, 11, 21)) == "21 November 2026"


def test_aware_datetime_is_shown_as_the_date_in_thailand() -> None:
    evening_utc = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)  # 01:30 on the 21st in Bangkok
    assert thailand_date(evening_utc) == date(2026, 11, 21)
    assert format_thai_date(evening_utc) == "21 พฤศจิกายน พ.ศ. 2569"
    assert format_english_date(evening_utc) == "21 November 2026"
    new_year_eve_utc = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert buddhist_year(new_year_eve_utc) == 2570


def test_other_offsets_are_converted_too() -> None:
    tokyo = timezone(timedelta(hours=9))
    assert thailand_date(datetime(2026, 11, 21, 1, 0, tzinfo=tokyo)) == date(2026, 11, 20)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_thai_date(datetime(2026, 11, 21, 1, 0))
