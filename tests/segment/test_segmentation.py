"""The Segmentation result (semscan/segment/segmentation.py): masks, fractions, warnings."""

import numpy as np
import pytest

from semscan.errors import SegmentationError
from semscan.micrograph import Micrograph
from semscan.segment import Segmentation, segment_micrograph


@pytest.fixture(scope="module")
def stripes():
    # 8 x 8: pores (grey 0.1) in columns 0-1, solid (0.9) in 2-7, as segmented
    img = np.full((8, 8), 0.9, np.float32)
    img[:, :2] = 0.1
    seg = segment_micrograph(Micrograph.from_array(img), denoise="none")
    assert np.array_equal(seg.pore[:, :2], np.ones((8, 2), bool)) and not seg.pore[:, 2:].any()
    return img, seg


def test_fractions_are_the_pixel_counts(stripes):
    _, seg = stripes
    assert (seg.pore_fraction, seg.solid_fraction, seg.excluded_fraction) == (0.25, 0.75, 0.0)
    assert seg.shape == (8, 8)
    assert seg.labels().tolist()[0] == [1, 1, 0, 0, 0, 0, 0, 0]


def test_with_masks_recounts_and_warns_once(stripes):
    _, seg = stripes
    pore = np.ones((8, 8), bool)
    pore[0, 0] = False  # 63 of 64 pore: "almost all pore"
    new = seg.with_masks(pore, ~pore, np.zeros((8, 8), bool))
    assert new.pore_fraction == round(63 / 64, 6)
    assert [w for w in new.warnings if w.startswith("almost all")] == [
        "almost all pore (98.4% of the specimen): check the segmentation"]
    back = new.with_masks(seg.pore, seg.solid, seg.excluded)
    assert not any(w.startswith("almost all") for w in back.warnings)  # recomputed, not kept
    assert back.pore_fraction == 0.25 and back.method == seg.method


def test_swapped_phases_warn_that_pores_are_brighter(stripes):
    _, seg = stripes
    new = seg.with_masks(seg.solid, seg.pore, seg.excluded)  # the bright phase as pore
    assert new.contrast < 0
    assert any("pores brighter than solid" in w for w in new.warnings)


def test_everything_excluded_is_said(stripes):
    _, seg = stripes
    none = np.zeros((8, 8), bool)
    new = seg.with_masks(none, none, ~none)
    assert (new.pore_fraction, new.excluded_fraction) == (0.0, 1.0)
    assert "no specimen pixels left: everything is excluded" in new.warnings
    assert isinstance(new, Segmentation)


def test_with_excluded_checks_the_shape(stripes):
    _, seg = stripes
    with pytest.raises(SegmentationError, match="expected"):
        seg.with_excluded(np.zeros((3, 3), bool))
