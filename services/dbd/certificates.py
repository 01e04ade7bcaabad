"""Maps a fetched company record onto the DBD certificate template."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.dopa.certificates import ADDRESS_FIELDS

NAME_FIELDS = (
    "title_th",
    "given_name_th",
    "family_name_th",
    "title_en",
    "given_name_en",
    "family_name_en",
)
STATUSES = {
    "active": ("ยังดำเนินกิจการอยู่", "Active"),
    "closed": ("เลิกกิจการ", "Closed"),
}


def company_affidavit_context(
    *, evidence: dict[str, Any], holder: dict[str, str], answers: dict[str, str]
) -> dict[str, Any]:
    """Context for `templates/certificates/company_affidavit.html`; the petitioner need not be
    a director, since the company register is public."""
    company = evidence["dbd.company"]
    office = company.get("head_office") or {}
    status_th, status_en = STATUSES.get(company["status"], (company["status"], company["status"]))
    return {
        "juristic_id": answers.get("juristic_id", ""),
        "name_th": company["name_th"],
        "name_en": company["name_en"],
        "registered_on": date.fromisoformat(company["registered_on"]),
        "status_th": status_th,
        "status_en": status_en,
        "capital": f"{int(company['registered_capital_baht']):,}",
        "head_office": {f: str(office.get(f, "") or "") for f in ADDRESS_FIELDS},
        "directors": [{f: str(d.get(f) or "") for f in NAME_FIELDS} for d in company["directors"]],
        "signatory_rule_th": company["signatory_rule_th"],
        "signatory_rule_en": company["signatory_rule_en"],
    }


CONTEXTS = {"company_affidavit": company_affidavit_context}
