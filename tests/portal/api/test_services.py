"""`/api/v1/services` and `/api/v1/bundles`: public, cacheable, filtered like the web page."""

from __future__ import annotations

import pytest

from tests.fixtures.catalogue import SERVICE

SUMMARY_FIELDS = {
    "code",
    "version",
    "agency",
    "agency_name",
    "name",
    "category",
    "life_events",
    "channels",
    "fee_baht",
    "processing_days",
    "min_ial",
    "decision",
    "outcome",
}


def codes(answer) -> list[str]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, answer.text
    return [s["code"] for s in answer.json()]


def test_the_real_catalogue_is_public_and_cacheable(client):
    answer = client.get("/api/v1/services")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=300"
    residence = next(s for s in answer.json() if s["code"] == SERVICE)
    assert set(residence) == SUMMARY_FIELDS
    assert residence["agency_name"] == {
        "th": "กรมการปกครอง",
        "en": "Department of Provincial Administration",
    }
    assert residence["min_ial"] == 1.2 and "web" in residence["channels"]
    assert residence["decision"] == "automatic" and residence["outcome"] == "certificate"


def test_filters_and_search(client, sample_catalogue):
    assert codes(client.get("/api/v1/services", params={"category": "land"})) == [
        "dopa.owner-check"
    ]
    assert codes(client.get("/api/v1/services", params={"event": "buying-property"})) == [
        "dopa.owner-check"
    ]
    assert codes(client.get("/api/v1/services", params={"q": "ทะเบียนบ้าน"})) == [
        SERVICE,
        "dopa.move-in",
    ]
    assert codes(client.get("/api/v1/services", params={"q": "HOUSE OWNER"})) == [
        "dopa.owner-check"
    ]


@pytest.mark.parametrize("params", [{"category": "nope"}, {"event": "nope"}])
def test_unknown_category_or_event_is_a_422(client, params):
    answer = client.get("/api/v1/services", params=params)
    assert answer.status_code == 422 and answer.json()["error"] == "validation_failed"


def test_detail_has_evidence_uploads_approval_and_paper_counts(client, sample_catalogue):
    answer = client.get("/api/v1/services/dopa.move-in")
    assert answer.headers["cache-control"] == "public, max-age=300"
    detail = answer.json()
    assert detail["fee_baht"] == "20" and detail["processing_days"] == 7
    evidence = detail["evidence"][0]
    assert evidence["mode"] == "fetch" and evidence["subject"] == "petitioner"
    assert evidence["fields"] == ["address", "house_id"]
    assert evidence["dataset_title"]["en"] == "Population register"
    assert evidence["upload_instead"] == {
        "th": "สำเนาทะเบียนบ้าน",
        "en": "A copy of the house register",
    }
    assert detail["uploads"] == [
        {"name": "lease", "label": {"th": "สัญญาเช่า", "en": "Lease"}, "required": True}
    ]
    assert detail["approval"] == {
        "role": {"th": "เจ้าบ้าน", "en": "house owner"},
        "citizen_field": "owner_id",
    }
    assert detail["paper_documents_before"] == 2 and detail["paper_documents_now"] == 1
    assert [f["name"] for f in detail["form"]] == ["owner_id", "note"]

    check = client.get("/api/v1/services/dopa.owner-check").json()["evidence"][0]
    assert check["mode"] == "match" and check["fields"] == []
    assert check["match"] == {"house_id": "form:house"} and check["subject"] == "form:house"
    assert check["consent_required"] is False and check["upload_instead"] is None


def test_bundles(client, sample_catalogue):
    answer = client.get("/api/v1/bundles")
    assert answer.headers["cache-control"] == "public, max-age=300"
    assert codes(answer) == ["bundle.moving-house"]
    assert codes(client.get("/api/v1/bundles", params={"event": "new-baby"})) == []
    bundle = client.get("/api/v1/bundles/bundle.moving-house").json()
    assert bundle["life_event"] == "moving-house"
    assert [p["code"] for p in bundle["parts"]] == ["dopa.move-in", "dopa.owner-check"]
    assert bundle["parts"][0]["agency"] == "dopa"


@pytest.mark.parametrize("path", ["/api/v1/services/dopa.nothing", "/api/v1/bundles/bundle.x"])
def test_unknown_code_is_a_404(client, path):
    answer = client.get(path)
    assert answer.status_code == 404 and answer.json()["error"] == "unknown_service"
    assert "public" not in answer.headers.get("cache-control", "")


def test_a_signed_in_caller_gets_the_same_public_answer(client, people):
    from tests.fixtures.identity import sign_in

    sign_in(client, people[0])
    answer = client.get("/api/v1/services")
    assert answer.status_code == 200 and SERVICE in codes(answer)
