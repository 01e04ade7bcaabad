from __future__ import annotations

import base64
import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError

from documents import render
from documents.qr import qr_data_url
from documents.render import (
    CERTIFICATES_DIR,
    FONT_DIR,
    IssuedBy,
    ResourceRefusedError,
    allowed_resource_path,
    certificate_url_fetcher,
    format_citizen_id,
    format_english_address,
    format_thai_address,
    html_to_pdf,
    render_certificate_html,
    render_certificate_pdf,
)
from tests.documents.factories import full_residence_context

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_OUTPUT = REPO_ROOT / "test-output"


def pdf_fonts(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    assert match
    return int(match.group(1))


def words_outside_text_area(pdf: bytes, tmp_path: Path) -> list[str]:
    """Words whose box crosses the left/right page margins (18 mm, with 1 mm tolerance)."""
    path = tmp_path / "bbox.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    page = re.search(r'<page width="([\d.]+)"', html)
    assert page
    width = float(page.group(1))
    margin = (18 - 1) / 25.4 * 72
    outside = []
    for x_min, x_max, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', html
    ):
        if float(x_min) < margin or float(x_max) > width - margin:
            outside.append(word)
    return outside


_THAI_MARKS = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")


def normalised(text: str) -> str:
    """Text without spaces and Thai above/below marks.

    pdftotext splits Thai marks from their base glyphs and may swap stacked marks (ที่ comes out
    as ท่ี). WeasyPrint also maps each glyph to one character, and Sarabun draws ำ as nikhahit +
    the า glyph, so า and ำ come out as whichever the font subset saw first. Text is compared on
    base letters with ำ read as า; the glyphs on the page are right.
    """
    return _THAI_MARKS.sub("", re.sub(r"\s+", "", text)).replace("\u0e33", "\u0e32")


class TestFonts:
    def test_sarabun_regular_and_bold_are_embedded(self, tmp_path: Path) -> None:
        pdf = render_certificate_pdf("residence", full_residence_context())
        fonts = pdf_fonts(pdf, tmp_path)
        sarabun = [line for line in fonts.splitlines() if "Sarabun" in line]
        assert any("Bold" in line for line in sarabun)
        assert any("Bold" not in line for line in sarabun)
        assert all(" yes yes yes " in line for line in sarabun)  # embedded, subset, unicode
        # No other font: a Thai glyph drawn with a fallback font would be an empty box.
        assert len([line for line in fonts.splitlines()[2:] if line.strip()]) == len(sarabun)

    def test_thai_text_is_extractable(self, tmp_path: Path) -> None:
        pdf = render_certificate_pdf("residence", full_residence_context())
        text = normalised(pdf_text(pdf, tmp_path))
        for expected in [
            "หนังสือรับรองการอยู่อาศัย",
            "กรมการปกครอง กระทรวงมหาดไทย",
            "ขอรับรองว่า นายสมชาย ใจดี",
            "21 พฤศจิกายน พ.ศ. 2569",
            "Certificate of Residence",
            "1-1017-00230-70-8",
        ]:
            assert normalised(expected) in text, expected


class TestContent:
    def test_certificate_carries_every_required_part(self, tmp_path: Path) -> None:
        pdf = render_certificate_pdf("residence", full_residence_context())
        text = normalised(pdf_text(pdf, tmp_path))
        for expected in [
            "DOPA-2569-7K3M9QXD",
            "21November2026",  # issued 2026-11-20 18:30 UTC = 21 Nov in Bangkok
            "1มีนาคมพ.ศ.2558",  # moved in, Buddhist era
            "1March2015",
            "MrSomchaiJaidee",
            "บ้านเลขที่99/123",
            "แขวงลาดยาวเขตจตุจักรกรุงเทพมหานคร10900",
            "LatYao,Chatuchak,Bangkok10900",
            "เพื่อใช้ประกอบการสมัครงาน",
            "Forajobapplication",
            "ออกโดยระบบอัตโนมัติ",
            "Issuedautomatically",
            "ตรวจสอบเอกสาร",
            "Toverify,typethedocumentnumber",
            "https://portal.example.go.th/verify",
        ]:
            assert normalised(expected) in text, expected

    def test_one_page(self, tmp_path: Path) -> None:
        pdf = render_certificate_pdf("residence", full_residence_context())
        assert pdf_pages(pdf, tmp_path) == 1

    def test_qr_code_is_an_inline_png_of_the_qr_data(self) -> None:
        context = full_residence_context(qr_data="https://portal.example.go.th/v/signed.payload")
        html = render_certificate_html("residence", context)
        assert html.count('<img class="qr" src="data:image/png;base64,') == 1
        assert qr_data_url("https://portal.example.go.th/v/signed.payload") in html
        assert "<svg" not in html  # WeasyPrint parses SVG paths in Python: about 10 ms

    def test_number_and_check_code_are_printed_side_by_side(self, tmp_path: Path) -> None:
        pdf = render_certificate_pdf("residence", full_residence_context(check_code="7K3M-9QXD"))
        path = tmp_path / "layout.pdf"
        path.write_bytes(pdf)
        layout = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        row = next(line for line in layout.splitlines() if "DOPA-2569-7K3M9QXD" in line)
        assert "7K3M-9QXD" in row  # same line of the page, beside the number
        assert "Check code" in pdf_text(pdf, tmp_path)

    def test_officer_line_replaces_issued_automatically(self, tmp_path: Path) -> None:
        officer = IssuedBy("นางสาวสมหญิง รักงาน", "Ms Somying Rakngan", "นายทะเบียน", "Registrar")
        pdf = render_certificate_pdf("residence", full_residence_context(issued_by=officer))
        text = normalised(pdf_text(pdf, tmp_path))
        for expected in ["อนุมัติโดย", "Approvedby", "สมหญิงรักงาน", "MsSomyingRakngan", "Registrar"]:
            assert normalised(expected) in text, expected
        assert normalised("ออกโดยระบบอัตโนมัติ") not in text
        assert "Issuedautomatically" not in text

    def test_valid_until_line_only_when_set(self, tmp_path: Path) -> None:
        without = normalised(
            pdf_text(render_certificate_pdf("residence", full_residence_context()), tmp_path)
        )
        assert "Validuntil" not in without
        pdf = render_certificate_pdf(
            "residence", full_residence_context(valid_until=date(2027, 2, 18))
        )
        text = normalised(pdf_text(pdf, tmp_path))
        assert normalised("ใช้ได้ถึง 18 กุมภาพันธ์ พ.ศ. 2570") in text
        assert "Validuntil18February2027" in text

    def test_thai_digits_in_thai_text_only(self, tmp_path: Path) -> None:
        context = full_residence_context(thai_digits=True, valid_until=date(2027, 2, 18))
        text = normalised(pdf_text(render_certificate_pdf("residence", context), tmp_path))
        for expected in [
            "๒๑ พฤศจิกายน พ.ศ. ๒๕๖๙",  # date of issue
            "๑ มีนาคม พ.ศ. ๒๕๕๘",  # moved in
            "บ้านเลขที่ ๙๙/๑๒๓",  # address
            "ใช้ได้ถึง ๑๘ กุมภาพันธ์ พ.ศ. ๒๕๗๐",
            "21November2026",  # English keeps Arabic digits
            "99/123",
            "1-1017-00230-70-8",  # the citizen ID stays typeable
            "DOPA-2569-7K3M9QXD",
        ]:
            assert normalised(expected) in text, expected
        plain = normalised(
            pdf_text(render_certificate_pdf("residence", full_residence_context()), tmp_path)
        )
        assert "๒" not in plain and "๑" not in plain

    def test_missing_value_fails_instead_of_printing_blank(self) -> None:
        context = full_residence_context()
        del context["holder"]["family_name_th"]
        with pytest.raises(UndefinedError):
            render_certificate_html("residence", context)

    @pytest.mark.parametrize("template", ["../pages/base", "base", "Residence", "residence.css"])
    def test_only_certificate_templates_can_be_named(self, template: str) -> None:
        with pytest.raises(ValueError):
            render_certificate_html(template, full_residence_context())


class TestFilters:
    def test_citizen_id_is_grouped_like_the_id_card(self) -> None:
        assert format_citizen_id("1101700230708") == "1-1017-00230-70-8"
        assert format_citizen_id("1-1017-00230-70-8") == "1-1017-00230-70-8"
        assert format_citizen_id("12345") == "12345"

    def test_thai_address_outside_bangkok_uses_tambon_amphoe_changwat(self) -> None:
        address = full_residence_context()["address"] | {
            "moo": "",
            "road": "",
            "soi": "",
            "subdistrict_th": "สุเทพ",
            "district_th": "เมืองเชียงใหม่",
            "province_th": "เชียงใหม่",
            "province_en": "Chiang Mai",
            "postal_code": "50200",
        }
        assert format_thai_address(address) == (
            "บ้านเลขที่ 99/123 ตำบลสุเทพ อำเภอเมืองเชียงใหม่ จังหวัดเชียงใหม่ 50200"
        )

    def test_thai_address_in_bangkok_uses_khwaeng_khet(self) -> None:
        address: dict[str, Any] = full_residence_context()["address"] | {"soi": "ซอยพหลโยธิน 24"}
        assert format_thai_address(address) == (
            "บ้านเลขที่ 99/123 หมู่ที่ 4 ซอยพหลโยธิน 24 ถนนพหลโยธิน แขวงลาดยาว เขตจตุจักร กรุงเทพมหานคร 10900"
        )

    def test_english_address_leaves_out_empty_parts(self) -> None:
        address = full_residence_context()["address"] | {
            "moo": "",
            "road": "Phahonyothin",
            "subdistrict_en": "Suthep",
            "district_en": "Mueang Chiang Mai",
            "province_th": "เชียงใหม่",
            "province_en": "Chiang Mai",
            "postal_code": "50200",
        }
        assert format_english_address(address) == (
            "99/123, Phahonyothin Road, Suthep Subdistrict, Mueang Chiang Mai District, "
            "Chiang Mai 50200"
        )

    def test_english_address_prefers_the_registry_romanisation_of_soi_and_road(self) -> None:
        address = full_residence_context()["address"] | {
            "soi": "ซอยพหลโยธิน 24",
            "soi_en": "Phahonyothin 24",
            "road": "พหลโยธิน",
            "road_en": "Phahonyothin",
        }
        english = format_english_address(address)
        assert "Soi Phahonyothin 24, Phahonyothin Road" in english
        assert "พหลโยธิน" not in english


class TestUrlFetcher:
    def test_refuses_http(self) -> None:
        with pytest.raises(ResourceRefusedError):
            certificate_url_fetcher().fetch("http://127.0.0.1:9/x.png")
        with pytest.raises(ResourceRefusedError):
            certificate_url_fetcher().fetch("https://example.com/font.ttf")

    def test_refuses_files_outside_its_folders(self) -> None:
        with pytest.raises(ResourceRefusedError):
            certificate_url_fetcher().fetch("file:///etc/passwd")
        with pytest.raises(ResourceRefusedError):
            certificate_url_fetcher().fetch((REPO_ROOT / "pyproject.toml").as_uri())

    def test_refuses_a_relative_path_escaping_the_folder(self) -> None:
        from weasyprint.urls import url_join

        base = CERTIFICATES_DIR.as_uri() + "/"
        for relative in ["../../pyproject.toml", "../../../../../../etc/passwd", "%2e%2e/x"]:
            url = url_join(base, relative, allow_relative=False, context="test")
            with pytest.raises(ResourceRefusedError):
                certificate_url_fetcher().fetch(url)
        assert allowed_resource_path(base + "..%2F..%2Fpyproject.toml") is None

    @pytest.mark.parametrize(
        "url",
        [
            "data:text/plain,hello",
            "data:text/css,@import url(http://127.0.0.1:9/y.css);",
            "data:image/svg+xml;base64,"
            + base64.b64encode(b'<svg><image href="http://127.0.0.1:9/x"/></svg>').decode(),
            "data:image/png;base64," + base64.b64encode(b"not a png").decode(),
            "data:image/png;base64,!!!not-base64!!!",
            "data:image/png,%89PNG%0D%0A%1A%0A",  # not base64: refused, only our own form passes
            "data:font/ttf;base64,AAEAAA==",
        ],
    )
    def test_refuses_data_urls_other_than_a_png(self, url: str) -> None:
        with pytest.raises(ResourceRefusedError):
            certificate_url_fetcher().fetch(url)

    def test_serves_the_qr_png_data_url(self) -> None:
        url = qr_data_url("https://portal.example.go.th/v/x")
        response = certificate_url_fetcher().fetch(url)
        assert response.read().startswith(b"\x89PNG\r\n\x1a\n")

    def test_a_refused_data_url_stops_the_render(self) -> None:
        from weasyprint.urls import FatalURLFetchingError

        with pytest.raises(FatalURLFetchingError):
            html_to_pdf('<p>x</p><img src="data:image/svg+xml,%3Csvg%3E%3C/svg%3E">')

    def test_serves_the_stylesheet_and_the_fonts(self) -> None:
        css = certificate_url_fetcher().fetch((CERTIFICATES_DIR / "certificate.css").as_uri())
        assert b"@page" in css.read()
        font = certificate_url_fetcher().fetch((FONT_DIR / "Sarabun-Regular.ttf").as_uri())
        assert font.read(4) == b"\x00\x01\x00\x00"

    def test_a_refused_resource_stops_the_render(self) -> None:
        from weasyprint.urls import FatalURLFetchingError

        with pytest.raises(FatalURLFetchingError):
            html_to_pdf('<p>x</p><img src="http://127.0.0.1:9/x">')
        with pytest.raises(FatalURLFetchingError):
            html_to_pdf('<p>x</p><img src="../../../../../../etc/passwd">')

    def test_markup_in_a_name_is_printed_as_text_and_nothing_is_fetched(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        html_to_pdf("<p>warm up: fonts are fetched once per process</p>")
        fetched: list[str] = []
        fetcher = certificate_url_fetcher()
        original = fetcher.fetch

        def spy(url: str, headers: Any = None) -> Any:
            fetched.append(url)
            return original(url, headers)

        monkeypatch.setattr(fetcher, "fetch", spy)
        context = full_residence_context()
        context["holder"]["given_name_en"] = '<img src="http://127.0.0.1:9/x">'
        context["purpose_en"] = "<style>@import url(http://127.0.0.1:9/y.css);</style>"

        html = render_certificate_html("residence", context)
        assert "&lt;img src=&#34;http://127.0.0.1:9/x&#34;&gt;" in html
        pdf = render_certificate_pdf("residence", context)

        # Only the QR code's own PNG data URL; nothing from the user's text.
        assert [url[:22] for url in fetched] == ["data:image/png;base64,"]
        text = pdf_text(pdf, tmp_path)
        assert '<img src="http://127.0.0.1:9/x">' in text


LONG_NAMES: dict[str, Any] = {
    "holder": {
        "national_id": "3100501234561",
        "title_th": "ว่าที่ร้อยตรีหญิง",
        "given_name_th": "ศรีสุวรรณวิจิตรประภาพรรณรัตนาภรณ์เกษมสุขสวัสดิ์มงคลชัยวัฒนาสิริโสภา",
        "family_name_th": "ณ อยุธยา วงศ์สวัสดิ์ศรีสุนทรพิพัฒน์ไพศาลทักษิณาวรรตนฤมลธนากร",
        "title_en": "Acting Second Lieutenant",
        "given_name_en": "Srisuwanwijitprapapanrattanaporn-Kasemsuksawatmongkolchaiwattana",
        "family_name_en": "Na Ayutthaya-Wongsawatsrisuntornpipatpaisanthaksinawatnarumon",
    },
    "address": {
        "house_no": "1234/567-890",
        "moo": "12",
        "soi": "ซอยเฉลิมพระเกียรติรัชกาลที่ 9 ซอย 28 แยก 3-5 (หมู่บ้านศุภาลัยการ์เด้นวิลล์)",
        "road": "เฉลิมพระเกียรติรัชกาลที่ 9 (ถนนวงแหวนรอบนอกกรุงเทพมหานครฝั่งตะวันออก)",
        "subdistrict_th": "บางบ่อทักษิณาวรรตนครปฐมราชธานี",
        "subdistrict_en": "Bang Bo Thaksinawat Nakhon Pathom Ratchathani",
        "district_th": "พระนครศรีอยุธยามหาราชวังสนามจันทร์",
        "district_en": "Phra Nakhon Si Ayutthaya Maharatchawang Sanam Chan",
        "province_th": "พระนครศรีอยุธยา",
        "province_en": "Phra Nakhon Si Ayutthaya",
        "postal_code": "13000",
    },
    "purpose_th": "เพื่อใช้ประกอบการยื่นคำร้องขอรับสิทธิประโยชน์ตามพระราชบัญญัติประกันสังคม"
    "และเพื่อใช้ยื่นต่อสถาบันการเงินในการขอสินเชื่อเพื่อที่อยู่อาศัย",
    "purpose_en": "For a social security benefit claim under the Social Security Act and for a "
    "housing loan application with a bank or other financial institution",
}


def test_longest_names_wrap_inside_the_page(tmp_path: Path) -> None:
    """Renders the long-name case to test-output/certificate-long-names.png for a human to see."""
    assert len(LONG_NAMES["holder"]["given_name_th"]) >= 60
    context = full_residence_context(**LONG_NAMES)
    context["agency"] = context["agency"] | {
        "name_th": "สำนักบริหารการทะเบียน กรมการปกครอง กระทรวงมหาดไทย ศูนย์บริการประชาชนแบบเบ็ดเสร็จ",
        "name_en": "Bureau of Registration Administration, Department of Provincial "
        "Administration, Ministry of Interior, One-Stop Citizen Service Centre",
    }
    pdf = render_certificate_pdf("residence", context)

    assert pdf_pages(pdf, tmp_path) == 1
    assert words_outside_text_area(pdf, tmp_path) == []
    text = normalised(pdf_text(pdf, tmp_path))
    assert normalised("Na Ayutthaya-Wongsawat") in text
    assert normalised("ศรีสุวรรณวิจิตรประภาพรรณ") in text
    assert "1234/567-890" in text

    TEST_OUTPUT.mkdir(exist_ok=True)
    (TEST_OUTPUT / "certificate-long-names.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-singlefile",
            str(TEST_OUTPUT / "certificate-long-names.pdf"),
            str(TEST_OUTPUT / "certificate-long-names"),
        ],
        check=True,
    )
    assert (TEST_OUTPUT / "certificate-long-names.png").stat().st_size > 10_000


def test_stylesheets_and_fonts_are_parsed_once_per_process() -> None:
    render_certificate_pdf("residence", full_residence_context())
    first = render._cached_stylesheets()
    render_certificate_pdf("residence", full_residence_context())
    assert render._cached_stylesheets() is first


def test_words_without_break_opportunities_are_broken_inside_the_page(tmp_path: Path) -> None:
    context = full_residence_context()
    context["holder"]["given_name_en"] = "X" * 150
    context["holder"]["given_name_th"] = "ก" * 150
    context["verify_url"] = "https://portal.example.go.th/verify/" + "A" * 150
    pdf = render_certificate_pdf("residence", context)
    assert pdf_pages(pdf, tmp_path) == 1
    assert words_outside_text_area(pdf, tmp_path) == []
