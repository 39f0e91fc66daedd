"""Depth profile and surface layers (semscan.measure.cross_section.profile)."""

import math

import pytest

from semscan.calibration import UNCALIBRATED
from semscan.errors import ConfigError, MeasurementError
from semscan.measure.cross_section import (
    analyze_cross_section,
    depth_profile,
    detect_film,
    film_frame,
)
from tests.measure.cross_section._films import CAL, film_image


def test_surface_layer_found():
    pore, spec, _truth, img = film_image((600, 900), thickness_px=400, a_px=16, b_px=8,
                                   skin_px=80, seed=1)
    res = analyze_cross_section(pore, spec & ~pore, img, calibration=CAL)
    assert res.profile.layer_top.kind == "skin"
    assert res.profile.layer_top.thickness_um == pytest.approx(0.8, rel=0.25)
    assert res.laminar.exclude_top_um == res.profile.layer_top.thickness_um
    assert res.surface_ratio_top == pytest.approx(0.4, abs=0.15)
    row = res.to_dict()
    assert row["xs_layer_top_kind"] == "skin" and "xs_thickness_mean_um" in row
    assert all(k.startswith("xs_") for k in row)


def test_bands_tile_the_depth_and_the_frame_is_reused():
    pore, _spec, _truth, img = film_image((300, 400), thickness_px=160, a_px=8, b_px=4, seed=0)
    film = detect_film(img, calibration=CAL, pore=pore)
    prof = depth_profile(pore, film, calibration=CAL, band_um=0.1)
    assert prof.unit == "µm" and prof.band_um == pytest.approx(0.1)
    for bands in (prof.top, prof.bottom):
        assert len(bands) >= 6
        for k, b in enumerate(bands):
            assert b.depth_from_um == pytest.approx(k * 0.1)
            assert b.depth_to_um == pytest.approx((k + 1) * 0.1)
    assert len(prof.results_top) == len(prof.top)
    assert [r.mean for r in prof.results_top] == [b.mean_um for b in prof.top]
    assert math.isfinite(prof.interior_um) and prof.warnings == ()
    # the same numbers from a frame built beforehand
    again = depth_profile(pore, film, calibration=CAL, band_um=0.1,
                          frame=film_frame(film, pore))
    assert again.top == prof.top and again.bottom == prof.bottom
    assert again.interior_um == prof.interior_um


def test_uncalibrated_bands_are_one_feature_length_and_say_so():
    pore, _spec, _truth, img = film_image((300, 400), thickness_px=160, a_px=8, b_px=4, seed=0)
    film = detect_film(img, calibration=UNCALIBRATED, pore=pore)
    prof = depth_profile(pore, film, calibration=UNCALIBRATED)
    assert prof.unit == "px" and prof.band_um == max(2, round(film.feature_px))
    assert any("uncalibrated image: depth-profile bands" in w for w in prof.warnings)


def test_options_and_a_foreign_frame_are_refused():
    pore, _spec, _truth, img = film_image((200, 300), thickness_px=120, a_px=8, b_px=4,
                                          seed=0)
    film = detect_film(img, calibration=CAL, pore=pore)
    with pytest.raises(ConfigError, match="band_um"):
        depth_profile(pore, film, calibration=CAL, band_um=0.0)
    with pytest.raises(ConfigError, match="skin_tolerance"):
        depth_profile(pore, film, calibration=CAL, skin_tolerance=0.0)
    other = film_frame(film, pore)  # of this film, not of its transpose
    turned = detect_film(img.T.copy(), calibration=CAL)
    with pytest.raises(MeasurementError, match="film frame was built"):
        depth_profile(pore.T.copy(), turned, calibration=CAL, frame=other)
