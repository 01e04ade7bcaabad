from __future__ import annotations

from pathlib import Path

from documents.render import render_certificate_pdf
from services.dopa.people import Person, demo_people, person_to_record
from services.moe import AGENCY, CERTIFICATE_CONTEXTS
from services.moe.records import education_record
from tests.documents.test_render import normalised, pdf_text, words_outside_text_area
from tests.services.certificate_support import full_context


def context_for(person: Person) -> dict:  # type: ignore[type-arg]
    build = CERTIFICATE_CONTEXTS["education_record"]
    holder = {"national_id": person.national_id}
    evidence = {
        "moe.education": education_record(person),
        "dopa.population": person_to_record(person),
    }
    return full_context(build(evidence=evidence, holder=holder, answers={}), AGENCY)


def test_somyings_certificate_lists_her_degree(tmp_path: Path):
    pdf = render_certificate_pdf("education_record", context_for(demo_people()[1]))
    text = normalised(pdf_text(pdf, tmp_path))
    for expected in [
        "หนังสือรับรองวุฒิการศึกษา",
        "กระทรวงศึกษาธิการ",
        "นางสาวสมหญิง รักไทย",
        "1-5099-00456-78-9",
        "มหาวิทยาลัยเชียงใหม่",
        "Chiang Mai University",
        "โรงเรียนยุพราชวิทยาลัย",
        "27 มีนาคม พ.ศ. 2558",
        "3.45",
    ]:
        assert normalised(expected) in text, expected


def test_a_child_without_qualifications_gets_a_certificate_saying_so(tmp_path: Path):
    pdf = render_certificate_pdf("education_record", context_for(demo_people()[3]))
    text = normalised(pdf_text(pdf, tmp_path))
    assert normalised("เด็กหญิงปิยะนุช ใจดี") in text
    assert normalised("has no completed qualification recorded") in text


def test_the_longest_names_wrap_inside_the_page(tmp_path: Path):
    pdf = render_certificate_pdf("education_record", context_for(demo_people()[2]))
    assert words_outside_text_area(pdf, tmp_path) == []
