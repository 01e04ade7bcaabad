"""Reads of the access log: each citizen sees who read their data, and why."""

from __future__ import annotations

from sqlmodel import Session, col, select

from services.exchange.models import DataAccess


def list_data_access(db: Session, *, citizen_id: int, limit: int = 200) -> list[DataAccess]:
    return list(
        db.exec(
            select(DataAccess)
            .where(DataAccess.citizen_id == citizen_id)
            .order_by(col(DataAccess.at).desc(), col(DataAccess.id).desc())
            .limit(limit)
        )
    )
