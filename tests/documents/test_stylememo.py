"""The computed-style memo (documents/stylememo.py) changes nothing but the time: every template
renders to the same PDF bytes with it as without it, warm or cold, and a style whose
declarations or ancestors differ is never served another style's values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from documents import render, stylememo
from documents.render import html_to_pdf, render_certificate_pdf
from tests.documents.certificate_samples import TEMPLATES, full_context
from tests.documents.test_textmemo import comparable


@pytest.fixture
def fresh_memo() -> Iterator[None]:
    stylememo.clear()
    yield
    stylememo.clear()


def render_with(memo: bool, template: str, context: dict[str, Any]) -> bytes:
    previous, render.STYLE_MEMO = render.STYLE_MEMO, memo
    try:
        return comparable(render_certificate_pdf(template, context, data={"template": template}))
    finally:
        render.STYLE_MEMO = previous


def pdf_of(html: str, memo: bool) -> bytes:
    previous, render.STYLE_MEMO = render.STYLE_MEMO, memo
    try:
        return comparable(html_to_pdf(html))
    finally:
        render.STYLE_MEMO = previous


def test_installed_on_the_pinned_weasyprint() -> None:
    import weasyprint
    import weasyprint.css

    assert weasyprint.__version__ == stylememo.PINNED_WEASYPRINT
    assert stylememo.install() is True
    assert weasyprint.css.ComputedStyle.__name__ == "MemoComputedStyle"


def test_another_weasyprint_version_leaves_weasyprint_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import weasyprint

    monkeypatch.setattr(stylememo, "_installed", None)
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    assert stylememo.install() is False
    with stylememo.memoised_styles(render._cached_stylesheets()[0]) as active:
        assert active is False


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_the_same_bytes_with_and_without_the_memo(
    template: str, fresh_memo: None
) -> None:
    longest = full_context(template)
    automatic = full_context(template, issued_by=None, thai_digits=True)
    plain = [render_with(False, template, context) for context in (longest, automatic)]
    cold = [render_with(True, template, context) for context in (longest, automatic)]
    warm = [render_with(True, template, context) for context in (longest, automatic)]
    assert cold == plain
    assert warm == plain
    assert stylememo.stats()["hits"] > 0


def every_template_once(memo: bool) -> list[bytes]:
    return [render_with(memo, template, full_context(template)) for template in TEMPLATES]


def test_templates_in_turn_share_one_memo(fresh_memo: None) -> None:
    """The base layout's elements are shared by all templates; the body differs."""
    plain = every_template_once(memo=False)
    every_template_once(memo=True)
    assert every_template_once(memo=True) == plain


def page(body_style: str, inner: str) -> str:
    return (
        '<!DOCTYPE html><html lang="th"><head><meta charset="utf-8"/></head>'
        f'<body style="{body_style}"><div class="a"><p>{inner}</p></div></body></html>'
    )


# The same <p> under parents that differ: its font size (em), line height, colour (inherited),
# and its own declarations from a style attribute (new objects every render).
CASES = [
    page("font-size: 10pt", "ข้อความ text"),
    page("font-size: 14pt", "ข้อความ text"),
    page("font-size: 14pt; color: #a00", "ข้อความ text"),
    page("line-height: 2", "ข้อความ text"),
    page("font-size: 10pt", '<span style="font-size: 2em">ข้อความ</span> text'),
    page("font-size: 14pt", '<span style="font-size: 2em">ข้อความ</span> text'),
    page("font-size: 14pt", '<span style="padding-left: 3em">ข้อความ</span> text'),
]


def test_a_different_parent_or_declaration_is_never_served_stale_values(
    fresh_memo: None,
) -> None:
    plain = [pdf_of(html, memo=False) for html in CASES]
    for html in CASES:
        pdf_of(html, memo=True)
    assert [pdf_of(html, memo=True) for html in reversed(CASES)][::-1] == plain
    assert len(set(plain)) == len(CASES)


def test_renders_outside_html_to_pdf_do_not_use_the_memo(fresh_memo: None) -> None:
    from weasyprint import HTML

    font_config, stylesheets = render._cached_stylesheets()
    HTML(string=CASES[0]).write_pdf(stylesheets=stylesheets, font_config=font_config)
    assert stylememo.stats() == {"hits": 0, "misses": 0, "styles_keyed": 0}


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch, fresh_memo: None) -> None:
    monkeypatch.setattr(stylememo, "MAX_KEYS", 3)
    render_with(True, "residence", full_context("residence"))
    assert len(stylememo._tables) == 3


def test_copies_of_a_style_are_not_shared(fresh_memo: None) -> None:
    """WeasyPrint changes copies (a font size of 1000 to measure a ratio): a copy computes its
    own values and writes nothing into the shared table."""
    import weasyprint.css

    font_config, _ = render._cached_stylesheets()
    with stylememo.memoised_styles(font_config):
        root = weasyprint.css.ComputedStyle(
            None, {}, None, weasyprint.css.InitialStyle(font_config), "x", font_config, {}
        )
        assert root._memo_table is not None
        copy = root.copy()
        copy["font_size"] = 1000
        copy["line_height"]
        assert copy._memo_table is None
        assert "line_height" not in root._memo_table
