"""QR codes for certificates, as inline SVG so the renderer never fetches an image."""

from __future__ import annotations

import segno

# Each run of dark modules is a 1-module-high stroke. Drawn at exactly 1, poppler and printer
# RIPs leave hairline gaps between rows (segno's own SVG shows them), which scanners read badly;
# 4 % more height closes them and is far below any printer's dot gain. A filled path of
# rectangles has no gaps either but has 2.5 times the path commands, and WeasyPrint parses SVG
# paths in Python (about +8 ms per certificate).
_STROKE_WIDTH = "1.04"


def qr_svg(data: str) -> str:
    """An `<svg>` element (no XML declaration, no fixed size) encoding `data` at error level M.

    Level M survives about 15 % damage (a fold, a stamp) while keeping a verify URL small.
    The size comes from CSS through the viewBox; the quiet zone is left to the layout.
    """
    code = segno.make(data, error="m", micro=False, boost_error=False)
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
