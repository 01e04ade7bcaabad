"""DOL: synthetic land titles agree with DOPA, the public register and the owner match check keep
to their contracts, the land title abstract renders."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services import dol
from services.agencies import create_agency_registry_app
from services.catalogue.service import load_definition
from services.dol.contract import LAND_TITLE, TITLE_OWNER
from services.dol.records import SOMCHAI_DEED, SOMYING_DEED, synthetic_land_titles, title_to_record
from services.dopa.people import PersonStatus, demo_people, synthetic_population
from services.exchange.datasets import is_valid_subject
from tests.services.rd.support import API_KEY, client_for, headers, normalised, render_text

DEFINITION = Path(dol.__file__).parent / "definitions/land-title-abstract.yaml"
SOMCHAI, SOMYING, LONGEST, DAUGHTER, FATHER = demo_people()[:5]


@pytest.fixture(scope="module")
def people():
    return synthetic_population(size=600)


@pytest.fixture(scope="module")
def titles(people):
    return synthetic_land_titles(people)


def _age_on(person, day: date) -> int:
    b = person.birthdate
    return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class TestRecords:
    def test_are_deterministic(self, people, titles):
        assert synthetic_land_titles(people) == titles

    def test_deed_keys_are_valid_and_start_with_the_parcel_province(self, titles):
        for key, title in titles.items():
            assert is_valid_subject("title_deed", key)
            assert key[:2] == title.parcel.subdistrict_code[:2]

    def test_parcels_lie_in_the_first_owner_district(self, titles):
        for title in titles.values():
            assert title.parcel.subdistrict_code[:4] == title.owners[0].address.district_code
        near = sum(
            t.parcel.subdistrict_code == t.owners[0].address.subdistrict_code
            for t in titles.values()
        )
        assert near > 0.6 * len(titles)

    def test_owners_are_adults_of_the_population_and_alive(self, people, titles):
        ids = {p.national_id for p in people}
        for title in titles.values():
            for owner in title.owners:
                assert owner.national_id in ids
                assert owner.status is PersonStatus.ALIVE
                assert _age_on(owner, title.acquired_on) >= 20

    def test_co_owners_share_a_house(self, titles):
        shared = [t for t in titles.values() if len(t.owners) > 1]
        assert shared
        assert all(len({o.house_id for o in t.owners}) == 1 for t in shared)

    def test_demo_deeds(self, titles):
        somchai = title_to_record(titles[SOMCHAI_DEED])
        assert somchai["owners"][0]["national_id"] == SOMCHAI.national_id
        assert somchai["parcel"]["subdistrict_code"] == SOMCHAI.address.subdistrict_code
        assert somchai["encumbrances"][0]["holder_en"] == "Government Housing Bank"
        somying = titles[SOMYING_DEED]
        assert somying.owners == (SOMYING,)
        assert somying.parcel.subdistrict_code[:4] == SOMYING.address.district_code
        held = {o.national_id for t in titles.values() for o in t.owners}
        assert DAUGHTER.national_id not in held and FATHER.national_id not in held

    def test_records_fit_the_contract(self, titles):
        for title in titles.values():
            record = title_to_record(title)
            assert set(record) == LAND_TITLE.field_names
            for field in LAND_TITLE.fields:
                assert field.accepts(record[field.name]), field.name


pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(people):
    async with client_for(
        create_agency_registry_app(dol, people=people, api_key=API_KEY)
    ) as client:
        yield client


class TestRegistry:
    async def test_healthz_counts_both_datasets(self, client, titles):
        body = (await client.get("/healthz")).json()
        assert body["datasets"] == {"land_title": len(titles), "title_owner": len(titles)}

    async def test_answers_only_the_fields_asked_for(self, client):
        response = await client.post(
            "/v1/datasets/land_title/query",
            json={"subject": SOMCHAI_DEED, "fields": ["area", "deed_no"]},
            headers=headers(),
        )
        assert response.status_code == 200
        assert response.json()["fields"] == {
            "area": {"rai": "0", "ngan": "1", "square_wah": "52"},
            "deed_no": "12345",
        }

    async def test_refuses_unknown_fields(self, client):
        response = await client.post(
            "/v1/datasets/land_title/query",
            json={"subject": SOMCHAI_DEED, "fields": ["owners", "price"]},
            headers=headers(),
        )
        assert response.status_code == 400
        assert response.json()["fields"] == ["price"]

    @pytest.mark.parametrize("subject", ["10/12345", "1-12345", "10-12345678", "abc"])
    async def test_refuses_malformed_deed_numbers(self, client, subject):
        response = await client.post(
            "/v1/datasets/land_title/query",
            json={"subject": subject, "fields": ["deed_no"]},
            headers=headers(),
        )
        assert response.status_code == 400
        assert response.json() == {"error": "invalid_subject"}

    @pytest.mark.parametrize(
        ("subject", "owner", "expected"),
        [
            (SOMCHAI_DEED, SOMCHAI.national_id, True),
            (SOMCHAI_DEED, SOMYING.national_id, False),
            (SOMYING_DEED, SOMYING.national_id, True),
            ("99-1", SOMCHAI.national_id, False),  # no such deed answers like a mismatch
        ],
    )
    async def test_owner_match_answers_yes_or_no_without_values(
        self, client, subject, owner, expected
    ):
        response = await client.post(
            "/v1/datasets/title_owner/match",
            json={"subject": subject, "match": {"owner_national_id": owner}},
            headers=headers(),
        )
        assert response.status_code == 200
        body = response.json()
        assert body["match"] is expected
        assert owner not in response.text.replace(f'"{subject}"', "")
        assert set(body) == {"dataset", "subject", "match", "source", "as_of"}

    def test_owner_dataset_is_not_public(self):
        assert LAND_TITLE.public and not TITLE_OWNER.public


def test_abstract_renders_owners_area_and_mortgage(titles, tmp_path):
    context = dol.CERTIFICATE_CONTEXTS["land_title_abstract"](
        evidence={"dol.land_title": title_to_record(titles[SOMCHAI_DEED])},
        holder={"national_id": SOMYING.national_id},
        answers={"title_deed": SOMCHAI_DEED},
    )
    text = render_text("land_title_abstract", context, dol.AGENCY, tmp_path)
    for expected in [
        "หนังสือรับรองรายการจดทะเบียนสิทธิและนิติกรรม",
        "โฉนดที่ดินเลขที่ 12345",
        "นายสมชาย ใจดี",
        "0 ไร่ 1 งาน 52 ตารางวา",
        "แขวงคลองเตยเหนือ",
        "จำนอง",
        "ธนาคารอาคารสงเคราะห์",
        "20 กุมภาพันธ์ พ.ศ. 2551",
        "Bangkok Land Office, Phra Khanong Branch",
        "กรมที่ดิน",
    ]:
        assert normalised(expected) in text, expected
    assert "3-1039-00123-45-8" not in text  # owners' IDs stay out of a public document


def test_abstract_without_a_mortgage_says_so(titles, tmp_path):
    title = next(t for t in titles.values() if t.mortgage is None)
    context = dol.CERTIFICATE_CONTEXTS["land_title_abstract"](
        evidence={"dol.land_title": title_to_record(title)},
        holder={"national_id": SOMCHAI.national_id},
        answers={"title_deed": title.title_deed},
    )
    text = render_text("land_title_abstract", context, dol.AGENCY, tmp_path)
    assert normalised("ไม่มีภาระผูกพัน") in text
    assert normalised(title.owners[0].given_name_th) in text


def test_definition_loads(monkeypatch):
    definition = load_definition(DEFINITION)
    assert definition.evidence[0].subject == "form:title_deed"
    assert not definition.evidence[0].consent_required
    assert (definition.paper_documents_before, definition.paper_documents_now) == (1, 0)
    assert definition.fee_baht == 20 and "kiosk" in definition.channels
