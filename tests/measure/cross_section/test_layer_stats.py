"""Dense per-layer statistics: exact counts on hand-made masks."""

from __future__ import annotations

import math

import numpy as np

from semscan.measure.cross_section._layer_stats import dense_kappa, porosity_ci


def test_dense_kappa_counts_every_row_and_column():
    # pore stripes 6 rows thick every 12 rows, cut by one solid column every 10 (so each
    # of the interval's 8 stretches of 15 columns holds a cut)
    m = np.zeros((60, 120), bool)
    for r in range(0, 60, 12):
        m[r:r + 6, :] = True
    m[:, ::10] = False
    region = np.ones(m.shape, bool)
    kappa, (lo, hi) = dense_kappa(m, region)
    xt = sum(int((m[1:, c] != m[:-1, c]).sum()) for c in range(120))
    xa = sum(int((m[r, 1:] != m[r, :-1]).sum()) for r in range(60))
    assert kappa == (xt / (59 * 120)) / (xa / (60 * 119))
    assert lo < kappa < hi  # finite: every stretch has crossings both ways


def test_dense_kappa_without_crossings_is_nan():
    m = np.zeros((20, 40), bool)
    kappa, ci = dense_kappa(m, np.ones(m.shape, bool))
    assert math.isnan(kappa) and all(math.isnan(v) for v in ci)


def test_porosity_ci_is_the_stretches_t_interval():
    rng = np.random.default_rng(3)
    m = rng.random((50, 160)) < 0.4
    region = np.ones(m.shape, bool)
    lo, hi = porosity_ci(m, region)
    parts = [m[:, i * 20:(i + 1) * 20].mean() for i in range(8)]
    hw = 2.364624 * np.std(parts, ddof=1) / math.sqrt(8)
    assert math.isclose(lo, m.mean() - hw) and math.isclose(hi, m.mean() + hw)


def test_porosity_ci_needs_eight_columns():
    m = np.ones((10, 7), bool)
    assert all(math.isnan(v) for v in porosity_ci(m, m))
