"""Thresholds and the automatic choice (semscan/segment/threshold.py)."""

import dataclasses

import numpy as np
import pytest

from semscan.calibration import Calibration
from semscan.errors import SegmentationError
from semscan.segment.local_threshold import sauvola_threshold
from semscan.segment.threshold import (
    choose_method,
    global_threshold,
    pore_side,
    residual_nonuniformity,
)


def two_level(seed=0, noise=0.03, shape=(128, 128)):
    rng = np.random.default_rng(seed)
    truth = (np.arange(shape[1]) % 16 < 6)[None, :].repeat(shape[0], 0)
    img = np.where(truth, 0.2, 0.7) + rng.normal(0, noise, shape)
    return np.clip(img, 0, 1).astype(np.float32), truth


@pytest.mark.parametrize("method", ["otsu", "li"])
def test_global_methods_separate_two_levels(method):
    img, truth = two_level()
    t = global_threshold(img, method=method)
    assert 0.3 < t < 0.6
    assert (pore_side(img, t, "dark") == truth).mean() == 1.0


def test_otsu_takes_the_middle_of_an_empty_gap():
    img = np.array([[0.2, 0.2, 0.7, 0.7]], np.float32)
    assert global_threshold(img) == pytest.approx(0.45, abs=0.01)


def test_triangle_for_a_small_phase():
    rng = np.random.default_rng(3)
    truth = rng.random((128, 128)) < 0.08
    img = np.clip(np.where(truth, 0.2, 0.7) + rng.normal(0, 0.03, truth.shape), 0, 1)
    t = global_threshold(img.astype(np.float32), method="triangle")
    assert (pore_side(img, t, "dark") == truth).mean() > 0.99


def shuffled_levels(levels, counts, seed):
    rng = np.random.default_rng(seed)
    values = np.repeat(levels, counts) + rng.normal(0, 0.02, sum(counts))
    return rng.permutation(values).reshape(80, 100).astype(np.float32)


def test_multiotsu_keeps_middle_class_as_pore():
    img = shuffled_levels([0.1, 0.35, 0.75], [3000, 1000, 4000], 1)
    t = global_threshold(img, method="multiotsu")
    assert 0.4 < t < 0.7
    assert choose_method(img)[0] == "multiotsu"
    # with bright pores the solid is the darkest class
    tb = global_threshold(img, method="multiotsu", pores="bright")
    assert 0.12 < tb < 0.33


def test_middle_mode_larger_than_solid_side_stays_otsu():
    img = shuffled_levels([0.1, 0.5, 0.9], [3000, 4000, 1000], 2)  # solid + bright edges
    method, reason = choose_method(img)
    assert method == "otsu" and "larger than the solid" in reason


def test_constant_and_excluded():
    img = np.full((10, 10), 0.3, np.float32)
    assert global_threshold(img) is None
    assert choose_method(img) == ("otsu", "a single grey level: nothing to choose, Otsu")
    img2, _ = two_level()
    valid = np.zeros(img2.shape, bool)
    assert global_threshold(img2, valid=valid) is None
    with pytest.raises(SegmentationError, match="method='x' is not valid"):
        global_threshold(img2, method="x")


def test_sauvola_follows_a_gradient():
    img, truth = two_level()
    ramp = np.linspace(-0.3, 0.3, 128, dtype=np.float32)[:, None]
    shifted = np.clip(img + ramp, 0, 1)
    cal = Calibration(0.01, "user")
    t_map, window = sauvola_threshold(shifted, window_um=0.33, calibration=cal)
    assert window == 33
    assert (pore_side(shifted, t_map, "dark") == truth).mean() > 0.97
    t = global_threshold(shifted)
    assert (pore_side(shifted, t, "dark") == truth).mean() < 0.9
    assert residual_nonuniformity(shifted) > 0.35
    assert residual_nonuniformity(img) < 0.1
    assert choose_method(shifted)[0] == "sauvola"
    inv_map, _ = sauvola_threshold(1 - shifted, window_um=33, pores="bright")
    assert (pore_side(1 - shifted, inv_map, "bright") == truth).mean() > 0.97


@pytest.mark.parametrize("shape", [(4, 9), (37, 53), (1103, 1536), (9001, 7), (300, 20000)])
def test_tile_sums_are_one_reduceat_cast_to_float64(shape):
    """The column strips give each tile's float64 sum exactly as one cast reduceat (the
    former form), on grey values of many magnitudes (where the order of additions shows)
    and on 0/1 counts."""
    from semscan.segment import threshold as th

    rng = np.random.default_rng(sum(shape))
    grey = rng.random(shape, dtype=np.float32) ** 8
    grey[rng.random(shape) < 0.4] = 0
    counts = (rng.random(shape) < 0.4).view(np.uint8)
    for values in (grey, counts):
        r_edges = (np.arange(th._TILES) * shape[0]) // th._TILES
        c_edges = (np.arange(th._TILES) * shape[1]) // th._TILES
        whole = np.add.reduceat(np.add.reduceat(values, r_edges, axis=0, dtype=np.float64),
                                c_edges, axis=1)
        got = th._tile_sums(values)
        assert got.dtype == np.float64
        assert np.array_equal(got, whole)


def _matrix_with_bright_phase(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A dense matrix (grey 0.30, noise SD 0.04) holding 25 % of a bright phase whose grey
    spreads from 0.45 to 0.95 (sizes and edges of a dealloyed section's ligaments)."""
    from semscan.phantoms.geometry import boolean_ellipses

    rng = np.random.default_rng(seed)
    lam = -np.log(0.75) / (np.pi * 4 * 3)  # a Boolean model of 25 % coverage
    bright = boolean_ellipses((256, 256), intensity_per_px2=lam, a_px=4, b_px=3, seed=seed)
    img = np.where(bright, rng.uniform(0.45, 0.95, bright.shape), 0.30)
    img = img + rng.normal(0.0, 0.04, img.shape)
    return img.astype(np.float32), bright


def test_section_matrix_edge_is_the_matrix_noise_not_otsu():
    from semscan._ndimage import histogram
    from semscan.segment.threshold import ground_peak, section_matrix_edge

    img, _ = _matrix_with_bright_phase()
    g = ground_peak(histogram(img), "bright")
    assert g is not None and g.ground == "solid"
    edge = section_matrix_edge(g)
    # the matrix ends ~2 noise SDs above its mode; Otsu's level is far into the bright phase
    assert edge is not None and 0.36 < edge < 0.42 < g.otsu
    # the rule is off when the majority peak is not narrower than the other phase's spread
    assert section_matrix_edge(dataclasses.replace(g, ratio=0.8)) is None
    assert section_matrix_edge(dataclasses.replace(g, fraction=0.5)) is None
    assert section_matrix_edge(None) is None


def test_section_segmentation_counts_the_dim_part_of_the_bright_phase():
    from semscan.micrograph import Micrograph
    from semscan.segment import segment_micrograph

    img, bright = _matrix_with_bright_phase()
    m = Micrograph.from_array(img)
    opts = {"pores": "bright", "denoise": "none", "background_um": 0.0, "min_feature_um": 0}
    plain = segment_micrograph(m, **opts)
    section = segment_micrograph(m, **opts, section=True)
    assert plain.method == "otsu"
    assert section.method == "hysteresis" and "matrix's edge" in section.method_reason
    truth = float(bright.mean())
    # Otsu loses the dim bright pixels (grey 0.45 up to its level); the matrix rule keeps them
    assert plain.pore_fraction < truth - 0.03
    assert section.pore_fraction == pytest.approx(truth, abs=0.02)


def test_find_peaks_is_scipys():
    """The histogram peak search gives scipy.signal.find_peaks's peaks exactly: random
    signals with plateaus (integer levels), smooth ones, flat and tiny ones, any prominence."""
    from scipy.signal import find_peaks as scipy_find_peaks

    from semscan.segment.threshold import find_peaks

    rng = np.random.default_rng(0)
    signals = [np.zeros(0), np.zeros(1), np.ones(5), np.array([0.0, 1.0, 0.0]),
               np.array([0, 1, 1, 0, 2, 2, 2, 1, 3, 0.0])]
    for _ in range(300):
        n = int(rng.integers(3, 300))
        levels = rng.integers(0, int(rng.integers(2, 12)), n).astype(float)  # plateaus
        smooth = np.convolve(rng.random(n + 20), np.ones(9) / 9, "valid")[:n]
        signals += [levels, smooth, np.pad(smooth, 1)]
    checked = 0
    for x in signals:
        for frac in (0.0, 0.05, 0.3, 1.0):
            prominence = frac * (x.max() if x.size else 0)
            expected = scipy_find_peaks(x, prominence=prominence)[0]
            assert np.array_equal(find_peaks(x, prominence=prominence), expected), (x, frac)
            checked += expected.size
    assert checked > 1000  # the signals have peaks to find
