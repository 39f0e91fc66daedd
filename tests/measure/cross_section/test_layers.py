"""Layers of a laminated film (semscan.measure.cross_section.layers), on exact phantoms."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED
from semscan.errors import ConfigError
from semscan.measure.cross_section import analyze_cross_section, detect_film, film_frame
from semscan.measure.cross_section.layers import find_layers, parse_layers
from semscan.phantoms.layers import two_layer_cross_section
from tests.measure.cross_section._films import CAL, film_image

SHAPE, T, WAVE = (560, 1200), 420, 12.0
TOP = (SHAPE[0] - 1) / 2 - T / 2  # y' of the top surface (untilted, centred film)


def _analyze(pore, spec, **kw):
    return analyze_cross_section(pore, spec & ~pore, (spec & ~pore).astype(float),
                                 calibration=CAL, **kw)


@pytest.fixture(scope="module")
def two_layer():
    pore, spec, truth = two_layer_cross_section(SHAPE, thickness_px=T, waviness_px=WAVE, seed=5)
    return pore, spec, truth, _analyze(pore, spec)


def test_two_layers_are_found_with_the_interface_within_2_percent(two_layer):
    _pore, _spec, truth, res = two_layer
    lay = res.layers
    assert lay.mode == "auto" and lay.n_layers == 2 and len(lay.interfaces) == 1
    itf = lay.interfaces[0]
    true = TOP + np.interp(itf.positions_px, np.arange(SHAPE[1]), truth["interface_px"])
    err = np.abs(itf.depth_px - true)
    assert err.mean() <= 0.02 * T          # measured: 4.4 px of 420
    assert np.median(err) <= 0.02 * T
    tol_um = 0.02 * T * 0.01
    assert itf.mean_depth_um == pytest.approx(truth["interface_depth_px"] * 0.01, abs=tol_um)
    assert itf.rms_um >= itf.ra_um > 0
    assert itf.source == "auto" and itf.along_ratio < 1 / 1.3   # round pores are shorter


@pytest.mark.parametrize("seed", range(10))
def test_every_seed_meets_the_issue_s_criteria(seed):
    """Interface within 2 % of the thickness, porosity within 0.02 and kappa within 5 % of
    the realisation's (the image's truth: the nominal porosity is off by up to 0.035 in a
    layer of ~300 grains). Measured on seeds 0-9: interface 2.7-6.2 px of 8.4, porosity
    within 0.013, kappa within 1.1 % of the realised (2.7 % of the nominal a/b)."""
    pore, spec, truth = two_layer_cross_section(SHAPE, thickness_px=T, waviness_px=WAVE,
                                                seed=seed)
    lay = _analyze(pore, spec).layers
    assert lay.n_layers == 2
    itf = lay.interfaces[0]
    true = TOP + np.interp(itf.positions_px, np.arange(SHAPE[1]), truth["interface_px"])
    assert np.abs(itf.depth_px - true).mean() <= 0.02 * T
    for layer, t in zip(lay.layers, truth["layers"], strict=True):
        assert layer.porosity == pytest.approx(t["porosity_realised"], abs=0.02)
        assert layer.laminar.kappa == pytest.approx(t["kappa_realised"], rel=0.05)
        assert layer.laminar.kappa == pytest.approx(t["kappa"], rel=0.05)


def test_each_layer_has_its_porosity_kappa_and_thickness(two_layer):
    _pore, _spec, truth, res = two_layer
    for layer, t in zip(res.layers.layers, truth["layers"], strict=True):
        assert layer.porosity == pytest.approx(t["porosity_realised"], abs=0.02)
        lo, hi = layer.porosity_ci95
        assert lo < layer.porosity < hi
        assert layer.laminar.kappa == pytest.approx(t["kappa_realised"], rel=0.05)
        klo, khi = layer.laminar.ci95
        assert klo < layer.laminar.kappa < khi
        assert layer.thickness.mean_um == pytest.approx(t["thickness_px"] * 0.01,
                                                        abs=0.02 * T * 0.01)
        assert len(layer.thickness.values_um) == 9 and layer.thickness.unit == "µm"
        assert layer.d_along_um == pytest.approx(t["intercept_along_px"] * 0.01, rel=0.10)
        assert layer.d_through_um == pytest.approx(t["intercept_through_px"] * 0.01, rel=0.10)
        # bands from the layer's upper boundary (the core starts a margin below an interface)
        assert layer.profile and layer.profile[0].depth_from_um <= 0.2
    tops = [la.thickness.mean_um for la in res.layers.layers]
    assert sum(tops) == pytest.approx(res.thickness.mean_um, rel=0.01)


def test_interface_roughness_follows_a_strong_wave():
    """Ra of a 30 px sinusoid (Ra 19.1 px) reads low: -12 to -34 % on seeds 0-9 after the
    second pass along the first curve and the local-trend outlier rule (before: -12 to
    -42 %, the crests dropped or flattened); a flat interface reads 0.2-8.6 px (the
    detection's noise; seeds 0-9, benchmarks/bench_roughness.py)."""
    pore, spec, truth = two_layer_cross_section(SHAPE, thickness_px=T, waviness_px=30, seed=5)
    itf = _analyze(pore, spec).layers.interfaces[0]
    true = TOP + np.interp(itf.positions_px, np.arange(SHAPE[1]), truth["interface_px"])
    assert np.abs(itf.depth_px - true).mean() <= 0.02 * T
    assert itf.ra_um == pytest.approx(truth["interface_ra_px"] * 0.01, rel=0.35)
    flat = two_layer_cross_section(SHAPE, thickness_px=T, seed=5)
    assert _analyze(*flat[:2]).layers.interfaces[0].ra_um < 0.35 * itf.ra_um


def test_rows_and_columns(two_layer):
    res = two_layer[3]
    row = res.to_dict()
    assert row["xs_n_layers"] == 2 and row["xs_layers_mode"] == "auto"
    assert len(row["xs_layer_kappa"].split(";")) == 2
    rows = res.layers.rows()
    assert [r["layer"] for r in rows] == [1, 2]
    assert rows[0]["interface_below_depth_um"] == res.layers.interfaces[0].mean_depth_um
    assert np.isnan(rows[1]["interface_below_depth_um"])
    assert {"thickness_mean_um", "areal_porosity", "d_along_um", "d_through_um", "kappa",
            "thickness_values_um"} <= set(rows[0])


@pytest.mark.parametrize("kw", [
    dict(thickness_px=420, tilt_deg=0, waviness_px=8, a_px=15, b_px=5, porosity=0.5,
         skin_px=40, skin_scale=0.4, seed=2027),          # the bundled sample's film, a skin
    dict(thickness_px=300, a_px=8, b_px=4, seed=0),
    dict(thickness_px=300, a_px=6, b_px=6, porosity=0.6, seed=1),
    dict(thickness_px=300, a_px=20, b_px=5, porosity=0.4, skin_px=30, skin_side="both", seed=3),
])
def test_a_single_layer_film_is_one_layer(kw):
    pore, spec, _truth, img = film_image((560, 1024), **kw)
    res = analyze_cross_section(pore, spec & ~pore, img, calibration=CAL)
    assert res.layers.n_layers == 1 and res.layers.interfaces == ()
    assert res.layers.layers[0].thickness.mean_um == pytest.approx(res.thickness.mean_um,
                                                                   rel=1e-3)


def test_off_measures_nothing_and_keeps_the_film_s_numbers(two_layer):
    pore, spec, _truth, res = two_layer
    off = _analyze(pore, spec, layers="off")
    assert off.layers.mode == "off" and off.layers.n_layers == 0
    assert off.to_dict()["xs_n_layers"] == 0
    assert off.laminar.kappa == res.laminar.kappa        # layers change no film number


def test_a_number_of_layers_and_given_depths():
    pore, spec, _truth = two_layer_cross_section(SHAPE, thickness_px=T, seed=5)
    film = detect_film((spec & ~pore).astype(float), calibration=CAL, pore=pore)
    fr = film_frame(film, pore)
    two = find_layers(fr, film, calibration=CAL, layers=2)
    assert two.mode == "2" and two.n_layers == 2
    three = find_layers(fr, film, calibration=CAL, layers=3)
    assert three.n_layers == 3                          # asked for: cut without the test
    given = find_layers(fr, film, calibration=CAL, layer_depths_um=(2.1,))
    assert given.mode == "given" and given.interfaces[0].source == "given"
    assert given.interfaces[0].mean_depth_um == pytest.approx(2.1, abs=0.02)
    assert given.interfaces[0].ra_um < 0.02           # parallel to the (flat) top surface
    assert given.layers[1].laminar.kappa == pytest.approx(1.0, rel=0.05)
    with pytest.raises(ConfigError, match="not inside the film"):
        find_layers(fr, film, calibration=CAL, layer_depths_um=(9.0,))
    one = find_layers(fr, film, calibration=CAL, layers=1)
    assert one.n_layers == 1
    thin = find_layers(fr, film, calibration=CAL, layers=20)
    assert thin.n_layers == 1 and "too thin" in thin.warnings[0]


def test_uncalibrated_rows_say_px():
    pore, spec, _truth = two_layer_cross_section(SHAPE, thickness_px=T, seed=5)
    res = analyze_cross_section(pore, spec & ~pore, (spec & ~pore).astype(float),
                                calibration=UNCALIBRATED)
    row = res.to_dict()
    assert "xs_interface_depth_px" in row and res.layers.n_layers == 2
    assert "thickness_mean_px" in res.layers.rows()[0]


def test_no_layer_without_both_surfaces():
    pore, spec, _truth = two_layer_cross_section((300, 400), thickness_px=290, seed=0)
    film = detect_film((spec & ~pore).astype(float), calibration=CAL, pore=pore)
    assert film.edges_visible < 2
    fr = film_frame(film, pore)
    auto = find_layers(fr, film, calibration=CAL)
    assert auto.n_layers == 0 and auto.warnings == ()
    asked = find_layers(fr, film, calibration=CAL, layers=2)
    assert asked.n_layers == 0 and "both surfaces" in asked.warnings[0]


@pytest.mark.parametrize("bad", [0, 21, "two", 2.5, True, "3x"])
def test_parse_layers_refuses(bad):
    with pytest.raises(ConfigError, match="'auto', 'off' or a number of layers"):
        parse_layers(bad)
