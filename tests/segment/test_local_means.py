"""The verdict's local means (semscan.segment._local_means): the strip-by-strip local step
equals the full-size maps' median, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.micrograph import Micrograph
from semscan.phantoms.render import RenderParams, render_sem
from semscan.segment import segment_micrograph
from semscan.segment._local_means import (
    _local_mean_at,
    _local_step,
    _masked_mean,
    _masked_mean_small,
    _Normalised,
)
from tests._synthetic import disc_pores


def _full_size_step(g0, s, p, valid, sigma):
    ms = _masked_mean(g0, s, sigma)
    mp = _masked_mean(g0, p, sigma)
    return float(np.median(np.abs(ms - mp)[valid]))


def _case(shape, seed, excluded_rows=0):
    pore = disc_pores(shape, porosity=0.4, radius=7.0, seed=seed)
    img = render_sem(pore, seed=seed, params=RenderParams(noise=0.05, gradient=0.1))
    excluded = np.zeros(shape, bool)
    excluded[shape[0] - excluded_rows:] = True
    seg = segment_micrograph(Micrograph.from_array(img, pixel_size_um=0.01,
                                                   excluded=excluded))
    valid = ~seg.excluded
    lo, hi = (float(v) for v in np.percentile(img[valid], [1, 99]))
    return _Normalised(img, valid, lo, hi), seg.solid, seg.pore, valid


@pytest.mark.parametrize(("shape", "seed", "cut", "sigma"), [
    ((700, 900), 1, 0, 40.0), ((1031, 517), 2, 37, 25.0), ((300, 1400), 3, 5, 60.0),
    ((256, 256), 4, 0, 2.0),  # not coarse: the full-size path itself
])
def test_local_step_equals_the_full_size_median(shape, seed, cut, sigma):
    g0, s, p, valid = _case(shape, seed, cut)
    assert (_masked_mean_small(g0, s, sigma) is None) == (sigma < 5)
    assert _local_step(g0, s, p, valid, sigma) == _full_size_step(g0, s, p, valid, sigma)


def test_local_step_of_identical_phases_is_zero():
    g0, s, _, valid = _case((400, 500), 5)
    assert _local_step(g0, s, s, valid, 30.0) == 0.0


@pytest.mark.parametrize(("shape", "seed", "cut", "sigma"), [
    ((700, 900), 1, 0, 14.0), ((1031, 517), 2, 37, 16.0), ((300, 1400), 3, 5, 22.0),
    ((256, 256), 4, 0, 2.0),
])
def test_local_mean_at_the_mask_is_the_full_maps_selection_in_raster_order(
        shape, seed, cut, sigma):
    g0, _, _, valid = _case(shape, seed, cut)
    assert (_masked_mean_small(g0, valid, sigma) is None) == (sigma < 5)  # coarse or not
    got = _local_mean_at(g0, valid, sigma)
    assert got.dtype == np.float32
    assert np.array_equal(got, _masked_mean(g0, valid, sigma)[valid])
