"""The laminar aspect ratio measured again only where an edit reached: the same number."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from semscan.measure.cross_section._aspect import aspect_ratio


def _same(got: tuple[float, int], want: tuple[float, int]) -> bool:
    if np.isnan(want[0]):
        return bool(np.isnan(got[0])) and got[1] == want[1]
    return got == want


@pytest.mark.parametrize("seed", range(8))
def test_cached_aspect_ratio_is_the_fresh_one_after_each_edit(seed):
    rng = np.random.default_rng(seed)
    shape = (150, 220)
    pore = ndi.gaussian_filter(rng.random(shape), (1.5, 4)) > 0.5  # pores along the rows
    interior = np.zeros(shape, bool)
    interior[10:140, 5:215] = True
    cache: dict[str, object] = {}
    cur = pore.copy()
    assert _same(aspect_ratio(cur & interior, interior, cache=cache),
                 aspect_ratio(cur & interior, interior))
    for _ in range(8):  # erase, paint, scribble blocks; some merge or split pores
        cur = cur.copy()
        r, c = rng.integers(0, shape[0] - 20), rng.integers(0, shape[1] - 30)
        blk = cur[r : r + rng.integers(1, 20), c : c + rng.integers(1, 30)]
        mode = rng.integers(3)
        blk[:] = False if mode == 0 else True if mode == 1 else rng.random(blk.shape) > 0.5
        got = aspect_ratio(cur & interior, interior, cache=cache)
        assert _same(got, aspect_ratio(cur & interior, interior))
    # a second region keeps its own pores; the first one's are still right afterwards
    other = interior.copy()
    other[:40] = False
    assert _same(aspect_ratio(cur & other, other, cache=cache), aspect_ratio(cur & other, other))
    cur[60:70, 50:90] = True
    assert _same(aspect_ratio(cur & interior, interior, cache=cache),
                 aspect_ratio(cur & interior, interior))


def test_an_edit_that_removes_every_pore_gives_none():
    interior = np.ones((40, 60), bool)
    m = np.zeros((40, 60), bool)
    m[10:14, 5:25] = True
    cache: dict[str, object] = {}
    assert aspect_ratio(m, interior, cache=cache)[1] == 1
    got = aspect_ratio(np.zeros_like(m), interior, cache=cache)
    assert np.isnan(got[0]) and got[1] == 0
    m2 = m.copy()
    m2[30:33, 10:40] = True
    assert aspect_ratio(m2, interior, cache=cache) == aspect_ratio(m2, interior)
