import math

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED, Calibration
from semscan.errors import ConfigError, MeasurementError
from semscan.measure import local_thickness
from semscan.phantoms.geometry import boolean_discs


def test_disc_max_is_diameter():
    yy, xx = np.mgrid[:101, :101]
    disc = (yy - 50) ** 2 + (xx - 50) ** 2 <= 20**2
    for method in ("fast", "exact"):
        res = local_thickness(disc, calibration=UNCALIBRATED, method=method)
        assert res.max == pytest.approx(40, abs=1.5)
        assert res.mean == pytest.approx(40, abs=1.5)


@pytest.mark.parametrize("width", [9, 15])
def test_stripe_mean_is_width(width):
    m = np.zeros((64, 100), dtype=bool)  # bands inside: the image border is not a wall
    for start in range(10, 90 - width, width + 10):
        m[:, start : start + width] = True
    res = local_thickness(m, calibration=Calibration(0.1, "user"))
    assert res.mean == pytest.approx(width * 0.1, rel=0.02)
    assert res.unit == "µm" and res.max_over_mean == pytest.approx(1.0, abs=0.02)


def test_fast_bounded_by_exact():
    m = ~boolean_discs((110, 110), intensity_per_px2=0.002, radius_px=6, seed=2)
    f = local_thickness(m, calibration=UNCALIBRATED, return_map=True)
    e = local_thickness(m, calibration=UNCALIBRATED, method="exact", return_map=True)
    assert np.all(f.map <= e.map + 1e-4)
    assert f.mean == pytest.approx(e.mean, rel=0.05)
    assert f.p99 == pytest.approx(e.p99, rel=0.05)
    assert f.max == pytest.approx(e.max, rel=0.05)
    assert "map" not in f.to_dict()


def test_edge_cases():
    res = local_thickness(np.zeros((10, 10), bool), calibration=UNCALIBRATED)
    assert math.isnan(res.mean) and res.note == "no pore pixels"
    res = local_thickness(np.ones((10, 10), bool), calibration=UNCALIBRATED)
    assert math.isnan(res.max) and "no solid" in res.note
    with pytest.raises(ConfigError, match="fast, exact"):
        local_thickness(np.ones((4, 4), bool), calibration=UNCALIBRATED, method="slow")
    with pytest.raises(MeasurementError, match="limited to"):
        local_thickness(np.ones((400, 400), bool) ^ np.eye(400, dtype=bool),
                        calibration=UNCALIBRATED, method="exact")
