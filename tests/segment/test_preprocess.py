"""Denoising and background flattening (semscan/segment/preprocess.py)."""

import numpy as np
import pytest

from semscan.calibration import Calibration
from semscan.errors import SegmentationError
from semscan.segment.preprocess import denoise_image, flatten_background, preprocess

CAL = Calibration(0.01, "user")


def noisy(seed=0):
    rng = np.random.default_rng(seed)
    img = np.where(np.arange(96) % 16 < 6, 0.15, 0.6).astype(np.float32)[None, :].repeat(96, 0)
    return np.clip(img + rng.normal(0, 0.05, img.shape), 0, 1).astype(np.float32)


@pytest.mark.parametrize("method", ["median", "gaussian", "bilateral", "nlmeans"])
def test_denoise_reduces_noise(method):
    img = noisy()
    out, size = denoise_image(img, method=method)
    assert out.dtype == np.float32 and out.shape == img.shape
    # column 9 lies inside a solid stripe: down it, only the noise varies
    assert out[:, 9].std() < 0.7 * img[:, 9].std()
    assert size is not None


def test_denoise_none_and_sizes():
    img = noisy()
    out, size = denoise_image(img, method="none")
    assert size is None and np.array_equal(out, img)
    assert denoise_image(img, method="median", size_um=0.05, calibration=CAL)[1] == 5
    assert denoise_image(img, method="median", size_um=0.09, calibration=CAL)[1] == 9
    assert denoise_image(img, method="median", size_um=7)[1] == 7  # uncalibrated: px
    with pytest.raises(SegmentationError, match="choose one of 'auto', 'none', 'median'"):
        denoise_image(img, method="wiener")


def test_median_removes_hot_pixel_exactly():
    img = np.full((9, 9), 0.4, np.float32)
    img[4, 4] = 1.0
    out, _ = denoise_image(img)
    assert np.array_equal(out, np.full((9, 9), 0.4, np.float32))


def test_flatten_removes_gradient_of_solid_phase():
    base = np.where(np.arange(128) % 16 < 6, 0.15, 0.6).astype(np.float32)[None, :]
    ramp = np.linspace(-0.2, 0.2, 128, dtype=np.float32)[:, None]
    img = base + ramp
    flat, sigma = flatten_background(img, background_um=0.16, calibration=CAL)
    assert sigma == pytest.approx(16.0)
    solid_col = 10
    assert np.ptp(img[:, solid_col]) == pytest.approx(0.4, abs=1e-5)
    assert np.ptp(flat[16:-16, solid_col]) < 0.05
    # pore/solid contrast is preserved
    assert flat[64, 10] - flat[64, 2] == pytest.approx(0.45, abs=0.03)


def test_flatten_disabled_and_validation():
    img = noisy()
    flat, sigma = flatten_background(img, background_um=0)
    assert sigma is None and np.array_equal(flat, img)
    with pytest.raises(SegmentationError, match="finite length >= 0"):
        flatten_background(img, background_um=float("nan"))
    with pytest.raises(SegmentationError, match="choose one of 'dark', 'bright'"):
        flatten_background(img, pores="grey")


def test_flatten_ignores_excluded_pixels():
    img = noisy()
    valid = np.ones(img.shape, bool)
    valid[:, :20] = False
    img2 = img.copy()
    img2[:, :20] = 1.0  # a white excluded band must not brighten the background estimate
    a, _ = flatten_background(img, valid=valid, background_um=12)
    b, _ = flatten_background(img2, valid=valid, background_um=12)
    assert np.abs(a[:, 40:] - b[:, 40:]).max() < 1e-5


def test_preprocess_description():
    img = noisy()
    p = preprocess(img, calibration=CAL, background_um=0.25, denoise="gaussian")
    assert p.description == "background 0.25 µm (given); gaussian sigma 1 px"
    p = preprocess(img, background_um=0, denoise="none")
    assert p.description == (
        "no background flattening; no denoising; uncalibrated: µm options read as px"
    )
    assert p.background_source == "disabled"
    p = preprocess(img, calibration=CAL)
    assert p.description == "background 0.12 µm (auto); median 3 px"


def test_tiny_image():
    for shape in [(1, 1), (2, 2), (3, 7)]:
        p = preprocess(np.zeros(shape, np.float32))
        assert p.image.shape == shape


def test_denoise_auto_picks_by_noise_to_contrast():
    from semscan.segment.preprocess import AUTO_NOISE_LIMIT, noise_to_contrast

    clean = noisy()  # noise 0.05 on a 0.45 step
    assert noise_to_contrast(clean) < AUTO_NOISE_LIMIT
    np.testing.assert_array_equal(denoise_image(clean, method="auto")[0],
                                  denoise_image(clean, method="median")[0])
    rng = np.random.default_rng(1)
    base = np.where(np.arange(96) % 16 < 6, 0.15, 0.6).astype(np.float32)[None, :].repeat(96, 0)
    very = np.clip(base + rng.normal(0, 0.3, base.shape), 0, 1).astype(np.float32)
    ratio = noise_to_contrast(very)
    assert ratio > AUTO_NOISE_LIMIT
    out, size = denoise_image(very, method="auto")
    sigma = min(2.0, ratio / AUTO_NOISE_LIMIT)
    assert size == pytest.approx(2 * sigma)
    np.testing.assert_array_equal(out, denoise_image(very, method="gaussian", size_um=2 * sigma)[0])
    p = preprocess(very, background_um=0)
    assert p.denoise == "gaussian" and "(auto: noise" in p.description
    # a constant image has no phases: NaN, and auto keeps the median
    assert np.isnan(noise_to_contrast(np.full((16, 16), 0.5, np.float32)))


def test_noise_to_contrast_noise_region():
    """One estimate, two regions: on a field without excluded pixels ``'specimen'`` reads
    the same noise as ``'image'`` (within the 2x subsampling and the 1 px erosion of the
    border); with a flat half excluded only ``'specimen'`` sees the specimen's noise; an
    unknown region is refused, naming the valid ones."""
    from semscan.errors import SegmentationError
    from semscan.segment.preprocess import noise_to_contrast

    rng = np.random.default_rng(3)
    base = np.where(np.arange(128) % 16 < 8, 0.2, 0.7).astype(np.float32)[None, :].repeat(128, 0)
    img = (base + rng.normal(0, 0.05, base.shape)).astype(np.float32)
    whole = noise_to_contrast(img)
    assert noise_to_contrast(img, noise_region="specimen") == pytest.approx(whole, rel=0.1)
    valid = np.ones(img.shape, bool)
    valid[:, 64:] = False
    half = img.copy()
    half[:, 64:] = 0.5  # a flat vacuum
    assert noise_to_contrast(half, valid) < 0.5 * whole
    assert noise_to_contrast(half, valid, noise_region="specimen") == pytest.approx(whole, rel=0.1)
    with pytest.raises(SegmentationError, match="image"):
        noise_to_contrast(img, noise_region="vacuum")  # type: ignore[arg-type]
