"""Charts as inline SVG, drawn on the server: they print, need no script and no CDN.

Pure functions from numbers and labels to an SVG string (`markupsafe.Markup`, ready for a
template). Every label and title passes through `markupsafe.escape`; numbers are formatted by
Python. Colours are presentation attributes (the CSP forbids inline styles): text is near-black
on white (contrast about 17:1), bars and lines dark enough for 3:1 against white, and two series
differ in shape too (columns and a line with square markers), never by colour alone. Each chart
has `role="img"`, a `<title>` and a `<desc>`; pages show the same figures in a table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from markupsafe import Markup, escape

INK = "#1a1a1a"  # text and axes: 17.4:1 on white
GRID = "#6b6b6b"
BAR = "#0b5cad"  # 6.4:1 on white
LINE = "#a4262c"  # 7.0:1 on white
FONT = "sans-serif"

_ids = count(1)


def _num(value: float) -> str:
    """A coordinate: short, locale-free."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _value_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _nice_max(value: float) -> float:
    """The axis maximum: 1, 2, 2.5 or 5 times a power of ten, at least the largest value."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def _short(label: str, limit: int = 32) -> str:
    """Long labels are cut (the full text is in the table beside the chart)."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _open(width: int, height: int, title: str, desc: str) -> tuple[str, str]:
    n = next(_ids)
    title_id, desc_id = f"chart-title-{n}", f"chart-desc-{n}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{title_id} {desc_id}" font-family="{FONT}" font-size="13" '
        f'fill="{INK}">'
        f'<title id="{title_id}">{escape(title)}</title>'
        f'<desc id="{desc_id}">{escape(desc)}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
    )
    return head, "</svg>"


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str,
    width: int = 640,
    bar_height: int = 26,
    label_width: int = 220,
) -> Markup:
    """Horizontal bars, one per (label, value), the value written at the end of each bar."""
    height = max(1, len(items)) * (bar_height + 10) + 20
    head, tail = _open(width, height, title, desc)
    top = max((v for _, v in items), default=0)
    scale = (width - label_width - 70) / (_nice_max(top) if top else 1)
    parts = [head]
    x0 = label_width
    parts.append(
        f'<line x1="{x0}" y1="6" x2="{x0}" y2="{height - 10}" stroke="{INK}" stroke-width="1"/>'
    )
    for i, (label, value) in enumerate(items):
        y = 10 + i * (bar_height + 10)
        w = max(0.0, value * scale)
        mid = y + bar_height / 2 + 4.5
        parts.append(
            f'<text x="{x0 - 8}" y="{_num(mid)}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect x="{x0}" y="{y}" width="{_num(w)}" height="{bar_height}" fill="{BAR}"/>'
            f'<text x="{_num(x0 + w + 6)}" y="{_num(mid)}">{escape(_value_text(value))}</text>'
        )
    if not items:
        parts.append(f'<text x="{x0 + 8}" y="24">–</text>')
    parts.append(tail)
    return Markup("".join(parts))


def day_chart(
    days: Sequence[str],
    columns: Sequence[float],
    line: Sequence[float],
    *,
    title: str,
    desc: str,
    column_label: str,
    line_label: str,
    width: int = 720,
    height: int = 280,
) -> Markup:
    """Columns (one series) and a line with square markers (another) over days.

    `days` are the axis labels (already formatted); a few are written under the axis, all are
    in the table the page shows beside the chart.
    """
    if not (len(days) == len(columns) == len(line)):
        raise ValueError("days, columns and line must have the same length")
    left, right, top_pad, bottom = 48, 12, 36, 40
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    head, tail = _open(width, height, title, desc)
    top = _nice_max(max([*columns, *line], default=0))
    n = max(1, len(days))
    slot = plot_w / n
    base = top_pad + plot_h

    def y_of(value: float) -> float:
        return base - value / top * plot_h

    parts = [head]
    # Legend: a filled square for the columns, a line with a marker for the line.
    parts.append(
        f'<rect x="{left}" y="8" width="14" height="14" fill="{BAR}"/>'
        f'<text x="{left + 20}" y="20">{escape(column_label)}</text>'
        f'<line x1="{left + 200}" y1="15" x2="{left + 230}" y2="15" stroke="{LINE}" '
        f'stroke-width="3"/>'
        f'<rect x="{left + 211}" y="11" width="8" height="8" fill="{LINE}"/>'
        f'<text x="{left + 238}" y="20">{escape(line_label)}</text>'
    )
    for fraction in (0, 0.5, 1):
        value = top * fraction
        y = y_of(value)
        parts.append(
            f'<line x1="{left}" y1="{_num(y)}" x2="{width - right}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{_num(y + 4)}" text-anchor="end">'
            f"{escape(_value_text(value))}</text>"
        )
    bar_w = max(1.0, slot * 0.6)
    points = []
    for i, (value, other) in enumerate(zip(columns, line, strict=True)):
        x = left + i * slot
        parts.append(
            f'<rect x="{_num(x + (slot - bar_w) / 2)}" y="{_num(y_of(value))}" '
            f'width="{_num(bar_w)}" height="{_num(base - y_of(value))}" fill="{BAR}"/>'
        )
        points.append((x + slot / 2, y_of(other)))
    if points:
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2.5"/>')
        for x, y in points:
            parts.append(
                f'<rect x="{_num(x - 3.5)}" y="{_num(y - 3.5)}" width="7" height="7" '
                f'fill="{LINE}"/>'
            )
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{INK}"/>')
    every = max(1, -(-n // 8))  # at most about eight labels under the axis
    for i, label in enumerate(days):
        if (n - 1 - i) % every == 0:  # evenly spaced, ending on the last day
            x = left + i * slot + slot / 2
            parts.append(
                f'<text x="{_num(x)}" y="{base + 18}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append(tail)
    return Markup("".join(parts))
