"""Dates as Thai official documents print them: Buddhist era, Thai months, optional Thai digits.

Times are stored in UTC; a certificate shows the date in Thailand. Thailand has had no daylight
saving time since 1920, so a fixed UTC+7 offset is exact and needs no tz database.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

BUDDHIST_ERA_OFFSET = 543
THAILAND_TZ = timezone(timedelta(hours=7), "ICT")

THAI_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def thailand_date(value: date) -> date:
    """The calendar date in Thailand; aware datetimes are converted, plain dates kept as they are.

    A naive datetime is refused: the portal stores UTC, and guessing would shift dates near
    midnight by a day.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a naive datetime has no defined date in Thailand; pass an aware one")
        return value.astimezone(THAILAND_TZ).date()
    return value


def buddhist_year(d: date) -> int:
    """The Buddhist-era year (Gregorian + 543), as printed on Thai documents."""
    return thailand_date(d).year + BUDDHIST_ERA_OFFSET


def to_thai_digits(text: str) -> str:
    """Replaces ASCII digits with Thai digits (๐-๙), as some official forms print them."""
    return text.translate(_THAI_DIGITS)


def format_thai_date(d: date, *, thai_digits: bool = False) -> str:
    """For example "21 พฤศจิกายน พ.ศ. 2569"; `thai_digits` gives "๒๑ พฤศจิกายน พ.ศ. ๒๕๖๙"."""
    local = thailand_date(d)
    text = f"{local.day} {THAI_MONTHS[local.month - 1]} พ.ศ. {buddhist_year(local)}"
    return to_thai_digits(text) if thai_digits else text


def format_english_date(d: date) -> str:
    """For example "21 November 2026" (Gregorian, day first, as in Thai English-language forms)."""
    local = thailand_date(d)
    return f"{local.day} {ENGLISH_MONTHS[local.month - 1]} {local.year}"
