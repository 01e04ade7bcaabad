"""The public holidays that legal processing times skip."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from portal.db import AwareDateTime, utcnow


class HolidaySource(StrEnum):
    SEED = "seed"  # from the `holidays` package (`seed_holidays`)
    ADMIN = "admin"  # added by a portal administrator (page or CLI); seeding never touches it


class Holiday(SQLModel, table=True):
    """A day off for government offices; weekends need no row."""

    __tablename__ = "holiday"

    day: date = Field(primary_key=True)
    name_th: str
    name_en: str
    # A HolidaySource value, stored as a plain string (no database enum type to migrate).
    source: str = Field(default=HolidaySource.ADMIN.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=AwareDateTime)
    created_by: str = Field(default="", max_length=64)  # "seed", "cli", "officer:<id>"
