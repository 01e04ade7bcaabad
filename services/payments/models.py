"""Payment tables (filled in by the payments work of issue 7)."""

from __future__ import annotations

PAYMENT_TABLES: list[object] = []
