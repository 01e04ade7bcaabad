"""The text memos (documents/textmemo.py) change nothing but the time: every template renders to
the same PDF bytes with them as without them, a change to any style property or width that
shapes a line is a new entry, and the key covers every style property WeasyPrint reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from documents import render, textmemo
from documents.render import html_to_pdf, render_certificate_pdf
from tests.documents.certificate_samples import TEMPLATES, full_context

_DATES = re.compile(rb"\(D:\d{14}[^)]*\)")
_ID = re.compile(rb"/ID \[[^\]]*\]")


def comparable(pdf: bytes) -> bytes:
    """The PDF without its clock-dependent parts (attachment dates and the /ID hashed over
    them), so two renders of the same certificate compare equal byte for byte."""
    return _ID.sub(b"/ID []", _DATES.sub(b"(D:)", pdf))


def render_with(memos: bool, template: str, context: dict[str, Any]) -> bytes:
    previous, render.TEXT_MEMOS = render.TEXT_MEMOS, memos
    try:
        return comparable(render_certificate_pdf(template, context, data={"template": template}))
    finally:
        render.TEXT_MEMOS = previous


@pytest.fixture
def fresh_memos() -> Iterator[None]:
    textmemo.clear()
    yield
    textmemo.clear()


def test_installed_on_the_pinned_weasyprint() -> None:
    """Fails on a WeasyPrint upgrade: the memos wrap 70.0's internals and must be checked
    again (until then they switch themselves off, see the next test)."""
    import weasyprint

    assert weasyprint.__version__ == textmemo.PINNED_WEASYPRINT
    assert textmemo.install() is True


def test_another_weasyprint_version_renders_without_memos(
    monkeypatch: pytest.MonkeyPatch, fresh_memos: None
) -> None:
    import weasyprint

    monkeypatch.setattr(textmemo, "_installed", None)
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    assert textmemo.install() is False
    with textmemo.memoised_text(render._cached_stylesheets()[0]) as active:
        assert active is False
    monkeypatch.undo()
    pdf = render_with(True, "residence", full_context("residence"))
    assert pdf == render_with(False, "residence", full_context("residence"))


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_the_same_bytes_with_and_without_memos(
    template: str, fresh_memos: None
) -> None:
    longest = full_context(template)
    automatic = full_context(template, issued_by=None, thai_digits=True)
    plain = [render_with(False, template, context) for context in (longest, automatic)]
    cold = [render_with(True, template, context) for context in (longest, automatic)]
    warm = [render_with(True, template, context) for context in (longest, automatic)]
    assert cold == plain
    assert warm == plain
    stats = textmemo.stats()
    assert stats["line_hits"] > 0 and stats["draw_hits"] > 0  # the memos were used


def paragraph(style: str, text: str) -> str:
    return (
        '<!DOCTYPE html><html lang="th"><head><meta charset="utf-8"/></head><body>'
        f'<p style="{style}">{text}</p></body></html>'
    )


TEXT = (
    "ขอรับรองว่า นายสมชาย ใจดี มีชื่ออยู่ในทะเบียนบ้าน ณ บ้านเลขที่ 99/1 หมู่ที่ 4 "
    "This is to certify that the person named above is recorded in the house registration "
    "at Krungthepmahanakhonamonrattanakosinmahintharayutthaya."  # longer than a line
)
# Each variant changes one thing that shapes the lines of the same text.
VARIANTS = [
    "width: 60mm; font-size: 11pt",
    "width: 60mm; font-size: 12pt",
    "width: 50mm; font-size: 11pt",
    "width: 60mm; font-size: 11pt; font-weight: 700",
    "width: 60mm; font-size: 11pt; letter-spacing: 0.5pt",
    "width: 60mm; font-size: 11pt; word-spacing: 2pt",
    "width: 60mm; font-size: 11pt; white-space: nowrap",
    "width: 60mm; font-size: 11pt; overflow-wrap: normal",
    "width: 60mm; font-size: 11pt; text-decoration: underline",
    "width: 60mm; font-size: 11pt; font-style: italic",
    "width: 60mm; font-size: 11pt; font-kerning: none",
    "width: 60mm; font-size: 11pt; overflow-wrap: normal; word-break: break-all",
    "width: 60mm; font-size: 11pt; text-align: justify",
]


def pdf_of(html: str, memos: bool) -> bytes:
    previous, render.TEXT_MEMOS = render.TEXT_MEMOS, memos
    try:
        return comparable(html_to_pdf(html))
    finally:
        render.TEXT_MEMOS = previous


def test_a_change_of_style_or_width_is_never_served_a_stale_entry(fresh_memos: None) -> None:
    """The same text under each variant, memo warm with all the others: each PDF is the one
    WeasyPrint makes without the memo, and the variants really differ from each other."""
    htmls = [paragraph(style, TEXT) for style in VARIANTS]
    plain = [pdf_of(html, memos=False) for html in htmls]
    for html in htmls:  # fill the memo with every variant
        pdf_of(html, memos=True)
    memoised = [pdf_of(html, memos=True) for html in reversed(htmls)][::-1]
    assert memoised == plain
    assert len(set(plain)) == len(VARIANTS)
    assert textmemo.stats()["line_hits"] > 0


def test_one_word_changed_is_a_new_entry(fresh_memos: None) -> None:
    first = paragraph(VARIANTS[0], TEXT)
    second = paragraph(VARIANTS[0], TEXT.replace("สมชาย", "สมหญิง"))
    pdf_of(first, memos=True)
    assert pdf_of(second, memos=True) == pdf_of(second, memos=False)


class RecordingReads:
    """Records which style properties are read while it is on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from weasyprint.css import AnonymousStyle, ComputedStyle

        self.read: set[str] = set()
        self.on = False

        def getitem(style: dict[str, Any], key: str) -> Any:
            if self.on:
                self.read.add(key)
            return dict.__getitem__(style, key)

        for cls in (ComputedStyle, AnonymousStyle):
            monkeypatch.setattr(cls, "__getitem__", getitem, raising=False)

    def around(self, function: Any) -> Any:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            was, self.on = self.on, True
            try:
                return function(*args, **kwargs)
            finally:
                self.on = was

        return recorded


def test_the_key_holds_every_style_property_weasyprint_reads_for_a_line(
    monkeypatch: pytest.MonkeyPatch, fresh_memos: None
) -> None:
    """What WeasyPrint's line breaking and the drawing of a line's Pango layout read, over every
    template and every variant above, memos off: all of it is in the key."""
    import weasyprint.layout.inline
    import weasyprint.layout.preferred
    import weasyprint.text.line_break

    recording = RecordingReads(monkeypatch)
    split = recording.around(weasyprint.text.line_break.split_first_line)
    monkeypatch.setattr(weasyprint.layout.inline, "split_first_line", split)
    monkeypatch.setattr(weasyprint.layout.preferred, "split_first_line", split)
    layout_class = weasyprint.text.line_break.Layout
    monkeypatch.setattr(layout_class, "reactivate", recording.around(layout_class.reactivate))
    for template in TEMPLATES:
        render_with(False, template, full_context(template))
    for style in VARIANTS:
        pdf_of(paragraph(style, TEXT), memos=False)
    assert "font_size" in recording.read  # the recording works
    assert recording.read - set(textmemo.LINE_BREAK_PROPERTIES) == set()


def test_memos_are_bounded(monkeypatch: pytest.MonkeyPatch, fresh_memos: None) -> None:
    monkeypatch.setattr(textmemo, "MAX_ENTRIES", 5)
    pdf_of(paragraph(VARIANTS[0], TEXT), memos=True)
    render_with(True, "residence", full_context("residence"))
    assert len(textmemo._line_breaks) == 5
    assert len(textmemo._drawn_layouts) == 5


def test_renders_outside_html_to_pdf_do_not_use_the_memos(fresh_memos: None) -> None:
    """WeasyPrint used anywhere else in the process (other fonts, other documents) runs as
    if the memos did not exist."""
    from weasyprint import HTML

    HTML(string=paragraph(VARIANTS[0], TEXT)).write_pdf()
    font_config, stylesheets = render._cached_stylesheets()
    HTML(string=paragraph(VARIANTS[0], TEXT)).write_pdf(
        stylesheets=stylesheets, font_config=font_config
    )
    assert textmemo.stats() == {"line_hits": 0, "line_misses": 0, "draw_hits": 0, "draw_misses": 0}


def test_style_key_of_an_unhashable_value() -> None:
    style = dict.fromkeys(textmemo.LINE_BREAK_PROPERTIES, "normal")
    style["font_family"] = ["Portal Sarabun", "serif"]
    style["font_feature_settings"] = [("liga", 0)]
    key = textmemo.style_key(style)
    hash(key)
    assert key == textmemo.style_key(dict(style))
