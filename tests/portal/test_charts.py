"""Server-side SVG charts: well-formed, accessible, and hostile labels stay text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from portal.charts import bar_chart, day_chart

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script>&'


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


def test_bar_chart_is_an_accessible_image():
    svg = bar_chart([("รอตรวจ", 3), ("Submitted", 12)], title="Backlog", desc="By state")
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Backlog"
    assert root.find(f"{SVG}desc").text == "By state"
    assert root.get("aria-labelledby").split() == [
        root.find(f"{SVG}title").get("id"),
        root.find(f"{SVG}desc").get("id"),
    ]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "รอตรวจ" in texts and "12" in texts
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#0b5cad"]
    widths = sorted(float(r.get("width")) for r in bars)
    assert widths[1] == pytest.approx(widths[0] * 4)


def test_no_script_no_style_no_external_resource():
    svg = str(bar_chart([("a", 1)], title="t", desc="d")) + str(
        day_chart(["1", "2"], [1, 2], [0, 1], title="t", desc="d", column_label="c", line_label="l")
    )
    for forbidden in ("<script", "style=", "href", "url(", "<image", "<foreignObject"):
        assert forbidden not in svg


def test_hostile_labels_are_escaped():
    bar = str(bar_chart([(HOSTILE, 1)], title=HOSTILE, desc=HOSTILE))
    days = str(
        day_chart(
            [HOSTILE],
            [1],
            [1],
            title=HOSTILE,
            desc=HOSTILE,
            column_label=HOSTILE,
            line_label=HOSTILE,
        )
    )
    for svg in (bar, days):
        assert "<script>" not in svg
        assert "&lt;script&gt;" in svg
        root = parse(svg)
        assert root.find(f"{SVG}title").text == HOSTILE
        assert not list(root.iter(f"{SVG}script"))


def test_day_chart_draws_both_series_distinguishably():
    svg = day_chart(
        ["15", "16", "17"],
        [2, 0, 4],
        [1, 3, 0],
        title="Throughput",
        desc="Filed and decided per day",
        column_label="Filed",
        line_label="Decided",
    )
    root = parse(svg)
    assert len(list(root.iter(f"{SVG}polyline"))) == 1
    markers = [r for r in root.iter(f"{SVG}rect") if r.get("width") == "7"]
    assert len(markers) == 3  # the line has a marker per day: not colour alone
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Filed" in texts and "Decided" in texts and "5" in texts  # the axis top


def test_empty_and_zero_data_draw_without_dividing_by_zero():
    parse(bar_chart([], title="t", desc="d"))
    parse(bar_chart([("a", 0)], title="t", desc="d"))
    parse(day_chart([], [], [], title="t", desc="d", column_label="c", line_label="l"))
    parse(day_chart(["1"], [0], [0], title="t", desc="d", column_label="c", line_label="l"))
    with pytest.raises(ValueError):
        day_chart(["1"], [1, 2], [0], title="t", desc="d", column_label="c", line_label="l")
