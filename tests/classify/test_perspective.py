"""Tests for semscan.classify.perspective: the scale trend and its rectification.

The test structure is a lattice of equal discs seen under an exact exponential change of
scale: at height y every length is multiplied by ``exp(k y)``, so the disc diameters grow
from top to bottom by ``exp(k H)``, a ratio known in closed form.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED
from semscan.classify.features import structure_features
from semscan.classify.perspective import RECTIFY_MIN_RATIO, rectify_scale, scale_trend


def _tapered_lattice(ratio: float, *, size: int = 512, radius_top: float = 4.0) -> np.ndarray:
    """Discs of radius ``radius_top * exp(k y)`` on a lattice of spacing ``3.2 r``."""
    k = math.log(ratio) / size
    pore = np.zeros((size, size), np.uint8)
    y = 0.0
    row = 0
    while y < size:
        r = radius_top * math.exp(k * y)
        step = 3.2 * r
        x = (row % 2) * step / 2
        while x < size + step:
            cv2.circle(pore, (round(x * 8), round(y * 8)), round(r * 8), 1, -1, shift=3)
            x += step
        y += step * math.sqrt(3) / 2
        row += 1
    return pore.astype(bool)


def _diameters(pore: np.ndarray) -> np.ndarray:
    """Equivalent diameters of the components that do not touch the border."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(pore.astype(np.uint8), connectivity=8)
    x, y, w, h, a = (stats[1:, i] for i in range(5))
    inner = (x > 0) & (y > 0) & (x + w < pore.shape[1]) & (y + h < pore.shape[0])
    return np.sqrt(4 * a[inner] / np.pi)


def test_uniform_discs_have_no_trend() -> None:
    pore = _tapered_lattice(1.0, radius_top=8.0)
    t = scale_trend(pore)
    assert t.ratio < 1.1
    f = structure_features(pore, ~pore, calibration=UNCALIBRATED)
    assert not f.rectified and f.scale_ratio == pytest.approx(t.ratio)
    assert math.isfinite(f.period)


@pytest.mark.parametrize("ratio", [2.5, 4.0])
def test_trend_ratio_and_direction_are_recovered(ratio: float) -> None:
    pore = _tapered_lattice(ratio)
    t = scale_trend(pore)
    # The disc centres span the image height to within one spacing: 10 % tolerance.
    assert t.ratio == pytest.approx(ratio, rel=0.1)
    assert t.gradient[0] > 0 and abs(t.gradient[1]) < 0.05 * t.gradient[0]
    tt = scale_trend(pore.T[:, ::-1])  # larger discs now on the left
    assert tt.ratio == pytest.approx(ratio, rel=0.1)
    assert tt.gradient[1] < 0 and abs(tt.gradient[0]) < 0.05 * abs(tt.gradient[1])


def test_an_oblique_trend_is_found_in_its_direction() -> None:
    pore = _tapered_lattice(3.0, size=768)
    centre = (384, 384)
    rot = cv2.getRotationMatrix2D(centre, 30, 1.0)  # counter-clockwise by 30 degrees
    turned = cv2.warpAffine(pore.astype(np.uint8), rot, (768, 768),
                            flags=cv2.INTER_NEAREST).astype(bool)
    region = np.zeros_like(turned)
    region[192:576, 192:576] = True  # inside the rotated lattice everywhere
    t = scale_trend(turned, region)
    # The gradient pointed down (+y); after a CCW rotation by 30 deg in image axes it
    # points to (cos 30, sin 30) in (y, x).
    angle = math.degrees(math.atan2(t.gradient[1], t.gradient[0]))
    assert angle == pytest.approx(30.0, abs=4.0)


def test_rectification_makes_the_discs_equal() -> None:
    pore = _tapered_lattice(4.0)
    before = _diameters(pore)
    assert before.max() / before.min() > 3.0
    t = scale_trend(pore)
    p, s, r, g = rectify_scale(pore, ~pore, np.ones_like(pore), pore.astype(np.float32),
                               trend=t)
    assert p.shape == s.shape == r.shape == g.shape
    assert not (p & s).any() and ((p | s) == r).all()
    after = _diameters(p)
    assert len(after) > 50
    # Equal discs up to the 10 % error of the fitted ratio and pixel rounding.
    assert np.percentile(after, 95) / np.percentile(after, 5) < 1.3
    assert scale_trend(p, r).ratio < 1.3
    # The largest discs are not shrunk: magnification 1 at the near side.
    assert np.median(after) == pytest.approx(before.max(), rel=0.15)


def test_magnification_cap_leaves_out_the_far_side() -> None:
    pore = _tapered_lattice(8.0)
    t = scale_trend(pore)
    _, _, r4, _ = rectify_scale(pore, ~pore, np.ones_like(pore), pore.astype(np.float32),
                                trend=t, max_magnification=4.0)
    _, _, r2, _ = rectify_scale(pore, ~pore, np.ones_like(pore), pore.astype(np.float32),
                                trend=t, max_magnification=2.0)
    # Rows in the output: integral of the magnification from the cut to the near side,
    # (m_max - 1) / k in source px per unit magnification: 3/1 between the two caps.
    assert r4.shape[0] / r2.shape[0] == pytest.approx(3.0, rel=0.1)


def test_pores_in_one_corner_give_no_trend() -> None:
    # A dense film with holes in one corner only (a crack): no trend can be fitted.
    pore = np.zeros((512, 512), bool)
    pore[:128, :128] = _tapered_lattice(3.0, size=128, radius_top=2.0)
    t = scale_trend(pore)
    assert t.ratio == 1.0 and t.coverage < 0.75
    f = structure_features(pore, ~pore, calibration=UNCALIBRATED)
    assert not f.rectified


def test_structure_features_rectify_a_tapered_field() -> None:
    pore = _tapered_lattice(6.0)
    f = structure_features(pore, ~pore, calibration=UNCALIBRATED)
    assert f.rectified and f.scale_ratio >= RECTIFY_MIN_RATIO and f.values.size
    assert math.isnan(f.period)
    flat = structure_features(pore, ~pore, calibration=UNCALIBRATED, rectify=False)
    spread = list(f.names).index("pore_size_p99_over_mean")
    # Rectified: the spread of the lattice's equal discs, not of the perspective.
    assert f.values[spread] < flat.values[spread]
    assert not flat.rectified and flat.scale_ratio == 1.0


def test_sizes_in_patches_are_not_a_steady_trend() -> None:
    # Holes of radius 3 or 12 px, chosen per 128 px block at random (seeded): the sizes
    # differ 4x over the field but in patches, as in a coarse structure.
    rng = np.random.default_rng(7)
    pore = np.zeros((768, 768), bool)
    for by in range(0, 768, 128):
        for bx in range(0, 768, 128):
            r = 12.0 if rng.random() < 0.5 else 3.0
            block = _tapered_lattice(1.0, size=128, radius_top=r)
            pore[by:by + 128, bx:bx + 128] = block
    t = scale_trend(pore)
    assert t.r2 < 0.5 and not t.is_steady
    assert not structure_features(pore, ~pore, calibration=UNCALIBRATED).rectified


def test_the_tapered_lattice_is_a_steady_trend() -> None:
    t = scale_trend(_tapered_lattice(6.0))
    assert t.r2 > 0.9 and t.is_steady and t.coverage == 1.0
    # Within the perspective range of the training renders (up to 4x): left as it is.
    assert not scale_trend(_tapered_lattice(2.5)).is_steady


def test_row_ends_give_the_extremes_of_a_linear_function_over_the_region():
    from semscan.classify.perspective import _row_ends

    rng = np.random.default_rng(12)
    for _ in range(60):
        region = rng.random((int(rng.integers(1, 70)), int(rng.integers(1, 70)))) < 0.4
        if not region.any():
            continue
        gy, gx = rng.normal(size=2) * 10.0 ** rng.uniform(-6, 0, size=2)
        g = math.hypot(gy, gx)
        ry, rx = np.nonzero(region)
        ey, ex = _row_ends(region)
        every, ends = (ry * gy + rx * gx) / g, (ey * gy + ex * gx) / g
        assert every.max() == ends.max() and every.min() == ends.min()
