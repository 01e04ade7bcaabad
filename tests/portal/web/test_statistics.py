"""The public statistics: a page, a CSV and JSON, with no personal data."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from identity.officers.models import Officer
from tests.identity.officers.conftest import create_officer_tables
from tests.portal.web.test_dashboard import LAND, RESIDENCE, seed

CITIZEN_ID = "1100700000011"


def seed_with_officer(engine: Engine) -> None:
    create_officer_tables(engine)
    with Session(engine) as db:
        officer = Officer(
            national_id="3100700000011", agency="dopa", name_th="สมศรี", name_en="Somsri"
        )
        db.add(officer)
        db.commit()
        officer_id = officer.id
    seed(engine, officer_id=officer_id)


def test_the_page_shows_figures_per_service_and_no_one(client, clean_engine):
    seed_with_officer(clean_engine)
    page = client.get("/statistics?lang=en")
    assert page.status_code == 200
    assert "Certificate of residence" in page.text
    assert 'role="img"' in page.text and "<script" not in page.text
    for personal in (CITIZEN_ID, "3100700000011", "Somsri", "สมศรี", "officer:"):
        assert personal not in page.text
    assert 'href="/statistics.csv?period=30"' in page.text
    assert client.get("/statistics?period=5").status_code == 400


def test_csv_is_open_data(client, clean_engine):
    seed_with_officer(clean_engine)
    answer = client.get("/statistics.csv?period=7")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=300"
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    lines = answer.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "service_code,service_name_th,service_name_en,agency,filed,decided,backlog,"
        "on_time_share,median_days_to_decision,fetched_share"
    )
    residence = next(line for line in lines if line.startswith(RESIDENCE))
    # Two filed, one decided, one waiting; rates hidden behind fewer than five petitions.
    assert residence == (f"{RESIDENCE},หนังสือรับรองการอยู่อาศัย,Certificate of residence,dopa,2,1,1,,,")
    assert any(line.startswith(f"{LAND},") and ",1,0,1,,," in line for line in lines)
    for personal in (CITIZEN_ID, "Somsri", "สมศรี"):
        assert personal not in answer.content.decode("utf-8-sig")
    again = client.get(
        "/statistics.csv?period=7", headers={"If-None-Match": answer.headers["etag"]}
    )
    assert again.status_code == 304


def test_json_shape(client, clean_engine):
    seed_with_officer(clean_engine)
    answer = client.get("/api/v1/statistics?period=90")
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=300"
    body = answer.json()
    assert set(body) == {"period", "generated_at", "min_count", "services"}
    assert body["period"]["days"] == 90 and body["period"]["time_zone"] == "Asia/Bangkok"
    assert body["min_count"] == 5
    residence = next(s for s in body["services"] if s["service_code"] == RESIDENCE)
    assert residence == {
        "service_code": RESIDENCE,
        "service_name": {"th": "หนังสือรับรองการอยู่อาศัย", "en": "Certificate of residence"},
        "agency": "dopa",
        "filed": 2,
        "decided": 1,
        "backlog": 1,
        "on_time_share": None,
        "median_days_to_decision": None,
        "fetched_share": None,
    }
    assert "Somsri" not in answer.text and CITIZEN_ID not in answer.text
    etag = answer.headers["etag"]
    same = client.get("/api/v1/statistics?period=90", headers={"If-None-Match": etag})
    assert same.status_code == 304
    assert client.get("/api/v1/statistics?period=abc").status_code == 400
