"""Builds the reply letter to a complaint from the form answers and the officer's reply."""

from __future__ import annotations

from typing import Any

from services.dopa.certificates import HOLDER_FIELDS

CATEGORIES = {
    "street_light": ("ไฟฟ้าส่องสว่างชำรุด", "Broken street light"),
    "flooding": ("น้ำท่วมขังหรือท่อระบายน้ำอุดตัน", "Flooding or a blocked drain"),
    "rubbish": ("ขยะและความสะอาด", "Rubbish and cleanliness"),
    "pavement": ("ทางเท้าหรือถนนชำรุด", "Damaged pavement or road"),
    "noise": ("เสียงดังรบกวน", "Noise nuisance"),
    "other": ("เรื่องอื่น ๆ", "Other"),
}

NO_REPLY = (
    "สำนักงานเขตได้รับเรื่องของท่านแล้ว และจะแจ้งผลการดำเนินการให้ทราบต่อไป",
    "The district office has received your complaint and will tell you what it has done.",
)

DEFAULT_OFFICE = ("สำนักงานเขตที่รับผิดชอบพื้นที่", "The district office responsible for the area")


def complaint_reply_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `templates/certificates/complaint_reply.html`.

    The officer's reply is `answers["reply"]` and the office that signs is
    `answers["office_th"]`/`answers["office_en"]`, when the officer's decision adds them to the
    answers; until then a placeholder line stands in, so a letter always renders.
    """
    population = evidence.get("dopa.population") or {}
    category = CATEGORIES.get(answers.get("category", ""), CATEGORIES["other"])
    reply = answers.get("reply", "").strip()
    return {
        "holder": {
            "national_id": holder["national_id"],
            **{f: population.get(f) or holder.get(f, "") for f in HOLDER_FIELDS},
        },
        "category_th": category[0],
        "category_en": category[1],
        "location": answers.get("location", "").strip(),
        "description": answers.get("description", "").strip(),
        "reply": reply,
        "no_reply_th": NO_REPLY[0],
        "no_reply_en": NO_REPLY[1],
        "office_th": answers.get("office_th", "").strip() or DEFAULT_OFFICE[0],
        "office_en": answers.get("office_en", "").strip() or DEFAULT_OFFICE[1],
    }


CONTEXTS = {"complaint_reply": complaint_reply_context}
