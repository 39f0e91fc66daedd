"""The texture split (semscan.measure.cross_section._texture)."""

import itertools

import numpy as np
import pytest

from semscan.measure.cross_section._texture import _coarse_background, _feature_length_px


def test_feature_length_ignores_flat_background():
    stripes = np.zeros((256, 256), bool)
    stripes[:, :128] = (np.arange(128) // 4) % 2 == 1  # stripes 4 px wide, left half only
    g = stripes.astype(float)
    valid = np.ones(g.shape, bool)
    # pixel pairs (rows and columns) per transition: 2 x 4 on the stripes
    assert _feature_length_px(g, valid, stripes, textured=True) == pytest.approx(8.0, rel=0.05)
    assert _feature_length_px(g, valid, stripes) == pytest.approx(16.0, rel=0.05)


def test_flat_border_region_is_background():
    # a striped specimen in the middle rows, flat grey above and below
    img = np.full((256, 256), 0.5)
    img[64:192] = ((np.arange(256) // 4) % 2).astype(float)[None, :]
    bg = _coarse_background(img, None, None)
    assert bg.found
    assert bg.background[:48].all() and bg.background[208:].all()
    assert not bg.background[80:176].any()
    assert bg.background_fraction == pytest.approx(0.5, abs=0.1)


def test_local_feature_length_ignores_a_grey_step():
    # stripes 4 px wide in the middle third; above them a dark vacuum, below a grey layer.
    # One global threshold reads the vacuum / layer step as the phase contrast and the
    # stripes (between the two greys) as partly one phase; each tile cut at its own mean
    # reads the stripes: in a 32 x 32 tile 2 x 32 x 31 pixel pairs, 7 transitions per row
    from semscan.measure.cross_section._texture import _local_feature_length_px

    g = np.full((384, 256), 0.05)
    g[256:] = 0.45
    g[128:256] = np.where((np.arange(256) // 4) % 2 == 1, 0.9, 0.5)[None, :]
    valid = np.ones(g.shape, bool)
    assert _local_feature_length_px(g, valid) == pytest.approx(2 * 31 / 7)
    assert _feature_length_px(g, valid, None, textured=True) > 12.0


@pytest.mark.parametrize("seed", range(8))
def test_grey_median_is_numpys(seed):
    """np.median of float64 values, whether they are float32 numbers (taken by the float32
    path: large, small, even and odd counts, negative values) or not."""
    from semscan.measure.cross_section._texture import _grey_median

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 5000)) if seed % 2 else int(rng.integers(1 << 15, 300_000))
    x32 = (rng.standard_normal(n) * 0.3 + (0.5 if seed % 4 < 2 else 0.0)).astype(np.float32)
    if seed % 3 == 0:
        x32 = np.round(x32 * 50) / np.float32(50)  # ties
    for x in (x32.astype(np.float64), x32.astype(np.float64) + 1e-9):
        assert _grey_median(x.copy()) == float(np.median(x))


@pytest.mark.parametrize("closed", [False, True])
def test_the_textured_pixels_are_the_specimen_less_its_dense_layers(closed):
    """The background carries the textured specimen the film detector reads its texture on
    (and erodes, ``_eroded_textured``): the valid pixels outside the background and the
    dense layers. The separator as made (no dense layer), and with its polyolefin layer
    closed to porosity 0.02 (a dense layer). Its texture scale puts the dense-layer test's
    reach beyond the kernels', so that test made the textured pixels' distance map: it
    erodes them as erode_disc does, and so does erode_disc itself without the map."""
    import dataclasses

    from semscan._morphology import erode_disc
    from semscan.measure.cross_section._texture import _eroded_textured
    from semscan.phantoms.films import render_cross_section
    from semscan.phantoms.layers import two_layer_cross_section

    pore, spec, _ = two_layer_cross_section(
        (560, 1200), thickness_px=420, waviness_px=12, seed=0, closed=closed,
        closed_porosity=0.02)
    bg = _coarse_background(render_cross_section(pore, spec, seed=100), None, None)
    assert bg.found and (bg.dense is not None) == closed
    dense = np.zeros(spec.shape, bool) if bg.dense is None else bg.dense
    assert np.array_equal(bg.textured, bg.valid & ~bg.background & ~dense)
    assert bg.textured_distance is not None
    alone = dataclasses.replace(bg, textured_distance=None)
    for radius in (3.0, 30.0):
        eroded = erode_disc(bg.textured, radius)
        assert 0 < np.count_nonzero(eroded) < np.count_nonzero(bg.textured)
        assert np.array_equal(_eroded_textured(bg, radius), eroded)
        assert np.array_equal(_eroded_textured(alone, radius), eroded)


def test_the_grey_step_shortcut_finds_the_same_dense_layers(monkeypatch):
    """Without a pair of flat regions a grey step apart (``_any_grey_step``), no region is
    dense, and the textured core is not made: over bands of many greys (dense, darker
    phase, too little contrast), the same layers as the full rules find."""
    from semscan.measure.cross_section import _texture

    rng = np.random.default_rng(3)
    lab = np.zeros((400, 300), np.int32)
    lab[:90], lab[210:290], lab[300:] = 1, 2, 3     # vacuum, the band, vacuum
    keep = np.array([False, True, True, True])
    textured = lab == 0
    stripes = np.where((np.arange(400) // 8) % 2 == 0, 0.15, 0.8)[:, None]
    full = _texture._any_grey_step
    found, skipped = [], 0
    for level, beyond, noise in itertools.product((0.8, 0.3, 0.1), (0.05, 0.76),
                                                  (0.01, 0.05)):
        g = np.where(lab == 0, stripes, 0.05) + rng.normal(0, noise, lab.shape)
        g[200:300] = level + rng.normal(0, noise, (100, 300))
        g[300:] = beyond + rng.normal(0, noise, (100, 300))
        g = g.astype(np.float32)
        monkeypatch.setattr(_texture, "_any_grey_step", full)
        got, dist = _texture._dense_and_distance(g, lab, keep, textured, 8.0, distance=False)
        monkeypatch.setattr(_texture, "_any_grey_step", lambda *a: True)
        ref, _ = _texture._dense_and_distance(g, lab, keep, textured, 8.0)
        assert got.tolist() == ref.tolist() and dist is None
        found.append(bool(ref.any()))
        skipped += not full(*_levels_and_sds(g, lab))
    assert any(found) and skipped > 0  # both paths were taken


def _levels_and_sds(g, lab):
    from semscan.measure.cross_section._texture import _grey_median

    levels = {k: _grey_median(g[lab == k]) for k in (1, 2, 3)}
    sds = {k: 1.4826 * float(np.median(np.abs(g[lab == k] - levels[k]))) for k in levels}
    return levels, sds


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_region_levels_are_numpys_medians(dtype):
    """Each region's level (np.median of its float64 greys) and robust SD (np.median of the
    absolute deviations in the grey's own dtype), as the dense-layer test read them."""
    from semscan.measure.cross_section._texture import region_levels

    rng = np.random.default_rng(5)
    lab = rng.integers(0, 4, (120, 170)).astype(np.uint8)
    g = rng.random(lab.shape).astype(dtype)
    levels, sds = region_levels(g, lab, np.array([1, 3]))
    assert sorted(levels) == [1, 3]
    for k in (1, 3):
        v = g[lab == k]
        assert levels[k] == float(np.median(v.astype(np.float64)))
        assert sds[k] == 1.4826 * float(np.median(np.abs(v - levels[k])))
