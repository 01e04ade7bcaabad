"""Interfaces others rely on: /healthz, /openapi.json, the 404 page."""

from __future__ import annotations


def test_healthz_reports_app_and_database(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok" and body["database"]["revision"] != "none"


def test_openapi_documents_the_api(client):
    schema = client.get("/openapi.json").json()
    for path in ("/api/v1/services", "/api/v1/petitions", "/api/v1/verify", "/api/v1/documents"):
        assert path in schema["paths"]


def test_unknown_page_is_a_bilingual_404(client):
    answer = client.get("/no/such/page")
    assert answer.status_code == 404
    assert "ไม่พบ" in answer.text and "Not found" in answer.text


def test_language_switch_sticks(client):
    switched = client.get("/lang/en", params={"next": "/services"}, follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/services"
    assert 'lang="en"' in client.get("/services").text
    client.get("/lang/th", follow_redirects=False)
    assert 'lang="th"' in client.get("/services").text
