"""The interface search (semscan.measure.cross_section.interfaces) on exact inputs."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.measure.cross_section.interfaces import (
    MIN_LAYER_FRACTION,
    _best_cut,
    _best_cuts,
    _robust_curve,
    _segment_costs,
    min_layer_px,
)


def test_segment_costs_are_the_squared_deviations():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 3))
    c = _segment_costs(x)
    for i, j in [(0, 12), (3, 7), (5, 6)]:
        seg = x[i:j]
        assert c[i, j] == pytest.approx(((seg - seg.mean(axis=0)) ** 2).sum(), abs=1e-9)
    assert np.isinf(c[4, 4]) and np.isinf(c[6, 2])


def test_best_cuts_find_exact_steps():
    x = np.concatenate([np.zeros(30), np.full(50, 4.0), np.full(20, 1.0)])[:, None]
    assert _best_cuts(x, 1, 5) == []
    assert _best_cuts(x, 2, 5) == [30]
    assert _best_cuts(x, 3, 5) == [30, 80]
    assert _best_cuts(x, 3, 40) is None            # 3 segments of 40 rows need 120
    assert _best_cuts(x, 2, 40) == [40]            # the minimum length moves the cut


@pytest.mark.parametrize("seed", range(40))
def test_the_one_cut_shortcut_is_the_dynamic_programme_s_cut(seed):
    """k = 2: the O(n) cut equals the least cost(0, j) + cost(j, n) of the full cost matrix
    (the first of equal minima), ties and the minimum length included."""
    rng = np.random.default_rng(seed)
    n, min_len = int(rng.integers(2, 300)), int(rng.integers(0, 40))
    x = rng.normal(size=(n, 3)) * rng.uniform(0.1, 10)
    x[int(rng.integers(1, n)):] += rng.normal(size=3)
    if seed % 4 == 0:
        x = np.round(x)  # equal costs at several cuts
    cost = _segment_costs(x)
    j = np.arange(n + 1)
    least = max(min_len, 1)
    total = np.where((j >= least) & (n - j >= least), cost[0, j] + cost[j, n], np.inf)
    want = [int(np.argmin(total))] if np.isfinite(total.min()) else None
    assert _best_cut(x, min_len) == want
    if n >= 2 * min_len:
        assert _best_cuts(x, 2, min_len) == want


def test_robust_curve_drops_a_stray_block():
    centres = np.arange(0.0, 1000.0, 100.0)
    cuts = np.full(10, 200.0)
    cuts[0] = 120.0                                 # a block that mistook the layers
    curve = _robust_curve(centres, cuts, 100.0, np.arange(0.0, 1000.0))
    assert np.allclose(curve, 200.0)


def test_min_layer():
    assert min_layer_px(400.0, 10.0) == MIN_LAYER_FRACTION * 400.0
    assert min_layer_px(100.0, 40.0) == 60.0       # 1.5 pore-plus-wall intercepts
    assert min_layer_px(4.0, 1.0) == 4.0


def test_shifted_rows_are_the_row_sums_of_the_shifted_block():
    """The straightened block's row sums by groups of one shift: the same integers as
    gathering every pixel (:func:`_shifted` then a sum), shifts beyond the block too."""
    from semscan.measure.cross_section.interfaces import _shifted, _shifted_rows

    rng = np.random.default_rng(0)
    a = rng.random((90, 70)) < 0.4
    wave = np.round(12 * np.sin(np.arange(70) / 9.0)).astype(np.int64)
    for shift in (None, np.zeros(70, np.int64), wave, rng.integers(-120, 120, 70)):
        want = _shifted(a, shift).sum(axis=1)
        got = _shifted_rows(a, shift)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
