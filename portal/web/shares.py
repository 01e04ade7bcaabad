"""(placeholder router, filled by issue 6 work)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["public"], include_in_schema=False)
