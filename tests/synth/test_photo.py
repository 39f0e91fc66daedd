"""semscan.synth.photo: a photograph-like image with no two-phase structure."""

from __future__ import annotations

import numpy as np

from semscan.synth.photo import photo_like_image


def test_fixed_seed_range_and_shape():
    a = photo_like_image((96, 128), seed=3)
    assert a.shape == (96, 128) and a.dtype == np.float32
    assert 0.0 <= a.min() and a.max() <= 1.0
    assert np.array_equal(a, photo_like_image((96, 128), seed=3))
    assert not np.array_equal(a, photo_like_image((96, 128), seed=4))


def test_it_has_no_two_phase_histogram():
    """A micrograph of a porous film has two grey populations; this image fills the range
    smoothly: no empty middle between two peaks."""
    img = photo_like_image((192, 256), seed=0)
    hist, _ = np.histogram(img, bins=16, range=(0.0, 1.0))
    occupied = np.flatnonzero(hist)
    assert occupied[-1] - occupied[0] >= 6  # a broad range of greys
    middle = hist[occupied[0] : occupied[-1] + 1]
    assert (middle > 0).all()  # no gap between two phases
