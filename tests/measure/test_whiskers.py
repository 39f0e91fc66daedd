"""Whisker separation and measurement on masks with exact answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semscan.calibration import Calibration
from semscan.errors import ConfigError, MeasurementError
from semscan.measure.whiskers import (
    Whisker,
    measure_whiskers,
    merge_collinear,
    miles_lantuejoul_weight,
    paint_whiskers,
    refine_whiskers,
    separate_whiskers,
    weight_fraction,
)
from semscan.phantoms.render import RenderParams
from semscan.phantoms.whiskers import Rod, render_whisker_film, rod_mask, whisker_film

CAL = Calibration(0.02, "user", "test")


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


def test_edge_touching_whiskers_are_counted_but_not_in_the_length_distribution():
    rods = [Rod(50, 5, 60, 6, 0.0), Rod(120, 100, 80, 6, 0.0), Rod(40, 150, 60, 6, 90.0)]
    mask = _rods_mask((200, 200), rods)
    pore = np.zeros_like(mask)
    pore[180:, :] = True
    res = measure_whiskers(mask, pore, calibration=CAL)
    assert res.count == 3 and len(res.complete) == 2
    row = res.to_dict()
    assert row["whisker_count_edge"] == 1
    assert row["whisker_length_mean_um"] == pytest.approx(0.02 * 70, rel=0.02)
    assert row["whisker_width_mean_um"] == pytest.approx(0.02 * 6, rel=0.05)
    assert row["whisker_aspect_p50"] == pytest.approx(70 / 6, rel=0.05)
    assert res.area_fraction == pytest.approx(mask.mean())
    assert res.matrix_porosity == pytest.approx(pore.sum() / (~mask).sum())
    assert math.isnan(row["whisker_weight_fraction"])
    assert len(res.rows()) == 3 and res.rows()[0]["length_um"] > 0


def test_excluded_region_counts_as_edge():
    mask = _rods_mask((100, 200), [Rod(50, 100, 80, 6, 0.0)])
    region = np.ones_like(mask)
    region[:, 130:] = False
    (w,), _ = separate_whiskers(mask & region, region=region)
    assert w.touches_edge


def test_no_whiskers_gives_zero_count_and_nan_sizes():
    res = measure_whiskers(np.zeros((50, 50), bool), np.zeros((50, 50), bool),
                           calibration=CAL, densities=(1.38, 3.3))
    row = res.to_dict()
    assert res.count == 0 and res.area_fraction == 0.0 and res.weight_fraction == 0.0
    assert math.isnan(row["whisker_length_mean_um"]) and math.isnan(res.length_ml_mean)
    assert res.matrix_porosity == 0.0


def test_weight_fraction_from_known_densities():
    # 10 % whiskers of 3.3 g/cm3 and 60 % polymer of 1.38 g/cm3: 0.33 / (0.33 + 0.828)
    assert weight_fraction(0.1, 0.6, polymer_density=1.38, whisker_density=3.3) == (
        pytest.approx(0.33 / 1.158))
    mask = np.zeros((100, 100), bool)
    mask[10:20, 10:90] = True  # 8 % whiskers
    pore = np.zeros_like(mask)
    pore[50:, :] = True  # 50 % pores, 42 % polymer
    res = measure_whiskers(mask, pore, calibration=CAL, densities=(1.0, 2.0))
    assert res.weight_fraction == pytest.approx(0.16 / (0.16 + 0.42))
    assert res.to_dict()["whisker_polymer_weight_pct"] == pytest.approx(100 * 0.42 / 0.58)


def test_miles_lantuejoul_weights_remove_the_edge_bias():
    rng = np.random.default_rng(0)
    frame = (300.0, 400.0)
    n = 200_000
    L = rng.gamma(4.0, 15.0, n)  # mean 60 px, CV 0.5
    D = np.full(n, 5.0)
    a = rng.uniform(0, 180, n)
    t = np.deg2rad(a)
    bx = L * np.abs(np.cos(t)) + D * np.abs(np.sin(t))
    by = L * np.abs(np.sin(t)) + D * np.abs(np.cos(t))
    # centres uniform over a field much larger than the frame: complete if the box fits
    cx = rng.uniform(-200, 600, n)
    cy = rng.uniform(-200, 500, n)
    complete = ((cx - bx / 2 >= 0) & (cx + bx / 2 <= frame[1])
                & (cy - by / 2 >= 0) & (cy + by / 2 <= frame[0]))
    w = miles_lantuejoul_weight(L[complete], D[complete], a[complete], frame)
    corrected = np.sum(w * L[complete]) / np.sum(w)
    naive = L[complete].mean()
    assert corrected == pytest.approx(L.mean(), rel=0.01)
    assert naive < 0.95 * L.mean()  # long whiskers touch the border more often
    assert miles_lantuejoul_weight(np.array([500.0]), np.array([5.0]), np.array([0.0]),
                                   frame)[0] == 0.0


def test_exact_phantom_masks_count_length_width():
    film = whisker_film((512, 640), n_rods=60, length_px=70, width_px=7, seed=4)
    res = measure_whiskers(film.whisker, film.pore, calibration=Calibration(1.0, "user", ""))
    visible = [r for r in film.rods if r.visible_length_px(film.shape) > 3 * r.width_px]
    complete = film.complete()
    assert res.count == pytest.approx(len(visible), rel=0.05)
    assert len(res.complete) == pytest.approx(len(complete), rel=0.05)
    assert res.lengths().mean() == pytest.approx(np.mean([r.length_px for r in complete]),
                                                 rel=0.05)
    assert res.widths().mean() == pytest.approx(np.mean([r.width_px for r in visible]),
                                                rel=0.05)
    assert res.area_fraction == pytest.approx(film.whisker_fraction, abs=1e-12)
    assert res.matrix_porosity == pytest.approx(film.matrix_porosity, abs=1e-12)


def test_refine_recovers_width_and_length_from_the_blurred_grey():
    rod = Rod(60.4, 80.2, 70.0, 6.0, 33.0)
    film = whisker_film((1, 1), n_rods=0, length_px=1, width_px=1)  # matrix only
    del film
    mask = rod_mask((120, 160), rod)
    from semscan.phantoms.whiskers import WhiskerFilm

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
    with pytest.raises(MeasurementError, match="one shape"):
        measure_whiskers(np.zeros((5, 5), bool), np.zeros((4, 5), bool), calibration=CAL)
    with pytest.raises(MeasurementError, match="empty"):
        measure_whiskers(np.zeros((5, 5), bool), np.zeros((5, 5), bool), calibration=CAL,
                         region=np.zeros((5, 5), bool))
