from __future__ import annotations

import re

import segno

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


def test_path_draws_exactly_the_dark_modules() -> None:
    data = "https://portal.example.go.th/verify/DOPA-2569-7K3M9QXD"
    path = re.search(r' d="([^"]+)"', qr_svg(data))
    assert path and re.fullmatch(r"(M\d+ \d+\.5h\d+)+", path.group(1))
    drawn = set()
    for x, y, width in re.findall(r"M(\d+) (\d+)\.5h(\d+)", qr_svg(data)):
        drawn |= {(int(x) + i, int(y)) for i in range(int(width))}
    code = segno.make(data, error="m", micro=False, boost_error=False)
    dark = {
        (x, y)
        for y, row in enumerate(code.matrix_iter(scale=1, border=0))
        for x, module in enumerate(row)
        if module
    }
    assert drawn == dark
    assert code.error == "M"
