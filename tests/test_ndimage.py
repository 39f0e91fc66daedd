"""The private image kit: exact answers on images with known geometry, and bit-for-bit
agreement with the plain OpenCV / scikit-image calls each variant stands for."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage.filters import threshold_otsu

from semscan import _ndimage as nd
from semscan.errors import ConfigError


def _noisy(shape=(97, 131), seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.where(np.arange(shape[1]) % 16 < 8, 0.25, 0.7)[None, :].repeat(shape[0], 0)
    return (img + rng.normal(0, 0.08, shape)).astype(np.float32)


# ----------------------------------------------------------------------------- block_mean
def test_block_mean_exact_blocks_and_dropped_partial_blocks():
    x = np.arange(30, dtype=np.float32).reshape(5, 6)
    out = nd.block_mean(x, 2)
    assert out.tolist() == [[3.5, 5.5, 7.5], [15.5, 17.5, 19.5]]  # last row dropped


def test_block_mean_spread_resamples_the_whole_image():
    x = np.arange(30, dtype=np.float32).reshape(5, 6)
    out = nd.block_mean(x, 2, partial="spread")
    assert out.shape == (2, 3)
    assert np.array_equal(out, cv2.resize(x, (3, 2), interpolation=cv2.INTER_AREA))
    assert out.mean() == pytest.approx(x.mean(), abs=1e-5)  # every pixel counted


def test_block_mean_numpy_engine_is_the_reshape_mean():
    rng = np.random.default_rng(2)
    m = rng.random((103, 131)) < 0.4
    for f in (2, 5):
        r, c = 103 // f * f, 131 // f * f
        want = m[:r, :c].astype(np.float32).reshape(r // f, f, c // f, f).mean(axis=(1, 3))
        got = nd.block_mean(m.astype(np.float32), f, engine="numpy")
        assert got.dtype == np.float32 and np.array_equal(got, want)
        assert np.abs(got - nd.block_mean(m.astype(np.float32), f)).max() < 1e-6
    with pytest.raises(ConfigError, match="engine='opencv'"):
        nd.block_mean(np.ones((3, 3), np.float32), 4, engine="numpy")


def test_block_mean_smaller_than_a_block_and_factor_one():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert nd.block_mean(x, 4).tolist() == [[2.5]]
    assert np.array_equal(nd.block_mean(x, 1), x)


# ----------------------------------------------------------------------------- blur
@pytest.mark.parametrize(("border", "cv"), [("reflect", cv2.BORDER_REFLECT),
                                            ("reflect101", cv2.BORDER_REFLECT_101),
                                            ("replicate", cv2.BORDER_REPLICATE)])
def test_blur_is_opencvs_gaussian_with_the_named_border(border, cv):
    img = _noisy()
    want = cv2.GaussianBlur(img, (0, 0), 1.7, borderType=cv)
    assert np.array_equal(nd.blur(img, 1.7, border=border), want)


def test_blur_borders_differ_at_the_edge_only():
    ramp = np.tile(np.arange(32, dtype=np.float32), (4, 1))
    a = nd.blur(ramp, 1.0, border="reflect")
    b = nd.blur(ramp, 1.0, border="replicate")
    assert np.allclose(a[:, 6:-6], ramp[:, 6:-6], atol=1e-4)  # linear: blur is exact inside
    assert np.allclose(a[:, 6:-6], b[:, 6:-6], atol=1e-4)
    assert a[0, 0] > b[0, 0]  # replicate holds the edge value, reflect mirrors the ramp


def test_blur_keeps_sum_and_constant_images():
    x = np.zeros((41, 41), np.float32)
    x[20, 20] = 1.0
    assert float(nd.blur(x, 2.0).sum()) == pytest.approx(1.0, abs=1e-5)
    c = np.full((40, 50), 0.3, np.float32)
    for f in (1, 3):
        assert np.allclose(nd.blur(c, 12.0, factor=f), 0.3, atol=1e-6)


def test_coarse_blur_is_block_mean_blur_and_bilinear_upsampling():
    img = _noisy((200, 260))
    small = cv2.resize(img, (260 // 3, 200 // 3), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 12.0 / 3, borderType=cv2.BORDER_REPLICATE)
    want = cv2.resize(small, (260, 200), interpolation=cv2.INTER_LINEAR)
    got = nd.blur(img, 12.0, border="replicate", factor=3)
    assert np.array_equal(got, want)
    exact = nd.blur(img, 12.0, border="replicate")
    assert np.abs(got - exact)[20:-20, 20:-20].max() < 0.02  # the same low-pass, near enough


def test_coarse_factor_rules():
    assert nd.coarse_factor(7.9, (4000, 4000)) == 1
    assert nd.coarse_factor(8.0, (4000, 4000)) == 2
    assert nd.coarse_factor(40.0, (4000, 4000)) == 10
    assert nd.coarse_factor(40.0, (300, 4000)) == 4  # 300 // 64
    assert nd.coarse_factor(40.0, (300, 4000), min_side=32) == 9
    assert nd.coarse_factor(40.0, (50, 50)) == 1
    assert nd.coarse_factor(9.0, (600, 600), sigma_per_factor=3.0, from_sigma=0.0) == 3


def test_blur_dtype():
    x = np.ones((8, 8))
    assert nd.blur(x, 1.0).dtype == np.float32
    assert nd.blur(x, 1.0, dtype=None).dtype == np.float64


def test_masked_blur_ignores_the_masked_out_pixels():
    v = np.where(np.arange(40) % 2 == 0, 1.0, 9.0).astype(np.float32)[None, :].repeat(30, 0)
    w = np.arange(40)[None, :].repeat(30, 0) % 2 == 0
    out = nd.masked_blur(v, w, 3.0, border="replicate")
    assert out.dtype == np.float32
    assert np.allclose(out, 1.0, atol=1e-5)
    empty = nd.masked_blur(v, np.zeros_like(w), 3.0)
    assert np.array_equal(empty, np.zeros_like(v))


# ----------------------------------------------------------------------------- histogram / Otsu
def test_histogram_counts_and_centres():
    x = np.array([[0.0, 0.5], [1.0, 1.0]], np.float32)
    counts, centers = nd.histogram(x, bins=2)
    assert counts.tolist() == [2.0, 2.0]  # the bins span [0, 1 + 1e-6): 0.5 is below half
    assert centers == pytest.approx([0.25, 0.75], abs=1e-6)
    counts, _ = nd.histogram(x, mask=np.array([[True, False], [True, False]]), bins=2)
    assert counts.tolist() == [1.0, 1.0]


def test_histogram_none_for_constant_or_empty_selection():
    x = np.array([[0.2, 0.9]], np.float32)
    assert nd.histogram(np.full((3, 3), 0.4, np.float32)) is None
    assert nd.histogram(x, mask=np.zeros((1, 2), bool)) is None
    assert nd.histogram(x, mask=np.array([[True, False]])) is None
    full = nd.histogram(x, mask=np.ones((1, 2), bool))
    assert np.array_equal(full[0], nd.histogram(x)[0])


def test_otsu_of_histogram_plateau_rules():
    counts = np.array([3.0, 4, 0, 0, 0, 0, 4, 3])
    centers = np.arange(8.0)
    assert nd.otsu_of_histogram(counts, centers) == 3.0  # cuts after bins 1..5 tie: middle
    assert nd.otsu_of_histogram(counts, centers, plateau="first") == 1.0


def test_otsu_two_levels_cuts_between_them():
    x = np.array([0.2] * 300 + [0.8] * 100, np.float32)
    t = nd.otsu(x)
    assert 0.2 < t < 0.8
    assert t == pytest.approx(0.5, abs=0.6 / 256)  # the middle of the gap, to a bin
    s = nd.otsu(x, flavour="skimage")
    assert s == float(threshold_otsu(x))
    assert 0.2 <= s < 0.2 + 0.6 / 256 + 1e-9  # scikit-image: the gap's first bin


def test_otsu_skimage_flavour_is_threshold_otsu_of_the_finite_masked_values():
    img = _noisy().astype(np.float64)
    img[0, :5] = np.nan
    mask = np.ones(img.shape, bool)
    mask[:, :10] = False
    vals = img[mask]
    want = float(threshold_otsu(vals[np.isfinite(vals)]))
    assert nd.otsu(img, mask=mask, flavour="skimage") == want
    assert nd.otsu(vals, flavour="skimage") == want
    assert nd.otsu(np.full(9, 0.3), flavour="skimage") == pytest.approx(0.3)
    assert nd.otsu(np.array([]), flavour="skimage") == 0.0


def test_otsu_plateau_flavour_edge_cases():
    assert nd.otsu(np.full((4, 4), 0.375, np.float32)) == 0.375
    assert nd.otsu(np.ones((2, 2), np.float32), mask=np.zeros((2, 2), bool)) == 0.0
    img = _noisy()
    m = np.zeros(img.shape, bool)
    m[:, :64] = True
    assert nd.otsu(img, mask=m) == nd.otsu_of_histogram(*nd.histogram(img[:, :64]))


def test_wrong_choices_name_the_valid_ones():
    with pytest.raises(ConfigError, match="'plateau', 'skimage'"):
        nd.otsu(np.ones(3), flavour="li")
    with pytest.raises(ConfigError, match="'reflect', 'reflect101', 'replicate'"):
        nd.blur(np.ones((3, 3)), 1.0, border="wrap")


# ----------------------------------------------------------------------------- stretch
def test_stretch_percentiles_and_clip():
    x = np.linspace(0.0, 1.0, 101)
    out = nd.stretch(x, np.ones(101, bool))
    assert out[1] == pytest.approx(0.0) and out[99] == pytest.approx(1.0)
    half = nd.stretch(x, x <= 0.5)  # the percentiles of the valid pixels only
    assert half[50] == pytest.approx((0.5 - 0.005) / 0.49) and half.max() == 1.5
    assert not nd.stretch(x, np.zeros(101, bool)).any()
    assert not nd.stretch(np.full(5, 0.3), np.ones(5, bool)).any()
