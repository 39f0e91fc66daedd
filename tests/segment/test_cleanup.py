"""Small features and saturated regions (semscan/segment/cleanup.py)."""

import numpy as np
import pytest

from semscan.calibration import Calibration
from semscan.errors import SegmentationError
from semscan.segment.cleanup import (
    SECTION_SPECK_PX,
    SECTION_SPECKLE_NOISE,
    clean_section_mask,
    clean_speckled_section,
    min_feature_area_px,
    remove_small_features,
    saturated_regions,
)
from semscan.segment.preprocess import noise_to_contrast

CAL = Calibration(0.01, "user")


def test_default_removes_specks_up_to_3_px():
    pore = np.zeros((40, 40), bool)
    pore[2, 2] = True  # 1 px
    pore[6, 6:8] = True  # 2 px
    pore[10, 10:13] = True  # 3 px
    pore[20:22, 20:22] = True  # 4 px: kept (area >= pi)
    out = remove_small_features(pore)
    assert out.sum() == 4 and out[20:22, 20:22].all()


def test_min_feature_um_is_equivalent_diameter():
    pore = np.zeros((60, 60), bool)
    pore[5:9, 5:9] = True  # 16 px < pi/4 * 5**2 = 19.6
    pore[30:35, 30:35] = True  # 25 px
    out = remove_small_features(pore, min_feature_um=0.05, calibration=CAL)
    assert out.sum() == 25
    assert min_feature_area_px(0.05, calibration=CAL) == pytest.approx(np.pi / 4 * 25)
    assert np.array_equal(remove_small_features(pore, min_feature_um=0), pore)


def test_solid_islands_filled():
    pore = np.zeros((30, 30), bool)
    pore[5:25, 5:25] = True
    pore[10, 10] = False  # a 1-px solid island inside a pore
    pore[15:17, 15:17] = False  # 4 px island: kept with the default
    out = remove_small_features(pore)
    assert out[10, 10] and not out[15:17, 15:17].any()


def test_valid_respected_and_one_phase_untouched():
    pore = np.zeros((10, 10), bool)
    pore[0, 0] = True
    valid = np.ones((10, 10), bool)
    valid[5:] = False
    out = remove_small_features(np.ones((10, 10), bool), valid=valid)
    assert np.array_equal(out, valid)
    assert remove_small_features(np.ones((1, 1), bool)).all()  # only one phase: kept
    with pytest.raises(SegmentationError, match="min_feature_um must be a finite length"):
        remove_small_features(pore, min_feature_um=-1.0)


def test_saturated_regions():
    img = np.full((100, 100), 0.5, np.float32)
    img[:10, :30] = 1.0  # 3 % white
    img[90:, :] = 0.0  # 10 % black band
    img[50, 50] = 0.0  # a single black pixel is not a region
    out = saturated_regions(img)
    assert out.sum() == 300 + 1000
    valid = np.ones(img.shape, bool)
    valid[90:] = False
    assert saturated_regions(img, valid=valid).sum() == 300


def test_saturated_dark_region_must_dwarf_the_pores():
    img = np.full((100, 100), 0.6, np.float32)
    pore = np.zeros(img.shape, bool)
    pore[20:60, 20:60] = True  # one big genuinely dark pore at exactly 0
    img[pore] = 0.0
    assert not saturated_regions(img, pore=pore).any()
    # a black band across the whole bottom edge is a bar or a blank border, not a pore
    # (it was kept before issue 18 because it did not dwarf the pores)
    img[95:, :] = 0.0
    pore2 = pore.copy()
    pore2[95:, :] = True
    assert saturated_regions(img, pore=pore2).sum() == 500
    # the same band away from the edge (a dark channel) is kept: no bar, < 50 x the pores
    img2 = np.full((100, 100), 0.6, np.float32)
    img2[pore] = 0.0
    img2[80:85, 2:98] = 0.0
    pore3 = pore.copy()
    pore3[80:85, 2:98] = True
    assert not saturated_regions(img2, pore=pore3).any()
    # with bright pores the black band is on the solid side and still a bar: excluded; the
    # black square is one solid feature no larger than the others there: kept
    assert saturated_regions(img, pore=pore2, pores="bright").sum() == 500


def test_saturated_never_takes_a_percolating_network():
    # issue 18: pores 0 and solid 1, 55 % porosity, percolating: nothing is excluded
    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[:256, :256]
    solid = np.zeros((256, 256), bool)
    for cy, cx in rng.uniform(0, 256, (140, 2)):
        solid |= (yy - cy) ** 2 + (xx - cx) ** 2 < 12.0**2
    img = np.where(solid, 1.0, 0.0).astype(np.float32)
    assert 0.4 < 1 - solid.mean() < 0.7
    for pores in ("dark", "bright"):
        assert not saturated_regions(img, pore=~solid, pores=pores).any()


def test_saturated_bar_takes_its_text():
    img = np.full((100, 200), 0.5, np.float32)
    img[:, ::7] = 0.3
    img[88:] = 0.0  # black bar ...
    img[92:96, 10:30] = 1.0  # ... with white text
    out = saturated_regions(img)
    assert out[88:].all() and not out[:88].any()


def test_clean_section_mask_closes_one_px_gaps_and_removes_specks():
    """A ligament broken by one solid pixel is joined, pores and solid islands of at most
    SECTION_SPECK_PX px go, larger ones stay; nothing leaves the valid pixels."""
    valid = np.ones((60, 60), bool)
    valid[:, 55:] = False
    pore = np.zeros((60, 60), bool)
    pore[10:13, 2:30] = True
    pore[10:13, 15] = False                      # a one-pixel break
    pore[30:34, 30:35] = True                    # 20 px: a speck
    pore[40:45, 30:35] = True                    # 25 px: kept
    pore[48:58, 2:12] = True
    pore[52:54, 6:8] = False                     # a 4 px solid hole: filled
    pore[20:25, 54:58] = True                    # partly outside the valid pixels
    out = clean_section_mask(pore, valid=valid)
    assert out[10:13, 15].all()
    assert not out[30:34, 30:35].any() and SECTION_SPECK_PX == 20
    assert out[40:45, 30:35].all()
    assert out[52:54, 6:8].all()
    assert not out[~valid].any()
    big = np.zeros((60, 60), bool)               # one phase only: unchanged
    assert not clean_section_mask(big, valid=valid).any()


def _striped_section(noise_sd: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pores 2 px wide every 6 px (grey 0.7 on 0.2) beside a flat vacuum, with noise."""
    img = np.full((120, 120), 0.2, np.float32)
    img[:, ::6] = 0.7
    img[:, 1::6] = 0.7
    rng = np.random.default_rng(seed)
    img += rng.normal(0.0, noise_sd, img.shape).astype(np.float32)
    valid = np.ones(img.shape, bool)
    valid[:, 84:] = False
    img[~valid] = 0.5                                       # flat vacuum
    return np.clip(img, 0, 1), valid


def test_noise_to_contrast_of_the_specimen_reads_the_specimen_only():
    """The noise SD over the phase difference (0.5) on the specimen; the flat vacuum does
    not hold it at 0 (the whole-image noise_to_contrast reads the vacuum's median)."""
    img, valid = _striped_section(0.05)
    ratio = noise_to_contrast(img, valid, noise_region="specimen")
    assert 0.05 / 0.5 <= ratio <= 1.6 * 0.05 / 0.5, ratio
    img[:, :84] = 0.2                                        # one grey level: no phases
    assert np.isnan(noise_to_contrast(img, valid, noise_region="specimen"))


def test_cleanup_runs_on_speckled_masks_only():
    """Below the gate (noise 0.02 of 0.5) the one-pixel solid walls between thin pores are
    structure and the mask is returned as it is; at noise 0.15 of 0.5 (ratio 0.3-0.45 >
    0.10) the specks are removed and the note gives the measured ratio."""
    img, valid = _striped_section(0.01)
    img[:, 3:84:12] = 0.7                                    # walls of 1 px between pores
    img[:, 4:84:12] = 0.7
    pore = (img > 0.45) & valid
    out, note = clean_speckled_section(img, pore, valid=valid)
    assert note is None and (out == pore).all()
    assert not (clean_section_mask(pore, valid=valid) == pore).all()  # it would join them
    img, valid = _striped_section(0.15)
    pore = (img > 0.45) & valid
    out, note = clean_speckled_section(img, pore, valid=valid)
    ratio = noise_to_contrast(img, valid, noise_region="specimen")
    assert ratio > SECTION_SPECKLE_NOISE
    assert note is not None and f"{ratio:.2f}" in note
    assert (out == clean_section_mask(pore, valid=valid)).all()
