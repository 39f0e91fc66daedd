"""The flat-ground test of a histogram (semscan.segment._ground): exact answers on
histograms made by hand, and the substrate-under-particles case it is for."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semscan._ndimage import histogram
from semscan.segment import threshold
from semscan.segment._ground import GROUND_MIN_FRACTION, GROUND_RATIO, GROUND_WIDTHS, ground_peak

CENTERS = np.arange(10.0)
# a narrow low phase (bins 1-4, mode 3) and a flat high phase (bins 6-9), empty bin 5 between
COUNTS = np.array([0, 10, 20, 40, 10, 0, 5, 5, 5, 5], np.float64)


def test_mode_half_width_and_ratio_by_their_definitions():
    g = ground_peak((COUNTS, CENTERS))
    assert g.otsu == 4.5  # the middle of the empty gap
    assert (g.side, g.ground, g.mode) == ("low", "pore", 3.0)
    # half-width: RMS distance from the mode of the bins below it (counts 10, 20, 40 at 1-3)
    hw = math.sqrt((10 * 2**2 + 20 * 1**2) / 70)
    sd_high = math.sqrt(np.mean((np.arange(6.0, 10.0) - 7.5) ** 2))  # SD of the other phase
    assert g.half_width == pytest.approx(hw, rel=1e-12)
    assert g.broad_sd == pytest.approx(sd_high, rel=1e-12)
    assert g.ratio == pytest.approx(sd_high / hw, rel=1e-12)
    assert g.low == pytest.approx(3.0 + GROUND_WIDTHS * hw, rel=1e-12)
    assert g.fraction == 0.8  # 80 of the 100 counts are on the ground's side


def test_the_mirrored_histogram_puts_the_ground_on_the_high_side():
    g = ground_peak((COUNTS[::-1].copy(), CENTERS))
    assert (g.side, g.ground, g.mode, g.otsu) == ("high", "solid", 6.0, 3.5)
    assert g.low == pytest.approx(6.0 - GROUND_WIDTHS * math.sqrt(60 / 70), rel=1e-12)
    assert g.fraction == 0.8


def test_bright_pores_make_the_same_ground_solid():
    assert ground_peak((COUNTS, CENTERS), "bright").ground == "solid"


def test_a_substrate_under_sparse_particles_passes_the_flat_ground_test():
    rng = np.random.default_rng(4)
    ground = rng.normal(0.2, 0.01, 18_000)  # 90 % flat substrate
    grains = rng.uniform(0.35, 0.9, 2_000)  # shaded particles
    g = ground_peak(histogram(np.concatenate([ground, grains]).astype(np.float32)))
    assert g.ground == "pore" and g.ratio >= GROUND_RATIO
    assert g.fraction >= GROUND_MIN_FRACTION
    # two phases with the same noise are no flat ground
    film = np.concatenate([rng.normal(0.3, 0.03, 10_000), rng.normal(0.7, 0.03, 10_000)])
    assert ground_peak(histogram(film.astype(np.float32))).ratio < 2.0


def test_no_answer_without_two_resolved_phases():
    assert ground_peak(None) is None
    assert ground_peak(histogram(np.full(50, 0.4, np.float32))) is None
    # both peaks narrower than a bin: nothing to measure
    two = np.zeros(10)
    two[[2, 7]] = 50
    assert ground_peak((two, CENTERS)) is None


def test_threshold_keeps_the_public_names():
    assert threshold.ground_peak is ground_peak
    assert (threshold.GROUND_RATIO, threshold.GROUND_MIN_FRACTION) == (4.5, 0.7)
