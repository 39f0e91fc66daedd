import math

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED, Calibration
from semscan.errors import ConfigError, MeasurementError
from semscan.measure import intercept_method
from semscan.phantoms.geometry import boolean_discs, stripes

CAL = Calibration(0.05, "user")


def _per_line_sorted(res):
    return [
        sorted(res.chords.length[res.chords.line == i].tolist()) for i in range(res.n_lines)
    ]


@pytest.mark.parametrize("angle", [0.0, 90.0])
def test_stripes_exact_axis_aligned(angle):
    mask = stripes((200, 200), pore_width_px=6, solid_width_px=4, angle_deg=angle)
    res = intercept_method(mask, calibration=CAL, angle_deg=angle, window_um="full")
    assert np.all(res.chords.length[~res.chords.truncated] == pytest.approx(6 * 0.05))
    assert res.mean_complete == pytest.approx(0.3)
    assert len(set(res.line_counts)) == 1 and res.line_counts[0] >= 20
    assert res.n_complete == 50 * 19
    assert res.lines_below_min == 0 and res.warnings == ()
    assert res.unit == "µm" and res.window_size == pytest.approx((10.0, 10.0))


def test_stripes_45_degrees_within_one_pixel():
    # Nearest-pixel samples deviate up to 0.7 px across the line, so each chord across a
    # 12 px band reads 12 +- 1 samples; the mean is within 0.5 px.
    mask = stripes((300, 300), pore_width_px=12, solid_width_px=8, angle_deg=45)
    res = intercept_method(mask, calibration=UNCALIBRATED, angle_deg=45, window_um="full")
    comp = res.chords.length[~res.chords.truncated]
    assert np.all(np.abs(comp - 12) <= 1)
    assert res.mean_complete == pytest.approx(12, abs=0.5)


def test_rotation_equals_transpose():
    mask = boolean_discs((180, 180), intensity_per_px2=0.004, radius_px=5, seed=3)
    a = intercept_method(mask, calibration=CAL, angle_deg=90, window_um=6.0)
    b = intercept_method(mask.T, calibration=CAL, angle_deg=0, window_um=6.0)
    assert a.line_counts == b.line_counts
    assert _per_line_sorted(a) == _per_line_sorted(b)
    assert a.mean == b.mean and a.ci95 == b.ci95 and a.n_truncated == b.n_truncated


def test_validity_warning_text():
    mask = stripes((100, 100), pore_width_px=20, solid_width_px=20)
    res = intercept_method(mask, calibration=UNCALIBRATED, window_um="full", n_lines=20)
    assert res.warnings == (
        "too few pores across the field for the 20-line method (20 of 20 lines cross < 10 "
        "voids): use a lower magnification or a larger field",
    )
    assert res.lines_below_min == 20


def test_auto_window_grows_and_fixed_window_clips():
    mask = ~boolean_discs((400, 400), intensity_per_px2=0.003, radius_px=6, seed=1)
    res = intercept_method(mask, calibration=Calibration(0.01, "user"))
    assert res.window_mode == "auto"
    assert res.window_px[2] == res.window_px[3] > 160  # grew beyond 16 µm = 160 px
    assert np.mean(res.line_counts) >= 10 or res.window_px[2] == 400
    big = intercept_method(mask, calibration=Calibration(0.01, "user"), window_um=10.0)
    assert big.window_px == (0, 0, 400, 400)
    assert "clipped" in big.warnings[0]
    unc = intercept_method(mask, calibration=UNCALIBRATED, window_um=100)
    assert unc.window_px == (150, 150, 100, 100)
    assert "taken as px" in unc.warnings[0]


def test_region_breaks_runs_and_truncates():
    mask = np.ones((20, 40), dtype=bool)
    region = np.ones_like(mask)
    region[:, 20] = False
    res = intercept_method(mask, calibration=UNCALIBRATED, region=region, window_um="full",
                           n_lines=20)
    assert res.line_counts == (2,) * 20
    assert res.n_truncated == 40 and sorted(set(res.chords.length)) == [19.0, 20.0]


def test_edge_cases():
    empty = intercept_method(np.zeros((60, 60), bool), calibration=CAL, window_um="full")
    assert math.isnan(empty.mean) and empty.n_intercepts == 0
    assert "no pore intercepts" in empty.warnings[0]
    full = intercept_method(np.ones((60, 60), bool), calibration=UNCALIBRATED, window_um="full")
    assert full.line_counts == (1,) * 50 and full.n_truncated == 50
    assert np.all(full.chords.length == 60)
    with pytest.raises(MeasurementError, match="at least 4 x 4 px"):
        intercept_method(np.ones((3, 30), bool), calibration=UNCALIBRATED)
    with pytest.raises(MeasurementError, match="region has shape"):
        intercept_method(np.ones((30, 30), bool), calibration=CAL, region=np.ones((3, 3), bool))
    with pytest.raises(MeasurementError, match="2-D"):
        intercept_method(np.ones((3, 30, 3), bool), calibration=CAL)
    with pytest.raises(MeasurementError, match="region is empty"):
        intercept_method(np.ones((30, 30), bool), calibration=CAL,
                         region=np.zeros((30, 30), bool))
    with pytest.raises(ConfigError, match="ratio, bootstrap"):
        intercept_method(np.ones((30, 30), bool), calibration=CAL, ci_method="t")


def test_ci_ratio_and_bootstrap_cover_and_agree():
    mask = ~boolean_discs((600, 600), intensity_per_px2=0.002, radius_px=8, seed=5)
    r = intercept_method(mask, calibration=UNCALIBRATED, window_um="full")
    b = intercept_method(mask, calibration=UNCALIBRATED, window_um="full", ci_method="bootstrap")
    assert r.ci95[0] < r.mean < r.ci95[1]
    assert b.ci95[0] < b.mean < b.ci95[1]
    assert (b.ci95[1] - b.ci95[0]) == pytest.approx(r.ci95[1] - r.ci95[0], rel=0.3)
    assert r.rel_accuracy_pct == pytest.approx(50 * (r.ci95[1] - r.ci95[0]) / r.mean)
    assert b.ci95 == intercept_method(mask, calibration=UNCALIBRATED, window_um="full",
                                      ci_method="bootstrap").ci95


def test_to_dict_and_frame():
    mask = stripes((100, 100), pore_width_px=4, solid_width_px=6)
    res = intercept_method(mask, calibration=CAL, window_um="full", phase="solid")
    row = res.to_dict()
    assert row["solid_intercept_mean_um"] == res.mean
    assert len(row) == len(set(row))
    assert "pore_x_mean_px" in intercept_method(mask, calibration=UNCALIBRATED).to_dict(
        "pore_x_")
    frame = res.chords.to_frame()
    assert list(frame.columns) == ["line", "r0", "c0", "r1", "c1", "length_um", "truncated"]
    assert len(frame) == res.n_intercepts and len(res.lines) == 50


def test_the_smoothed_mask_band_by_band_is_the_whole_blur(monkeypatch):
    from semscan._ndimage import blur
    from semscan.measure import intercept as ic

    monkeypatch.setattr(ic, "_BAND_PIXELS", 1 << 12)  # bands of 64 rows and more
    rng = np.random.default_rng(3)
    for rows, cols in ((700, 90), (301, 40), (64, 64), (1, 500)):
        mask = rng.random((rows, cols)) < 0.4
        whole = blur(mask.astype(np.float32), ic.LINEAR_SIGMA_PX, border="replicate")
        assert np.array_equal(ic._smoothed(mask, 6), whole)
