"""Whisker separation and refinement on masks and renderings with exact answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semscan.errors import ConfigError, MeasurementError
from semscan.measure.whisker_split import (
    Whisker,
    merge_collinear,
    paint_whiskers,
    refine_whiskers,
    separate_whiskers,
)
from semscan.phantoms.render import RenderParams
from semscan.phantoms.whiskers import Rod, WhiskerFilm, render_whisker_film, rod_mask


def _rods_mask(shape, rods):
    m = np.zeros(shape, bool)
    for r in rods:
        m |= rod_mask(shape, r)
    return m


@pytest.mark.parametrize("angle", [0.0, 17.0, 45.0, 63.0, 90.0, 128.0])
def test_one_rod_length_and_width_at_any_angle(angle):
    rod = Rod(100.2, 99.7, 120.0, 8.0, angle)
    (w,), acc = separate_whiskers(rod_mask((200, 200), rod))
    assert w.length_px == pytest.approx(120.0, rel=0.02)
    assert w.width_px == pytest.approx(8.0, rel=0.05)
    assert abs((w.angle_deg - angle + 90) % 180 - 90) < 1.0
    assert (w.row, w.col) == pytest.approx((100.2, 99.7), abs=1.0)
    assert not w.touches_edge and acc.sum() == rod_mask((200, 200), rod).sum()


def test_crossing_and_touching_rods_are_separated():
    rods = [Rod(100, 100, 150, 8, 10.0), Rod(100, 110, 120, 6, 100.0),  # an X
            Rod(40, 60, 80, 7, 60.0),  # crosses the first near its end
            Rod(160, 150, 60, 6, 150.0)]  # alone
    ws, _ = separate_whiskers(_rods_mask((220, 260), rods))
    assert len(ws) == 4
    for rod in rods:
        w = min(ws, key=lambda w: math.hypot(w.row - rod.row, w.col - rod.col)
                + abs(w.length_px - rod.length_px))
        assert w.length_px == pytest.approx(rod.length_px, rel=0.05)
        assert w.width_px == pytest.approx(rod.width_px, rel=0.1)


def test_t_junction_stem_is_measured_at_most_one_bar_width_long():
    bar = Rod(50, 100, 160, 8, 0.0)
    stem = Rod(50 + 4 + 30, 100, 60, 6, 90.0)  # from the bar's lower edge downwards
    ws, _ = separate_whiskers(_rods_mask((140, 200), [bar, stem]))
    lengths = sorted(round(w.length_px) for w in ws)
    assert len(ws) == 2 and lengths[1] == 160
    assert 60 - 1 <= lengths[0] <= 60 + 8 + 1  # as documented: to the bar's edge or across


def test_bright_blobs_and_short_objects_are_not_whiskers():
    m = np.zeros((100, 100), bool)
    yy, xx = np.mgrid[:100, :100]
    m |= (yy - 30) ** 2 + (xx - 30) ** 2 <= 12**2  # a round grain
    m[70:76, 60:72] = True  # 12 x 6: L/D 2 < 3
    ws, acc = separate_whiskers(m, min_aspect=3.0)
    assert ws == () and not acc.any()


def test_collinear_pieces_join_and_parallel_neighbours_do_not():
    a = Whisker(50.0, 30.0, 0.0, 40.0, 6.0, 240, False)
    b = Whisker(50.0, 78.0, 0.0, 50.0, 6.0, 300, True)  # 5 px gap, in line
    c = Whisker(70.0, 78.0, 0.0, 50.0, 6.0, 300, False)  # parallel, 20 px aside
    joined = merge_collinear((a, b, c))
    assert len(joined) == 2
    long = max(joined, key=lambda w: w.length_px)
    assert long.length_px == pytest.approx(93.0) and long.touches_edge


def test_excluded_region_counts_as_edge():
    mask = _rods_mask((100, 200), [Rod(50, 100, 80, 6, 0.0)])
    region = np.ones_like(mask)
    region[:, 130:] = False
    (w,), _ = separate_whiskers(mask & region, region=region)
    assert w.touches_edge


def test_refine_recovers_width_and_length_from_the_blurred_grey():
    rod = Rod(60.4, 80.2, 70.0, 6.0, 33.0)
    mask = rod_mask((120, 160), rod)
    f = WhiskerFilm(np.zeros_like(mask), mask, (rod,), mask.astype(np.int32))
    img = render_whisker_film(f, seed=0, params=RenderParams(noise=0.01, gradient=0.0,
                                                             blur_px=1.2))
    thin = mask & (img > 0.85)  # a threshold too high: a thinner, shorter mask
    (w,), _ = separate_whiskers(thin)
    assert w.width_px < 5.5
    (r,) = refine_whiskers(img, (w,))
    assert r.width_px == pytest.approx(6.0, abs=0.3)
    assert r.length_px == pytest.approx(70.0, abs=1.5)
    painted = paint_whiskers(mask.shape, (r,))
    assert (painted ^ mask).sum() < 0.1 * mask.sum()


def test_bad_input_raises():
    with pytest.raises(MeasurementError, match="2-D"):
        separate_whiskers(np.zeros(5, bool))
    with pytest.raises(ConfigError, match="must be > 0"):
        separate_whiskers(np.zeros((5, 5), bool), min_width_px=0)

