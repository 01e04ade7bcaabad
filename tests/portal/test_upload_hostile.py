"""Hostile uploads at every way in: petition copies, supplement answers, PDF verification.

What is refused and how: a type the content does not bear out (the declared Content-Type and
the file name are never trusted); decompression bombs (Flate streams expanding past 100 MB);
PDFs with JavaScript, Launch or automatic actions (refused, not sanitised: see
`portal.uploads`); zip files (no endpoint takes them); files over the size limit (413, before
the body is read when its Content-Length says so). File names are kept for display only, and
stored files get random names. Each refusal is in Thai and English and leaves nothing behind.
"""

from __future__ import annotations

import functools
import socket
import time
import zlib
from pathlib import Path

import pytest
from sqlmodel import Session, select

from portal.uploads import MAX_INFLATED_BYTES, PdfRefusedError, inspect_pdf
from services.petitions.models import EvidenceUpload, Petition, PetitionState
from services.petitions.supplements import request_supplement
from services.petitions.uploads import clean_filename, uploads_dir
from tests.fixtures.identity import parse_forms, sign_in
from tests.fixtures.servers import free_port, start_live_server
from tests.services.petitions.casework import make_officer, make_petition

MOVE_IN = "dopa.move-in"


# -- hand-made PDFs ---------------------------------------------------------------------------


def pdf(*objects: bytes) -> bytes:
    """A small PDF from object bodies (numbered from 1), with a page tree when none is given."""
    body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    for number, content in enumerate(objects, start=1):
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    return body + b"trailer\n<< /Root 1 0 R /Size %d >>\n%%%%EOF\n" % (len(objects) + 1)


def stream(data: bytes, dictionary: bytes = b"", *, flate: bool = True) -> bytes:
    encoded = zlib.compress(data, 9) if flate else data
    filters = b"/Filter /FlateDecode " if flate else b""
    return (
        b"<< "
        + filters
        + dictionary
        + b" /Length %d >>\nstream\n" % len(encoded)
        + encoded
        + b"\nendstream"
    )


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
CONTENT = stream(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET")
CLEAN = pdf(CATALOG, PAGES, PAGE, CONTENT)


def zeros_deflated(size: int, *, times: int = 1) -> bytes:
    """`size` zero bytes deflated `times` over, built piece by piece (a few hundred KB)."""
    compressor = zlib.compressobj(9)
    block = b"\0" * (1024 * 1024)
    out = b"".join(compressor.compress(block) for _ in range(size // len(block)))
    out += compressor.flush()
    for _ in range(times - 1):
        out = zlib.compress(out, 9)
    return out


def bomb_stream(size: int, *, times: int = 1, filters: bytes | None = None) -> bytes:
    data = zeros_deflated(size, times=times)
    names = filters or b"[" + b" /FlateDecode" * times + b" ]"
    return b"<< /Filter " + names + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def object_stream(objects: bytes) -> bytes:
    return stream(objects, b"/Type /ObjStm /N 1 /First 4")


OVER = MAX_INFLATED_BYTES + 8 * 1024 * 1024

HOSTILE = {
    "javascript open action": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
        PAGES,
        PAGE,
        CONTENT,
    ),
    "javascript behind #-escaped names": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        PAGES,
        PAGE,
        CONTENT,
        b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",
    ),
    "launch action on a link": pdf(
        CATALOG,
        PAGES,
        b"<< /Type /Page /Parent 2 0 R /Annots [5 0 R] /Contents 4 0 R >>",
        CONTENT,
        b"<< /Type /Annot /Subtype /Link /A << /S /Launch /F (cmd.exe) >> >>",
    ),
    "page additional actions": pdf(
        CATALOG,
        PAGES,
        b"<< /Type /Page /Parent 2 0 R /AA << /O << /S /GoTo /D [3 0 R /Fit] >> >> >>",
        CONTENT,
    ),
    "open action by reference": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>",
        PAGES,
        PAGE,
        CONTENT,
        b"<< /S /URI /URI (https://tracker.example/) >>",
    ),
    "javascript hidden in a compressed object stream": pdf(
        CATALOG, PAGES, PAGE, CONTENT, object_stream(b"6 0 << /S /JavaScript /JS (x) >>")
    ),
    "javascript in an object stream whose dictionary says obj": pdf(
        CATALOG,
        PAGES,
        PAGE,
        CONTENT,
        stream(b"6 0 << /S /JavaScript /JS (x) >>", b"/Type /ObjStm /N 1 /First 4 /X (obj)"),
    ),
    "submit form": pdf(
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 5 0 R >> >>",
        PAGES,
        PAGE,
        CONTENT,
    ),
}

UNREADABLE = {
    "an object stream we cannot decode (predictor)": pdf(
        CATALOG,
        PAGES,
        PAGE,
        CONTENT,
        stream(b"6 0 << >>", b"/Type /ObjStm /N 1 /First 4 /DecodeParms << /Predictor 12 >>"),
    ),
    "an object stream we cannot decode (LZW)": pdf(
        CATALOG,
        PAGES,
        PAGE,
        CONTENT,
        stream(b"6 0 << >>", b"/Type /ObjStm /N 1 /First 4 /Filter /LZWDecode", flate=False),
    ),
    "encrypted": CLEAN.replace(
        b"trailer\n<< /Root 1 0 R", b"trailer\n<< /Encrypt 5 0 R /Root 1 0 R"
    ),
}

BOMB_NAMES = (
    "one flate stream",
    "flate inside flate",
    "filter named by reference",
    "escaped filter name",
    "many streams, each under the limit",
)


@functools.cache
def bomb(name: str) -> bytes:
    """Built on first use (a second or so each), not at collection."""
    return {
        "one flate stream": lambda: pdf(CATALOG, PAGES, PAGE, bomb_stream(OVER)),
        "flate inside flate": lambda: pdf(CATALOG, PAGES, PAGE, bomb_stream(OVER, times=2)),
        "filter named by reference": lambda: pdf(
            CATALOG, PAGES, PAGE, bomb_stream(OVER, filters=b"6 0 R"), b"/FlateDecode"
        ),
        "escaped filter name": lambda: pdf(
            CATALOG, PAGES, PAGE, bomb_stream(OVER, filters=b"/Fl#61teDecode")
        ),
        "many streams, each under the limit": lambda: pdf(
            CATALOG, PAGES, PAGE, *[bomb_stream(OVER // 4)] * 5
        ),
    }[name]()


class TestInspectPdf:
    def test_a_plain_pdf_passes(self):
        inspect_pdf(CLEAN)

    def test_a_view_open_action_and_web_links_pass(self):
        inspect_pdf(
            pdf(
                b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
                PAGES,
                b"<< /Type /Page /Parent 2 0 R /Annots [5 0 R] /Contents 4 0 R >>",
                CONTENT,
                b"<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://www.go.th/) >> >>",
            )
        )

    def test_binary_stream_data_is_not_read_as_names(self):
        inspect_pdf(pdf(CATALOG, PAGES, PAGE, stream(b"\x00/JS /AA /Launch\xff", flate=False)))

    def test_a_certificate_the_portal_issued_passes(self, db: Session, data_dir: Path, people):
        from identity.models import Citizen
        from tests.documents.factories import issue_residence

        citizen = Citizen(national_id=people[0].national_id, subject="s", issuer="i")
        db.add(citizen)
        db.commit()
        document = issue_residence(db, data_dir, citizen_id=citizen.id)
        inspect_pdf((data_dir / "documents" / document.storage_key).read_bytes())

    def test_a_scan_sized_pdf_under_the_limit_passes(self):
        inspect_pdf(pdf(CATALOG, PAGES, PAGE, bomb_stream(MAX_INFLATED_BYTES // 2)))

    @pytest.mark.parametrize("name", sorted(HOSTILE))
    def test_active_content_is_refused(self, name):
        with pytest.raises(PdfRefusedError) as refused:
            inspect_pdf(HOSTILE[name])
        assert refused.value.details["reason"] == "pdf_active_content"
        assert "JavaScript" in refused.value.message_en and "จาวาสคริปต์" in refused.value.message_th
        inspect_pdf(HOSTILE[name], allow_active_content=True)  # verification only reads it

    @pytest.mark.parametrize("name", sorted(UNREADABLE))
    def test_what_cannot_be_looked_into_is_refused(self, name):
        with pytest.raises(PdfRefusedError) as refused:
            inspect_pdf(UNREADABLE[name])
        assert refused.value.details["reason"] == "pdf_unreadable"
        assert "encrypted" in refused.value.message_en and "เข้ารหัส" in refused.value.message_th
        inspect_pdf(UNREADABLE[name], allow_active_content=True)  # verification only reads it

    @pytest.mark.parametrize("name", BOMB_NAMES)
    def test_a_decompression_bomb_is_refused_quickly(self, name):
        data = bomb(name)
        assert len(data) < 2 * 1024 * 1024
        started = time.perf_counter()
        with pytest.raises(PdfRefusedError) as refused:
            inspect_pdf(data, allow_active_content=True)
        assert refused.value.details["reason"] == "pdf_expands_too_far"
        assert time.perf_counter() - started < 5


# -- petition uploads over the web ------------------------------------------------------------


def move_in_form(client, people) -> dict[str, str]:
    page = client.get(f"/services/{MOVE_IN}/apply")
    fields = next(f for f in parse_forms(page.text) if f["action"].endswith("/apply"))["fields"]
    return dict(
        fields,
        answer_house_id="10300012345",
        answer_new_address="99 ถนนสุขุมวิท กรุงเทพมหานคร",
        answer_house_owner_national_id=people[0].national_id,
        answer_moved_on="2026-01-15",
    ) | {"consent:dopa.population": "no"}


def upload_copy(client, people, filename: str, data: bytes, declared: str):
    return client.post(
        f"/services/{MOVE_IN}/apply",
        data=move_in_form(client, people),
        files={"upload_dopa.population": (filename, data, declared)},
        follow_redirects=False,
    )


def assert_nothing_kept(db: Session, data_dir: Path) -> None:
    assert db.exec(select(Petition)).all() == []
    assert db.exec(select(EvidenceUpload)).all() == []
    folder = uploads_dir(data_dir)
    before = set(folder.iterdir()) if folder.exists() else set()
    assert not [p for p in before if p.name.endswith(".tmp")]


ZIP = b"PK\x03\x04\x14\x00\x06\x00" + b"\0" * 64  # a .docx is a zip
HTML = b"<html><script>alert(document.cookie)</script></html>"


class TestPetitionUploads:
    @pytest.mark.parametrize(
        ("filename", "data", "declared"),
        [
            ("letter.pdf", HTML, "application/pdf"),
            ("scan.png", ZIP, "image/png"),
            ("form.docx", ZIP, "application/vnd.openxmlformats-officedocument"),
            ("page.html", HTML, "text/html"),
        ],
    )
    def test_content_that_is_not_a_pdf_jpeg_or_png_is_refused_whatever_it_claims(
        self, client, people, db, settings, filename, data, declared
    ):
        sign_in(client, people[0])
        before = _stored(settings.data_dir)
        answer = upload_copy(client, people, filename, data, declared)
        assert answer.status_code == 400
        assert "ไฟล์ที่แนบไม่ถูกต้อง" in answer.text  # Thai first; English tested below
        assert 'value="10300012345"' in answer.text  # the form comes back as filled in
        assert_nothing_kept(db, settings.data_dir)
        assert _stored(settings.data_dir) == before

    def test_a_pdf_declared_as_an_image_is_kept_as_the_pdf_it_is(self, client, people, db):
        sign_in(client, people[0])
        answer = upload_copy(client, people, "photo.png", CLEAN, "image/png")
        assert answer.status_code == 303, answer.text
        assert db.exec(select(EvidenceUpload)).one().content_type == "application/pdf"

    @pytest.mark.parametrize("name", ["javascript open action", "launch action on a link"])
    def test_a_pdf_with_active_content_is_refused_in_both_languages(
        self, client, people, db, settings, name
    ):
        sign_in(client, people[0])
        before = _stored(settings.data_dir)
        thai = upload_copy(client, people, "copy.pdf", HOSTILE[name], "application/pdf")
        assert thai.status_code == 400 and "พิมพ์เป็น PDF" in thai.text  # Thai by default
        english = client.post(
            f"/services/{MOVE_IN}/apply?lang=en",
            data=move_in_form(client, people),
            files={"upload_dopa.population": ("copy.pdf", HOSTILE[name], "application/pdf")},
        )
        assert english.status_code == 400 and "Print to PDF" in english.text
        assert_nothing_kept(db, settings.data_dir)
        assert _stored(settings.data_dir) == before

    def test_a_decompression_bomb_is_refused(self, client, people, db, settings):
        sign_in(client, people[0])
        answer = upload_copy(
            client, people, "scan.pdf", bomb("one flate stream"), "application/pdf"
        )
        assert answer.status_code == 400
        assert_nothing_kept(db, settings.data_dir)

    @pytest.mark.parametrize(
        ("given", "shown"),
        [
            ("../../etc/passwd", "passwd"),
            ("..\\..\\windows\\win.ini", "win.ini"),
            ("evil\x00.pdf.exe", "evil.pdf.exe"),
            ("invoice\u202efdp.exe", "invoicefdp.exe"),  # RTL override would show "exe.pdf"
            ("ก" * 1000 + ".pdf", "ก" * 200),
            ("<img src=x onerror=alert(1)>.pdf", "<img src=x onerror=alert(1)>.pdf"),
        ],
    )
    def test_a_hostile_file_name_is_stored_under_a_random_name_and_shown_escaped(
        self, client, people, db, settings, given, shown
    ):
        sign_in(client, people[0])
        answer = upload_raw_name(client, people, given, CLEAN)
        assert answer.status_code == 303, answer.text
        upload = db.exec(select(EvidenceUpload)).one()
        assert upload.filename == shown == clean_filename(given)
        assert len(upload.stored_name) == 32 and upload.stored_name.isalnum()
        stored = uploads_dir(settings.data_dir) / upload.stored_name
        assert stored.read_bytes() == CLEAN and stored.stat().st_mode & 0o777 == 0o600
        page = client.get(answer.headers["location"]).text
        assert "<img src=x" not in page
        if "<img" in shown:
            assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in page

    def test_a_file_name_too_long_to_parse_is_a_clear_400(self, client, people, db, settings):
        sign_in(client, people[0])
        answer = upload_raw_name(client, people, "ก" * 5000 + ".pdf", CLEAN)
        assert answer.status_code == 400
        assert "ไม่สามารถอ่านข้อมูลที่ส่งมาได้" in answer.text
        assert_nothing_kept(db, settings.data_dir)


def upload_raw_name(client, people, filename: str, data: bytes):
    """The move-in form with one file, framed by hand: HTTP clients percent-encode a NUL in a
    file name, and a hostile client does not."""
    boundary = "hostile-boundary-7d3"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value.encode()
        + b"\r\n"
        for name, value in move_in_form(client, people).items()
    ]
    parts.append(
        f"--{boundary}\r\nContent-Disposition: form-data; "
        f'name="upload_dopa.population"; filename="'.encode()
        + filename.encode()
        + b'"\r\nContent-Type: application/pdf\r\n\r\n'
        + data
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return client.post(
        f"/services/{MOVE_IN}/apply",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        follow_redirects=False,
    )


def _stored(data_dir: Path) -> set[str]:
    folder = uploads_dir(data_dir)
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


# -- supplement answers ----------------------------------------------------------------------


class TestSupplementUploads:
    def ask_for_a_photo(self, client, db, people) -> str:
        from identity.models import Citizen

        sign_in(client, people[0])
        citizen = db.exec(select(Citizen).where(Citizen.national_id == people[0].national_id)).one()
        officer = make_officer(db)
        petition = make_petition(db, citizen, officer=officer)
        request_supplement(
            db,
            officer=officer,
            petition_id=petition.id,
            fields=["location"],
            documents=["photo"],
            message="Please send a photo",
        )
        db.commit()
        return petition.id

    @pytest.mark.parametrize(
        "make",
        [
            lambda: HOSTILE["javascript hidden in a compressed object stream"],
            lambda: bomb("flate inside flate"),
            lambda: ZIP,
        ],
        ids=["javascript", "bomb", "zip"],
    )
    def test_a_hostile_file_is_refused_and_the_request_stays_open(
        self, client, db, people, settings, make
    ):
        data = make()
        petition_id = self.ask_for_a_photo(client, db, people)
        url = f"/petitions/{petition_id}/supplement"
        form = next(f for f in parse_forms(client.get(url).text) if f["action"] == url)
        before = _stored(settings.data_dir)
        answer = client.post(
            url,
            data=dict(form["fields"], answer_location="Soi 21"),
            files={"upload_doc0": ("photo.pdf", data, "image/png")},
        )
        assert answer.status_code == 400
        db.expire_all()
        assert db.get(Petition, petition_id).state == PetitionState.SUPPLEMENT_REQUESTED
        assert db.exec(select(EvidenceUpload)).all() == []
        assert _stored(settings.data_dir) == before


# -- PDF verification ------------------------------------------------------------------------


class TestVerificationUploads:
    def test_a_bomb_is_refused_before_the_pdf_library_sees_it(self, client):
        answer = client.post(
            "/api/v1/verify",
            files={"file": ("doc.pdf", bomb("flate inside flate"), "application/pdf")},
        )
        assert answer.status_code == 400
        body = answer.json()
        assert body["error"] == "pdf_refused" and body["details"]["reason"] == "pdf_expands_too_far"
        assert body["message"]["th"] and body["message"]["en"]

    def test_active_content_is_read_not_refused_and_is_not_genuine(self, client):
        answer = client.post(
            "/api/v1/verify",
            files={"file": ("doc.pdf", HOSTILE["javascript open action"], "application/pdf")},
        )
        assert answer.status_code == 200 and answer.json()["genuine"] is False

    @pytest.mark.parametrize("data", [ZIP, HTML, b""], ids=["zip", "html", "empty"])
    def test_anything_but_a_pdf_is_415_whatever_its_declared_type(self, client, data):
        answer = client.post("/api/v1/verify", files={"file": ("doc.pdf", data, "application/pdf")})
        assert answer.status_code == 415
        assert answer.json()["error"] == "unsupported_media_type"


# -- the size limit, over a real socket -----------------------------------------------------


@pytest.fixture
def live(app):
    server = start_live_server(app, free_port())
    yield server
    server.stop()


def test_a_declared_oversized_body_gets_413_before_it_is_sent(live, settings):
    """The client announces 50 MB and sends none of it: the answer must come anyway, so an
    attacker cannot make the portal buffer what it will refuse."""
    host, port = live.url.removeprefix("http://").split(":")
    request = (
        "POST /api/v1/verify HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n"
        "\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request + b"--x\r\n")
        received = b""
        while chunk := conn.recv(65536):  # the portal closes the connection after answering
            received += chunk
        answer = received.decode("utf-8", "replace")
    status_line = answer.split("\r\n", 1)[0]
    assert status_line.startswith("HTTP/1.1 413"), answer[:300]
    assert "payload_too_large" in answer and "เมกะไบต์" in answer
