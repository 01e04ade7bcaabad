"""The public verification pages: number + check code, QR links, uploads, keys, rate limits.

Runs on every test database (SQLite, and PostgreSQL when configured) through a small app of its
own: no digital-ID provider or registries are needed to verify a document.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from documents.qrpayload import qr_payload
from portal.app import create_app
from tests.documents.factories import issue_residence
from tests.fixtures.identity import parse_forms
from tests.portal.web.verify_support import *  # noqa: F403  (fixtures)
from tests.portal.web.verify_support import BASE_URL, no_citizen_id


def test_the_right_code_shows_what_the_document_shows(web, make_document):
    document = make_document()
    page = web.get(f"/verify/{document.number}", params={"code": "7k3m9q", "lang": "en"})
    assert page.status_code == 200
    assert 'data-genuine="true"' in page.text and 'data-status="valid"' in page.text
    for shown in (
        document.number,
        "หนังสือรับรองการอยู่อาศัย",
        "Certificate of Residence",
        "Mr Somchai J***",
        "Department of Provincial Administration",
        "21 November 2026",
        "31 December 2099",
    ):
        assert shown in page.text, shown
    assert no_citizen_id(page.text)
    # An answer that sets a cookie (the first visit's CSRF cookie, a language chosen by
    # ?lang=) must not be cached publicly; the same page without one may be.
    assert "set-cookie" in page.headers
    assert page.headers["cache-control"].startswith("private, max-age=")
    again = web.get(f"/verify/{document.number}", params={"code": "7k3m9q"})
    assert "set-cookie" not in again.headers
    assert again.headers["cache-control"].startswith("public, max-age=")


def _same_answer(text: str, number: str) -> str:
    """The page with the number as typed and the CSRF token taken out."""
    text = text.replace(number, "NUMBER")
    return re.sub(r'name="csrf_token" value="[^"]*"', "", text)


def test_a_wrong_code_and_an_unknown_number_give_the_same_answer(web, make_document):
    document = make_document()
    unknown = "DOPA-2569-ZZZZZZZZ"
    wrong = web.get(f"/verify/{document.number}", params={"code": "7K3M9R"})
    missing = web.get(f"/verify/{unknown}", params={"code": "7K3M9R"})
    assert wrong.status_code == missing.status_code == 404
    assert 'data-code="document_not_found"' in wrong.text
    assert "Certificate of Residence" not in wrong.text and "J***" not in wrong.text
    assert _same_answer(wrong.text, document.number) == _same_answer(missing.text, unknown)


def test_without_a_code_the_page_asks_for_it_for_any_number(web, make_document):
    document = make_document()
    known = web.get(f"/verify/{document.number}")
    unknown = web.get("/verify/DOPA-2569-ZZZZZZZZ")
    assert known.status_code == unknown.status_code == 200
    assert 'id="ask-code"' in known.text and "J***" not in known.text
    assert _same_answer(known.text, document.number) == _same_answer(
        unknown.text, "DOPA-2569-ZZZZZZZZ"
    )


def test_the_form_sends_number_and_code_to_the_answer(web, make_document):
    document = make_document()
    start = web.get("/verify").text
    assert 'name="number"' in start and 'name="code"' in start
    answer = web.get("/verify", params={"number": document.number.lower(), "code": "7K3-M9Q"})
    assert answer.status_code == 200 and 'data-genuine="true"' in answer.text
    assert answer.url.path == f"/verify/{document.number}"


def test_documents_from_before_check_codes_verify_by_number_alone(web, make_document):
    document = make_document(check_code="")
    page = web.get(f"/verify/{document.number}")
    assert page.status_code == 200 and 'data-genuine="true"' in page.text
    assert "J***" in page.text


@pytest.mark.parametrize(
    ("values", "status", "shown"),
    [
        (
            {
                "revoked_at": datetime(2026, 11, 22, tzinfo=UTC),
                "revocation_reason": "issued in error",
            },
            "revoked",
            "issued in error",
        ),
        ({"superseded_by": "DOPA-2569-NEWNUMBR"}, "superseded", "DOPA-2569-NEWNUMBR"),
        (
            {"issued_at": datetime(2025, 1, 6, tzinfo=UTC), "valid_until": date(2025, 6, 30)},
            "expired",
            "30 June 2025",
        ),
    ],
)
def test_revoked_superseded_and_expired_documents_say_so(web, make_document, values, status, shown):
    document = make_document(**values)
    page = web.get(f"/verify/{document.number}", params={"code": "7K3M9Q", "lang": "en"})
    assert page.status_code == 200
    assert f'data-status="{status}"' in page.text and 'data-genuine="false"' in page.text
    assert shown in page.text


def test_the_qr_link_opens_the_answer_and_a_forged_one_only_a_warning(
    web, make_document, verify_settings
):
    document = make_document()
    payload = qr_payload(verify_settings.data_dir, BASE_URL, document.number, "7K3M9Q")
    path = payload.removeprefix(BASE_URL)
    page = web.get(path)
    assert page.status_code == 200 and 'data-genuine="true"' in page.text
    assert 'id="qr-signature"' in page.text and "J***" in page.text

    sig = path.rsplit("&s=", 1)[1]
    forged = path.replace(sig, ("B" if sig[0] != "B" else "C") + sig[1:])
    for bad in (
        forged,
        path.replace(document.number, "DOPA-2569-ZZZZZZZZ"),
        path.replace("?k=", "?k=zz"),
    ):
        warning = web.get(bad)
        assert warning.status_code == 200, bad
        assert 'data-genuine="false"' in warning.text and 'data-code="qr_' in warning.text
        assert "J***" not in warning.text and "Certificate of Residence" not in warning.text


def test_the_key_set_is_published_for_offline_checkers(web, verify_settings):
    payload = qr_payload(verify_settings.data_dir, BASE_URL, "DOPA-2569-7K3M9QXD", "7K3M9Q")
    answer = web.get("/.well-known/document-keys.json")
    assert answer.status_code == 200
    keys = answer.json()["keys"]
    assert [k["kid"] for k in keys] == [re.search(r"k=([^&]+)", payload).group(1)]
    assert keys[0]["kty"] == "OKP" and "d" not in keys[0]
    assert "max-age" in answer.headers["cache-control"]


def test_too_many_lookups_get_429_with_retry_after(verify_settings, clean_engine, make_document):
    settings = verify_settings.model_copy(update={"verify_rate_per_minute": 6, "verify_burst": 2})
    document = make_document()
    with TestClient(create_app(settings)) as client:
        url = f"/verify/{document.number}?code=7K3M9Q"
        assert [client.get(url).status_code for _ in range(2)] == [200, 200]
        refused = client.get(url)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "10"
        assert "กรุณารอ 10 วินาที" in refused.text and "wait 10 s" in refused.text


def test_an_uploaded_certificate_shows_every_check(web, db: Session, citizen, verify_settings):
    document = issue_residence(db, verify_settings.data_dir, citizen_id=citizen.id)
    db.commit()
    pdf = (verify_settings.data_dir / "documents" / document.storage_key).read_bytes()
    form = parse_forms(web.get("/verify").text)[-1]
    answer = web.post(
        "/verify",
        data=form["fields"],
        files={"file": ("c.pdf", pdf, "application/pdf")},
        params={"lang": "en"},
    )
    assert answer.status_code == 200 and 'data-genuine="true"' in answer.text
    for check in ("signature", "chain", "hash", "seal"):
        assert f'data-check="{check}" data-ok="true"' in answer.text, check
    assert 'data-check="timestamp"' in answer.text and 'data-check="ltv"' in answer.text
    assert document.number in answer.text and no_citizen_id(answer.text)

    altered = bytearray(pdf)
    altered[len(altered) // 2] ^= 0x01
    tampered = web.post(
        "/verify", data=form["fields"], files={"file": ("c.pdf", bytes(altered), "application/pdf")}
    )
    assert 'data-genuine="false"' in tampered.text
    assert 'data-check="hash" data-ok="false"' in tampered.text
    assert no_citizen_id(tampered.text)


def test_the_qr_printed_on_an_issued_document_verifies(web, db: Session, citizen, verify_settings):
    document = issue_residence(
        db, verify_settings.data_dir, citizen_id=citizen.id, base_url=BASE_URL
    )
    db.commit()
    assert len(document.check_code) == 6
    payload = qr_payload(verify_settings.data_dir, BASE_URL, document.number, document.check_code)
    page = web.get(payload.removeprefix(BASE_URL))
    assert 'data-genuine="true"' in page.text and no_citizen_id(page.text)


def test_unexpected_revocation_is_seen_after_the_cache_time(
    verify_settings, clean_engine, make_document, db: Session
):
    settings = verify_settings.model_copy(update={"verify_cache_seconds": 60})
    document = make_document()
    with TestClient(create_app(settings)) as client:
        url = f"/verify/{document.number}?code=7K3M9Q"
        assert 'data-status="valid"' in client.get(url).text
        document.revoked_at = datetime.now(UTC) - timedelta(minutes=1)
        db.add(document)
        db.commit()
        assert 'data-status="valid"' in client.get(url).text  # cached: the documented delay
        client.app.state.verify.cache.clear()  # what the TTL does after verify_cache_seconds
        assert 'data-status="revoked"' in client.get(url).text


def test_a_signed_in_page_is_never_publicly_cached(web, make_document):
    document = make_document()
    web.cookies.set("portal_session", "not-a-real-session")
    page = web.get(f"/verify/{document.number}", params={"code": "7K3M9Q"})
    assert page.status_code == 200 and 'data-genuine="true"' in page.text
    assert page.headers["cache-control"] == "private, no-store"


def test_wrong_codes_for_one_number_lock_it_for_everyone_but_signed_qr_codes(
    verify_settings, clean_engine, make_document
):
    """Guessing a code from many addresses meets the same per-number budget; an unknown
    number is locked alike (a 429 says nothing about existence); a signed QR still opens."""
    settings = verify_settings.model_copy(
        update={"verify_wrong_codes_burst": 3, "verify_wrong_codes_per_hour": 1}
    )
    document = make_document()
    unknown = "DOPA-2569-ZZZZZZZZ"
    with TestClient(create_app(settings)) as client:
        for number in (document.number, unknown):
            wrong = [client.get(f"/verify/{number}?code=AAAAAA").status_code for _ in range(3)]
            assert wrong == [404, 404, 404]
            assert client.get(f"/verify/{number}?code=AAAAAA").status_code == 429
            api = client.get(f"/api/v1/verify/{number}?code=AAAAAA")
            assert api.status_code == 429 and "retry-after" in api.headers
        # Locked: even the right code waits (otherwise guessing would go on behind the 429s).
        assert client.get(f"/verify/{document.number}?code=7K3M9Q").status_code == 429
        assert client.get(f"/api/v1/verify/{document.number}?code=7K3M9Q").status_code == 429
        signed = qr_payload(settings.data_dir, BASE_URL, document.number, "7K3M9Q")
        opened = client.get(signed.removeprefix(BASE_URL))
        assert opened.status_code == 200 and 'data-genuine="true"' in opened.text
        other = make_document()
        assert client.get(f"/api/v1/verify/{other.number}?code=7K3M9Q").status_code == 200


def test_the_fast_reader_answers_exactly_as_the_orm_lookup(
    make_document, db: Session, clean_engine
):
    """The by-number fast path reads through PublicRowReader; it must agree with the ORM."""
    from documents.lookup import PublicRowReader, lookup_number

    documents = [
        make_document(),
        make_document(check_code="", valid_until=date(2020, 1, 1)),
        make_document(revoked_at=datetime(2026, 1, 1, tzinfo=UTC), revocation_reason="wrong"),
        make_document(superseded_by="DOPA-2569-AAAAAAAA", agency_name_th="", agency_name_en=""),
    ]
    reader = PublicRowReader(clean_engine)
    for number in [d.number for d in documents] + ["DOPA-2569-ZZZZZZZZ", "not-a-number"]:
        fast, orm = reader.lookup(number), lookup_number(db, number)
        assert (fast.document, fast.check_code) == (orm.document, orm.check_code), number
    statuses = [reader.lookup(d.number).document.status for d in documents]
    assert statuses == ["valid", "expired", "revoked", "superseded"]
    assert reader.lookup(documents[0].number).document.issued_at.tzinfo is not None
