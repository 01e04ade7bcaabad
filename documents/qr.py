"""QR codes: for certificates a 1-bit PNG, one pixel per module, embedded as a `data:` URL
(`qr_data_url`); for web pages an inline SVG (`qr_svg`).

Why a PNG and not SVG: WeasyPrint parses SVG paths in Python, which cost about 10 ms per
certificate for a verify payload; a 1-bit PNG of a version-8 code is under 500 bytes and is
copied into the PDF as an image. The certificate stylesheet scales it with
`image-rendering: pixelated`, so the PDF marks it `/Interpolate false` and viewers and printers
draw sharp modules instead of a blur.

Why a fixed mask: choosing the "best" of the eight masks means scoring each one in Python
(segno: about 6 of its 8 ms). Every mask is valid (the format information tells the reader
which one was used); the score only avoids patterns that confuse some old readers. The tests
decode rendered certificates with zbar for many payloads.
"""

from __future__ import annotations

import base64
import io

import segno

# Error level M survives about 15 % damage (a fold, a stamp) and keeps a ~150-character signed
# payload at version 8-9 (49-53 modules): about 0.6 mm a module at the printed 31 mm.
ERROR_LEVEL = "m"
MASK = 2  # pattern: every third column; see the module docstring


def qr_code(data: str) -> segno.QRCode:
    """The QR code of `data` (byte or alphanumeric mode, error level M, fixed mask)."""
    return segno.make(data, error=ERROR_LEVEL, micro=False, boost_error=False, mask=MASK)


def qr_png(data: str) -> bytes:
    """A 1-bit PNG of `data`'s QR code: one pixel per module, no quiet zone (the layout adds
    it as padding, so the size in CSS is exactly the symbol's)."""
    out = io.BytesIO()
    qr_code(data).save(out, kind="png", scale=1, border=0)
    return out.getvalue()


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
