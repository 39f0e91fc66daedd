"""Local thresholds (semscan/segment/local_threshold.py): Sauvola and hysteresis growth."""

import numpy as np
import pytest

from semscan.calibration import Calibration
from semscan.segment.local_threshold import hysteresis_pores, sauvola_threshold


def test_sauvola_of_a_constant_image_is_exact():
    img = np.full((64, 64), 0.5, np.float32)
    t, window = sauvola_threshold(img)
    assert window == 15  # 1/8 of the short side, at least 15 px
    assert t.dtype == np.float32
    assert np.allclose(t, 0.5 * (1 - 0.2), atol=1e-6)  # sd 0: T = m (1 - k)
    tb, _ = sauvola_threshold(img, pores="bright")  # on the inverted image, mapped back
    assert np.allclose(tb, 1 - 0.5 * (1 - 0.2), atol=1e-6)
    tk, _ = sauvola_threshold(img, k=0.5)
    assert np.allclose(tk, 0.25, atol=1e-6)


def test_sauvola_window_from_calibration_is_odd():
    img = np.full((40, 40), 0.3, np.float32)
    assert sauvola_threshold(img, window_um=1.0, calibration=Calibration(0.1, "user"))[1] == 11
    assert sauvola_threshold(img, window_um=8.0)[1] == 9  # uncalibrated: read as px
    assert sauvola_threshold(img, window_um=1.0)[1] == 3  # at least 3 px


def test_sauvola_ignores_excluded_pixels():
    img = np.full((30, 30), 0.4, np.float32)
    img[:, :10] = 1.0  # a bright excluded band
    valid = np.ones(img.shape, bool)
    valid[:, :10] = False
    t, _ = sauvola_threshold(img, window_um=7, valid=valid)
    assert np.allclose(t[:, 10:], 0.4 * 0.8, atol=1e-5)


def test_sauvola_local_mean_and_sd_of_stripes():
    # columns alternate 0.2 / 0.6: in any window of odd side w over whole stripes the mean
    # and SD follow from the counts of each level
    img = np.tile(np.array([0.2, 0.6], np.float32), (21, 21))[:, :41]
    t, w = sauvola_threshold(img, window_um=5)
    assert w == 5
    # at an even column the 5 px window holds 3 x 0.2 and 2 x 0.6
    m = (3 * 0.2 + 2 * 0.6) / 5
    sd = np.sqrt((3 * 0.04 + 2 * 0.36) / 5 - m * m)
    assert t[10, 20] == pytest.approx(m * (1 + 0.2 * (sd / 0.5 - 1)), abs=1e-5)


def test_hysteresis_grows_solid_from_its_cores():
    img = np.array([[0.1, 0.4, 0.9, 0.4, 0.1, 0.4, 0.1]], np.float32)
    pore = hysteresis_pores(img, low=0.3, high=0.6, grow="solid")
    assert pore.astype(int).tolist() == [[1, 0, 0, 0, 1, 1, 1]]  # the lone 0.4 stays pore


def test_hysteresis_grows_pores_with_bright_pores_and_valid():
    img = np.array([[0.9, 0.6, 0.1, 0.6, 0.6, 0.1, 0.9]], np.float32)
    pore = hysteresis_pores(img, low=0.5, high=0.8, grow="pore", pores="bright")
    assert pore.astype(int).tolist() == [[1, 1, 0, 0, 0, 0, 1]]
    valid = np.array([[True, False, True, True, True, True, True]])
    cut = hysteresis_pores(img, low=0.5, high=0.8, grow="pore", pores="bright", valid=valid)
    assert cut.astype(int).tolist() == [[1, 0, 0, 0, 0, 0, 1]]
    # grow='solid' marks every valid pixel outside the grown solid as pore
    solid_grown = hysteresis_pores(img, low=0.5, high=0.2, grow="solid", pores="bright",
                                   valid=valid)
    assert solid_grown.astype(int).tolist() == [[1, 0, 0, 1, 1, 0, 1]]


def test_hysteresis_is_8_connected():
    img = np.array([[0.9, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 0.5]], np.float32)
    pore = hysteresis_pores(img, low=0.3, high=0.8, grow="solid")
    assert (~pore).astype(int).tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
