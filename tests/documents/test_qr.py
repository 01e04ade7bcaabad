from __future__ import annotations

import base64
import re
import struct
import zlib

import segno

from documents.qr import MASK, qr_code, qr_data_url, qr_png, qr_svg

PAYLOAD = "https://portal.example.go.th/v/DOPA-2569-7K3M9QXD.7K3M9QXD." + "x" * 90


def png_rows(png: bytes) -> tuple[int, int, list[list[int]]]:
    """Width, bit depth and pixel rows (0/1) of a greyscale PNG, read with the standard library."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert colour == 0  # greyscale
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    rows = []
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        assert line[0] == 0  # no filter
        if depth == 8:
            assert set(line[1:]) <= {0, 255}  # pure black and white
            rows.append([byte // 255 for byte in line[1:]])
            continue
        bits = "".join(f"{byte:08b}" for byte in line[1:])[:width]
        rows.append([int(bit) for bit in bits])
    return width, depth, rows


def test_png_has_one_pixel_per_module_and_no_quiet_zone() -> None:
    width, depth, rows = png_rows(qr_png(PAYLOAD))
    code = qr_code(PAYLOAD)
    assert depth == 8  # 8-bit grey: WeasyPrint embeds it as is (1-bit would become RGB)
    assert width == code.symbol_size(scale=1, border=0)[0] == len(rows)
    dark = [[0 if module else 1 for module in row] for row in code.matrix_iter(border=0)]
    assert rows == dark  # black is 0 in a greyscale PNG


def test_payload_of_a_signed_link_stays_small_and_level_m() -> None:
    code = qr_code(PAYLOAD)
    assert code.error == "M"
    assert code.version in (7, 8, 9)  # 45-53 modules: about 0.6 mm each at 31 mm
    assert code.mask == MASK
    assert len(qr_png(PAYLOAD)) < 700


def test_data_url_is_base64_png() -> None:
    url = qr_data_url(PAYLOAD)
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == qr_png(PAYLOAD)


def test_fixed_mask_encodes_the_same_data_as_segnos_choice() -> None:
    chosen = segno.make(PAYLOAD, error="m", micro=False, boost_error=False)
    assert chosen.version == qr_code(PAYLOAD).version  # same capacity, only the mask differs


def test_qr_is_deterministic_and_depends_on_the_data() -> None:
    assert qr_png(PAYLOAD) == qr_png(PAYLOAD)
    assert qr_png(PAYLOAD) != qr_png(PAYLOAD + "y")


def test_svg_for_pages_is_inline_without_xml_declaration_or_fixed_size() -> None:
    svg = qr_svg("https://portal.example.go.th/verify/DOPA-2569-7K3M9QXD")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "viewBox" in svg
    assert "width=" not in svg.split(">", 1)[0]


def test_svg_path_draws_exactly_the_dark_modules() -> None:
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
