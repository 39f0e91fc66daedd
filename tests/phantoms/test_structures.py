"""Random masks of the five structure classes (semscan/phantoms/structures.py)."""

import numpy as np
import pytest

from semscan.classify.classes import CLASSES
from semscan.phantoms.structures import STRUCTURE_BUILDERS, draw_discs, log_uniform


def test_one_builder_per_class():
    assert set(STRUCTURE_BUILDERS) == set(CLASSES)


@pytest.mark.parametrize("cls", CLASSES)
def test_builders_are_deterministic_and_report_their_porosity(cls):
    a, params, _ = STRUCTURE_BUILDERS[cls](np.random.default_rng(5), (96, 128))
    b, _, _ = STRUCTURE_BUILDERS[cls](np.random.default_rng(5), (96, 128))
    assert a.shape == (96, 128) and a.dtype == bool
    assert np.array_equal(a, b)
    assert params["porosity"] == pytest.approx(float(a.mean()), abs=0.01)
    assert params["feature_size_px"] > 0


def test_draw_discs_is_the_union_of_the_discs():
    m = draw_discs((40, 40), np.array([[10.0, 10.0], [30.0, 25.0]]), np.array([4.0, 6.0]))
    rr, cc = np.mgrid[0:40, 0:40]
    exact = ((rr - 10) ** 2 + (cc - 10) ** 2 <= 16) | ((rr - 30) ** 2 + (cc - 25) ** 2 <= 36)
    assert (m != exact).mean() < 0.02  # sub-pixel drawing differs on the rims only
    assert m[10, 10] and m[30, 25] and not m[0, 39]


def test_log_uniform_stays_in_range():
    rng = np.random.default_rng(0)
    v = [log_uniform(rng, 5.0, 40.0) for _ in range(200)]
    assert min(v) >= 5.0 and max(v) <= 40.0
    assert np.median(v) == pytest.approx(np.sqrt(5.0 * 40.0), rel=0.2)


def _variants(cls, n=24, shape=(128, 128)):
    return [STRUCTURE_BUILDERS[cls](np.random.default_rng(s), shape) for s in range(n)]


def test_macrovoid_sections_are_cellular_not_coarse():
    # METHODS.md 8 / issue 18: discrete macrovoids in a continuous matrix are cellular.
    assert {p["variant"] for _, p, _ in _variants("coarse")} == {"two-scale"}
    macro = [(m, p) for m, p, _ in _variants("cellular") if p["variant"] == "macrovoids"]
    assert len(macro) >= 3
    assert {p["void_shape"] for _, p in macro} <= {"oval", "teardrop", "finger"}
    for m, p in macro:
        assert 0.05 <= p["void_fraction"] <= 0.45
        assert m.mean() >= p["void_fraction"] - 1e-4  # the matrix's pores come on top


def test_macrovoids_are_separate_voids_larger_than_the_matrix_pores():
    from scipy import ndimage as ndi

    from semscan.phantoms.structures import _macrovoid_section

    for seed in range(6):
        pore, p, _ = _macrovoid_section(np.random.default_rng(seed), (256, 256))
        if p["matrix_porosity"] > 0:
            continue
        # a dense matrix: the pores are the voids alone, each a separate component
        labels, n = ndi.label(pore)
        assert n >= 1
        areas = np.bincount(labels.ravel())[1:]
        assert np.median(areas) > (2 * p["matrix_scale_px"]) ** 2
