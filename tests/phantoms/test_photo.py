"""The photograph-like non-micrograph (semscan/phantoms/photo.py)."""

import numpy as np

from semscan.phantoms.photo import photo_like_image


def test_fixed_seed_fixed_image_in_unit_range():
    a = photo_like_image((96, 128), seed=3)
    assert a.shape == (96, 128) and a.dtype == np.float32
    assert np.array_equal(a, photo_like_image((96, 128), seed=3))
    assert not np.array_equal(a, photo_like_image((96, 128), seed=4))
    assert 0.0 <= float(a.min()) and float(a.max()) <= 1.0


def test_grey_varies_like_shading_not_two_phases():
    a = photo_like_image(seed=0).astype(np.float64)
    # smooth: neighbouring pixels differ far less than the image's spread
    step = np.abs(np.diff(a, axis=1)).mean()
    assert step < 0.25 * a.std()
    # no two-phase histogram: the middle third of the grey range is well populated
    lo, hi = np.percentile(a, [1, 99])
    middle = ((a > lo + (hi - lo) / 3) & (a < hi - (hi - lo) / 3)).mean()
    assert middle > 0.2
