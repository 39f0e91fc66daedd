"""Tests of the synthetic training structures."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from semscan.classify.synth import CLASSES, generate, segment_for_training
from semscan.errors import ConfigError


@pytest.mark.parametrize("cls", CLASSES)
def test_generate_is_deterministic_and_well_formed(cls: str) -> None:
    a = generate(cls, seed=7, shape=(128, 160))
    b = generate(cls, seed=7, shape=(128, 160))
    assert a.image.shape == a.pore_mask.shape == (128, 160)
    assert a.image.dtype == np.float32 and a.pore_mask.dtype == bool
    assert 0.0 <= a.image.min() and a.image.max() <= 1.0
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.pore_mask, b.pore_mask)
    assert a.structure_class == cls and a.seed == 7
    assert {"variant", "feature_size_px", "porosity", "render"} <= set(a.params)
    c = generate(cls, seed=8, shape=(128, 160))
    assert not np.array_equal(a.image, c.image)


def test_class_porosities() -> None:
    for seed in range(4):
        assert 0.28 <= generate("percolation", seed=seed, shape=(128, 128)).pore_mask.mean() <= 0.87
        assert generate("non-porous", seed=seed, shape=(128, 128)).pore_mask.mean() < 0.1


def test_pores_are_dark() -> None:
    s = generate("cellular", seed=1, shape=(128, 128))
    assert s.image[s.pore_mask].mean() < s.image[~s.pore_mask].mean()


def test_segment_for_training_gives_disjoint_masks() -> None:
    s = generate("percolation", seed=2, shape=(128, 128))
    pore, solid, grey = segment_for_training(s.image)
    assert pore.shape == solid.shape == grey.shape == s.image.shape
    assert not (pore & solid).any()
    assert (pore == s.pore_mask).mean() > 0.8


def test_bad_arguments() -> None:
    with pytest.raises(ConfigError, match="valid classes: percolation"):
        generate("foam", seed=0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="at least 32x32"):
        generate("cellular", seed=0, shape=(16, 16))


def _first(cls: str, predicate) -> object:
    for seed in range(200):
        s = generate(cls, seed=seed, shape=(96, 96))
        if predicate(s):
            return s
    raise AssertionError(f"no {cls} sample with the property in 200 seeds")


def test_some_porous_renders_have_depth_shaded_pores() -> None:
    s = _first("cellular", lambda s: s.params["render"]["rim_gain"] > 0)
    assert 0.3 <= s.params["render"]["rim_gain"] <= 0.9
    # the shading brightens the pore rims: their grey lies closer to the solid's
    rim = s.pore_mask & ~ndi.binary_erosion(s.pore_mask)
    core = ndi.binary_erosion(s.pore_mask, iterations=3)
    assert s.image[rim].mean() > s.image[core].mean()
    assert _first("non-porous", lambda s: True).params["render"]["rim_gain"] == 0.0


def _mean_run(mask: np.ndarray) -> float:
    """Mean length (px) of the runs of True along the rows."""
    d = np.diff(np.pad(mask.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    return float(mask.sum() / max(1, int((d == 1).sum())))


def test_perspective_views_shrink_towards_the_top() -> None:
    s = _first("spherical-particle", lambda s: s.params.get("perspective", 0) > 2.5)
    assert s.params["foreshortening"] == 1.0
    third = s.pore_mask.shape[0] // 3
    top, bottom = s.pore_mask[:third], s.pore_mask[-third:]
    # features at the top are drawn at 1/ratio of the bottom's scale (2/3 of it averaged
    # over the thirds): both phases' runs are clearly shorter there
    assert _mean_run(top) < 0.75 * _mean_run(bottom)
    assert _mean_run(~top) < 0.75 * _mean_run(~bottom)


def test_dust_particles_hide_the_surface_and_cast_shadows() -> None:
    from semscan.classify.synth import _add_dust

    flat = np.full((128, 128), 0.5, np.float32)
    out = _add_dust(np.random.default_rng(4), flat, 8.0, 0.5)
    bright = out > 0.5 * 1.1 * 0.75  # a particle's edge is >= 0.75 of its 1.1-1.6 x level
    n = ndi.label(bright)[1]
    assert 1 <= n <= 6
    assert out.max() <= 1.0 and (out < 0.45).any()  # shadows darken the surface
