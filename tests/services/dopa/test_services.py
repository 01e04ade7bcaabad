"""DOPA's service definitions load, and each certificate renders with demo data."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from documents.render import render_certificate_pdf
from services.catalogue.definitions import ServiceDefinition
from services.catalogue.service import load_definition
from services.dopa import AGENCY, CERTIFICATE_CONTEXTS
from services.dopa.people import Person, demo_people, synthetic_population
from services.dopa.registry import registry_datasets

DEFINITIONS = Path(__file__).resolve().parents[3] / "services/dopa/definitions"
SOMCHAI, SOMYING, NEWBORN = "3103900123458", "1509900456789", "1103900812346"


def definition(code: str) -> ServiceDefinition:
    return load_definition(DEFINITIONS / f"{code.removeprefix('dopa.')}.yaml")


def test_every_definition_loads_as_schema_2():
    paths = sorted(DEFINITIONS.glob("*.yaml"))
    assert {p.stem for p in paths} >= {
        "residence-certificate",
        "name-change-record",
        "marital-status-certificate",
        "birth-record",
        "move-in",
    }
    for path in paths:
        loaded = load_definition(path)
        assert loaded.schema_ == 2 and loaded.agency == "dopa", path
        if loaded.certificate:
            assert loaded.certificate.template in CERTIFICATE_CONTEXTS


@pytest.mark.parametrize(
    ("code", "template", "events", "channels"),
    [
        ("dopa.name-change-record", "name_change", ("marriage",), ("web", "api", "kiosk")),
        (
            "dopa.marital-status-certificate",
            "marital_status",
            ("marriage", "travelling-abroad"),
            ("web", "api", "kiosk"),
        ),
        ("dopa.birth-record", "birth_record", ("new-baby",), ("web", "api", "kiosk")),
    ],
)
def test_certificates_are_automatic_free_and_low_assurance(code, template, events, channels):
    service = definition(code)
    assert service.certificate and service.certificate.template == template
    assert (service.decision, service.fee_baht, service.min_ial) == ("automatic", Decimal(0), 1.3)
    assert service.life_events == events and service.channels == channels
    assert service.paper_documents_now == 0


def test_birth_record_produces_the_birth_record():
    assert definition("dopa.birth-record").produces == ("dopa.birth_record",)


def test_move_in_needs_the_house_owners_approval_and_an_officer():
    service = definition("dopa.move-in")
    assert service.outcome == "record" and service.certificate is None
    assert service.approval and service.approval.citizen_field == "house_owner_national_id"
    assert service.approval.role.en == "House owner"
    assert (service.decision, service.processing_days, service.min_ial) == ("one_officer", 1, 2.1)
    assert service.produces == ("dopa.population",)
    assert service.life_events == ("moving-house",)
    fields = {f.name: f for f in service.form}
    assert fields["house_owner_national_id"].kind == "citizen_id"
    assert fields["moved_on"].kind == "date"
    assert re.fullmatch(fields["house_id"].pattern or "", "10390012345")
    assert not re.fullmatch(fields["house_id"].pattern or "", "1039001234")
    (evidence,) = service.evidence
    assert evidence.fields == ("address", "house_id")
    assert evidence.upload_instead and evidence.upload_instead.th == "สำเนาทะเบียนบ้าน"
    assert (service.paper_documents_before, service.paper_documents_now) == (1, 0)


def test_residence_certificate_is_filed_under_moving_and_a_new_job():
    service = definition("dopa.residence-certificate")
    assert (service.schema_, service.version) == (2, 2)
    assert service.life_events == ("moving-house", "new-job")
    assert "kiosk" in service.channels


# --- certificates rendered from what the registry answers ------------------------------------

_THAI_MARKS = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")


def normalised(text: str) -> str:
    """Without spaces and Thai above/below marks, ำ as า: pdftotext splits and reorders Thai
    marks (see tests/documents/test_render.py)."""
    return _THAI_MARKS.sub("", re.sub(r"\s+", "", text)).replace("\u0e33", "\u0e32")


@pytest.fixture(scope="module")
def lookups():
    return {d.contract.qualified_name: d.lookup for d in registry_datasets(synthetic_population())}


def issue(code: str, subject: str | Person, lookups, tmp_path: Path) -> str:
    """The certificate text of `code` for `subject` (a demo person's citizen ID, or a person),
    fetching what the definition names as the exchange would."""
    person = (
        subject
        if isinstance(subject, Person)
        else next(p for p in demo_people() if p.national_id == subject)
    )
    subject = person.national_id
    service = definition(code)
    assert service.certificate
    evidence = {}
    for item in service.evidence:
        record = lookups[item.dataset](subject)
        evidence[item.dataset] = {name: record[name] for name in item.fields}
    holder = {
        "national_id": subject,
        **{f: getattr(person, f) for f in ("title_th", "given_name_th", "family_name_th")},
        **{f: getattr(person, f) for f in ("title_en", "given_name_en", "family_name_en")},
    }
    build = CERTIFICATE_CONTEXTS[service.certificate.template]
    context = build(evidence=evidence, holder=holder, answers={})
    number = "DOPA-2569-TESTDOC1"
    context |= {
        "agency": {
            "code": AGENCY.code,
            "name_th": AGENCY.name_th,
            "name_en": AGENCY.name_en,
            "address_th": AGENCY.address_th,
            "address_en": AGENCY.address_en,
        },
        "document_number": number,
        "verify_url": f"https://portal.example.go.th/verify/{number}",
        "issued_at": datetime(2026, 11, 21, 3, 0, tzinfo=UTC),
    }
    pdf = render_certificate_pdf(service.certificate.template, context)
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def assert_contains(text: str, *expected: str) -> None:
    flat = normalised(text)
    for item in expected:
        assert normalised(item) in flat, item


def test_name_change_record_lists_somyings_earlier_name(lookups, tmp_path):
    text = issue("dopa.name-change-record", SOMYING, lookups, tmp_path)
    assert_contains(
        text,
        "หนังสือรับรองการเปลี่ยนชื่อ",
        "นางสาวสมหญิง รักไทย",
        "Miss Somying Rakthai",
        "1-5099-00456-78-9",
        "น้ำผึ้ง",
        "Namphueng",
        "20 พฤษภาคม พ.ศ. 2558",
        "20 May 2015",
    )


def test_name_change_record_says_when_there_was_no_change(lookups, tmp_path):
    text = issue("dopa.name-change-record", SOMCHAI, lookups, tmp_path)
    assert_contains(text, "นายสมชาย ใจดี", "ไม่ปรากฏการเปลี่ยนชื่อ", "has no recorded change")


def test_marital_status_certificate_says_somchai_is_divorced(lookups, tmp_path):
    text = issue("dopa.marital-status-certificate", SOMCHAI, lookups, tmp_path)
    assert_contains(
        text,
        "หนังสือรับรองสถานภาพการสมรส",
        "นายสมชาย ใจดี",
        "Mr Somchai Jaidee",
        "หย่า",
        "divorced",
        "8 กรกฎาคม พ.ศ. 2562",
        "8 July 2019",
    )


def test_marital_status_certificate_says_somying_never_married(lookups, tmp_path):
    text = issue("dopa.marital-status-certificate", SOMYING, lookups, tmp_path)
    assert_contains(text, "นางสาวสมหญิง รักไทย", "โสด", "no marriage is registered")


def test_marital_status_certificate_names_a_living_spouse(lookups, tmp_path):
    people = synthetic_population()
    by_id = {p.national_id: p for p in people}
    married = next(
        p
        for p in people
        if p.marital_status == "married" and by_id[p.spouse_id].spouse_id == p.national_id
    )
    text = issue("dopa.marital-status-certificate", married, lookups, tmp_path)
    assert_contains(text, married.full_name_th, "สมรส", by_id[married.spouse_id].full_name_th)


def test_birth_record_of_the_newborn_names_his_father(lookups, tmp_path):
    text = issue("dopa.birth-record", NEWBORN, lookups, tmp_path)
    assert_contains(
        text,
        "เด็กชายปกรณ์ ใจดี",
        "Master Pakorn Jaidee",
        "1-1039-00812-34-6",
        "1 ตุลาคม พ.ศ. 2569",
        "1 October 2026",
        "กรุงเทพมหานคร",
        "นายสมชาย ใจดี",
        "3-1039-00123-45-8",
        "นางสาวอรทัย แสงจันทร์",
        "ชาย",
    )
