"""Interfaces drawn by a reviewer, as layer depths (semscan.pipeline.drawn_layers)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semscan.config import AnalysisConfig
from semscan.micrograph import Micrograph
from semscan.phantoms.films import render_cross_section
from semscan.phantoms.layers import two_layer_cross_section
from semscan.pipeline import analyze_micrograph
from semscan.pipeline.drawn_layers import DrawnLineError, layer_depths_from_lines
from semscan.pipeline.remeasure import remeasure

SHAPE, T, PX = (512, 700), 300.0, 0.01
CFG = AnalysisConfig().with_overrides({"classify.enabled": False,
                                       "measure.local_thickness": False})


def _section(tilt_deg: float, depth_px: float = 165.0):
    pore, spec, truth = two_layer_cross_section(SHAPE, thickness_px=T, tilt_deg=tilt_deg,
                                                interface_depth_px=depth_px, seed=2)
    img = render_cross_section(pore, spec, seed=3)
    res = analyze_micrograph(Micrograph.from_array(img, pixel_size_um=PX), config=CFG,
                             view="cross-section")
    return res, truth


def _line_at_depth(tilt_deg: float, depth_px: float, x_from: float, x_to: float,
                   n: int = 2) -> np.ndarray:
    """(row, column) vertices of the line at ``depth_px`` below the phantom's top surface
    (the film is centred in the image, at ``tilt_deg`` counter-clockwise as displayed)."""
    t = math.radians(tilt_deg)
    rc, cc = (SHAPE[0] - 1) / 2, (SHAPE[1] - 1) / 2
    y = -T / 2 + depth_px
    x = np.linspace(x_from, x_to, n)
    return np.column_stack([rc - x * math.sin(t) + y * math.cos(t),
                            cc + x * math.cos(t) + y * math.sin(t)])


@pytest.fixture(scope="module")
def level():
    return _section(0.0)


@pytest.fixture(scope="module")
def tilted():
    res, truth = _section(9.0)
    assert res.frame_rotation is not None  # measured in its rotated film frame
    return res, truth


def _top_offset_px(res, tilt_deg):
    """Where the analysis put the top surface, relative to the phantom's (px, along the
    normal): the drawn depth is measured from the surface found."""
    film = res.cross_section.film
    line = _line_at_depth(tilt_deg, 0.0, -100, 100, n=9)
    rows, cols = line[:, 0], line[:, 1]
    if res.frame_rotation is not None:
        rows, cols = res.frame_rotation.to_frame(rows, cols)
    x, y = film.to_film(rows, cols)
    return float(np.mean(film.top_at(x) - y))


@pytest.mark.parametrize("which", ["level", "tilted"])
def test_a_line_drawn_at_the_interface_gives_its_depth(which, request):
    res, truth = request.getfixturevalue(which)
    tilt = 0.0 if which == "level" else 9.0
    depth = truth["interface_depth_px"]
    drawn = layer_depths_from_lines(res, [_line_at_depth(tilt, depth, -150, 150)])
    # the depth below the surface semscan found, exactly (the line is straight and
    # parallel to the phantom's surface; the found surface is where it is)
    expected = (depth - _top_offset_px(res, tilt)) * PX
    assert drawn == pytest.approx((expected,), abs=0.25 * PX)
    # and within 2 px of the phantom's own interface depth
    assert drawn[0] == pytest.approx(depth * PX, abs=2 * PX)


def test_a_path_counts_each_stretch_by_its_length(level):
    """A path whose first half runs 20 px deeper than its second: the mean of the two
    depths, weighted by length (100 and 200 px: 1/3 and 2/3)."""
    res, _ = level
    top = _line_at_depth(0.0, 0.0, 0, 0, n=1)[0, 0]
    path = np.array([[top + 80, 50], [top + 80, 150], [top + 60, 150], [top + 60, 350]])
    one = layer_depths_from_lines(res, [path])[0]
    a = layer_depths_from_lines(res, [path[:2]])[0]
    b = layer_depths_from_lines(res, [path[2:]])[0]
    assert a - b == pytest.approx(20 * PX, abs=1 * PX)  # the found surface is not flat
    # the 20 px step between them adds 40 samples at 70 px depth to the 201 + 401 of a, b
    mid = b + 10 * PX
    assert one == pytest.approx((200 * a + 40 * mid + 401 * b) / 641, abs=0.1 * PX)


def test_points_outside_the_film_are_left_out_and_lines_sorted(level):
    res, _truth = level
    inside = _line_at_depth(0.0, 60.0, -100, 100)
    longer = _line_at_depth(0.0, 60.0, -400, 400)  # beyond the image's ends
    a, = layer_depths_from_lines(res, [inside])
    b, = layer_depths_from_lines(res, [longer])
    # the longer line's points beyond the image are left out; it averages over the whole
    # film instead of its middle, where the found surface departs from the phantom's by a
    # fraction of a pixel
    assert a == pytest.approx(b, abs=0.5 * PX)
    two = layer_depths_from_lines(res, [_line_at_depth(0.0, 150.0, -100, 100), inside])
    assert two[0] == pytest.approx(a) and two[1] > two[0]


def test_lines_that_cannot_be_interfaces_are_refused(level):
    res, _ = level
    with pytest.raises(DrawnLineError, match="no point inside the film"):
        layer_depths_from_lines(res, [[[2, 10], [2, 300]]])  # in the vacuum above
    with pytest.raises(DrawnLineError, match="two or more"):
        layer_depths_from_lines(res, [[[100, 10]]])
    with pytest.raises(DrawnLineError, match="no line drawn"):
        layer_depths_from_lines(res, [])


@pytest.mark.parametrize("which", ["level", "tilted"])
def test_a_remeasure_measures_the_drawn_layers_and_keeps_them(which, request):
    res, _truth = request.getfixturevalue(which)
    tilt = 0.0 if which == "level" else 9.0
    depths = layer_depths_from_lines(res, [_line_at_depth(tilt, 70.0, -150, 150)])
    new = remeasure(res, res.labels_full, layer_depths_um=depths)
    lay = new.cross_section.layers
    assert lay.mode == "given" and lay.n_layers == 2
    assert lay.interfaces[0].source == "given"
    # parallel to the top surface at that depth (to the interpolation between the frame's
    # columns and the film's positions: measured 1e-4 px)
    assert lay.interfaces[0].mean_depth_um == pytest.approx(depths[0], abs=0.01 * PX)
    assert new.layer_depths_um == depths
    assert new.to_row()["layer_depths_um"] == ";".join(repr(d) for d in depths)
    # a re-measure of the re-measured result keeps the drawn layers; () finds them again
    again = remeasure(new, new.labels_full)
    assert again.cross_section.layers.mode == "given" and again.layer_depths_um == depths
    found = remeasure(new, new.labels_full, layer_depths_um=())
    assert found.cross_section.layers.mode == "auto" and found.layer_depths_um == ()


@pytest.mark.parametrize("which", ["level", "tilted"])
def test_the_measured_interface_lies_on_the_drawn_line(which, request):
    """Drawn, converted, re-measured, drawn back in the file's pixels: the interface path
    is where the reviewer drew it (to the surface's own waviness: within 2 px)."""
    from semscan.pipeline.drawn_layers import interface_paths

    res, _ = request.getfixturevalue(which)
    tilt = 0.0 if which == "level" else 9.0
    line = _line_at_depth(tilt, 90.0, -150, 150, n=31)
    new = remeasure(res, res.labels_full,
                    layer_depths_um=layer_depths_from_lines(res, [line]))
    [path] = interface_paths(new)
    t = math.radians(tilt)
    normal = np.array([math.cos(t), math.sin(t)])  # (row, column) of the film normal
    centre = np.array([(SHAPE[0] - 1) / 2, (SHAPE[1] - 1) / 2])
    along = (path - centre) @ np.array([-math.sin(t), math.cos(t)])
    middle = np.abs(along) <= 150
    offset = (path[middle] - centre) @ normal - (-T / 2 + 90.0)
    assert np.abs(offset).max() <= 2.0
    assert interface_paths(res) and len(interface_paths(res)) == res.cross_section.layers \
        .n_layers - 1
