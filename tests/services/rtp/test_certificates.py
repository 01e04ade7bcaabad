from __future__ import annotations

from pathlib import Path

from documents.render import render_certificate_pdf
from services.dopa.people import Person, demo_people, person_to_record, synthetic_population
from services.rtp import AGENCY, CERTIFICATE_CONTEXTS
from services.rtp.records import criminal_record
from tests.documents.test_render import normalised, pdf_text, words_outside_text_area
from tests.services.certificate_support import full_context


def context_for(person: Person, **answers: str) -> dict:  # type: ignore[type-arg]
    build = CERTIFICATE_CONTEXTS["criminal_record"]
    holder = {
        "national_id": person.national_id,
        "title_th": "",
        "given_name_th": "",
        "family_name_th": "",
        "title_en": "",
        "given_name_en": "",
        "family_name_en": "",
    }
    evidence = {
        "rtp.criminal_record": criminal_record(person),
        "dopa.population": person_to_record(person),
    }
    return full_context(build(evidence=evidence, holder=holder, answers=answers), AGENCY)


def test_a_clean_record_says_nothing_was_found(tmp_path: Path):
    somchai = demo_people()[0]
    pdf = render_certificate_pdf(
        "criminal_record", context_for(somchai, purpose="visa", country="Japan")
    )
    text = normalised(pdf_text(pdf, tmp_path))
    for expected in [
        "ใบรับรองผลการตรวจสอบประวัติบุคคล",
        "สำนักงานตำรวจแห่งชาติ",
        "นายสมชาย ใจดี",
        "3-1039-00123-45-8",
        "12 เมษายน พ.ศ. 2518",
        "ไม่พบประวัติอาชญากรรม",
        "No criminal record was found in the fingerprint and name search",
        "For a visa or for working abroad (Japan)",
    ]:
        assert normalised(expected) in text, expected


def test_a_record_with_convictions_lists_them(tmp_path: Path):
    convicted = next(p for p in synthetic_population(size=400) if criminal_record(p)["convictions"])
    (conviction, *_) = criminal_record(convicted)["convictions"]
    pdf = render_certificate_pdf("criminal_record", context_for(convicted, purpose="employment"))
    text = normalised(pdf_text(pdf, tmp_path))
    for expected in [
        f"{convicted.title_th}{convicted.given_name_th} {convicted.family_name_th}",
        "พบประวัติต้องคำพิพากษาว่ากระทำความผิด",
        conviction["case_number"],
        conviction["court_th"],
        conviction["sentence_en"],
    ]:
        assert normalised(expected) in text, expected
    assert normalised("ไม่พบประวัติอาชญากรรม") not in text


def test_the_longest_names_wrap_inside_the_page(tmp_path: Path):
    pdf = render_certificate_pdf("criminal_record", context_for(demo_people()[2], purpose="study"))
    assert words_outside_text_area(pdf, tmp_path) == []
    assert normalised("ศรีสุวรรณรัตนมณีจันทร์เพ็ญประภัสสรศิริมงคล") in normalised(pdf_text(pdf, tmp_path))
