"""The longest certificate of every template, built from the demo data the way the worker does.

For each certificate service in the catalogue, every demo person (and, for services whose
subject is typed into the form, every synthetic title deed or company) goes through the same
context builder the petition worker calls (`services.agencies.CERTIFICATE_CONTEXTS`); the
context with the most text wins. Long free-text answers (a complaint reply, a country name) are
filled with long realistic values, since the demo data has none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from typing import Any

from documents.render import IssuedBy
from portal.servers import demo_population
from services.agencies import AGENCY_MODULES, CERTIFICATE_CONTEXTS, get_agency
from services.catalogue.definitions import ServiceDefinition
from services.catalogue.service import get_catalogue
from services.dbd.records import synthetic_companies
from services.dol.records import synthetic_land_titles

NUMBER = "DOPA-2569-7K3M9QXD"
CHECK_CODE = "7K3M-9QXD"
ISSUED_AT = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
# About the length of the verify helper's signed payload (number, check code, signature).
QR_DATA = (
    "https://portal.example.go.th/v/DOPA-2569-7K3M9QXD.7K3M9QXD."
    "MEUCIQDx4kR2q9vJ0aWc5b3nT8YpLhQe1sZmKf7GdUoA2iVwNgIgV3hXc9RzLk4m8bPq2TjYs1eFu6WnAo0dCx7KrQ"
)
LONG_ANSWERS = {
    "purpose": "employment",
    "country": "สาธารณรัฐสังคมนิยมประชาธิปไตยประชาชนลาว (Lao People's Democratic Republic)",
    "category": "road",
    "location": "ซอยเฉลิมพระเกียรติรัชกาลที่ 9 ซอย 28 แยก 3-5 หน้าหมู่บ้านศุภาลัยการ์เด้นวิลล์",
    "description": "ทางเท้าชำรุดเป็นหลุมลึกยาวประมาณสามสิบเมตร น้ำท่วมขังทุกครั้งที่ฝนตก "
    "ผู้สูงอายุและเด็กนักเรียนเดินผ่านไม่ได้ต้องลงไปเดินบนถนน",
    "reply": "สำนักงานเขตได้ส่งเจ้าหน้าที่ตรวจสอบพื้นที่แล้ว และได้ซ่อมแซมทางเท้าพร้อมวางท่อระบายน้ำ"
    "ใหม่ตลอดแนวเรียบร้อยเมื่อวันที่ 15 พฤศจิกายน พ.ศ. 2569 หากยังพบปัญหาโปรดแจ้งกลับทางพอร์ทัล",
}


def longest_officer() -> IssuedBy:
    """The officer line as the worker prints it (services/petitions/processing.py), for the
    demo person with the longest name: demo officers are demo people (portal/seed.py)."""
    person = max(demo_population(), key=lambda p: len(p.full_name_th) + len(p.full_name_en))
    return IssuedBy(
        name_th=person.full_name_th,
        name_en=person.full_name_en,
        position_th="เจ้าหน้าที่ผู้อนุมัติ",
        position_en="Approving officer",
    )


def _holder(person: Any) -> dict[str, str]:
    names = ("title_th", "given_name_th", "family_name_th", "title_en", "given_name_en")
    return {
        "national_id": person.national_id,
        **{f: getattr(person, f) for f in (*names, "family_name_en")},
    }


@lru_cache(maxsize=1)
def _lookups() -> dict[str, Callable[[str], Mapping[str, Any] | None]]:
    people = demo_population()
    return {
        d.contract.qualified_name: d.lookup
        for module in AGENCY_MODULES
        for d in module.registry_datasets(people)
    }


def _form_subjects(dataset: str) -> list[str]:
    people = demo_population()
    if dataset.startswith("dol."):
        return list(synthetic_land_titles(people))
    if dataset.startswith("dbd."):
        return list(synthetic_companies(people))
    return []


def _candidate_contexts(service: ServiceDefinition) -> Iterator[dict[str, Any]]:
    assert service.certificate is not None
    build = CERTIFICATE_CONTEXTS[service.certificate.template]
    lookups = _lookups()
    form_items = [e for e in service.evidence if e.subject != "petitioner"]
    if form_items:  # every record once, asked for by the first demo citizen
        for key in _form_subjects(form_items[0].dataset):
            yield from _contexts_for(service, build, lookups, demo_population()[0], key)
    else:
        for person in demo_population():
            yield from _contexts_for(service, build, lookups, person, None)


def _contexts_for(
    service: ServiceDefinition,
    build: Callable[..., dict[str, Any]],
    lookups: Mapping[str, Callable[[str], Mapping[str, Any] | None]],
    person: Any,
    key: str | None,
) -> Iterator[dict[str, Any]]:
    evidence: dict[str, Any] = {}
    answers = dict(LONG_ANSWERS)
    for item in service.evidence:
        subject = person.national_id if item.subject == "petitioner" else key
        if subject is None:
            return
        if item.subject != "petitioner":
            answers[item.subject.removeprefix("form:")] = subject
        if item.mode == "match":
            evidence[item.dataset] = {"match": True}
            continue
        record = lookups[item.dataset](subject)
        if record is None:
            return
        evidence[item.dataset] = {f: record.get(f) for f in item.fields}
    for year in ("2567", "2566", "2565"):  # tax residence needs a year with a record
        try:
            yield build(
                evidence=evidence, holder=_holder(person), answers=answers | {"tax_year": year}
            )
        except ValueError:
            continue
        return


@cache
def longest_context(template: str) -> dict[str, Any]:
    """The template's context with the most text over the demo data (without the base values)."""
    best: dict[str, Any] | None = None
    for service in get_catalogue().services:
        if service.certificate is None or service.certificate.template != template:
            continue
        for context in _candidate_contexts(service):
            if best is None or len(repr(context)) > len(repr(best)):
                best = context
                best["_agency"] = service.agency
    if best is None:
        raise LookupError(f"no demo data yields a {template} certificate")
    return best


def full_context(template: str, **overrides: Any) -> dict[str, Any]:
    """`longest_context(template)` with everything issue_document adds: the agency letterhead,
    number, check code, a signed-payload-length QR, validity and the officer line."""
    context = dict(longest_context(template))
    agency = get_agency(context.pop("_agency"))
    assert agency is not None
    context.setdefault("holder", _holder(demo_population()[0]))
    context |= {
        "agency": agency.letterhead(),
        "document_number": NUMBER,
        "check_code": CHECK_CODE,
        "verify_url": f"https://portal.example.go.th/verify/{NUMBER}",
        "qr_data": QR_DATA,
        "issued_at": ISSUED_AT,
        "valid_until": date(2027, 2, 18),
        "thai_digits": False,
        "issued_by": longest_officer(),
    }
    context.update(overrides)
    return context


TEMPLATES: tuple[str, ...] = tuple(sorted(CERTIFICATE_CONTEXTS))
