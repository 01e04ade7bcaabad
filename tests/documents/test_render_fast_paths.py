"""Two shortcuts in documents/render.py that must not change a byte of the certificates:
the certificate HTML parsed by expat instead of the HTML5 parser (`parse_certificate_html`),
and each PDF object serialised once per write (`serialise_once`).
"""

from __future__ import annotations

import zlib
from typing import Any

import pytest
import tinyhtml5

from documents import render
from documents.render import parse_certificate_html, render_certificate_html
from tests.documents.certificate_samples import TEMPLATES, full_context
from tests.documents.test_textmemo import comparable


def shape(element: Any) -> list[tuple[Any, ...]]:
    """Every element in document order with its attributes, text and tail."""
    return [
        (node.tag, sorted(node.attrib.items()), node.text, node.tail) for node in element.iter()
    ]


def html5_tree(html: str) -> Any:
    """The tree WeasyPrint's own HTML parser builds (weasyprint.HTML.__init__)."""
    return tinyhtml5.parse(html, namespace_html_elements=False)


def contexts(template: str) -> list[dict[str, Any]]:
    return [full_context(template), full_context(template, issued_by=None, thai_digits=True)]


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_parses_to_the_html5_parsers_tree(template: str) -> None:
    for context in contexts(template):
        html = render_certificate_html(template, context)
        root = parse_certificate_html(html)
        assert root is not None, f"{template} is not well-formed XML any more"
        assert shape(root) == shape(html5_tree(html))


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_the_same_bytes_with_either_parser(
    template: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for context in contexts(template):
        monkeypatch.setattr(render, "XML_PARSE", False)
        html5 = comparable(render.render_certificate_pdf(template, context, data={"a": 1}))
        monkeypatch.setattr(render, "XML_PARSE", True)
        expat = comparable(render.render_certificate_pdf(template, context, data={"a": 1}))
        assert expat == html5


def test_the_same_tree_for_the_cases_an_html5_parser_treats_its_own_way() -> None:
    """Whitespace around html and body, an empty body, comments, character references."""
    for html in (
        "<!DOCTYPE html>\n<html>\n<head><title>t</title></head>\n<body>\n<p>a &amp; b</p>\n"
        "<!-- note -->\n</body>\n</html>\n",
        "<html><head></head><body></body>\n</html>",
        '<html lang="th"><head><meta charset="utf-8"/></head>'
        "<body><p>&#34;x&#39;</p></body></html>",
    ):
        root = parse_certificate_html(html)
        assert root is not None
        html5 = html5_tree(html)
        # the HTML5 parser keeps comments as elements; WeasyPrint skips both the same way
        for parent in html5.iter():
            for child in list(parent):
                if not isinstance(child.tag, str):
                    parent.remove(child)
        if html.count("<!--"):
            assert [(n.tag, n.text) for n in root.iter() if n.tag == "p"] == [
                (n.tag, n.text) for n in html5.iter() if n.tag == "p"
            ]
        else:
            assert shape(root) == shape(html5)


@pytest.mark.parametrize(
    "html",
    [
        "<html><head></head><body><p>a<br>b</p></body></html>",  # void element left open
        "<html><head></head><body><p>\x01</p></body></html>",  # a control character
        '<html><head></head><body><p title="a\nb">x</p></body></html>',  # a break in a value
        "<html><body><p>no head</p></body></html>",
        "<html><head></head><body></body></html><p>after</p>",
        "<html><head></head>text<body></body></html>",
        "<div>not a document</div>",
        # well-formed XML that an HTML5 parser restructures
        "<html><head></head><body><table><tr><td>x</td></tr></table></body></html>",
        "<html><head></head><body><table><col/><tbody></tbody></table></body></html>",
        "<html><head></head><body><table>text<tbody></tbody></table></body></html>",
        "<html><head></head><body><td>cell</td></body></html>",
        "<html><head></head><body><p>a <span><div>b</div></span></p></body></html>",
        "<html><head><div>x</div></head><body></body></html>",
    ],
)
def test_what_only_an_html5_parser_reads_the_same_is_left_to_it(html: str) -> None:
    assert parse_certificate_html(html) is None


def test_a_certificate_that_expat_refuses_is_still_rendered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A value with a character XML does not allow: the HTML5 parser takes over."""
    context = full_context("residence")
    context["purpose_en"] = "For a bank\x0b"
    html = render_certificate_html("residence", context)
    assert parse_certificate_html(html) is None
    pdf = render.html_to_pdf(html)
    assert pdf.startswith(b"%PDF-")


def test_each_pdf_object_is_serialised_and_compressed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pydyf computes each object's bytes twice when the PDF has an /ID (PDF/A); with
    `serialise_once` the streams are compressed once, and the file is the same."""
    compressed: list[int] = []

    class CountingZlib(render._Zlib6):
        @staticmethod
        def compressobj(level: int = 6) -> Any:
            compressed.append(level)
            return zlib.compressobj(6)

    monkeypatch.setattr(render, "_Zlib6", CountingZlib)
    context = full_context("residence")
    pdfs = {}
    counts = {}
    for once in (False, True):
        monkeypatch.setattr(render, "SERIALISE_ONCE", once)
        compressed.clear()
        pdfs[once] = comparable(render.render_certificate_pdf("residence", context, data={}))
        counts[once] = len(compressed)
    assert pdfs[True] == pdfs[False]
    # pydyf makes the object stream and the /XRef stream during the write, after the finisher:
    # the first is still compressed twice, the second once. Every other stream: once, not twice.
    streams = counts[True] - 3
    assert streams >= 5  # page content, two fonts, ICC profile, XMP metadata, JSON file
    assert counts[False] == 2 * streams + 3


def test_serialise_once_keeps_each_object_class_behaviour() -> None:
    import pydyf

    pdf = pydyf.PDF()
    stream = pydyf.Stream([b"BT ET"], compress=True)
    pdf.add_object(stream)
    render.serialise_once(pdf)
    render.serialise_once(pdf)  # twice changes nothing
    assert isinstance(stream, pydyf.Stream)
    assert stream.data is stream.data  # computed once, kept
    assert zlib.decompress(stream.data.split(b"stream\n")[1].split(b"\nendstream")[0]) == b"BT ET"
