"""The public verification API: by number + code, by QR payload, by upload; schemas, caching,
rate limits, and the fast path that answers by-number lookups ahead of the framework."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from documents.qrpayload import qr_payload
from portal.api.v1.verify import FastVerifyPath
from portal.app import create_app
from tests.documents.factories import issue_residence
from tests.portal.web.verify_support import *  # noqa: F403  (fixtures)
from tests.portal.web.verify_support import BASE_URL, no_citizen_id

PUBLIC_FIELDS = {
    "number", "agency", "agency_name_th", "agency_name_en", "title_th", "title_en",
    "holder_display_th", "holder_display_en", "issued_at", "issued_on", "valid_until", "status",
    "revoked_at", "revocation_reason", "superseded_by",
}  # fmt: skip


def test_number_and_code_give_exactly_the_public_fields(web, make_document):
    document = make_document()
    answer = web.get(f"/api/v1/verify/{document.number}", params={"code": "7k3-m9q"})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == PUBLIC_FIELDS
    assert body["status"] == "valid" and body["issued_on"] == "2026-11-21"
    assert body["holder_display_en"] == "Mr Somchai J***"
    assert no_citizen_id(answer.text) and "check_code" not in answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "public, max-age=5"
    assert answer.headers["x-content-type-options"] == "nosniff"
    etag = answer.headers["etag"]
    again = web.get(
        f"/api/v1/verify/{document.number}?code=7K3M9Q", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag


def test_wrong_code_unknown_number_and_malformed_number_are_one_answer(web, make_document):
    document = make_document()
    answers = [
        web.get(f"/api/v1/verify/{document.number}?code=7K3M9R"),
        web.get(f"/api/v1/verify/{document.number}"),
        web.get("/api/v1/verify/DOPA-2569-ZZZZZZZZ?code=7K3M9Q"),
        web.get("/api/v1/verify/nonsense?code=7K3M9Q"),
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    # Every answer carries its own request id (issue 8); nothing else may differ.
    headers = [sorted((k, v) for k, v in a.headers.items() if k != "x-request-id") for a in answers]
    assert len({tuple(h) for h in headers}) == 1
    body = answers[0].json()
    assert body["error"] == "document_not_found"
    assert body["message"]["th"] and body["message"]["en"]


def test_a_document_from_before_check_codes_needs_no_code(web, make_document):
    document = make_document(check_code="")
    assert web.get(f"/api/v1/verify/{document.number}").json()["number"] == document.number


def test_the_framework_route_answers_the_same_as_the_fast_path(web, make_document, monkeypatch):
    document = make_document(revocation_reason="wrong address", superseded_by="DOPA-2569-NEWNUMBR")
    url = f"/api/v1/verify/{document.number}?code=7K3M9Q"
    fast = web.get(url)

    async def broken(self, scope, number):  # type: ignore[no-untyped-def]
        raise RuntimeError("fast path down")

    monkeypatch.setattr(FastVerifyPath, "_answer", broken)
    routed = web.get(url)
    assert routed.status_code == fast.status_code == 200
    assert routed.content == fast.content and routed.json()["status"] == "superseded"
    assert routed.headers["etag"] == fast.headers["etag"]
    missing = web.get("/api/v1/verify/DOPA-2569-ZZZZZZZZ?code=7K3M9Q")
    assert missing.status_code == 404 and missing.json()["error"] == "document_not_found"


def test_lookups_are_rate_limited_per_client_with_retry_after(verify_settings, clean_engine):
    settings = verify_settings.model_copy(update={"verify_rate_per_minute": 30, "verify_burst": 3})
    with TestClient(create_app(settings)) as client:
        codes = [client.get("/api/v1/verify/DOPA-2569-ZZZZZZZZ").status_code for _ in range(3)]
        assert codes == [404, 404, 404]
        refused = client.get("/api/v1/verify/DOPA-2569-ZZZZZZZZ")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "2"
        body = refused.json()
        assert body["error"] == "rate_limited" and body["details"] == {"retry_after": 2}
        assert "กรุณารอ" in body["message"]["th"] and "wait 2 s" in body["message"]["en"]
        qr = client.post("/api/v1/verify/qr", json={"payload": "x"})  # same bucket
        assert qr.status_code == 429 and "retry-after" in qr.headers


def test_qr_payloads_valid_forged_unknown_key_and_malformed(web, make_document, verify_settings):
    document = make_document()
    payload = qr_payload(verify_settings.data_dir, BASE_URL, document.number, "7K3M9Q")
    valid = web.post("/api/v1/verify/qr", json={"payload": payload}).json()
    assert valid["qr_status"] == "valid" and valid["genuine"] is True
    assert set(valid["document"]) == PUBLIC_FIELDS and no_citizen_id(str(valid))

    sig = payload.rsplit("&s=", 1)[1]
    forged = payload.replace(sig, ("B" if sig[0] != "B" else "C") + sig[1:])
    tampered = payload.replace(document.number, "DOPA-2569-ZZZZZZZZ")
    for text, status in ((forged, "forged"), (tampered, "forged")):
        answer = web.post("/api/v1/verify/qr", json={"payload": text}).json()
        assert answer == {
            "qr_status": status, "genuine": False, "number": answer["number"], "document": None
        }  # fmt: skip
    other = qr_payload(verify_settings.data_dir / "other", BASE_URL, document.number, "7K3M9Q")
    unknown = web.post("/api/v1/verify/qr", json={"payload": other}).json()
    assert unknown["qr_status"] in ("unknown_key", "forged") and unknown["document"] is None
    malformed = web.post("/api/v1/verify/qr", json={"payload": "hello"}).json()
    assert malformed["qr_status"] == "malformed" and malformed["genuine"] is False
    too_long = web.post("/api/v1/verify/qr", json={"payload": "x" * 5000})
    assert too_long.status_code == 422 and too_long.json()["message"]["th"]


def test_upload_reports_signature_chain_hash_and_record(web, db: Session, citizen, verify_settings):
    document = issue_residence(db, verify_settings.data_dir, citizen_id=citizen.id)
    db.commit()
    pdf = (verify_settings.data_dir / "documents" / document.storage_key).read_bytes()
    verdict = web.post("/api/v1/verify", files={"file": ("c.pdf", pdf, "application/pdf")})
    body = verdict.json()
    assert verdict.status_code == 200 and body["genuine"] is True and body["reasons"] == []
    assert body["hash_matches_record"] is True
    assert set(body["document"]) == PUBLIC_FIELDS and body["document"]["number"] == document.number
    signature = body["signature"]
    assert signature["intact"] and signature["valid"] and signature["trusted"]
    assert {"chain", "timestamp_at", "seal_revoked_at", "ltv_embedded"} <= set(signature)
    assert no_citizen_id(verdict.text)

    altered = bytearray(pdf)
    altered[len(altered) // 2] ^= 0x01
    bad = web.post("/api/v1/verify", files={"file": ("c.pdf", bytes(altered))}).json()
    assert bad["genuine"] is False and bad["hash_matches_record"] is False
    not_pdf = web.post("/api/v1/verify", files={"file": ("x.pdf", b"hello")})
    assert not_pdf.status_code == 415 and not_pdf.json()["message"]["th"]


def test_openapi_documents_the_three_endpoints_without_citizen_ids(web):
    schema = web.get("/openapi.json").json()
    paths = schema["paths"]
    assert "get" in paths["/api/v1/verify/{number}"]
    assert "post" in paths["/api/v1/verify"] and "post" in paths["/api/v1/verify/qr"]
    assert {"404", "429"} <= set(paths["/api/v1/verify/{number}"]["get"]["responses"])
    public = schema["components"]["schemas"]["VerifiedDocumentPublic"]["properties"]
    assert set(public) == PUBLIC_FIELDS
    assert not any("national" in name or "citizen" in name for name in public)
