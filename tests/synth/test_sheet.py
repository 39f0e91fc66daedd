"""Tests for semscan.synth.sheet: a crumpled sheet rendered with occlusion."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.errors import ConfigError
from semscan.synth.sheet import _deformed_sheet, _secant_and_stretch, _zbuffer, folded_sheet


def test_output_is_standardised_and_reproducible():
    a = folded_sheet(np.random.default_rng(5), (80, 120), wavelength_px=10.0)
    b = folded_sheet(np.random.default_rng(5), (80, 120), wavelength_px=10.0)
    assert a.shape == (80, 120) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert abs(float(a.mean())) < 1e-5 and abs(float(a.std()) - 1.0) < 1e-5


def test_rejects_non_positive_wavelength():
    with pytest.raises(ConfigError, match="wavelength_px"):
        folded_sheet(np.random.default_rng(0), (32, 32), wavelength_px=0.0)


def test_secant_of_a_tilted_plane_is_exact():
    # z = 0.75 x: the normal is tilted by atan(0.75) from the beam, secant sqrt(1 + 0.75^2).
    v, u = np.mgrid[0:20, 0:30].astype(np.float64)
    x, y = 0.7 * u, 0.7 * v
    secant, stretch = _secant_and_stretch(x, y, 0.75 * x)
    np.testing.assert_allclose(secant, np.sqrt(1 + 0.75**2), rtol=1e-10)
    np.testing.assert_allclose(stretch, 0.7, rtol=1e-12)


def test_secant_is_the_same_seen_from_either_side():
    v, u = np.mgrid[0:20, 0:30].astype(np.float64)
    x, y = u, v
    up, _ = _secant_and_stretch(x, y, 0.5 * y)
    flipped, _ = _secant_and_stretch(-x, y, 0.5 * y)  # the sheet turned over
    np.testing.assert_allclose(up, flipped)


def test_zbuffer_shows_the_upper_sheet_where_two_overlap():
    # A lower sheet at z = 0 over the whole 40 x 40 view and an upper one at z = 1 over
    # columns 10-19, rows 5-24 (samples 0.5 px apart, each splatted on its pixel).
    v, u = np.mgrid[0:80, 0:80] * 0.5
    lower = (u, v, np.zeros_like(u), np.zeros_like(u))
    vv, uu = np.mgrid[10:50, 20:40] * 0.5
    upper = (uu, vv, np.ones_like(uu), np.full_like(uu, 7.0))
    x, y, z, val = (
        np.concatenate([lo.ravel(), up.ravel()]) for lo, up in zip(lower, upper, strict=True)
    )
    top, value = _zbuffer(x, y, z, val, np.full_like(x, 0.5), (40, 40))
    expect = np.zeros((40, 40))
    expect[5:25, 10:20] = 1.0
    np.testing.assert_array_equal(top, expect)
    np.testing.assert_array_equal(value, 7.0 * expect)


def test_zbuffer_leaves_no_gap_in_a_stretched_sheet():
    # Samples 3 px apart: a splat as wide as the stretch covers every pixel, so the
    # height read back is the plane's own to within half a splat.
    v, u = np.mgrid[0:22, 0:22] * 3.0
    z = 0.1 * u + 0.05 * v
    top, _ = _zbuffer(u, v, z, z, np.full_like(u, 3.0), (60, 60))
    yy, xx = np.mgrid[0:60, 0:60]
    assert np.abs(top - (0.1 * xx + 0.05 * yy)).max() <= 0.15 * 2.0 + 1e-9


@pytest.mark.parametrize(("folding", "lo", "hi"), [(0.3, 0.0, 0.005), (2.0, 0.1, 0.5)])
def test_the_sheet_folds_over_itself_only_when_folding_exceeds_one(folding, lo, hi):
    # A sample lies upside down (on a fold turned over onto the sheet) where the Jacobian
    # of (u, v) -> (x, y) is negative.
    rng = np.random.default_rng(3)
    x, y, _ = _deformed_sheet(rng, (128, 128), 12.0, folding, 1.0, (1.0, 1.0), 2)
    jacobian = (np.gradient(x, axis=1) * np.gradient(y, axis=0)
                - np.gradient(x, axis=0) * np.gradient(y, axis=1))
    assert lo <= float(np.mean(jacobian < 0)) <= hi


def test_strong_folding_hides_part_of_the_sheet():
    # With strong folds, over a fifth of the samples lie under another part of the sheet.
    rng = np.random.default_rng(4)
    x, y, z = _deformed_sheet(rng, (96, 96), 10.0, 2.0, 1.2, (1.0, 1.0), 2)
    inside = (x >= 0) & (x < 96) & (y >= 0) & (y < 96)
    top, _ = _zbuffer(x, y, z, z, np.ones_like(x), (96, 96))
    xi, yi = np.floor(x[inside]).astype(int), np.floor(y[inside]).astype(int)
    hidden = z[inside] < top[yi, xi] - 1.0
    assert hidden.mean() > 0.2
