"""Tests of the synthetic training structures."""

from __future__ import annotations

import numpy as np
import pytest

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
