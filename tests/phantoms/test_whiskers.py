"""Synthetic whisker films: rods of exactly known geometry in a porous matrix."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semscan.errors import ConfigError
from semscan.phantoms.whiskers import Rod, render_whisker_film, rod_mask, whisker_film


def test_axis_aligned_rod_has_exactly_length_times_width_pixels():
    m = rod_mask((40, 80), Rod(20.0, 40.0, 50.0, 6.0, 0.0))
    assert m.sum() == 300
    assert m.any(axis=0).sum() == 50 and m.any(axis=1).sum() == 6
    v = rod_mask((80, 40), Rod(40.0, 20.0, 50.0, 6.0, 90.0))
    assert v.sum() == 300 and v.any(axis=1).sum() == 50


@pytest.mark.parametrize("angle", [13.0, 45.0, 77.0, 141.0])
def test_oblique_rod_area_is_length_times_width(angle):
    m = rod_mask((200, 200), Rod(100.3, 99.6, 120.0, 9.0, angle))
    assert m.sum() == pytest.approx(120 * 9, rel=0.03)  # 45 degrees alias most


def test_visible_length_clips_the_axis_at_the_image_edges():
    shape = (100, 100)
    inside = Rod(50.0, 50.0, 40.0, 4.0, 0.0)
    assert inside.visible_length_px(shape) == pytest.approx(40.0)
    assert inside.inside(shape)
    cut = Rod(50.0, 0.0, 40.0, 4.0, 0.0)  # half of it left of column -0.5
    assert cut.visible_length_px(shape) == pytest.approx(20.5)
    assert not cut.inside(shape)
    outside = Rod(-30.0, 50.0, 40.0, 4.0, 0.0)
    assert outside.visible_length_px(shape) == 0.0


def test_film_is_deterministic_and_its_masks_disjoint():
    a = whisker_film((256, 256), n_rods=20, length_px=60, width_px=6, seed=5)
    b = whisker_film((256, 256), n_rods=20, length_px=60, width_px=6, seed=5)
    assert np.array_equal(a.whisker, b.whisker) and np.array_equal(a.pore, b.pore)
    assert not (a.whisker & a.pore).any()
    assert a.rods == b.rods and len(a.rods) == 20
    assert a.whisker_fraction == pytest.approx(a.whisker.mean())
    assert a.matrix_porosity == pytest.approx(a.pore.sum() / (~a.whisker).sum())


def test_overlapping_rods_cross_at_the_least_angle():
    film = whisker_film((256, 256), n_rods=40, length_px=80, width_px=6, min_cross_deg=35.0,
                        seed=2)
    masks = [rod_mask(film.shape, r) for r in film.rods]
    crossings = 0
    for i in range(len(masks)):
        for j in range(i + 1, len(masks)):
            if (masks[i] & masks[j]).any():
                crossings += 1
                d = abs(film.rods[i].angle_deg - film.rods[j].angle_deg) % 180
                assert min(d, 180 - d) >= 35.0
    assert crossings >= 3  # the film has touching and crossing whiskers


def test_size_distributions_follow_the_given_means():
    film = whisker_film((512, 512), n_rods=200, length_px=60, width_px=8, length_cv=0.25,
                        width_cv=0.1, min_cross_deg=0.0, seed=9)
    lengths = np.array([r.length_px for r in film.rods])
    widths = np.array([r.width_px for r in film.rods])
    assert lengths.mean() == pytest.approx(60, rel=0.06)
    assert widths.mean() == pytest.approx(8, rel=0.03)
    assert np.std(lengths) / lengths.mean() == pytest.approx(0.25, rel=0.2)
    assert all(r.aspect >= 3.0 and r.width_px >= 3.0 for r in film.rods)
    angles = np.array([r.angle_deg for r in film.rods])
    assert angles.min() >= 0 and angles.max() < 180
    assert abs(np.mean(np.cos(np.deg2rad(2 * angles)))) < 0.15  # random in the plane


def test_whiskers_render_brighter_than_polymer():
    film = whisker_film((128, 128), n_rods=5, length_px=50, width_px=8, seed=1)
    img = render_whisker_film(film, seed=3)
    polymer = ~film.whisker & ~film.pore
    assert img[film.whisker].mean() > img[polymer].mean() + 0.2
    assert img[polymer].mean() > img[film.pore].mean() + 0.2


def test_bad_sizes_raise():
    with pytest.raises(ConfigError, match="positive rod sizes"):
        whisker_film((64, 64), n_rods=3, length_px=0, width_px=4)
    with pytest.raises(ConfigError, match="porosity"):
        whisker_film((64, 64), n_rods=3, length_px=30, width_px=4, porosity=1.0)


def test_rod_outside_the_image_paints_nothing():
    assert not rod_mask((32, 32), Rod(-100.0, -100.0, 20.0, 4.0, 30.0)).any()
    assert math.isclose(Rod(0, 0, 30, 6, 0).aspect, 5.0)


def test_short_rods_and_touching_pairs():
    base = whisker_film((512, 512), n_rods=15, length_px=60, width_px=7, seed=6)
    film = whisker_film((512, 512), n_rods=15, n_short=20, n_pairs=6, length_px=60,
                        width_px=7, seed=6)
    assert film.rods[:15] == base.rods  # the others are drawn after, the first unchanged
    short = film.rods[15:35]
    assert len(short) == 20 and all(1.5 <= r.aspect <= 3.0 for r in short)
    assert len(film.pairs) == 6 and len(film.rods) == 15 + 20 + 12
    groove = film.groove()
    for i, j in film.pairs:
        a, b = film.rods[i], film.rods[j]
        assert a.angle_deg == b.angle_deg
        ma, mb = rod_mask(film.shape, a), rod_mask(film.shape, b)
        assert not (ma & mb).any()  # touching, not overlapping
        contact = (ma & np.roll(mb, 1, 0)) | (ma & np.roll(mb, -1, 0)) \
            | (ma & np.roll(mb, 1, 1)) | (ma & np.roll(mb, -1, 1))
        if a.inside(film.shape) and b.inside(film.shape):
            assert contact.sum() > 0.5 * min(a.length_px, b.length_px)
        # a pair touches no other rod
        others = (film.labels > 0) & ~ma & ~mb
        grown = ma | mb
        grown = grown | np.roll(grown, 1, 0) | np.roll(grown, -1, 0) | np.roll(grown, 1, 1) \
            | np.roll(grown, -1, 1)
        assert not (grown & others).any()
    assert groove.any() and not (groove & ~film.whisker).any()
    img = render_whisker_film(film, seed=2)
    inner = film.whisker & ~groove
    assert img[groove].mean() < img[inner].mean() - 0.05
