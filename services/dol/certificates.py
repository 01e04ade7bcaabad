"""Maps a fetched land title onto the DOL certificate template."""

from __future__ import annotations

from datetime import date
from typing import Any

NAME_FIELDS = (
    "title_th",
    "given_name_th",
    "family_name_th",
    "title_en",
    "given_name_en",
    "family_name_en",
)


def land_title_abstract_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `templates/certificates/land_title_abstract.html`.

    The petitioner (`holder`) need not own the land: the register is public. Owners are printed
    by name only; their citizen IDs stay out of a document anyone may ask for.
    """
    title = evidence["dol.land_title"]
    area = title.get("area") or {}
    return {
        "title_deed": answers.get("title_deed", ""),
        "deed_no": title["deed_no"],
        "land_office_th": title["land_office_th"],
        "land_office_en": title["land_office_en"],
        "parcel": {k: str(v or "") for k, v in (title.get("parcel") or {}).items()},
        "area": {k: str(area.get(k) or "0") for k in ("rai", "ngan", "square_wah")},
        "owners": [
            {
                **{f: str(o.get(f) or "") for f in NAME_FIELDS},
                "acquired_on": date.fromisoformat(o["acquired_on"]),
            }
            for o in title.get("owners") or []
        ],
        "encumbrances": [
            {**e, "registered_on": date.fromisoformat(e["registered_on"])}
            for e in title.get("encumbrances") or []
        ],
    }


def land_ownership_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `templates/certificates/land_ownership.html`: the register confirmed (a
    match, no value read) that the holder owns the deed; the deed's public entries locate it."""
    if evidence.get("dol.title_owner", {}).get("match") is not True:
        raise ValueError("the land register did not confirm the ownership")
    title = evidence["dol.land_title"]
    area = title.get("area") or {}
    return {
        "holder": holder,
        "deed_no": title["deed_no"],
        "land_office_th": title["land_office_th"],
        "land_office_en": title["land_office_en"],
        "parcel": {k: str(v or "") for k, v in (title.get("parcel") or {}).items()},
        "area": {k: str(area.get(k) or "0") for k in ("rai", "ngan", "square_wah")},
    }


CONTEXTS = {
    "land_title_abstract": land_title_abstract_context,
    "land_ownership": land_ownership_context,
}
