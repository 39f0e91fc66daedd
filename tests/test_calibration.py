"""semscan.calibration: the pixel size and its source."""

from __future__ import annotations

import math

import pytest

from semscan.calibration import (
    PIXEL_SIZE_RANGE_UM,
    UNCALIBRATED,
    Calibration,
    pixel_size_problem,
)
from semscan.errors import CalibrationError


def test_conversions_and_row():
    cal = Calibration(0.02, "file", "FEI tag 34682 [Scan] PixelWidth")
    assert cal.is_calibrated and cal.unit == "µm"
    assert cal.to_um(50) == pytest.approx(1.0)
    assert cal.to_px(1.0) == pytest.approx(50.0)
    assert cal.require("the intercept") == 0.02
    assert cal.to_dict() == {
        "pixel_size_um": 0.02,
        "calibration_source": "file",
        "calibration_detail": "FEI tag 34682 [Scan] PixelWidth",
        "unit": "µm",
    }


def test_uncalibrated_reports_pixels():
    assert not UNCALIBRATED.is_calibrated
    assert (UNCALIBRATED.unit, UNCALIBRATED.scale, UNCALIBRATED.to_um(7)) == ("px", 1.0, 7.0)
    with pytest.raises(CalibrationError, match=r"porosity needs a pixel size.*pixel_size_um"):
        UNCALIBRATED.require("porosity")


@pytest.mark.parametrize(
    "value", [0.0, -1.0, math.nan, math.inf, "0.1", True, 1e305, 1e-320, 2e4, 9e-7, 10**400]
)
def test_invalid_pixel_size(value):
    with pytest.raises(CalibrationError, match="pixel size"):
        Calibration(value, "user")


@pytest.mark.parametrize(
    ("value", "source", "match"),
    [
        (0.1, "guess", "not one of"),
        (None, "file", "without a pixel size"),
        (0.1, "none", "name its source"),
    ],
)
def test_source_must_match(value, source, match):
    with pytest.raises(CalibrationError, match=match):
        Calibration(value, source)


def test_frozen_and_valueerror():
    with pytest.raises(AttributeError):
        UNCALIBRATED.pixel_size_um = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        Calibration(-1.0, "user")


@pytest.mark.parametrize(("value", "ok"), [(1e-6, True), (1e4, True), (0.01, True),
                                           (9.9e-7, False), (1.01e4, False), (10**400, False)])
def test_plausible_range(value, ok):
    assert (pixel_size_problem(value) is None) is ok
    assert PIXEL_SIZE_RANGE_UM == (1e-6, 1e4)
