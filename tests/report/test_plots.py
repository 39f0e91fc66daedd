"""The plots: valid SVG with exact geometry, and the same data as matplotlib figures."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from semscan.report import plots

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def test_histogram_bars_are_the_fractions_per_bin():
    values = np.array([0.05, 0.15, 0.15, 0.35])  # bins of 0.1 up to 0.4
    root = _parse(plots.histogram_svg([("x", values, None)], unit="µm", title="t", bins=4))
    bars = [r for r in root.iter(f"{NS}rect") if r.get("fill-opacity")]
    heights = [float(r.get("height")) for r in bars]
    assert len(bars) == 3  # the empty bin draws no bar
    assert heights[1] == pytest.approx(2 * heights[0], abs=0.15)
    assert heights[2] == pytest.approx(heights[0], abs=0.15)
    assert "n = 4" in plots.histogram_svg([("x", values, None)], unit="µm", title="t")


def test_weighted_series_count_their_weights():
    svg = plots.histogram_svg([("a", np.array([1.0, 2.0]), np.array([3.0, 5.0])),
                               ("b", np.array([1.5]), None)], unit="px", title="t")
    assert "a (n = 8)" in svg and "b (n = 1)" in svg and "length (px)" in svg


def test_fabric_ellipse_is_one_over_sqrt_of_the_quadratic_form():
    m = [4.0, 1.0, 2.0]
    t = np.radians(30.0)
    q = 4 * math.cos(t) ** 2 + 2 * math.sin(t) * math.cos(t) + 2 * math.sin(t) ** 2
    assert plots.fabric_ellipse(m, np.array([30.0]))[0] == pytest.approx(1 / math.sqrt(q))
    assert np.isnan(plots.fabric_ellipse([-1.0, 0.0, -1.0], np.array([0.0]))[0])


def test_rose_points_lie_at_the_mil_radius():
    root = _parse(plots.rose_svg([0, 90], [2.0, 1.0], fabric=[0.25, 0, 1], unit="µm",
                                 title="t", size=240))
    dots = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{NS}circle")
            if c.get("r") == "2"]
    cx, cy = 120, 128
    radii = sorted(round(math.hypot(x - cx, y - cy), 1) for x, y in dots)
    assert radii[0] * 2 == pytest.approx(radii[-1], abs=0.2)  # MIL 1 at 90 deg, 2 at 0


def test_nice_ticks_cover_the_range():
    for lo, hi in ((0, 0.312), (0, 7.0), (0, 1e-3), (0, 123.0)):
        ticks = plots.nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi and len(ticks) <= 8


def test_svg_escapes_text_and_holds_no_reference():
    svg = plots.class_bars_svg([("<b>x", 1.0)], chosen=None, title="<script>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    _parse(svg)
    assert "href" not in svg and "http" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_matplotlib_figures_render_with_agg(tmp_path):
    pytest.importorskip("matplotlib")
    from PIL import Image

    figs = {
        "hist": plots.histogram_figure([("x", np.array([0.1, 0.2, 0.2, 0.4]), None)],
                                       unit="µm", title="t"),
        "rose": plots.rose_figure([0, 45, 90, 135], [2.0, 1.5, 1.0, 1.5],
                                  fabric=[0.25, 0, 1], unit="µm", title="t"),
        "depth": plots.depth_profile_figure(
            {"unit": "µm", "interior": 0.3, "top": [[0, 0.1, 0.15, 9], [0.1, 0.2, 0.3, 9]]},
            layers={"top": ("skin", 0.1)}, title="t"),
        "bars": plots.class_bars_figure([("a", 0.7), ("b", 0.3)], chosen="a", title="t"),
    }
    for name, fig in figs.items():
        path = plots.save_figure(fig, tmp_path / f"{name}.png")
        pixels = np.asarray(Image.open(path).convert("L"), float)
        assert pixels.std() > 5, name
