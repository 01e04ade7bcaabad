"""Recording audit events (placeholder until the chain lands: records nothing yet)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session


def record_event(
    db: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Appends one event to the audit chain in the caller's transaction."""
    return None
