"""Maps fetched vehicle and driving-licence fields onto DLT certificate templates."""

from __future__ import annotations

from datetime import date
from typing import Any

LICENCE_STATUS = {
    "valid": ("ใช้ได้", "Valid"),
    "expired": ("สิ้นอายุ", "Expired"),
}


def _dates(item: dict[str, Any], *names: str) -> dict[str, Any]:
    return {**item, **{n: date.fromisoformat(item[n]) for n in names}}


def _plate_key(plate: str) -> str:
    return "".join(plate.split())


def vehicle_registration_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `vehicle_registration.html`: the vehicles registered to the holder, or only
    the one whose plate they typed. A plate not in their name leaves the list empty, and the
    certificate says so: it certifies what the register holds, which is then nothing."""
    record = evidence["dlt.vehicles"]
    asked = _plate_key(answers.get("plate", "") or "")
    vehicles = [
        _dates(v, "registered_on", "tax_paid_until")
        for v in record.get("vehicles") or []
        if not asked or _plate_key(v["plate"]) == asked
    ]
    return {
        "vehicles": vehicles,
        "plate_asked": (answers.get("plate", "") or "").strip(),
        "address": record.get("owner_address") or {},
    }


def driving_licence_record_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `driving_licence_record.html`: every licence with its status, and the points
    left."""
    record = evidence["dlt.driving_licence"]
    licences = []
    for licence in record.get("licences") or []:
        status_th, status_en = LICENCE_STATUS.get(licence["status"], (licence["status"],) * 2)
        licences.append(
            {
                **_dates(licence, "issued_on", "expires_on"),
                "status_th": status_th,
                "status_en": status_en,
            }
        )
    return {
        "licences": licences,
        "points": record.get("points") or "",
        "address": record.get("address") or {},
    }


CONTEXTS = {
    "vehicle_registration": vehicle_registration_context,
    "driving_licence_record": driving_licence_record_context,
}
