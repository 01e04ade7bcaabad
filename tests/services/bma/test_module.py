from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from documents.render import render_certificate_pdf
from services import bma
from services.agencies import create_agency_registry_app, definitions_dir
from services.bma.registry import registry_datasets
from services.catalogue.service import load_definition
from services.dopa.people import Person, demo_people, person_to_record, synthetic_population
from tests.documents.test_render import normalised, pdf_text, words_outside_text_area
from tests.services.certificate_support import full_context

DEFINITION = definitions_dir(bma) / "complaint.yaml"
COMPLAINT = {
    "category": "street_light",
    "location": "ปากซอยสุขุมวิท 21 ฝั่งขาออก แขวงคลองเตยเหนือ เขตวัฒนา",
    "description": "ไฟฟ้าส่องสว่างดับมาสามคืนแล้ว\nทางเดินมืดมาก",
}


def letter_for(person: Person, **answers: str) -> dict:  # type: ignore[type-arg]
    build = bma.CERTIFICATE_CONTEXTS["complaint_reply"]
    evidence = {"dopa.population": person_to_record(person)}
    context = build(
        evidence=evidence,
        holder={"national_id": person.national_id},
        answers={**COMPLAINT, **answers},
    )
    return full_context(context, bma.AGENCY)


class TestRegistry:
    def test_the_city_has_no_datasets(self):
        assert bma.AGENCY.datasets == ()
        assert registry_datasets(synthetic_population(size=20)) == ()

    @pytest.mark.anyio
    async def test_the_empty_registry_refuses_every_dataset(self):
        app = create_agency_registry_app(bma, people=demo_people(), api_key="key")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
            health = await client.get("/healthz")
            query = await client.post(
                "/v1/datasets/complaints/query",
                json={"subject": "3103900123458", "fields": ["x"]},
                headers={
                    "Authorization": "Bearer key",
                    "X-Request-Id": "r",
                    "X-Caller": "portal",
                    "X-Purpose": "test",
                },
            )
        assert health.json() == {"status": "ok", "agency": "bma", "datasets": {}}
        assert query.status_code == 404


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class TestDefinition:
    def test_the_complaint_loads(self, monkeypatch):
        service = load_definition(DEFINITION)
        assert service.code == "bma.complaint"
        assert (service.outcome, service.decision, service.processing_days) == (
            "letter",
            "one_officer",
            15,
        )
        assert (service.fee_baht, service.min_ial) == (Decimal(0), 1.1)
        assert [u.name for u in service.uploads] == ["photo"]
        assert not service.uploads[0].required
        assert {f.name: f.required for f in service.form} == {
            "category": True,
            "location": True,
            "description": True,
            "phone": False,
        }
        assert (service.paper_documents_before, service.paper_documents_now) == (2, 0)

    def test_only_the_names_are_fetched_and_with_consent(self, monkeypatch):
        (item,) = load_definition(DEFINITION).evidence
        assert item.dataset == "dopa.population" and item.consent_required
        assert all(f.split("_")[0] in ("title", "given", "family") for f in item.fields)


class TestLetter:
    def test_the_reply_letter_carries_the_complaint_and_the_reply(self, tmp_path: Path):
        reply = "สำนักงานเขตวัฒนาได้เปลี่ยนหลอดไฟแล้วเมื่อวันที่ 18 พฤศจิกายน 2569"
        context = letter_for(
            demo_people()[0],
            reply=reply,
            office_th="สำนักงานเขตวัฒนา",
            office_en="Watthana District Office",
        )
        text = normalised(pdf_text(render_certificate_pdf("complaint_reply", context), tmp_path))
        for expected in [
            "กรุงเทพมหานคร",
            "ตอบข้อร้องเรียน",
            "นายสมชาย ใจดี",
            "ไฟฟ้าส่องสว่างชำรุด",
            "ปากซอยสุขุมวิท 21",
            "ทางเดินมืดมาก",
            reply,
            "Watthana District Office",
        ]:
            assert normalised(expected) in text, expected

    def test_without_a_reply_a_placeholder_line_stands_in(self, tmp_path: Path):
        text = normalised(
            pdf_text(
                render_certificate_pdf("complaint_reply", letter_for(demo_people()[1])), tmp_path
            )
        )
        assert normalised("นางสาวสมหญิง รักไทย") in text
        assert normalised("will tell you what it has done") in text
        assert normalised("The district office responsible for the area") in text

    def test_the_longest_names_wrap_inside_the_page(self, tmp_path: Path):
        pdf = render_certificate_pdf("complaint_reply", letter_for(demo_people()[2]))
        assert words_outside_text_area(pdf, tmp_path) == []

    def test_an_unknown_category_reads_as_other(self):
        context = letter_for(demo_people()[0], category="graffiti")
        assert context["category_en"] == "Other"
