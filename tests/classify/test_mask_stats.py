"""Mask statistics behind the structure features (semscan/classify/_mask_stats.py)."""

import math

import numpy as np
import pytest

from semscan._ndimage import block_mean
from semscan.classify._mask_stats import (
    _autocorrelation,
    block_fraction,
    block_mean_masks,
    components,
    euler,
    filled_features,
    gradient_magnitude,
    interface_densities,
    mean_distance,
    median_f32,
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


def test_median_f32_is_numpys_median_bit_for_bit():
    rng = np.random.default_rng(11)
    for n in (1, 2, 3, 10, 1001, 40000, 40001, 100000):  # both sides of the histogram path
        for x in (rng.random(n), rng.exponential(size=n), np.round(rng.random(n), 2)):
            x = x.astype(np.float32)
            assert median_f32(x.copy()) == float(np.median(x))
    x = np.array([1.0, np.nan, 3.0], np.float32)
    assert math.isnan(median_f32(x.copy()))  # NumPy's NaN rule


def test_mean_distance_is_the_masked_mean_bit_for_bit():
    import cv2

    from semscan._morphology import distance_transform

    rng = np.random.default_rng(12)
    for _ in range(40):
        shape = (int(rng.integers(8, 300)), int(rng.integers(8, 300)))
        noise = cv2.GaussianBlur(rng.random(shape).astype(np.float32), (0, 0),
                                 float(rng.uniform(0.5, 8.0)))
        mask = noise > np.median(noise)
        if mask.all() or not mask.any():
            continue
        dist = distance_transform(mask, metric="euclidean_5x5")
        assert mean_distance(dist, mask) == float(dist[mask].mean(dtype=np.float64))


def test_gradient_magnitude_equals_scipys_to_rounding_about_zero():
    from scipy import ndimage as ndi

    rng = np.random.default_rng(13)
    for shape in ((1, 1), (2, 40), (5, 3), (64, 80), (301, 257)):
        for grey in (rng.random(shape), (rng.random(shape) < 0.5) * 1.0):
            grey = grey.astype(np.float32)
            want = ndi.gaussian_gradient_magnitude(grey, 1.0)
            got = gradient_magnitude(grey)
            assert got.dtype == np.float32 and got.shape == want.shape
            big = np.maximum(want, got) >= 1e-6
            assert np.array_equal(got[big], want[big])  # the same float32 values
            assert np.abs(got - want).max() < 1e-12  # elsewhere noise about exact zeros


def test_autocorrelation_rows_equal_the_full_inverse_transform():
    rng = np.random.default_rng(14)
    for _ in range(20):
        rows, cols = int(rng.integers(16, 200)), int(rng.integers(16, 200))
        mask = rng.random((rows, cols)) < 0.4
        shape = (rows + int(rng.integers(2, 40)), cols + int(rng.integers(2, 40)))
        f = np.fft.rfft2(mask.astype(np.float64), s=shape)
        full = np.fft.irfft2(f * np.conj(f), s=shape)
        ky = np.flatnonzero(rng.random(shape[0]) < 0.3)
        assert np.array_equal(_autocorrelation(mask, shape, ky), full[ky])


def test_filled_features_are_the_same_with_the_solid_labels_given():
    from semscan._morphology import component_areas

    rng = np.random.default_rng(15)
    for density in (0.3, 0.6, 0.9):
        solid = rng.random((120, 150)) < density
        domain = np.ones_like(solid)
        domain[:10] = False
        solid &= domain
        pore = domain & ~solid
        for finest in (2.0, 6.0):
            plain = filled_features(pore, solid, domain, finest, 12.0)
            given = filled_features(pore, solid, domain, finest, 12.0,
                                    solid_labels=component_areas(solid))
            assert plain == given


def test_filled_features_reuse_the_pore_numbers_only_when_no_speck_is_filled():
    yy, xx = np.mgrid[0:160, 0:160]
    pore = ((yy % 32) - 16) ** 2 + ((xx % 32) - 16) ** 2 < 64  # holes in a sheet
    domain = np.ones_like(pore)
    parts = (*components(pore)[:2], euler(pore), skeleton_stats(pore, 32.0)[4])
    plain = filled_features(pore, ~pore, domain, 4.0, 32.0)
    assert plain["speckle_fraction"] == 0.0  # no solid speck: the filled phase is the pores
    assert filled_features(pore, ~pore, domain, 4.0, 32.0, pore_parts=parts) == plain
    specked = ~pore
    specked[8:10, 8:10] = False  # a 4 px pore inside the sheet, to leave a ...
    specked[16, 16] = True  # ... and a one-pixel solid speck in a hole, to fill
    other = specked
    with_speck = filled_features(~other, other, domain, 4.0, 32.0)
    assert with_speck["speckle_fraction"] > 0.0
    fake = (0.5, 99, 7.0, np.ones(3))  # numbers that are not the filled phase's
    assert filled_features(~other, other, domain, 4.0, 32.0, pore_parts=fake) == with_speck
