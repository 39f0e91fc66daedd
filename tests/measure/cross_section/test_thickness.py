"""Film thickness (semscan.measure.cross_section.thickness)."""

import math

import pytest

from semscan.calibration import UNCALIBRATED
from semscan.errors import ConfigError
from semscan.measure.cross_section import detect_film, measure_thickness
from tests.measure.cross_section._films import CAL, film_image


@pytest.mark.parametrize("tilt", [0, 15, 30])
@pytest.mark.parametrize("wavy", [0, 8])
def test_thickness_and_direction(tilt, wavy):
    pore, _spec, _truth, img = film_image((600, 800), thickness_px=320, a_px=10, b_px=5,
                                   tilt_deg=tilt, waviness_px=wavy, seed=2)
    film = detect_film(img, calibration=CAL, pore=pore)
    assert film.edges_visible == 2 and film.direction_source == "edges"
    assert film.direction_deg == pytest.approx(tilt, abs=1.0)
    th = measure_thickness(film, calibration=CAL, n_positions=9)
    assert len(th.values_um) == 9 and len(th.segments_px) == 9
    assert th.mean_um == pytest.approx(3.2, rel=0.02)


def test_segments_span_the_film_along_its_normal():
    # flat film 180 px thick, uncalibrated: values and segments in px, segments vertical
    pore, _spec, truth, img = film_image((300, 400), thickness_px=180, a_px=8, b_px=4, seed=0)
    film = detect_film(img, calibration=UNCALIBRATED, pore=pore)
    th = measure_thickness(film, calibration=UNCALIBRATED, n_positions=5)
    assert th.unit == "px" and len(th.values_um) == 5
    for (r0, c0, r1, c1), v in zip(th.segments_px, th.values_um, strict=True):
        assert math.hypot(r1 - r0, c1 - c0) == pytest.approx(v, abs=1e-9)
        assert r1 > r0
    assert th.mean_um == pytest.approx(truth["thickness_px"], rel=0.03)


def test_fewer_than_five_positions_and_no_edges():
    _pore, _spec, _truth, img = film_image((200, 300), thickness_px=1000, a_px=6, b_px=3, seed=0)
    film = detect_film(img, calibration=CAL)
    with pytest.raises(ConfigError, match=">= 5"):
        measure_thickness(film, calibration=CAL, n_positions=4)
    th = measure_thickness(film, calibration=CAL)
    assert math.isnan(th.mean_um) and th.values_um == () and th.segments_px == ()
