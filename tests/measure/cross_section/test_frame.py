"""Film coordinates and the film frame (semscan.measure.cross_section.frame)."""

import math

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED
from semscan.errors import MeasurementError
from semscan.measure.cross_section import (
    FilmFrame,
    detect_film,
    film_coordinates,
    film_frame,
    film_grid,
    image_coordinates,
)
from tests.measure.cross_section._films import film_image


@pytest.fixture(scope="module")
def tilted():
    pore, spec, _truth, img = film_image((300, 400), thickness_px=160, a_px=8, b_px=4,
                                         tilt_deg=17, seed=5)
    film = detect_film(img, calibration=UNCALIBRATED, pore=pore)
    return pore, spec, film, film_frame(film, pore)


def test_round_trip_image_film_image(tilted):
    _pore, _spec, film, fr = tilted
    assert isinstance(fr, FilmFrame) and fr.angle_deg == film.direction_deg
    assert film.direction_deg == pytest.approx(17, abs=1.0)
    rng = np.random.default_rng(0)
    rows, cols = rng.uniform(0, 299, 1000), rng.uniform(0, 399, 1000)
    for to_film, to_image in ((fr.to_film, fr.to_image), (film.to_film, film.to_image)):
        r, c = to_image(*to_film(rows, cols))
        assert np.abs(r - rows).max() < 1e-9 and np.abs(c - cols).max() < 1e-9
    # through the frame's pixel grid too
    r, c = fr.frame_to_image(*fr.image_to_frame(rows, cols))
    assert np.abs(r - rows).max() < 1e-9 and np.abs(c - cols).max() < 1e-9


def test_film_coordinates_are_a_rotation():
    t = math.radians(30.0)
    x, y = film_coordinates(np.array([0.0, 2.0]), np.array([1.0, 0.0]), 30.0)
    assert np.allclose(x, [math.cos(t), -2 * math.sin(t)], atol=1e-12)
    assert np.allclose(y, [math.sin(t), 2 * math.cos(t)], atol=1e-12)
    r, c = image_coordinates(x, y, 30.0)
    assert np.allclose(r, [0.0, 2.0], atol=1e-12) and np.allclose(c, [1.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("angle", [0.0, 12.5, -33.0, 90.0])
def test_grid_is_the_coordinates_of_every_pixel(angle):
    xg, yg = film_grid((7, 9), angle)
    assert xg.dtype == np.float32 and xg.shape == (7, 9)
    rr, cc = np.mgrid[0:7, 0:9].astype(np.float32)
    x, y = film_coordinates(rr, cc, angle)
    assert np.array_equal(xg, x) and np.array_equal(yg, y)


def test_frame_keeps_the_pore_area_and_the_depths(tilted):
    pore, _spec, film, fr = tilted
    spec_px = np.count_nonzero(film.specimen)
    assert np.count_nonzero(fr.valid) == pytest.approx(spec_px, rel=0.01)
    phi_image = np.count_nonzero(pore & film.specimen) / spec_px
    phi_frame = np.count_nonzero(fr.pore) / np.count_nonzero(fr.valid)
    assert phi_frame == pytest.approx(phi_image, abs=0.01)
    # depth below the top surface: y' of the frame row minus the top curve at x'
    i, j = fr.shape[0] // 2, fr.shape[1] // 2
    top = float(film.top_at(np.array([fr.x0_px + j]))[0])
    assert fr.depth_top_px[i, j] == pytest.approx(fr.y0_px + i - top, abs=1e-9)


def test_untilted_frame_is_the_image():
    pore, _spec, _truth, img = film_image((200, 300), thickness_px=120, a_px=8, b_px=4, seed=0)
    film = detect_film(img, calibration=UNCALIBRATED, pore=pore)
    if film.direction_deg != 0.0:
        film = type(film)(**{**film.__dict__, "direction_deg": 0.0})
    fr = film_frame(film, pore)
    assert (fr.x0_px, fr.y0_px, fr.shape) == (0.0, 0.0, pore.shape)
    assert np.array_equal(fr.pore, pore & film.specimen)
    assert np.array_equal(fr.valid, film.specimen)


def test_masks_of_another_shape_are_refused(tilted):
    pore, _spec, film, _fr = tilted
    with pytest.raises(MeasurementError, match="shape"):
        film_frame(film, pore[:-1])
    with pytest.raises(MeasurementError, match="excluded mask shape"):
        film_frame(film, pore, excluded=np.zeros((3, 3), bool))


@pytest.mark.parametrize("angle", [0.004, -0.7, 1.9, 2.0, 7.0])
def test_a_kept_geometry_gives_the_frame_resampled_anew(tilted, angle):
    """Within 2 degrees the frame gathers each mask through the pixel map found once
    (cache); the masks are exactly those of scipy's nearest-pixel resampling of every mask,
    whatever the masks, and the same with or without the cache (beyond 2 degrees too)."""
    import dataclasses

    from scipy import ndimage as ndi

    _pore, spec, film, _fr = tilted
    rng = np.random.default_rng(int(abs(angle) * 1000))
    film = dataclasses.replace(film, direction_deg=angle, specimen=rng.random(spec.shape) > 0.1)
    cache: dict = {}
    for _ in range(3):
        pore, ex = rng.random(spec.shape) > 0.5, rng.random(spec.shape) > 0.9
        fr = film_frame(film, pore, excluded=ex, cache=cache)
        plain = film_frame(film, pore, excluded=ex)
        assert np.array_equal(fr.pore, plain.pore) and np.array_equal(fr.valid, plain.valid)
        assert np.array_equal(fr.depth_top_px, plain.depth_top_px)
        if abs(angle) <= 2.0:  # scipy's own nearest-pixel resampling of the masks
            yy, xx = np.meshgrid(fr.y0_px + np.arange(fr.shape[0]),
                                 fr.x0_px + np.arange(fr.shape[1]), indexing="ij")
            coords = np.stack(image_coordinates(xx, yy, angle))
            valid = ndi.map_coordinates((film.specimen & ~ex).astype(np.uint8), coords,
                                        order=0) > 0
            pores = ndi.map_coordinates(pore.astype(np.uint8), coords, order=0) > 0
            assert np.array_equal(fr.valid, valid)
            assert np.array_equal(fr.pore, pores & valid)
    assert cache["frame_geometry"]["film"] is film
