"""Every certificate template with the longest demo data: one page, nothing outside the page's
content area, no text of one block over another, a QR code that scans, and PNGs to look at.

The layout is checked on WeasyPrint's own laid-out boxes (the renderer's HTML class and
stylesheets), the pictures come from poppler (`pdftoppm -r 100`) into
test-output/certificates/, and the QR code is decoded from the rasterised page with zbar.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from documents import render
from documents.render import render_certificate_html, render_certificate_pdf
from tests.documents.certificate_samples import QR_DATA, TEMPLATES, full_context

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGES = REPO_ROOT / "test-output" / "certificates"
TOLERANCE = 0.5  # CSS px (1/96 in): rounding in WeasyPrint's layout
_THAI_MARKS = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1


def layout(template: str, context: dict[str, Any]) -> Any:
    """The laid-out document, exactly as `render_certificate_pdf` lays it out."""
    font_config, stylesheets = render._cached_stylesheets()
    html = render._certificate_html_class()(
        string=render_certificate_html(template, context),
        base_url=str(render.CERTIFICATES_DIR),
        url_fetcher=render.certificate_url_fetcher(),
    )
    return html.render(stylesheets=stylesheets, font_config=font_config)


def border_rect(box: Any) -> Rect:
    x, y = box.border_box_x(), box.border_box_y()
    return (x, y, x + box.border_width(), y + box.border_height())


def is_cell(box: Any) -> bool:
    """A box laid out beside its siblings: table cell, inline block or float."""
    from weasyprint.formatting_structure import boxes

    return isinstance(box, boxes.TableCellBox | boxes.InlineBlockBox) or (
        isinstance(box, boxes.BlockBox) and box.style["float"] != "none"
    )


def labelled_boxes(box: Any, block: str, cell: int | None) -> Iterator[tuple[Any, str, int | None]]:
    """Every box under `box` with the top-level block it belongs to and its innermost "cell"
    (table cell, inline block, float): text in different cells must not overlap either."""
    for child in getattr(box, "children", []):
        child_cell = id(child) if is_cell(child) else cell
        yield child, block, child_cell
        yield from labelled_boxes(child, block, child_cell)


def page_problems(page: Any) -> list[str]:
    """What is wrong with one laid-out page: boxes outside the content area, overlapping text."""
    from weasyprint.formatting_structure import boxes

    page_box = page._page_box
    left, top = page_box.content_box_x(), page_box.content_box_y()
    right, bottom = left + page_box.width, top + page_box.height
    html_box = page_box.children[0]
    body = html_box.children[0]
    problems: list[str] = []
    texts: list[tuple[Rect, str, int | None, str]] = []
    for index, block in enumerate(body.children):
        label = f"{index}:{block.element_tag}.{block.element.get('class')}"
        for box, owner, cell in [(block, label, None), *labelled_boxes(block, label, None)]:
            x0, y0, x1, y1 = border_rect(box)
            if x1 - x0 <= 0 and y1 - y0 <= 0:
                continue
            if (
                x0 < left - TOLERANCE
                or x1 > right + TOLERANCE
                or y0 < top - TOLERANCE
                or y1 > bottom + TOLERANCE
            ):
                problems.append(f"{owner}: {type(box).__name__} outside the page area")
            if isinstance(box, boxes.TextBox) and box.text.strip():
                texts.append(((x0, y0, x1, y1), owner, cell, box.text))
    for i, (a, owner_a, cell_a, text_a) in enumerate(texts):
        for b, owner_b, cell_b, text_b in texts[i + 1 :]:
            if (owner_a, cell_a) == (owner_b, cell_b):
                continue
            overlap_x = min(a[2], b[2]) - max(a[0], b[0])
            overlap_y = min(a[3], b[3]) - max(a[1], b[1])
            if overlap_x > TOLERANCE and overlap_y > TOLERANCE:
                problems.append(f"{text_a[:20]!r} ({owner_a}) overlaps {text_b[:20]!r} ({owner_b})")
    return problems


def rasterise(pdf: bytes, stem: Path, dpi: int) -> Path:
    pdf_path = stem.with_suffix(".pdf")
    pdf_path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf_path), str(stem)], check=True
    )
    return stem.with_suffix(".png")


def decode_qr(png: Path) -> list[str]:
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)],
        capture_output=True,
        text=True,
    )
    return [line for line in result.stdout.splitlines() if line]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def flat(text: str) -> str:
    """pdftotext splits Thai marks from their letters; compare base letters only."""
    return _THAI_MARKS.sub("", re.sub(r"\s+", "", text)).replace("\u0e33", "\u0e32")


@pytest.mark.parametrize("template", TEMPLATES)
def test_longest_demo_data_fits_one_page_without_overlaps(template: str) -> None:
    document = layout(template, full_context(template))
    assert len(document.pages) == 1, f"{template} needs {len(document.pages)} pages"
    assert page_problems(document.pages[0]) == []


@pytest.mark.parametrize("template", TEMPLATES)
def test_automatic_issue_with_thai_digits_fits_too(template: str) -> None:
    document = layout(template, full_context(template, issued_by=None, thai_digits=True))
    assert len(document.pages) == 1
    assert page_problems(document.pages[0]) == []


def test_the_overlap_check_finds_an_overlap() -> None:
    """The check above can fail: a block pulled up over the title is reported, and so is
    text of one cell running into the next."""
    context = full_context("residence")
    html = render_certificate_html("residence", context).replace(
        '<main class="statement">', '<main class="statement" style="margin-top: -12mm">'
    )
    font_config, stylesheets = render._cached_stylesheets()
    document = render._certificate_html_class()(
        string=html,
        base_url=str(render.CERTIFICATES_DIR),
        url_fetcher=render.certificate_url_fetcher(),
    ).render(stylesheets=stylesheets, font_config=font_config)
    assert any("overlaps" in p for p in page_problems(document.pages[0]))


def test_the_overlap_check_finds_text_running_into_the_next_cell() -> None:
    context = full_context("residence", check_code="")
    html = (
        render_certificate_html("residence", context)
        .replace('<div class="number">DOPA', '<div class="number" style="white-space: nowrap">DOPA')
        .replace("DOPA-2569-7K3M9QXD</div>", "DOPA-2569-7K3M9QXD-WITH-A-VERY-LONG-SUFFIX</div>")
    )
    font_config, stylesheets = render._cached_stylesheets()
    document = render._certificate_html_class()(
        string=html,
        base_url=str(render.CERTIFICATES_DIR),
        url_fetcher=render.certificate_url_fetcher(),
    ).render(stylesheets=stylesheets, font_config=font_config)
    assert any("overlaps" in p for p in page_problems(document.pages[0]))


def test_the_page_area_check_finds_a_box_outside() -> None:
    context = full_context("residence")
    html = render_certificate_html("residence", context).replace(
        '<h1 class="title">', '<h1 class="title" style="margin-left: -10mm">'
    )
    font_config, stylesheets = render._cached_stylesheets()
    document = render._certificate_html_class()(
        string=html,
        base_url=str(render.CERTIFICATES_DIR),
        url_fetcher=render.certificate_url_fetcher(),
    ).render(stylesheets=stylesheets, font_config=font_config)
    assert any("outside the page area" in p for p in page_problems(document.pages[0]))


@pytest.fixture(scope="module")
def image_dir() -> Path:
    IMAGES.mkdir(parents=True, exist_ok=True)
    return IMAGES


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="needs zbar-tools (make install)")
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_as_an_image_with_a_qr_code_that_scans(
    template: str, image_dir: Path, tmp_path: Path
) -> None:
    """Writes test-output/certificates/<template>.png (100 dpi) for people to look at, and
    decodes the QR code from a 200 dpi rendering (an office scan; at 100 dpi the 0.6 mm modules
    are 2.4 pixels, below what zbar reads, while a phone camera reads the printed page)."""
    pdf = render_certificate_pdf(template, full_context(template))
    png = rasterise(pdf, image_dir / template, 100)
    assert png.stat().st_size > 20_000  # a page with text, not a blank
    assert decode_qr(rasterise(pdf, tmp_path / "scan", 200)) == [QR_DATA]


def test_qr_codes_scan_for_many_payloads(tmp_path: Path) -> None:
    """The fixed mask (documents/qr.py) does not make some payloads unreadable."""
    for i in range(12):
        payload = f"{QR_DATA[:-12]}{i:04d}{'Zq9-_x'[i % 6] * 8}"
        pdf = render_certificate_pdf("residence", full_context("residence", qr_data=payload))
        assert decode_qr(rasterise(pdf, tmp_path / f"qr{i}", 200)) == [payload]


def test_automatic_thai_digit_variant_as_an_image(image_dir: Path, tmp_path: Path) -> None:
    context = full_context("residence", issued_by=None, thai_digits=True)
    pdf = render_certificate_pdf("residence", context)
    rasterise(pdf, image_dir / "residence-automatic-thai-digits", 100)
    text = flat(pdf_text(pdf, tmp_path))
    assert flat("ออกโดยระบบอัตโนมัติ") in text and "Issuedautomatically" in text
    assert flat("๒๑ พฤศจิกายน พ.ศ. ๒๕๖๙") in text  # date of issue, Thai text, Thai digits
    assert "21November2026" in text  # English stays Arabic
    assert "DOPA-2569-7K3M9QXD" in text and "7K3M-9QXD" in text  # identifiers stay typeable
