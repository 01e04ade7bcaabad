"""Maps fetched insured-person fields onto the SSO contribution certificate."""

from __future__ import annotations

from datetime import date
from typing import Any

from documents.dates import ENGLISH_MONTHS, THAI_MONTHS

SECTIONS = {
    "33": ("ผู้ประกันตนตามมาตรา 33 (ลูกจ้าง)", "Insured under section 33 (employee)"),
    "39": ("ผู้ประกันตนตามมาตรา 39 (ผู้ประกันตนโดยสมัครใจ)", "Insured under section 39 (voluntary)"),
    "40": ("ผู้ประกันตนตามมาตรา 40 (ผู้ประกอบอาชีพอิสระ)", "Insured under section 40 (self-employed)"),
}


def _month(value: str) -> tuple[str, str]:
    """ "2025-03" as "มีนาคม พ.ศ. 2568" and "March 2025"."""
    year, month = (int(part) for part in value.split("-"))
    return f"{THAI_MONTHS[month - 1]} พ.ศ. {year + 543}", f"{ENGLISH_MONTHS[month - 1]} {year}"


def _baht(value: str | None) -> str:
    return "-" if not value else f"{int(value):,}"


def contributions_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `sso_contributions.html`: section, employer and the last 12 months paid."""
    insured = evidence["sso.insured"]
    section = insured.get("section") or ""
    section_th, section_en = SECTIONS.get(section, (section, section))
    rows = []
    total = 0
    for item in insured.get("contributions") or []:
        month_th, month_en = _month(item["month"])
        total += int(item["amount"])
        rows.append(
            {
                "month_th": month_th,
                "month_en": month_en,
                "wage_base": _baht(item.get("wage_base")),
                "amount": _baht(item["amount"]),
            }
        )
    start = insured.get("employment_start")
    return {
        "section_th": section_th,
        "section_en": section_en,
        "employer_th": insured.get("employer_name_th") or "",
        "employer_en": insured.get("employer_name_en") or "",
        "employment_start": date.fromisoformat(start) if start else None,
        "contribution_months": insured.get("contribution_months") or "0",
        "contributions": rows,
        "total": f"{total:,}",
    }


CONTEXTS = {"sso_contributions": contributions_context}
