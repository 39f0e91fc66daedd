"""Two-level (already segmented) inputs are measured exactly (issue 18, item 4)."""

import numpy as np
import pytest
from PIL import Image

from semscan.config import AnalysisConfig
from semscan.micrograph import Micrograph
from semscan.pipeline import analyze_path
from semscan.segment import saturated_regions, segment_micrograph

ROWS, COLS = 250, 300


def boolean_disc_pores(seed: int = 11) -> np.ndarray:
    """Pores = the space left between random discs (solid): about 55 % and percolating."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:ROWS, :COLS]
    solid = np.zeros((ROWS, COLS), bool)
    for cy, cx, r in zip(rng.uniform(-10, ROWS + 10, 260), rng.uniform(-10, COLS + 10, 260),
                         rng.uniform(4, 12, 260), strict=True):
        solid |= (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    return ~solid


def hand_count_mean(pore: np.ndarray, rows: list[int]) -> float:
    """The 50-line mean counted by hand: every run of pore pixels along each row, a run
    touching the first or last column counting one half (ASTM E112)."""
    total = 0
    weight = 0.0
    for r in rows:
        line = [bool(v) for v in pore[r]]
        c = 0
        while c < len(line):
            if not line[c]:
                c += 1
                continue
            start = c
            while c < len(line) and line[c]:
                c += 1
            total += c - start
            weight += 0.5 if (start == 0 or c == len(line)) else 1.0
    return total / weight


def test_percolating_pores_clipped_at_black_are_measured_not_excluded(tmp_path):
    pore = boolean_disc_pores()
    assert 0.5 < pore.mean() < 0.6
    # the pores percolate: one connected pore region spans the image top to bottom
    from scipy import ndimage as ndi

    labels, _ = ndi.label(pore)
    assert set(labels[0][labels[0] > 0]) & set(labels[-1][labels[-1] > 0])
    path = tmp_path / "mask.png"
    Image.fromarray(np.where(pore, 0, 255).astype(np.uint8)).save(path)
    cfg = AnalysisConfig().with_overrides({
        "io.pixel_size_um": 0.02, "measure.window_um": "full", "measure.angle_deg": 0.0,
        "classify.enabled": False,
    })
    res = analyze_path(path, config=cfg, view="surface")
    seg = res.segmentation
    assert seg.method == "two-level" and "two grey values" in seg.method_reason
    assert seg.excluded_fraction == 0.0
    assert np.array_equal(seg.pore, pore)
    # porosity: exactly the pixel fraction
    assert res.porosity.porosity == pytest.approx(pore.mean(), abs=1e-12)
    # the 50 lines of a 250-row window lie on rows 2, 7, ..., 247 (spacing 5 px)
    rows = [2 + 5 * i for i in range(50)]
    expected = hand_count_mean(pore, rows) * 0.02
    assert res.pore_intercept.window_px == (0, 0, ROWS, COLS)
    assert res.pore_intercept.mean == pytest.approx(expected, rel=1e-3)


@pytest.mark.parametrize(("low", "high"), [(0.0, 1.0), (0.0, 1.0 / 255.0), (0.2, 0.7)])
@pytest.mark.parametrize("pores", ["dark", "bright"])
def test_two_level_levels_and_pore_side(low, high, pores):
    pore = boolean_disc_pores(seed=3)
    pore_level, solid_level = (low, high) if pores == "dark" else (high, low)
    img = np.where(pore, pore_level, solid_level).astype(np.float32)
    seg = segment_micrograph(Micrograph.from_array(img), pores=pores)
    assert seg.method == "two-level"
    assert np.array_equal(seg.pore, pore) and np.array_equal(seg.solid, ~pore)
    assert seg.pore_fraction == pytest.approx(pore.mean(), abs=1e-6)
    assert seg.preprocessing.startswith("none")


def test_two_level_keeps_single_pixels_and_respects_exclusions():
    img = np.full((40, 40), 1.0, np.float32)
    img[5, 5] = 0.0  # a one-pixel pore: kept (no small-feature removal on a mask)
    img[20:, :] = 0.0
    excluded = np.zeros(img.shape, bool)
    excluded[30:] = True
    seg = segment_micrograph(Micrograph.from_array(img, excluded=excluded))
    assert seg.method == "two-level"
    assert seg.pore[5, 5] and seg.pore[20:30].all() and not seg.pore[30:].any()
    assert seg.excluded[30:].all() and seg.excluded_fraction == 0.25


def test_a_named_method_still_thresholds_a_two_level_image():
    img = np.where(boolean_disc_pores(seed=5), 0.0, 1.0).astype(np.float32)
    seg = segment_micrograph(Micrograph.from_array(img), method="otsu")
    assert seg.method == "otsu"
    # and the saturated-region rule alone keeps the interleaved pore network
    assert not saturated_regions(img, pore=img == 0).any()
