"""Maps the fetched criminal record and population fields onto the RTP certificate template."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.dopa.certificates import ADDRESS_FIELDS, HOLDER_FIELDS

PURPOSES = {
    "employment": ("เพื่อใช้ประกอบการสมัครงาน", "For employment"),
    "visa": (
        "เพื่อใช้ประกอบการขอวีซ่าหรือไปทำงานต่างประเทศ",
        "For a visa or for working abroad",
    ),
    "study": ("เพื่อใช้ประกอบการศึกษาต่อต่างประเทศ", "For study abroad"),
    "other": ("เพื่อใช้ประกอบการติดต่อหน่วยงาน", "For dealings with other offices"),
}


def criminal_record_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `templates/certificates/criminal_record.html`.

    A record with convictions still gets a certificate that lists them, as the real one does:
    the certificate states what the search found, it does not vouch for good conduct.
    """
    record = evidence["rtp.criminal_record"]
    population = evidence.get("dopa.population") or {}
    address = population.get("address") or {}
    purpose = PURPOSES.get(answers.get("purpose", ""), PURPOSES["other"])
    birthdate = population.get("birthdate")
    convictions = [
        {**c, "judged_on": date.fromisoformat(c["judged_on"])}
        for c in record.get("convictions") or []
    ]
    return {
        "holder": {
            "national_id": holder["national_id"],
            **{f: population.get(f) or holder.get(f, "") for f in HOLDER_FIELDS},
        },
        "birthdate": date.fromisoformat(birthdate) if birthdate else None,
        "address": {f: str(address.get(f, "") or "") for f in ADDRESS_FIELDS},
        "found": record.get("record_status") == "found" and bool(convictions),
        "convictions": convictions,
        "purpose_th": purpose[0],
        "purpose_en": purpose[1],
        "country": answers.get("country", "").strip(),
    }


CONTEXTS = {"criminal_record": criminal_record_context}
