"""PDF/A-3b conformance of issued certificates, checked on the signed file.

veraPDF (Java, Maven) cannot be fetched here and PyPI has no PDF/A validator of its own, so
these tests check the PDF/A-3b rules a certificate can break, structurally, with pyHanko's
reader (already a dependency): XMP identification and its agreement with the Info dictionary,
the output intent, embedded fonts with ToUnicode maps, no encryption or actions, the associated
data file, and the trailer /ID. They run on the file as stored after the signature, because the
signature is an incremental update that rewrites metadata.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlmodel import Session

from documents.pki import load_trust_roots
from documents.render import IssuedBy, certificate_data, render_certificate_pdf
from documents.service import read_document_pdf
from documents.verify import check_pdf_signature
from tests.documents.factories import full_residence_context, issue_residence

OFFICER = IssuedBy("นางสาวสมหญิง รักงาน", "Ms Somying Rakngan", "เจ้าหน้าที่ผู้อนุมัติ", "Approving officer")


@pytest.fixture
def signed(db: Session, data_dir: Path) -> bytes:
    """A residence certificate issued through the real pipeline: render, seal, store."""
    document = issue_residence(db, data_dir, valid_days=90, issued_by=OFFICER)
    return read_document_pdf(data_dir, document)


def reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(BytesIO(pdf))


def walk(obj: Any, seen: set[tuple[int, int]] | None = None) -> Iterator[generic.DictionaryObject]:
    """Every dictionary (and stream dictionary) reachable from `obj`, each once."""
    seen = set() if seen is None else seen
    if isinstance(obj, generic.IndirectObject):
        key = (obj.idnum, obj.generation)
        if key in seen:
            return
        seen.add(key)
        obj = obj.get_object()
    if isinstance(obj, generic.DictionaryObject):
        yield obj
        for key in obj:
            if key in ("/Parent", "/P"):
                continue
            yield from walk(obj.raw_get(key), seen)
    elif isinstance(obj, generic.ArrayObject):
        for index in range(len(obj)):
            yield from walk(obj.raw_get(index), seen)


def xmp_of(pdf: bytes) -> str:
    return reader(pdf).root["/Metadata"].data.decode("utf-8")


def xmp_value(xmp: str, name: str) -> str | None:
    """A simple XMP property, written as attribute or element."""
    match = re.search(rf'{name}="([^"]*)"', xmp) or re.search(rf"<{name}>([^<]*)</{name}>", xmp)
    return match.group(1) if match else None


def embedded_files(pdf: bytes) -> dict[str, generic.DictionaryObject]:
    names = reader(pdf).root["/Names"]["/EmbeddedFiles"]["/Names"]
    return {str(names[i]): names[i + 1].get_object() for i in range(0, len(names), 2)}


class TestPdfA3b:
    def test_xmp_declares_pdfa_3b(self, signed: bytes) -> None:
        xmp = xmp_of(signed)
        assert xmp_value(xmp, "pdfaid:part") == "3"
        assert xmp_value(xmp, "pdfaid:conformance") == "B"
        assert reader(signed).root["/Metadata"]["/Subtype"] == "/XML"

    def test_xmp_matches_the_info_dictionary_after_signing(self, signed: bytes) -> None:
        info = reader(signed).trailer["/Info"]
        xmp = xmp_of(signed)
        assert info["/Producer"] == xmp_value(xmp, "pdf:Producer")  # pyHanko rewrote both
        assert info["/Creator"] == xmp_value(xmp, "xmp:CreatorTool")
        title = re.search(r"<dc:title[^>]*>.*?<rdf:li[^>]*>([^<]*)</rdf:li>", xmp, re.S)
        assert title and info["/Title"] == title.group(1)
        author = re.search(r"<dc:creator[^>]*>.*?<rdf:li[^>]*>([^<]*)</rdf:li>", xmp, re.S)
        assert author and info["/Author"] == author.group(1)
        for key in ("/CreationDate", "/ModDate", "/Subject", "/Keywords"):
            assert key not in info or key == "/ModDate" and xmp_value(xmp, "xmp:ModifyDate")

    def test_output_intent_is_gts_pdfa1_with_an_embedded_icc_profile(self, signed: bytes) -> None:
        intents = reader(signed).root["/OutputIntents"]
        assert len(intents) == 1
        intent = intents[0]
        assert intent["/S"] == "/GTS_PDFA1"
        profile = intent["/DestOutputProfile"]
        assert profile["/N"] == 3  # RGB, like every colour the stylesheet uses
        assert profile.data[36:40] == b"acsp"  # the ICC signature

    def test_every_font_is_embedded_with_a_tounicode_map(self, signed: bytes) -> None:
        fonts = [
            d
            for d in walk(reader(signed).root)
            if d.get("/Type") == "/Font" and d.get("/Subtype") != "/CIDFontType2"
        ]
        assert len(fonts) >= 2  # Sarabun Regular and Bold
        for font in fonts:
            assert "/ToUnicode" in font, font.get("/BaseFont")
            descriptors = [font] + [f.get_object() for f in font.get("/DescendantFonts", [])]
            files = [
                d["/FontDescriptor"]
                for d in descriptors
                if "/FontDescriptor" in d
                and any(
                    k in d["/FontDescriptor"] for k in ("/FontFile", "/FontFile2", "/FontFile3")
                )
            ]
            assert files, f"{font.get('/BaseFont')} is not embedded"

    def test_no_encryption_javascript_launch_or_additional_actions(self, signed: bytes) -> None:
        pdf = reader(signed)
        assert "/Encrypt" not in pdf.trailer
        assert not pdf.encrypted
        for dictionary in walk(pdf.root):
            assert "/JS" not in dictionary and "/JavaScript" not in dictionary
            assert "/AA" not in dictionary
            assert dictionary.get("/S") not in ("/Launch", "/JavaScript", "/ImportData")
        assert b"/JavaScript" not in signed and b"/Launch" not in signed

    def test_annotations_print_and_invisible_ones_have_no_size(self, signed: bytes) -> None:
        annotations = [d for d in walk(reader(signed).root) if d.get("/Type") == "/Annot"]
        assert annotations  # at least the signature widget
        for annotation in annotations:
            flags = int(annotation.get("/F", 0))
            assert flags & 4, "Print flag missing"
            assert not flags & (1 | 2 | 32), "Invisible, Hidden or NoView set"
            rect = [float(v) for v in annotation["/Rect"]]
            assert "/AP" in annotation or (rect[2] - rect[0] == 0 and rect[3] - rect[1] == 0)

    def test_images_are_not_interpolated(self, signed: bytes) -> None:
        images = [d for d in walk(reader(signed).root) if d.get("/Subtype") == "/Image"]
        assert images  # the QR code
        assert all(not bool(d.get("/Interpolate", False)) for d in images)

    def test_data_file_is_associated_with_relationship_subtype_and_params(
        self, signed: bytes
    ) -> None:
        root = reader(signed).root
        files = embedded_files(signed)
        assert list(files) == ["certificate.json"]
        spec = files["certificate.json"]
        assert spec["/AFRelationship"] == "/Data"
        assert spec["/F"] == spec["/UF"] == "certificate.json"
        stream = spec["/EF"]["/F"]
        assert stream["/Subtype"] == "/application/json"
        params = stream["/Params"]
        assert "/ModDate" in params and params["/Size"] == len(stream.data)
        assert [ref.get_object() for ref in root["/AF"]] == [spec]  # listed once, in the catalog

    def test_trailer_has_an_id(self, signed: bytes) -> None:
        ids = reader(signed).trailer["/ID"]
        assert len(ids) == 2
        for value in ids:  # 16 bytes or more (written as bytes or as hex text)
            raw = getattr(value, "original_bytes", None) or str(value).encode("latin-1")
            assert len(raw) >= 16

    def test_header_and_binary_comment(self, signed: bytes) -> None:
        assert signed.startswith(b"%PDF-1.7\n%")
        assert all(b >= 128 for b in signed[10:14])

    def test_the_signature_still_validates(self, signed: bytes, data_dir: Path) -> None:
        report = check_pdf_signature(signed, load_trust_roots(data_dir))
        assert report.intact and report.trusted

    def test_poppler_sees_the_attachment_and_embedded_fonts(
        self, signed: bytes, tmp_path: Path
    ) -> None:
        path = tmp_path / "signed.pdf"
        path.write_bytes(signed)
        listing = subprocess.run(
            ["pdfdetach", "-list", str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert "certificate.json" in listing
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
        for line in fonts.splitlines()[2:]:
            assert " yes yes yes " in line, line  # embedded, subset, ToUnicode


class TestMachineReadableData:
    def test_a_bank_reads_the_json_from_the_signed_pdf_without_ocr(self, signed: bytes) -> None:
        spec = embedded_files(signed)["certificate.json"]
        data = json.loads(spec["/EF"]["/F"].data)

        assert data["schema"] == "th.go.portal.certificate/1"
        number = data["number"]
        assert re.fullmatch(r"DOPA-2569-[0-9A-Z]{8}", number)
        assert data["check_code"]
        assert data["template"] == "residence"
        assert data["title"] == {"th": "หนังสือรับรองการอยู่อาศัย", "en": "Certificate of Residence"}
        assert data["agency"]["code"] == "dopa"
        assert data["agency"]["name_en"].startswith("Department of Provincial Administration")
        issued_on = date.fromisoformat(data["issued_on"])
        assert data["valid_until"] == (issued_on + timedelta(days=89)).isoformat()
        assert data["issued_by"]["name_en"] == "Ms Somying Rakngan"
        assert data["holder"]["given_name_th"] == "สมชาย"
        assert data["holder"]["national_id"] == "1101700230708"
        facts = data["facts"]
        assert facts["moved_in_on"] == "2015-03-01"
        assert facts["address"]["district_th"] == "จตุจักร"
        assert facts["purpose_en"] == "For a job application"

    def test_json_holds_what_the_document_prints_and_no_internal_fields(
        self, signed: bytes, tmp_path: Path
    ) -> None:
        raw = embedded_files(signed)["certificate.json"]["/EF"]["/F"].data.decode()
        data = json.loads(raw)
        assert "qr_data" not in raw and "thai_digits" not in raw and "verify_url" not in raw
        path = tmp_path / "signed.pdf"
        path.write_bytes(signed)
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True
        ).stdout
        for printed in (data["number"], data["check_code"], data["holder"]["given_name_en"]):
            assert printed in text

    def test_poppler_extracts_the_same_json(self, signed: bytes, tmp_path: Path) -> None:
        """An independent reader (poppler's pdfdetach) gets the same bytes as pyHanko."""
        path = tmp_path / "signed.pdf"
        path.write_bytes(signed)
        out = tmp_path / "out.json"
        subprocess.run(
            ["pdfdetach", "-savefile", "certificate.json", "-o", str(out), str(path)], check=True
        )
        assert out.read_bytes() == embedded_files(signed)["certificate.json"]["/EF"]["/F"].data
        assert json.loads(out.read_text("utf-8"))["template"] == "residence"


def test_certificate_data_turns_dates_into_iso_and_keeps_lists() -> None:
    context = full_residence_context()
    context |= {
        "check_code": "7K3M-9QXD",
        "qr_data": "https://portal.example.go.th/v/secret",
        "valid_until": date(2027, 2, 18),
        "thai_digits": True,
        "issued_by": None,
        "changes": [{"changed_on": date(2020, 1, 2), "given_name_th": "สมศรี"}],
    }
    data = certificate_data(
        template="residence",
        number="DOPA-2569-7K3M9QXD",
        agency_code="dopa",
        title_th="หนังสือรับรองการอยู่อาศัย",
        title_en="Certificate of Residence",
        values=context,
    )
    assert data["issued_on"] == "2026-11-21"  # 18:30 UTC is the next day in Bangkok
    assert data["issued_at"] == "2026-11-20T18:30:00+00:00"
    assert data["valid_until"] == "2027-02-18"
    assert data["issued_by"] is None
    assert data["facts"]["changes"] == [{"changed_on": "2020-01-02", "given_name_th": "สมศรี"}]
    assert "qr_data" not in json.dumps(data) and "secret" not in json.dumps(data)
    json.dumps(data)  # JSON-ready


def test_unsigned_render_without_data_has_no_attachment() -> None:
    pdf = render_certificate_pdf("residence", full_residence_context())
    assert "/EmbeddedFiles" not in str(reader(pdf).root.get("/Names", {}))
    assert "/AF" not in reader(pdf).root
