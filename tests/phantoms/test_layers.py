"""The two-layer film phantom (semscan.phantoms.layers): its truth is the mask's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semscan.errors import ConfigError
from semscan.phantoms.layers import ARAMID, POLYOLEFIN, LayerSpec, two_layer_cross_section

SHAPE, T = (400, 1600), 300


@pytest.fixture(scope="module")
def film():
    return two_layer_cross_section(SHAPE, thickness_px=T, waviness_px=10, seed=3)


def _rows(shape):
    return np.arange(shape[0], dtype=float)[:, None] * np.ones((1, shape[1]))


def test_film_band_and_interface_are_where_the_truth_says(film):
    pore, spec, truth = film
    top = (SHAPE[0] - 1) / 2 - T / 2
    assert spec.sum(axis=0) == pytest.approx(np.full(SHAPE[1], T), abs=1)
    assert not (pore & ~spec).any()
    iface = truth["interface_px"]
    assert iface.shape == (SHAPE[1],)
    assert iface.mean() == pytest.approx(T / 2, abs=0.5)
    assert iface.max() - iface.min() == pytest.approx(20, abs=0.1)
    # the sinusoid's Ra and RMS over whole periods (the width is two periods)
    dev = iface - iface.mean()
    assert np.mean(np.abs(dev)) == pytest.approx(truth["interface_ra_px"], rel=0.01)
    assert truth["interface_rms_px"] == pytest.approx(10 / math.sqrt(2))
    assert top == pytest.approx(49.5)


def test_each_layer_has_its_porosity_and_kappa(film):
    pore, spec, truth = film
    rows = _rows(SHAPE)
    top = (SHAPE[0] - 1) / 2 - T / 2
    upper = spec & (rows < top + truth["interface_px"][None, :])
    lower = spec & ~upper
    lt, lb = truth["layers"]
    assert lt["kappa"] == 3.0 and lb["kappa"] == 1.0
    # a realisation of 150 px x 1600 px of large flat grains: within 0.04 of the closed form
    assert pore[upper].mean() == pytest.approx(lt["porosity"], abs=0.04)
    assert pore[lower].mean() == pytest.approx(lb["porosity"], abs=0.04)
    assert lt["thickness_px"] + lb["thickness_px"] == T


def test_closed_variant_shrinks_only_the_thermoplastic_layer(film):
    pore, spec, truth = film
    pore_c, spec_c, truth_c = two_layer_cross_section(SHAPE, thickness_px=T, waviness_px=10,
                                                      seed=3, closed=True, closed_porosity=0.1)
    rows = _rows(SHAPE)
    upper = spec & (rows < (SHAPE[0] - 1) / 2 - T / 2 + truth["interface_px"][None, :])
    lower = spec & ~upper
    assert (spec_c == spec).all()
    assert (pore_c[upper] == pore[upper]).all()          # aramid untouched
    assert pore_c[lower].mean() == pytest.approx(0.1, abs=0.015)
    assert truth_c["layers"][1]["porosity"] == 0.1 and truth_c["closed"]


def test_layer_spec_closed_forms():
    t = ARAMID.truth()
    assert t["intercept_along_px"] / t["intercept_through_px"] == pytest.approx(3.0)
    lam = POLYOLEFIN.intensity_per_px2
    assert 1 - math.exp(-lam * math.pi * 81) == pytest.approx(0.45)


@pytest.mark.parametrize("kw, match", [
    (dict(thickness_px=0), "thickness_px"),
    (dict(thickness_px=100, interface_depth_px=5, waviness_px=10), "inside the film"),
    (dict(thickness_px=100, top=LayerSpec(5, 5, 1.2)), "porosity"),
    (dict(thickness_px=100, closed=True, closed_porosity=0.6), "closed_porosity"),
    (dict(thickness_px=100, closed_layer="middle"), "closed_layer"),
])
def test_bad_geometry_is_refused(kw, match):
    with pytest.raises(ConfigError, match=match):
        two_layer_cross_section((200, 200), **kw)
