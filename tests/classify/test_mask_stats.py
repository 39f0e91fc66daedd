"""Mask statistics behind the structure features (semscan/classify/_mask_stats.py)."""

import math

import numpy as np
import pytest

from semscan.classify._mask_stats import (
    block_mean_masks,
    components,
    euler,
    interface_densities,
    shape_stats,
    weighted_cv,
    weighted_quantile,
)


def _holes():
    """A 4 x 4 grid of round holes (radius 5) in a 128 x 128 sheet."""
    yy, xx = np.mgrid[0:128, 0:128]
    return ((yy % 32) - 16) ** 2 + ((xx % 32) - 16) ** 2 < 25


def test_components_and_euler_of_a_grid_of_holes():
    pore = _holes()
    lcf, n, areas = components(pore)
    assert n == 16 and lcf == pytest.approx(1 / 16)
    assert np.all(areas == areas[0])
    assert euler(pore) == 16.0  # 16 simply connected holes
    assert euler(~pore) == 1 - 16  # one sheet with 16 holes
    assert components(np.zeros((8, 8), bool)) == (0.0, 0, pytest.approx(np.zeros(0)))


def test_interface_densities_of_stripes():
    pore = np.zeros((64, 64), bool)
    pore[:, ::2] = True  # one-pixel vertical stripes
    d = interface_densities(pore, np.ones_like(pore))
    assert d[0] == pytest.approx(1.0)  # every step along a row changes phase
    assert d[2] == 0.0  # no change down a column
    assert d[1] == pytest.approx(1 / math.sqrt(2)) and d[3] == pytest.approx(1 / math.sqrt(2))


def test_block_mean_masks_keep_the_majority():
    pore = np.zeros((8, 8), bool)
    pore[:4, :4] = True
    pore[0, 4] = True  # a minority pixel in the next block
    p, s, d = block_mean_masks(pore, np.ones_like(pore), 4)
    assert p.tolist() == [[True, False], [False, False]]
    assert (s == ~p).all() and d.all()


def test_shape_stats_of_discs_and_weighted_statistics():
    solidity, circularity, aspect = shape_stats(_holes())
    assert solidity > 0.9 and circularity > 0.8 and aspect == pytest.approx(1.0, abs=0.05)
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantile(x, np.ones(4), 0.5) == 2.0
    assert weighted_cv(np.array([2.0, 2.0]), np.ones(2)) == 0.0
    assert weighted_cv(x, np.ones(4)) == pytest.approx(np.std(x) / np.mean(x))
