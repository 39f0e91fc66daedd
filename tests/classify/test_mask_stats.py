"""Mask statistics behind the structure features (semscan/classify/_mask_stats.py)."""

import math

import numpy as np
import pytest

from semscan._ndimage import block_mean
from semscan.classify._mask_stats import (
    block_fraction,
    block_mean_masks,
    components,
    euler,
    interface_densities,
    shape_stats,
    skeleton_stats,
    weighted_cv,
    weighted_quantile,
)


def _holes():
    """A 4 x 4 grid of round holes (radius 5) in a 128 x 128 sheet."""
    yy, xx = np.mgrid[0:128, 0:128]
    return ((yy % 32) - 16) ** 2 + ((xx % 32) - 16) ** 2 < 25


def test_components_and_euler_of_a_grid_of_holes():
    pore = _holes()
    lcf, n, areas = components(pore)
    assert n == 16 and lcf == pytest.approx(1 / 16)
    assert np.all(areas == areas[0])
    assert euler(pore) == 16.0  # 16 simply connected holes
    assert euler(~pore) == 1 - 16  # one sheet with 16 holes
    assert components(np.zeros((8, 8), bool)) == (0.0, 0, pytest.approx(np.zeros(0)))


def test_interface_densities_of_stripes():
    pore = np.zeros((64, 64), bool)
    pore[:, ::2] = True  # one-pixel vertical stripes
    d = interface_densities(pore, np.ones_like(pore))
    assert d[0] == pytest.approx(1.0)  # every step along a row changes phase
    assert d[2] == 0.0  # no change down a column
    assert d[1] == pytest.approx(1 / math.sqrt(2)) and d[3] == pytest.approx(1 / math.sqrt(2))


def test_block_mean_masks_keep_the_majority():
    pore = np.zeros((8, 8), bool)
    pore[:4, :4] = True
    pore[0, 4] = True  # a minority pixel in the next block
    p, s, d = block_mean_masks(pore, np.ones_like(pore), 4)
    assert p.tolist() == [[True, False], [False, False]]
    assert (s == ~p).all() and d.all()


def test_shape_stats_of_discs_and_weighted_statistics():
    solidity, circularity, aspect = shape_stats(_holes())
    assert solidity > 0.9 and circularity > 0.8 and aspect == pytest.approx(1.0, abs=0.05)
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantile(x, np.ones(4), 0.5) == 2.0
    assert weighted_cv(np.array([2.0, 2.0]), np.ones(2)) == 0.0
    assert weighted_cv(x, np.ones(4)) == pytest.approx(np.std(x) / np.mean(x))


def _reference_block_mean_masks(pore, domain, factor):
    """The float32 block means, as the features were first computed."""
    d = block_mean(domain, factor, engine="numpy")
    p = block_mean(pore, factor, engine="numpy")
    dom = d >= 0.5
    por = (p >= 0.5 * np.maximum(d, 1e-6)) & dom
    return por, dom & ~por, dom


def test_block_fraction_equals_the_float32_block_mean_bit_for_bit():
    rng = np.random.default_rng(7)
    for factor in (1, 2, 3, 5, 7, 16, 33):
        for density in (0.05, 0.5, 0.95):
            m = rng.random((int(rng.integers(factor, 200)),
                            int(rng.integers(factor, 200)))) < density
            a, b = block_mean(m, factor, engine="numpy"), block_fraction(m, factor)
            assert a.dtype == b.dtype == np.float32
            assert np.array_equal(a, b)
    # every count a block can hold, where ties at one half are decided
    for factor in (2, 3, 6, 9, 15):
        for k in range(factor * factor + 1):
            m = np.zeros((factor, factor), bool)
            m.flat[:k] = True
            assert block_fraction(m, factor)[0, 0] == block_mean(m, factor, engine="numpy")[0, 0]


def test_block_mean_masks_equal_the_reference_with_and_without_a_domain():
    rng = np.random.default_rng(8)
    for factor in (2, 3, 4, 6):
        pore = rng.random((97, 130)) < 0.5
        domain = rng.random((97, 130)) < 0.8
        for got, want in zip(block_mean_masks(pore, domain, factor),
                             _reference_block_mean_masks(pore, domain, factor), strict=True):
            assert np.array_equal(got, want)
        for got, want in zip(block_mean_masks(pore, None, factor),
                             _reference_block_mean_masks(pore, np.ones_like(pore), factor),
                             strict=True):
            assert np.array_equal(got, want)


def test_euler_equals_scikit_image_on_seeded_random_masks():
    from skimage.measure import euler_number

    rng = np.random.default_rng(9)
    for _ in range(120):
        shape = (int(rng.integers(1, 90)), int(rng.integers(1, 90)))
        m = rng.random(shape) < rng.random()
        want = float(euler_number(m, connectivity=2)) if m.any() else 0.0
        assert euler(m) == want
    assert euler(_holes()) == 16 and euler(~_holes()) == 1 - 16  # 16 holes in one sheet


def test_skeleton_stats_are_unchanged_by_reusing_the_distance_map():
    # a fine mask (no block averaging: the map of the full mask is reused) and a coarse one
    yy, xx = np.mgrid[0:200, 0:200]
    fine = ((yy % 9) < 3) | ((xx % 11) < 2)
    coarse = ((yy % 60) < 25) | ((xx % 70) < 20)
    reused = 0
    for mask in (fine, coarse):
        from skimage.morphology import skeletonize

        from semscan._morphology import distance_transform

        _, _, neck, length, diam = skeleton_stats(mask, 10.0)
        dist = distance_transform(mask, metric="euclidean_5x5")
        q = max(1, min(int(4.0 * float(dist[mask].mean(dtype=np.float64)) / 12.0),
                       min(mask.shape) // 64))
        if q == 1:
            skel = skeletonize(mask)
            radii = np.minimum(dist.astype(np.float64), 200)[skel]
            assert np.array_equal(diam, 2 * radii)
            assert length == float(skel.sum())
            reused += 1
        assert diam.size > 0 and 0 < neck <= 1
    assert reused == 1  # the fine mask is not block-averaged, the coarse one is
