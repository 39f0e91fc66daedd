import math

import numpy as np
import pytest

from semscan.calibration import Calibration
from semscan.errors import MeasurementError
from semscan.measure.cross_section import analyze_cross_section
from semscan.measure.intercept import intercept_method
from semscan.measure.paired import pooled_intercept, surface_to_internal_ratio
from semscan.phantoms.films import synthetic_cross_section
from semscan.phantoms.geometry import boolean_ellipses

CAL = Calibration(0.01, "user")


def test_pooled_equals_single_mean():
    m = boolean_ellipses((200, 200), intensity_per_px2=0.005, a_px=5, b_px=5, seed=0,
                         germ_window="padded")
    r = intercept_method(m, calibration=CAL, window_um="full")
    p = pooled_intercept([r])
    assert p.mean == pytest.approx(r.mean)
    assert p.n_images == 1 and p.n_intercepts == r.n_intercepts


def test_ratio_matches_truth():
    # one synthetic sample: surface with discs of known intercept, section with ellipses
    a, b, poro = 12.0, 6.0, 0.5
    pore, spec, truth = synthetic_cross_section((500, 800), thickness_px=400, a_px=a, b_px=b,
                                                porosity=poro, seed=5)
    xs = analyze_cross_section(pore, spec & ~pore, (spec & ~pore).astype(float),
                               calibration=CAL, n_lines=100)
    r_s = 6.0  # discs; mean chord = p / (lambda (1 - p) 2 r)
    lam = -math.log(1 - poro) / (math.pi * r_s * r_s)
    d_s_true = poro / (lam * (1 - poro) * 2 * r_s)
    surfaces = [
        intercept_method(
            boolean_ellipses((600, 600), intensity_per_px2=lam, a_px=r_s, b_px=r_s,
                             seed=s, germ_window="padded"),
            calibration=CAL, window_um="full", n_lines=100)
        for s in (11, 12)
    ]
    res = surface_to_internal_ratio(surfaces, [xs.laminar.along], sample="demo")
    true_r = d_s_true / truth["intercept_along_px"]
    assert res.ratio == pytest.approx(true_r, rel=0.05)
    assert res.ci95[0] < res.ratio < res.ci95[1]
    assert res.verdict == "surface < internal" and res.verdict_point == "surface < internal"
    assert res.d_surface.n_images == 2 and res.d_internal.n_images == 1
    row = res.to_dict()
    assert row["sample"] == "demo" and "d_surface_um" in row


def test_verdict_undetermined_when_ci_straddles_one():
    m1 = boolean_ellipses((120, 120), intensity_per_px2=0.004, a_px=5, b_px=5, seed=1,
                          germ_window="padded")
    m2 = boolean_ellipses((120, 120), intensity_per_px2=0.004, a_px=5, b_px=5, seed=2,
                          germ_window="padded")
    r1 = intercept_method(m1, calibration=CAL, window_um="full", n_lines=10)
    r2 = intercept_method(m2, calibration=CAL, window_um="full", n_lines=10)
    res = surface_to_internal_ratio([r1], [r2])
    assert res.ci95[0] < 1 < res.ci95[1]
    assert res.verdict == "undetermined"


def test_errors():
    m = np.zeros((20, 20), bool)
    m[5:10] = True
    r_um = intercept_method(m, calibration=CAL, window_um="full", min_voids_per_line=0)
    r_px = intercept_method(m, calibration=Calibration(None), window_um="full",
                            min_voids_per_line=0)
    with pytest.raises(MeasurementError, match="at least one surface"):
        surface_to_internal_ratio([], [r_um])
    with pytest.raises(MeasurementError, match="units"):
        pooled_intercept([r_um, r_px])
