"""Whisker candidates: bright pixels in objects a disc of half the least width fits in."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semscan.errors import MeasurementError
from semscan.micrograph import Micrograph
from semscan.phantoms.whiskers import render_whisker_film, whisker_film
from semscan.segment import segment_micrograph
from semscan.segment.whiskers import whisker_candidates


def test_candidates_hold_the_whiskers_and_little_else():
    film = whisker_film((512, 512), n_rods=40, length_px=60, width_px=7, seed=8)
    img = render_whisker_film(film, seed=9)
    seg = segment_micrograph(Micrograph.from_array(img, pixel_size_um=0.01))
    c = whisker_candidates(img, solid=seg.solid, excluded=seg.excluded, pore=seg.pore,
                           min_width_px=3)
    hit = (c.mask & film.whisker).sum()
    assert hit > 0.8 * film.whisker.sum()  # the blurred edges may fall outside
    assert (c.mask & ~film.whisker).sum() < 0.1 * c.mask.sum()
    assert c.bright_level > c.threshold > c.polymer_level


def test_a_brightness_gradient_makes_no_whiskers():
    rng = np.random.default_rng(0)
    img = np.full((200, 300), 0.5, np.float32) + np.linspace(0, 0.4, 300)[None, :]
    pores = np.zeros(img.shape, bool)
    pores[::10, ::10] = True
    pores = np.logical_or.reduce([np.roll(pores, (i, j), (0, 1))
                                  for i in range(3) for j in range(3)])
    img[pores] -= 0.4
    img += rng.normal(0, 0.02, img.shape).astype(np.float32)
    c = whisker_candidates(img, solid=~pores, pore=pores)
    assert not c.mask.any()


def test_constant_or_empty_solid_gives_no_candidates():
    img = np.full((20, 20), 0.5, np.float32)
    assert not whisker_candidates(img, solid=np.ones((20, 20), bool)).mask.any()
    c = whisker_candidates(img, solid=np.zeros((20, 20), bool))
    assert not c.mask.any() and math.isnan(c.threshold)


def test_shape_mismatch_raises():
    with pytest.raises(MeasurementError, match="shape"):
        whisker_candidates(np.zeros((4, 4)), solid=np.zeros((3, 4), bool))
