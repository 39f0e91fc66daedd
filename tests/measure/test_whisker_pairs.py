"""Touching parallel whiskers split along the groove between them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semscan.measure.whisker_pairs import split_touching
from semscan.measure.whisker_split import refine_whiskers, separate_whiskers
from semscan.phantoms.whiskers import Rod, WhiskerFilm, render_whisker_film, rod_mask


def _pair(angle, shift, d1=8.0, d2=7.0, l1=90.0, l2=70.0, groove=True):
    from semscan.phantoms.render import RenderParams

    shape = (160, 220)
    t = math.radians(angle)
    a = Rod(80.3, 110.2, l1, d1, angle)
    off = (d1 + d2) / 2
    b = Rod(80.3 + off * math.cos(t) - shift * math.sin(t),
            110.2 + off * math.sin(t) + shift * math.cos(t), l2, d2, angle)
    ma, mb = rod_mask(shape, a), rod_mask(shape, b)
    labels = np.zeros(shape, np.int32)
    labels[ma], labels[mb] = 1, 2
    film = WhiskerFilm(np.zeros(shape, bool), ma | mb, (a, b), labels,
                       ((0, 1),) if groove else ())
    img = render_whisker_film(film, seed=1, params=RenderParams(gradient=0.0))
    return (a, b), img


@pytest.mark.parametrize(("angle", "shift"), [(0.0, 0.0), (20.0, 10.0), (71.0, -15.0),
                                              (135.0, 5.0)])
def test_touching_parallel_pair_is_split_along_the_groove(angle, shift):
    rods, img = _pair(angle, shift)
    found, _ = separate_whiskers(img > 0.7)
    if len(found) == 1:  # the mask made one wide whisker of the two
        assert found[0].width_px > 12
    parts = refine_whiskers(img, split_touching(img, found), touching=len(found) == 1)
    assert len(parts) == 2
    for rod in rods:
        w = min(parts, key=lambda w: math.hypot(w.row - rod.row, w.col - rod.col))
        assert w.width_px == pytest.approx(rod.width_px, abs=0.8)
        assert w.length_px == pytest.approx(rod.length_px, abs=2.5)
        assert abs((w.angle_deg - angle + 90) % 180 - 90) < 1.5


def test_a_single_whisker_is_not_split():
    rod = Rod(60.4, 80.2, 70.0, 14.0, 33.0)  # wide, with a flat top
    mask = rod_mask((120, 160), rod)
    f = WhiskerFilm(np.zeros_like(mask), mask, (rod,), mask.astype(np.int32))
    img = render_whisker_film(f, seed=0)
    (w,), _ = separate_whiskers(img > 0.75)
    assert split_touching(img, (w,)) == (w,)
