"""QR codes: for certificates an 8-bit greyscale PNG, one pixel per module, embedded as a `data:`
URL (`qr_data_url`); for web pages an inline SVG (`qr_svg`).

Why a PNG and not SVG: WeasyPrint parses SVG paths in Python, which cost about 10 ms per
certificate for a verify payload; a PNG of a version-8 code is under 700 bytes and is copied
into the PDF as an image.

Why 8-bit greyscale and not 1-bit: WeasyPrint converts 1-bit (and palette) images to RGB and
re-encodes them twice with Pillow; a greyscale ("L") PNG is taken as it is and embedded as
/DeviceGray, about 1 ms less per certificate. The PNG is written here with zlib (segno's PNG
writer costs another 0.4 ms). The certificate stylesheet scales it with
`image-rendering: pixelated`, so the PDF marks it `/Interpolate false` and viewers and printers
draw sharp modules instead of a blur.

Why a fixed mask: choosing the "best" of the eight masks means scoring each one in Python
(segno: about 6 of its 8 ms). Every mask is valid (the format information tells the reader
which one was used); the score only avoids patterns that confuse some old readers. The tests
decode rendered certificates with zbar for many payloads.
"""

from __future__ import annotations

import base64
import struct
import zlib

import segno

# Error level M survives about 15 % damage (a fold, a stamp) and keeps a ~150-character signed
# payload at version 8-9 (49-53 modules): about 0.6 mm a module at the printed 31 mm.
ERROR_LEVEL = "m"
MASK = 2  # pattern: every third column; see the module docstring


def qr_code(data: str) -> segno.QRCode:
    """The QR code of `data` (byte or alphanumeric mode, error level M, fixed mask)."""
    return segno.make(data, error=ERROR_LEVEL, micro=False, boost_error=False, mask=MASK)


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# segno's matrix rows are bytearrays of 0 (light) and 1 (dark): light to white, dark to black.
_MODULE_TO_GREY = bytes([255, 0]) + bytes(254)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def qr_png(data: str) -> bytes:
    """An 8-bit greyscale PNG of `data`'s QR code (black 0, white 255): one pixel per module,
    no quiet zone (the layout adds it as padding, so the size in CSS is exactly the symbol's)."""
    matrix = qr_code(data).matrix
    size = len(matrix)
    # Each row: filter type 0 (none), then one byte per module.
    raw = b"".join(b"\x00" + bytes(row).translate(_MODULE_TO_GREY) for row in matrix)
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        _PNG_SIGNATURE
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw, 6))
        + _png_chunk(b"IEND", b"")
    )


def qr_data_url(data: str) -> str:
    """`qr_png(data)` as a `data:image/png;base64,` URL, the only data URL the renderer
    accepts (see `documents.render.CertificateURLFetcher`)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(data)).decode("ascii")


# Each run of dark modules is a 1-module-high stroke. Drawn at exactly 1, poppler and printer
# RIPs leave hairline gaps between rows, which scanners read badly; 4 % more height closes them.
_STROKE_WIDTH = "1.04"


def qr_svg(data: str) -> str:
    """An inline `<svg>` (no XML declaration, no fixed size) of `data` at error level M, for
    web pages (back-office TOTP enrolment, kiosk sign-in); certificates use `qr_data_url`.

    segno picks the best mask here: pages are not on the issuing hot path.
    """
    code = segno.make(data, error=ERROR_LEVEL, micro=False, boost_error=False)
    size, _ = code.symbol_size(scale=1, border=0)
    runs: list[str] = []
    for y, row in enumerate(code.matrix_iter(scale=1, border=0)):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            runs.append(f"M{start} {y}.5h{x - start}")
    return (
        f'<svg class="qr" viewBox="0 0 {size} {size}" role="img" aria-label="QR code">'
        f'<path stroke="#000" stroke-width="{_STROKE_WIDTH}" d="{"".join(runs)}"/></svg>'
    )
