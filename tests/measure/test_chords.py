import math

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED, Calibration
from semscan.errors import ConfigError
from semscan.measure import chord_lengths
from semscan.phantoms.geometry import (
    boolean_disc_chord_mean,
    boolean_disc_digital_chord_mean,
    boolean_discs,
    boolean_ellipse_chord_mean,
    boolean_ellipses,
    stripes,
)

R, P = 8.0, 0.5
LAM = -math.log(P) / (math.pi * R * R)


@pytest.fixture(scope="module")
def discs():
    return [boolean_discs((2048, 2048), intensity_per_px2=LAM, radius_px=R, seed=s)
            for s in (0, 1)]


def test_stripes_rows_columns_exact():
    m = stripes((50, 60), pore_width_px=3, solid_width_px=2)
    d = chord_lengths(m, calibration=Calibration(0.1, "user"))
    assert np.allclose(d.lengths, 0.3) and d.n == 50 * 11 and d.n_truncated == 50
    assert d.mean == pytest.approx(0.3) and d.percentiles[50] == pytest.approx(0.3)
    h = chord_lengths(m.T, calibration=UNCALIBRATED, direction="columns")
    assert np.allclose(np.sort(h.lengths), np.sort(d.lengths / 0.1))


def test_boolean_discs_void_and_grain_chord_means(discs):
    # Edge-corrected mean vs the exact expectation for unit-step pixel samples (1.5%),
    # and vs the continuous closed form (+ digitisation, about half a pixel).
    void = [chord_lengths(~m, calibration=UNCALIBRATED).mean_edge_corrected for m in discs]
    grain = [chord_lengths(m, calibration=UNCALIBRATED, direction="columns",
                           phase="solid").mean_edge_corrected for m in discs]
    dv = boolean_disc_digital_chord_mean(LAM, R)
    dg = boolean_disc_digital_chord_mean(LAM, R, phase="grains")
    assert np.mean(void) == pytest.approx(dv, rel=0.015)
    assert np.mean(grain) == pytest.approx(dg, rel=0.015)
    cont = boolean_disc_chord_mean(LAM, R)
    assert np.mean(void) == pytest.approx(cont + 0.5, rel=0.02)


def test_void_chords_exponential(discs):
    d = chord_lengths(~discs[0], calibration=UNCALIBRATED)
    mu = boolean_disc_digital_chord_mean(LAM, R)
    x = d.lengths
    # exponential: coefficient of variation 1, survival exp(-l/mu)
    assert x.std() / x.mean() == pytest.approx(1.0, abs=0.05)
    for q in (0.5, 1.0, 2.0):
        assert np.mean(x > q * mu) == pytest.approx(math.exp(-q), abs=0.03)


def test_ellipse_chord_ratio():
    a, b, lam = 12.0, 4.0, 0.0015
    m = ~boolean_ellipses((2048, 2048), intensity_per_px2=lam, a_px=a, b_px=b, seed=4)
    along = chord_lengths(m, calibration=UNCALIBRATED, direction="rows").mean_edge_corrected
    across = chord_lengths(m, calibration=UNCALIBRATED, direction="columns").mean_edge_corrected
    expected = boolean_ellipse_chord_mean(lam, a, b, 0) / boolean_ellipse_chord_mean(
        lam, a, b, 90)
    assert along / across == pytest.approx(expected, rel=0.03)
    assert expected == pytest.approx(a / b)


def test_angle_direction_matches_rows_and_histogram():
    m = stripes((64, 64), pore_width_px=5, solid_width_px=3)
    rows = chord_lengths(m, calibration=UNCALIBRATED)
    ang = chord_lengths(m, calibration=UNCALIBRATED, direction=0.0)
    assert np.array_equal(np.sort(rows.lengths), np.sort(ang.lengths))
    counts, _edges = rows.histogram(bins=[0, 4, 6, 10])
    assert counts.tolist() == [0, rows.n, 0]
    lw, _ = rows.histogram(bins=[0, 4, 6, 10], weighted="length")
    assert lw[1] == pytest.approx(5 * rows.n)
    assert rows.to_dict()["pore_chord_mean_px"] == 5.0


def test_region_and_edge_cases():
    m = np.ones((10, 10), dtype=bool)
    region = np.ones_like(m)
    region[:, 5] = False
    d = chord_lengths(m, calibration=UNCALIBRATED, region=region, include_truncated=True)
    assert d.n == 20 and d.n_truncated == 20 and math.isnan(d.mean)
    e = chord_lengths(np.zeros((5, 5), bool), calibration=UNCALIBRATED)
    assert e.n == 0 and math.isnan(e.mean_edge_corrected)
    with pytest.raises(ConfigError, match="'rows', 'columns'"):
        chord_lengths(m, calibration=UNCALIBRATED, direction="diagonal")
    with pytest.raises(ConfigError, match="spacing_px"):
        chord_lengths(m, calibration=UNCALIBRATED, spacing_px=0)


def test_transposed_equals_numpy_transpose():
    from semscan.measure.chords import _transposed

    rng = np.random.default_rng(4)
    for shape in [(1, 1), (7, 300), (513, 129), (0, 5)]:
        m = rng.random(shape) < 0.4
        t = _transposed(m)
        assert t.dtype == bool and t.flags.c_contiguous
        assert np.array_equal(t, m.T)
    view = (rng.random((40, 60)) < 0.5)[::2, 1::3]  # a non-contiguous view
    assert np.array_equal(_transposed(view), view.T)


def test_bands_of_lines_give_the_whole_masks_runs(monkeypatch):
    from semscan.measure import chords as ch

    rng = np.random.default_rng(7)
    mask = rng.random((300, 170)) < 0.6
    region = np.ones(mask.shape, bool)
    region[40:90, 20:60] = False  # a hole: runs truncated at its edge
    region[:, -3:] = False
    for direction in ("rows", "columns"):
        for spacing in (1, 3, 7):
            for reg in (None, region, region | mask):  # the pores cut by it, inside it
                whole = ch._dense_runs(mask, reg, direction, spacing)
                monkeypatch.setattr(ch, "_BAND_PIXELS", 1000)  # 3-5 lines a band
                banded = ch._dense_runs(mask, reg, direction, spacing)
                monkeypatch.setattr(ch, "_BAND_PIXELS", 1 << 20)
                assert np.array_equal(banded[0], whole[0]) and banded[0].size > 100
                assert np.array_equal(banded[1], whole[1]) and banded[2] == whole[2]
