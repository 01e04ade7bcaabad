"""The kiosk journey after the phone sign-in: choose a certificate, confirm, wait for the
worker, pay by PromptPay (a signed bank callback), print, reprint, and the idle timeout.

The portal runs in a TestClient with the live development provider of tests/portal/web/
test_kiosk.py (whose clock the tests move) and the agencies' live registries, so the worker
really fetches the evidence and issues a signed certificate. The bank's callback is signed
with the simulated bank's key (tests/fixtures/payments.py), as the bank would send it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from documents.models import Document
from documents.service import read_document_pdf
from portal.app import create_app
from services.catalogue.service import get_catalogue
from services.dopa.people import Person
from services.payments.models import Payment
from services.petitions.models import Petition
from services.petitions.worker import run_until_idle
from tests.fixtures.payments import signed_callback
from tests.fixtures.servers import TEST_PORTAL_URL, LiveServer, Ports, make_settings
from tests.portal.web import test_kiosk as first_slice

# The first slice's live provider (its clock moved by the tests), the moved portal clock, the
# demo account holders, and the phone that allows at the provider.
provider_clock = first_slice.provider_clock
kiosk_provider = first_slice.kiosk_provider
kiosks = first_slice.kiosks
clocks = first_slice.clocks
holders = first_slice.holders
csrf_fields = first_slice.csrf_fields
phone_decides = first_slice.phone_decides
poll = first_slice.poll

VEHICLES = "dlt.vehicle-registration-certificate"  # 50 baht, consent, an optional plate
LAND = "dol.land-title-abstract"  # 20 baht, a public register, a digits-only deed number
FREE = "nhso.coverage-certificate"  # no fee


@pytest.fixture
def kiosk_app(
    kiosk_provider: LiveServer,
    kiosks,
    data_dir: Path,
    ports: Ports,
    database_url: str,
    live_servers,
    bank_signing_key,
) -> FastAPI:
    settings = make_settings(data_dir=data_dir, ports=ports, database_url=database_url)
    return create_app(settings.model_copy(update={"oidc_issuer": kiosk_provider.url}))


@pytest.fixture
def client(kiosk_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(kiosk_app, base_url=TEST_PORTAL_URL) as test_client:
        yield test_client


def activate(client: TestClient, engine: Engine, kiosks, name: str = "Kiosk 1") -> None:
    with Session(engine) as db:
        _, code = kiosks.service.register_kiosk(
            db, name=name, location="Bang Rak district office", agency="dopa"
        )
        db.commit()
    fields = csrf_fields(client, "/kiosk/activate")
    answer = client.post(
        "/kiosk/activate", data=fields | {"activation_code": code}, follow_redirects=False
    )
    assert answer.status_code == 303


@pytest.fixture
def kiosk(client: TestClient, clean_engine: Engine, kiosks) -> TestClient:
    activate(client, clean_engine, kiosks)
    return client


def token(page_text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)  # type: ignore[union-attr]


def choose_and_sign_in(
    client: TestClient,
    clocks,
    person: Person,
    service_code: str | None,
) -> None:
    """Taps a certificate on the start screen, then allows on the phone."""
    start = client.get("/kiosk/")
    data = {"csrf_token": token(start.text)}
    if service_code:
        data["service_code"] = service_code
    page = client.post("/kiosk/sign-in", data=data)
    assert page.status_code == 200, page.text
    with Session(client.app.state.engine) as db:  # type: ignore[attr-defined]
        from identity.kiosks.models import KioskSignIn

        pending = db.exec(select(KioskSignIn)).one()
    phone_decides(pending.verification_uri_complete, person)
    assert poll(client, clocks)["state"] == "signed_in"


def confirm(client: TestClient, **answers: str) -> object:
    page = client.get("/kiosk/confirm")
    data = {"csrf_token": token(page.text), "agree": "yes"}
    data |= {f"answer_{k}": v for k, v in answers.items()}
    return client.post("/kiosk/confirm", data=data)


def session_row(engine: Engine):
    from identity.kiosks.models import KioskSession

    with Session(engine) as db:
        return db.exec(select(KioskSession).order_by(KioskSession.created_at.desc())).first()  # type: ignore[attr-defined]


def run_worker(client: TestClient) -> None:
    app = client.app
    run_until_idle(app.state.engine, app.state.processing)  # type: ignore[attr-defined]


def pay_by_bank(client: TestClient, engine: Engine, key, *, amount: str | None = None):
    """The bank's signed callback for the session's payment, as bank_sim sends it."""
    with Session(engine) as db:
        payment = db.exec(select(Payment)).one()
    fields = {
        "txn_id": "SIMKIOSK0001",
        "biller_id": payment.biller_id,
        "ref1": payment.ref1,
        "ref2": payment.ref2,
        "amount": amount or payment.amount_baht_text,
        "currency": "764",
        "paid_at": "2026-11-21T10:00:00+00:00",
        "payer_name": "SOMYING R",
    }
    body, headers = signed_callback(key, fields)
    return client.post("/api/v1/payments/callback", content=body, headers=headers)


class TestChoosing:
    def test_the_start_screen_offers_only_kiosk_certificates_with_their_fees(self, kiosk):
        page = kiosk.get("/kiosk/")
        offered = set(re.findall(r'name="service_code" value="([^"]+)"', page.text))
        catalogue = get_catalogue()
        expected = {
            s.code
            for s in catalogue.services
            if "kiosk" in s.channels and s.outcome == "certificate"
        }
        assert offered == expected and VEHICLES in offered
        not_at_kiosks = {s.code for s in catalogue.services} - expected
        assert not_at_kiosks and not offered & not_at_kiosks
        assert "ค่าธรรมเนียม 50 บาท" in page.text and "Fee 50 baht" in page.text
        assert "ไม่มีค่าธรรมเนียม" in page.text and "No fee" in page.text

    def test_a_certificate_not_offered_at_kiosks_is_refused(self, kiosk):
        offline = next(s for s in get_catalogue().services if "kiosk" not in s.channels)
        start = kiosk.get("/kiosk/")
        answer = kiosk.post(
            "/kiosk/sign-in", data={"csrf_token": token(start.text), "service_code": offline.code}
        )
        assert answer.status_code == 404
        assert 'data-code="service_not_at_kiosk"' in answer.text
        assert "บริการนี้ไม่เปิดให้ขอที่ตู้บริการ" in answer.text

    def test_the_choice_rides_along_the_sign_in(self, kiosk, clocks, holders, clean_engine):
        choose_and_sign_in(kiosk, clocks, holders[1], VEHICLES)
        assert session_row(clean_engine).service_code == VEHICLES
        page = kiosk.get("/kiosk/home")
        assert str(page.url).endswith("/kiosk/confirm")
        assert "portal_kiosk_service" not in kiosk.cookies  # read once, then deleted

    def test_signed_in_without_a_choice_chooses_next(self, kiosk, clocks, holders):
        choose_and_sign_in(kiosk, clocks, holders[1], None)
        page = kiosk.get("/kiosk/home")
        assert str(page.url).endswith("/kiosk/choose")
        answer = kiosk.post(
            "/kiosk/choose", data={"csrf_token": token(page.text), "service_code": LAND}
        )
        assert str(answer.url).endswith("/kiosk/confirm")
        assert 'id="answer-title_deed"' in answer.text and 'inputmode="numeric"' in answer.text


class TestConfirming:
    def test_the_confirm_page_shows_the_masked_person_the_document_and_the_consent(
        self,
        kiosk,
        clocks,
        holders,
    ):
        person = holders[1]
        choose_and_sign_in(kiosk, clocks, person, VEHICLES)
        page = kiosk.get("/kiosk/confirm")
        assert f"{person.given_name_th} {person.family_name_th[0]}***" in page.text
        assert person.family_name_th not in page.text and person.national_id not in page.text
        assert "หนังสือรับรองรายการจดทะเบียนรถ" in page.text
        assert "Vehicle registration certificate" in page.text
        assert "กรมการขนส่งทางบก" in page.text  # from whom
        assert "To issue the vehicle registration certificate you asked for" in page.text
        assert "Motor Vehicle Act B.E. 2522" in page.text
        assert 'name="agree" value="yes"' in page.text
        assert 'data-guidance="' in page.text and 'role="status"' in page.text

    def test_without_agreeing_nothing_is_filed(self, kiosk, clocks, holders, clean_engine):
        choose_and_sign_in(kiosk, clocks, holders[1], VEHICLES)
        page = kiosk.get("/kiosk/confirm")
        answer = kiosk.post("/kiosk/confirm", data={"csrf_token": token(page.text)})
        assert answer.status_code == 400
        assert 'data-code="kiosk_consent_needed"' in answer.text
        with Session(clean_engine) as db:
            assert db.exec(select(Petition)).all() == []

    def test_a_wrong_answer_is_shown_in_both_languages_and_nothing_is_filed(
        self,
        kiosk,
        clocks,
        holders,
        clean_engine,
    ):
        choose_and_sign_in(kiosk, clocks, holders[0], LAND)
        answer = confirm(kiosk, title_deed="12345")
        assert answer.status_code == 400
        assert "รูปแบบข้อมูลไม่ถูกต้อง" in answer.text
        assert "This is not in the expected format" in answer.text
        assert 'value="12345"' in answer.text  # what was typed stays
        with Session(clean_engine) as db:
            assert db.exec(select(Petition)).all() == []

    def test_a_double_tap_files_one_petition(self, kiosk, clocks, holders, clean_engine):
        choose_and_sign_in(kiosk, clocks, holders[1], VEHICLES)
        page = kiosk.get("/kiosk/confirm")
        data = {"csrf_token": token(page.text), "agree": "yes"}
        first = kiosk.post("/kiosk/confirm", data=data, follow_redirects=False)
        second = kiosk.post("/kiosk/confirm", data=data, follow_redirects=False)
        assert first.headers["location"] == "/kiosk/wait"
        assert second.status_code == 303
        with Session(clean_engine) as db:
            petitions = db.exec(select(Petition)).all()
        assert len(petitions) == 1 and petitions[0].channel == "kiosk"
        assert petitions[0].idempotency_key.startswith("kiosk-")
        assert session_row(clean_engine).petition_id == petitions[0].id


class TestToThePrinter:
    def test_wait_pay_print_and_reprint(
        self,
        kiosk,
        clocks,
        holders,
        clean_engine,
        bank_signing_key,
        data_dir,
    ):
        choose_and_sign_in(kiosk, clocks, holders[1], VEHICLES)
        waiting = confirm(kiosk)
        assert str(waiting.url).endswith("/kiosk/wait")
        assert 'data-progress="wait"' in waiting.text
        assert kiosk.get("/kiosk/status?seen=wait").json()["step"] == "wait"

        run_worker(kiosk)
        status = kiosk.get("/kiosk/status?seen=wait").json()
        assert status["step"] == "pay" and status["next"] == "/kiosk/pay"
        assert status["payment"] == "pending"
        # Not released yet: printing is refused, whatever the page shows.
        pay = kiosk.get("/kiosk/home")
        assert str(pay.url).endswith("/kiosk/pay")
        payload = re.search(r'data-payload="([^"]+)"', pay.text).group(1)  # type: ignore[union-attr]
        assert payload.startswith("000201") and "50.00" in pay.text
        refused = kiosk.post("/kiosk/print", data={"csrf_token": token(pay.text)})
        assert str(refused.url).endswith("/kiosk/pay")

        assert pay_by_bank(kiosk, clean_engine, bank_signing_key).status_code == 200
        assert kiosk.get("/kiosk/status?seen=pay").json()["step"] == "print"
        page = kiosk.get("/kiosk/home")
        assert str(page.url).endswith("/kiosk/print")
        assert "ชำระค่าธรรมเนียมแล้ว" in page.text

        printed = kiosk.post("/kiosk/print", data={"csrf_token": token(page.text)})
        assert re.search(r"/kiosk/print\?job=\d+$", str(printed.url))
        assert "กรุณารับเอกสารของท่าน" in printed.text and "Take your document" in printed.text
        frame = re.search(r'src="(/kiosk/prints/\d+/pdf)"', printed.text).group(1)  # type: ignore[union-attr]
        pdf = kiosk.get(frame)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["x-frame-options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in pdf.headers["content-security-policy"]
        with Session(clean_engine) as db:
            document = db.exec(select(Document).where(Document.petition_id.is_not(None))).one()  # type: ignore[union-attr]
            assert pdf.content == read_document_pdf(data_dir, document)
        # The page marks itself shown: a reload does not print an unrecorded copy.
        again = kiosk.get(str(printed.url) + "&shown=1")
        assert "/kiosk/prints/" not in again.text

        clocks.advance(6)  # past the double-tap window
        reprint = kiosk.post("/kiosk/print", data={"csrf_token": token(again.text)})
        assert reprint.status_code == 200
        from identity.kiosks.models import KioskPrint

        with Session(clean_engine) as db:
            copies = db.exec(select(KioskPrint).order_by(KioskPrint.id)).all()  # type: ignore[arg-type]
        assert [(p.copy_number, p.method, p.state) for p in copies] == [
            (1, "browser", "sent"),
            (2, "browser", "sent"),
        ]

    def test_another_kiosk_cannot_fetch_the_print(
        self,
        kiosk,
        clocks,
        holders,
        clean_engine,
        kiosk_app,
        kiosks,
    ):
        choose_and_sign_in(kiosk, clocks, holders[1], FREE)
        confirm(kiosk)
        run_worker(kiosk)
        page = kiosk.get("/kiosk/home")
        assert str(page.url).endswith("/kiosk/print")
        printed = kiosk.post("/kiosk/print", data={"csrf_token": token(page.text)})
        frame = re.search(r'src="(/kiosk/prints/\d+/pdf)"', printed.text).group(1)  # type: ignore[union-attr]
        with TestClient(kiosk_app, base_url=TEST_PORTAL_URL) as other:
            activate(other, clean_engine, kiosks, name="Kiosk 2")
            # Even holding the first kiosk's session cookie, another kiosk sees nothing.
            other.cookies.set(
                "portal_kiosk_session", kiosk.cookies.get("portal_kiosk_session"), path="/kiosk"
            )
            assert other.get(frame, follow_redirects=False).status_code == 303
            status = other.get("/kiosk/status", headers={"Accept": "application/json"})
            assert status.status_code == 401

    def test_a_petition_for_an_officer_ends_with_the_mailbox(
        self,
        kiosk,
        clocks,
        holders,
        clean_engine,
    ):
        choose_and_sign_in(kiosk, clocks, holders[1], VEHICLES)
        confirm(kiosk)
        from services.petitions.models import PetitionState
        from services.petitions.processing import send_to_review

        with Session(clean_engine) as db:
            petition = db.exec(select(Petition)).one()
            send_to_review(db, petition_id=petition.id, note="officer")
            db.commit()
            assert petition.state == PetitionState.IN_REVIEW
        page = kiosk.get("/kiosk/home")
        assert str(page.url).endswith("/kiosk/wait")
        assert "กล่องข้อความ" in page.text and "mailbox" in page.text
        assert 'data-progress="review"' in page.text

    def test_an_exempt_citizen_sees_the_fee_waived_and_prints_at_once(
        self, kiosk, clocks, holders, clean_engine
    ):
        from services.payments.exemptions import grant_exemption

        person = holders[1]
        with Session(clean_engine) as db:
            grant_exemption(
                db,
                national_id=person.national_id,
                category="disability_card",
                source="card seen at the counter",
                valid_until=None,
                actor="officer:test",
            )
            db.commit()
        choose_and_sign_in(kiosk, clocks, person, VEHICLES)
        confirm(kiosk)
        run_worker(kiosk)
        page = kiosk.get("/kiosk/home")
        assert str(page.url).endswith("/kiosk/print")
        assert "ยกเว้นค่าธรรมเนียม" in page.text and "Fee waived" in page.text
        assert "disability card holder" in page.text
        assert "data-payload" not in page.text


class TestIdleTimeout:
    def test_an_idle_session_ends_on_its_next_request_and_polls_do_not_keep_it(
        self,
        kiosk,
        clocks,
        holders,
        clean_engine,
    ):
        choose_and_sign_in(kiosk, clocks, holders[1], VEHICLES)
        confirm(kiosk)
        settings = kiosk.app.state.settings
        limit = settings.kiosk_idle_seconds + settings.kiosk_idle_warning_seconds + 10
        clocks.advance(limit - 5)
        assert kiosk.get("/kiosk/status?seen=wait").status_code == 200  # a poll: not activity
        clocks.advance(10)
        assert kiosk.get("/kiosk/status?seen=wait").status_code == 401
        ended = session_row(clean_engine)
        assert ended.ended_at is not None
        page = kiosk.get("/kiosk/wait", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/kiosk/"

    def test_progress_seen_by_a_poll_counts_as_activity(self, kiosk, clocks, holders):
        """Someone paying on their phone is not touching the kiosk, and is not idle."""
        choose_and_sign_in(kiosk, clocks, holders[1], VEHICLES)
        confirm(kiosk)
        clocks.advance(90)
        run_worker(kiosk)
        assert kiosk.get("/kiosk/status?seen=wait").json()["progress"] == "pay"  # news
        clocks.advance(90)
        assert kiosk.get("/kiosk/status?seen=pay").status_code == 200  # within the limit again

    def test_touching_the_screen_keeps_the_session(self, kiosk, clocks, holders):
        choose_and_sign_in(kiosk, clocks, holders[1], VEHICLES)
        page = kiosk.get("/kiosk/confirm")
        for _ in range(3):
            clocks.advance(80)
            assert kiosk.post("/kiosk/activity", data={"csrf_token": token(page.text)}).json() == {
                "ok": True
            }
        assert kiosk.get("/kiosk/confirm", follow_redirects=False).status_code == 200

    def test_the_timeout_finish_wipes_and_goes_back_to_the_start(
        self,
        kiosk,
        clocks,
        holders,
        clean_engine,
    ):
        choose_and_sign_in(kiosk, clocks, holders[1], VEHICLES)
        page = kiosk.get("/kiosk/confirm")
        assert (
            'data-idle-seconds="60"' in page.text and 'data-idle-warning-seconds="30"' in page.text
        )
        done = kiosk.post(
            "/kiosk/finish",
            data={"csrf_token": token(page.text), "reason": "timeout"},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == "/kiosk/"
        assert done.headers["clear-site-data"] == '"cache", "storage"'
        deleted = {
            c.split("=", 1)[0] for c in done.headers.get_list("set-cookie") if "Max-Age=0" in c
        }
        assert {"portal_kiosk_session", "portal_kiosk_service", "portal_csrf"} <= deleted
        assert "portal_kiosk_device" not in deleted
        assert session_row(clean_engine).ended_at is not None

    def test_ending_a_session_cancels_its_queued_prints(
        self,
        kiosk,
        clocks,
        holders,
        clean_engine,
        kiosks,
    ):
        with Session(clean_engine) as db:
            device = db.exec(select(kiosks.models.KioskDevice)).one()
            kiosks.service.set_print_mode(db, device_id=device.id, print_mode="cups")
            db.commit()
        choose_and_sign_in(kiosk, clocks, holders[1], FREE)
        confirm(kiosk)
        run_worker(kiosk)
        page = kiosk.get("/kiosk/print")
        printing = kiosk.post("/kiosk/print", data={"csrf_token": token(page.text)})
        assert "กำลังพิมพ์" in printing.text and "/kiosk/prints/" not in printing.text
        job = int(re.search(r"job=(\d+)", str(printing.url)).group(1))  # type: ignore[union-attr]
        status = kiosk.get(f"/kiosk/status?seen=print:queued&job={job}").json()
        assert status["print"] == {"id": job, "state": "queued"}
        clocks.advance(200)  # nobody there
        assert kiosk.get("/kiosk/print", follow_redirects=False).status_code == 303
        with Session(clean_engine) as db:
            assert db.get(kiosks.models.KioskPrint, job).state == "cancelled"


class TestOutOfService:
    def test_a_disabled_kiosk_ends_its_session_and_says_not_in_service(
        self,
        kiosk,
        clocks,
        holders,
        clean_engine,
        kiosks,
    ):
        choose_and_sign_in(kiosk, clocks, holders[1], VEHICLES)
        with Session(clean_engine) as db:
            device = db.exec(select(kiosks.models.KioskDevice)).one()
            kiosks.service.disable_kiosk(db, device_id=device.id)
            db.commit()
        page = kiosk.get("/kiosk/confirm")
        assert page.status_code == 403
        assert 'data-code="kiosk_out_of_service"' in page.text
        assert "ตู้บริการนี้งดให้บริการชั่วคราว" in page.text
        assert session_row(clean_engine).ended_at is not None


def test_every_guidance_text_is_in_both_languages(kiosk, clocks, holders):
    """The audio hook reads data-guidance: never an untranslated English-only text."""
    choose_and_sign_in(kiosk, clocks, holders[1], VEHICLES)
    for path in ("/kiosk/confirm",):
        page = kiosk.get(path)
        th = re.search(r'data-guidance-th="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        en = re.search(r'data-guidance-en="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        assert th != en and re.search("[\u0e00-\u0e7f]", th)
