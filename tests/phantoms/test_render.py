"""SEM-like rendering of pore masks (semscan/phantoms/render.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy import ndimage as ndi

from semscan.phantoms.render import RenderParams, render_sem

FLAT = RenderParams(pore_level=0.1, solid_level=0.6, edge_gain=0.0, pore_back=0.0,
                    blur_px=0.0, noise=0.0, gradient=0.0)


def disc(radius: int = 20, size: int = 64) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size] - size // 2
    return np.hypot(yy, xx) <= radius


def test_flat_render_is_two_levels() -> None:
    pore = disc()
    img = render_sem(pore, seed=0, params=FLAT)
    np.testing.assert_allclose(img[pore], 0.1, atol=1e-6)
    np.testing.assert_allclose(img[~pore], 0.6, atol=1e-6)


def test_rim_shading_follows_depth_exactly() -> None:
    pore = disc()
    params = dataclasses.replace(FLAT, rim_gain=0.8, rim_px=4.0)
    img = render_sem(pore, seed=0, params=params)
    depth = ndi.distance_transform_edt(pore)
    expected = 0.1 + 0.8 * 0.5 * np.exp(-(depth - 1.0) / 4.0)
    np.testing.assert_allclose(img[pore], expected[pore], atol=1e-6)
    np.testing.assert_allclose(img[~pore], 0.6, atol=1e-6)
    # the rim (depth 1) is almost solid-grey, the centre (depth 20) stays dark
    assert img[32, 12] > 0.45 and img[32, 32] < 0.11


def test_rim_off_by_default_leaves_renders_unchanged() -> None:
    pore = disc()
    base = RenderParams()
    assert base.rim_gain == 0.0
    np.testing.assert_array_equal(
        render_sem(pore, seed=3, params=base),
        render_sem(pore, seed=3, params=dataclasses.replace(base, rim_px=9.0)),
    )
