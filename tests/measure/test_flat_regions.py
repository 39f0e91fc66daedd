"""Flat border regions (semscan.measure._flat_regions): the evidence view detection reads."""

import numpy as np
import pytest

from semscan.measure._flat_regions import _first_pixels, _label4, flat_regions
from semscan.phantoms.films import render_cross_section, synthetic_cross_section


def test_vacuum_above_a_film_is_one_flat_border_region():
    pore, spec, _ = synthetic_cross_section((300, 400), thickness_px=150, a_px=8, b_px=4,
                                            tilt_deg=0, seed=0)
    img = render_cross_section(pore, spec, background="dark", seed=0)
    valid = np.ones(img.shape, bool)
    lab, k, specimen, textures, levels, bg_fraction, _ = flat_regions(img, valid)
    assert k >= 1 and lab.shape == img.shape
    # the flat regions are the vacuum above and below the film (none of the film), less
    # a margin of about one texture window along the film's edges (here 25 %)
    bg = lab > 0
    assert k == 2 and not np.any(bg & spec)
    assert np.count_nonzero(bg & ~spec) > 0.7 * np.count_nonzero(~spec)
    assert np.all(levels[1:] < 0.15)  # dark vacuum, in the 1-99 % range of the image
    assert bg_fraction == pytest.approx(np.count_nonzero(bg) / bg.size)
    assert np.all(textures[1:] < 0.35)  # flat against the specimen's texture
    assert np.array_equal(specimen, ~bg)


def test_a_constant_image_has_no_regions():
    assert flat_regions(np.full((64, 64), 0.5, np.float32), np.ones((64, 64), bool)) is None


@pytest.mark.parametrize("seed", range(6))
def test_flat_region_labels_number_as_scipy(seed):
    """The detector's OpenCV labelling, renumbered by first pixel, is scipy's numbering."""
    from scipy import ndimage as ndi

    rng = np.random.default_rng(seed)
    mask = ndi.binary_opening(rng.random((90, 130)) > 0.45)
    lab, sizes = _label4(mask)
    ref, n = ndi.label(mask)
    assert len(sizes) == n + 1
    first = _first_pixels(lab, np.arange(1, n + 1))
    order = np.argsort(first, kind="stable") + 1  # OpenCV label of scipy's 1, 2, ...
    for k, i in enumerate(order, start=1):
        assert np.array_equal(lab == i, ref == k)
        assert sizes[i] == np.count_nonzero(ref == k)
        assert first[i - 1] == int(np.flatnonzero(ref == k)[0])


def test_label4_beyond_65535_components():
    """int32 labels and counted sizes when uint16 cannot hold the labels."""
    from scipy import ndimage as ndi

    checker = (np.add.outer(np.arange(400), np.arange(420)) % 2).astype(bool)
    checker[:40, :40] = True
    lab, sizes = _label4(checker)
    ref, n = ndi.label(checker)
    assert n > 65535 and lab.dtype == np.int32 and len(sizes) == n + 1
    assert sorted(sizes[1:].tolist()) == sorted(np.bincount(ref.ravel())[1:].tolist())


@pytest.mark.parametrize("closed_layer", ["top", "bottom"])
def test_a_closed_layer_is_specimen_not_a_flat_region(closed_layer):
    """The separator with its polyolefin layer closed to porosity 0.02: the closed layer is
    as flat as the vacuum but between the textured layer and the vacuum and as bright as
    the solid, a dense layer (``_texture._dense_layers``); the flat regions are the two
    vacuum strips, flat over their own pixels (before: three regions, the vacuum keeping
    40-48 % of the texture beside the closed layer's grey step)."""
    from semscan.phantoms.layers import ARAMID, POLYOLEFIN, two_layer_cross_section

    top, bottom = (POLYOLEFIN, ARAMID) if closed_layer == "top" else (ARAMID, POLYOLEFIN)
    pore, spec, truth = two_layer_cross_section(
        (560, 1200), thickness_px=420, waviness_px=12, seed=0, top=top, bottom=bottom,
        closed=True, closed_layer=closed_layer, closed_porosity=0.02)
    img = render_cross_section(pore, spec, seed=100)
    lab, k, specimen, textures, levels, _, _ = flat_regions(img, np.ones(img.shape, bool))
    assert k == 2 and np.all(levels[1:] < 0.15) and np.all(textures[1:] < 0.15)
    assert not np.any((lab > 0) & spec)
    # the closed layer (its rows within the film, off the wavy interface) is specimen
    rows = np.arange(img.shape[0])
    film_top = (img.shape[0] - 1) / 2 - 210
    depth = truth["interface_depth_px"]
    inside = (rows > film_top + 20) & (rows < film_top + depth - 20) if closed_layer == "top" \
        else (rows > film_top + depth + 20) & (rows < film_top + 400)
    assert specimen[inside].all()
