"""Back office: actions (being built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/backoffice", tags=["officer"], include_in_schema=False)
