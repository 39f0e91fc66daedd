"""Whisker measurement: counts, L, D, L/D, the edge correction and the weight ratio."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semscan.calibration import Calibration
from semscan.errors import MeasurementError
from semscan.measure.whiskers import (
    measure_whiskers,
    miles_lantuejoul_weight,
    weight_fraction,
)
from semscan.phantoms.whiskers import Rod, rod_mask, whisker_film

CAL = Calibration(0.02, "user", "test")


def _rods_mask(shape, rods):
    m = np.zeros(shape, bool)
    for r in rods:
        m |= rod_mask(shape, r)
    return m


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


def test_bad_input_raises():
    with pytest.raises(MeasurementError, match="one shape"):
        measure_whiskers(np.zeros((5, 5), bool), np.zeros((4, 5), bool), calibration=CAL)
    with pytest.raises(MeasurementError, match="empty"):
        measure_whiskers(np.zeros((5, 5), bool), np.zeros((5, 5), bool), calibration=CAL,
                         region=np.zeros((5, 5), bool))

