from __future__ import annotations

from documents.qr import qr_svg


def test_qr_is_inline_svg_without_xml_declaration_or_fixed_size() -> None:
    svg = qr_svg("https://portal.example.go.th/verify/DOPA-2569-7K3M9QXD")
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg
    assert "viewBox" in svg
    assert "width=" not in svg.split(">", 1)[0]
    assert 'class="qr"' in svg


def test_qr_is_deterministic_and_depends_on_the_data() -> None:
    url = "https://portal.example.go.th/verify/DOPA-2569-7K3M9QXD"
    assert qr_svg(url) == qr_svg(url)
    assert qr_svg(url) != qr_svg(url.replace("QXD", "QXE"))
