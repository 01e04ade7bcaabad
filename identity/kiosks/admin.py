"""What the `portal kiosks …` commands do, callable without Typer (and from tests)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from identity.kiosks.service import ACTIVATION_LIFETIME, disable_kiosk, register_kiosk
from portal.db import session_scope


def add_kiosk(engine: Engine, *, name: str, location: str, agency: str) -> str:
    """Registers a kiosk; returns the lines to print, the one-time activation code included."""
    with session_scope(engine) as db:
        device, code = register_kiosk(db, name=name, location=location, agency=agency)
        hours = int(ACTIVATION_LIFETIME.total_seconds() // 3600)
        return (
            f"kiosk {device.id}: {device.name} · {device.location} ({device.agency})\n"
            f"activation code (once, within {hours} h, at /kiosk/activate): {code}"
        )


def disable_kiosk_by_id(engine: Engine, *, device_id: int) -> str:
    """Takes a kiosk out of service at once; returns the line to print."""
    with session_scope(engine) as db:
        device = disable_kiosk(db, device_id=device_id)
        return f"kiosk {device.id} disabled: {device.name} · {device.location}"
