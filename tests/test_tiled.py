"""The band-by-band statistics equal the whole-image ones (semscan._tiled)."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from skimage.filters import threshold_otsu

from semscan import _tiled


@pytest.mark.parametrize("seed", range(40))
def test_percentiles_and_median_equal_numpys_float64(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 50_000))
    x = (rng.random(n) * rng.random()).astype(np.float32)
    if seed % 3 == 0:
        x = np.round(x * 40).astype(np.float32)  # ties
    ref = [float(v) for v in np.percentile(x.astype(np.float64), [1, 50, 99])]
    assert _tiled.percentiles(x.copy(), (1, 50, 99)) == ref
    assert _tiled.median(x.copy()) == float(np.median(x.astype(np.float64)))


@pytest.mark.parametrize("seed", range(24))
def test_percentiles_as_given_equal_numpys_of_the_float32_values(seed: int) -> None:
    """``as_given=True``: np.percentile of the float32 values themselves (the verdict's grey
    range), which rounds the difference of the two order statistics to float32; small and
    histogram-sized selections, ties, negative values, far-apart neighbours."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60_000)) if seed % 2 else int(rng.integers(1 << 15, 200_000))
    kind = seed % 4
    if kind == 0:
        x = np.round(rng.random(n) * 255).astype(np.float32) / np.float32(255)
    elif kind == 1:
        x = (rng.standard_normal(n) * 100).astype(np.float32)
    elif kind == 2:
        x = (rng.random(n) * rng.random()).astype(np.float32)
    else:
        x = np.where(rng.random(n) < 0.5, rng.random(n) * 1e-3, rng.random(n) * 3e7)
        x = x.astype(np.float32)
    for qs in ((1, 99), (0.5, 99.5), (50,), (0, 100), (25, 75)):
        want = [float(v) for v in np.percentile(x.copy(), list(qs))]
        assert _tiled.percentiles(x.copy(), qs, as_given=True) == want, qs


def test_percentiles_as_given_differ_from_the_float64_copys_where_numpy_does() -> None:
    x = np.array([0.1, 3.0e7 + 2, 5.0, -7.3], np.float32)
    for qs in ((50,), (10,), (90,), (1, 99)):
        want = [float(v) for v in np.percentile(x.copy(), list(qs))]
        assert _tiled.percentiles(x.copy(), qs, as_given=True) == want
        assert _tiled.percentiles(x.copy(), qs) != want  # the float64 copy's
    x[1] = np.nan
    assert all(np.isnan(_tiled.percentiles(x.copy(), (1, 99), as_given=True)))


@pytest.mark.parametrize("seed", range(20))
def test_percentiles_of_float64_equal_numpys(seed: int) -> None:
    """Float64 values (local thickness's p99) are partitioned whole, in place."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 200_000))
    x = 2.0 * np.round(rng.gamma(2.0, 5.0, n)) - 1.0
    x *= rng.choice([1.0, 0.0123, 1 / 3])
    qs = (1, 50, 99)
    assert _tiled.percentiles(x.copy(), qs) == [float(v) for v in np.percentile(x, qs)]


@pytest.mark.parametrize("seed", range(16))
def test_large_selections_equal_numpys(seed: int) -> None:
    """Large selections (one partition per rank): ties, zeros (and -0.0), tiny values,
    values that share their high bits, negative values."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers((1 << 15), 400_000))
    kind = seed % 4
    x = (rng.random(n) * 10.0 ** rng.uniform(-30, 3)).astype(np.float32)
    if kind == 1:
        x = np.round(x / x.max() * 7).astype(np.float32)  # few values, many zeros
        x[rng.random(n) < 0.1] = -0.0
    elif kind == 2:
        x = (1.0 + rng.random(n) * 1e-6).astype(np.float32)  # one high-bits bucket
    elif kind == 3:
        x -= np.float32(np.median(x))  # negative values
    qs = (0, 1, 25, 50, 99, 100)
    ref = [float(v) for v in np.percentile(x.astype(np.float64), qs)]
    assert _tiled.percentiles(x.copy(), qs) == ref
    assert _tiled.median(x.copy()) == float(np.median(x.astype(np.float64)))
    ks = sorted(set(rng.integers(0, n, 5).tolist()))
    got = _tiled.order_statistics(x.copy(), ks)
    y = x.copy()
    y.partition(ks)
    assert [float(got[k]) for k in ks] == [float(y[k]) for k in ks]


@pytest.mark.parametrize("seed", range(12))
def test_masked_percentiles_equal_numpys_of_the_selection(seed: int) -> None:
    """Images in many bands (the histogram counted band by band), bands with no selected
    pixel, grey levels of 8-bit files (ties), zeros, and the fallbacks (negative, NaN)."""
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(700, 1200)), int(rng.integers(1600, 2000))
    x = rng.random((rows, cols)).astype(np.float32)
    if seed % 3 == 1:
        x = (np.round(x * 255) / 255).astype(np.float32)
        x[rng.random(x.shape) < 0.2] = 0.0
    mask = rng.random(x.shape) < rng.choice([0.05, 0.6, 1.0])
    mask[: rows // 3] = False
    if seed % 4 == 3:
        x[5, 7] = -0.25  # negative (outside the mask too, for seed 7 and 11)
        mask[5, 7] = seed == 3
    qs = (0, 1, 50, 99, 99.5, 100)
    assert sum(1 for _ in _tiled.row_bands(rows, cols)) > 1  # else selected whole
    ref64 = [float(v) for v in np.percentile(x[mask].astype(np.float64), qs)]
    ref32 = [float(v) for v in np.percentile(x[mask], list(qs))]
    assert _tiled.masked_percentiles(x, mask, qs) == ref64
    assert _tiled.masked_percentiles(x, mask, qs, as_given=True) == ref32
    x[rows - 1, cols - 1], mask[rows - 1, cols - 1] = np.nan, True  # NumPy's NaN
    got = _tiled.masked_percentiles(x, mask, qs, as_given=True)
    assert np.isnan(got).all() and np.isnan(np.percentile(x[mask], list(qs))).all()


@pytest.mark.parametrize("seed", range(12))
def test_otsu_equals_skimage_on_float64(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tiled, "BAND_PIXELS", 997)  # many bands
    rng = np.random.default_rng(seed)
    x = rng.random((137, 91)).astype(np.float32) ** (1 + seed % 3)
    m = rng.random(x.shape) > 0.3
    assert _tiled.otsu_skimage(x, m) == float(threshold_otsu(x[m].astype(np.float64)))


def test_otsu_of_constant_and_empty_selection() -> None:
    x = np.full((10, 10), 0.25, np.float32)
    assert _tiled.otsu_skimage(x, np.ones(x.shape, bool)) == 0.25
    assert _tiled.otsu_skimage(x, np.zeros(x.shape, bool)) == 0.0


def test_bands_cover_the_rows_once_with_halo() -> None:
    bands = list(_tiled.row_bands(1000, 1 << 15, halo=5, multiple=32))
    assert bands[0][0] == 0 and bands[-1][1] == 1000
    assert all(b[1] == c[0] for b, c in itertools.pairwise(bands))
    assert all(r0 % 32 == 0 and a == max(0, r0 - 5) and b == min(1000, r1 + 5)
               for r0, r1, a, b in bands)


@pytest.mark.parametrize("seed", range(10))
def test_upsample_rows_match_opencvs_resize(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sr, sc = (int(v) for v in rng.integers(2, 40, 2))
    rows, cols = int(sr * rng.uniform(2, 9)), int(sc * rng.uniform(2, 9))
    s = rng.random((sr, sc)).astype(np.float32)
    full = cv2.resize(s, (cols, rows), interpolation=cv2.INTER_LINEAR)
    r0 = int(rng.integers(0, rows - 1))
    r1 = int(rng.integers(r0 + 1, rows + 1))
    np.testing.assert_allclose(_tiled.upsample_rows(s, (rows, cols), r0, r1), full[r0:r1],
                               atol=5e-6)


def test_histogram256_is_numpys_on_the_edges():
    """The float32 binning equals np.histogram's float64 one, values on and beside every
    bin edge included, over ranges from 1e-6 to 10 times the level (masks with and
    without excluded pixels)."""
    from semscan._tiled import histogram256

    rng = np.random.default_rng(5)
    for i in range(300):
        lo = np.float32(rng.uniform(-10, 10) * 10 ** rng.uniform(-3, 3))
        hi = np.float32(lo + abs(lo) * 10 ** rng.uniform(-6, 1) + np.float32(1e-4))
        e = np.linspace(np.float64(lo), np.float64(hi), 257).astype(np.float32)
        vals = np.concatenate([e, np.nextafter(e, np.float32(np.inf)),
                               np.nextafter(e, np.float32(-np.inf)),
                               rng.uniform(lo, hi, 300).astype(np.float32)])
        vals = vals[(vals >= lo) & (vals <= hi)].astype(np.float32)
        x = np.resize(vals, (3, vals.size))
        m = rng.random(x.shape) > (0.2 if i % 3 else -1.0)  # every third mask full
        v = x[m]
        lo2, hi2 = float(v.min()), float(v.max())
        want, want_edges = np.histogram(v, bins=256, range=(np.float64(lo2), np.float64(hi2)))
        got, edges = histogram256(x, m, lo2, hi2)
        assert np.array_equal(got, want)
        assert np.array_equal(edges, want_edges)


@pytest.mark.parametrize("seed", range(24))
def test_upsample_strips_are_opencvs_resize_bit_for_bit(seed: int) -> None:
    """Strips of columns of OpenCV's bilinear resize, made from its horizontal pass, equal
    the whole resize exactly (ragged widths, thin last strips, block factors 2-40)."""
    rng = np.random.default_rng(seed)
    rows, cols = (int(v) for v in rng.integers(40, 2600, 2))
    factor = int(rng.integers(2, 41))
    small = (rng.random((max(1, -(-rows // factor)), max(1, -(-cols // factor))))
             * 10.0 ** rng.uniform(-3, 2)).astype(np.float32)
    full = cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR)
    pixels = int(rng.integers(1, 1 << 20))
    got = list(_tiled.upsample_strips(small, (rows, cols), pixels=pixels))
    assert [c0 for c0, _, _ in got] == sorted({c0 for c0, _, _ in got})
    assert got[0][0] == 0 and got[-1][1] == cols
    assert all(a[1] == b[0] for a, b in itertools.pairwise(got))
    assert all(c0 % _tiled.STRIP_ALIGN == 0 for c0, _, _ in got)
    assert np.array_equal(np.hstack([x for _, _, x in got]), full)


@pytest.mark.parametrize("seed", range(8))
def test_median_f32_is_numpys_float32_median(seed: int) -> None:
    """The float32 mean of the middle order statistics, as np.median of float32 values
    (not :func:`_tiled.median`'s float64 mean): small and large selections, odd and even."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3 * (1 << 15))) | (seed % 2)
    x = (rng.random(n) * 10.0 ** rng.uniform(-3, 3)).astype(np.float32)
    assert _tiled.median_f32(x.copy()) == float(np.median(x))


@pytest.mark.parametrize(("shape", "tile"), [((97, 130), 32), ((64, 64), 32), ((40, 50), 7),
                                             ((600, 520), 256), ((33, 31), 1)])
def test_tile_counts_are_the_reshaped_sums(shape, tile):
    """The same integers as NumPy's sum over the tiles, also of a strided view."""
    rng = np.random.default_rng(tile)
    m = rng.random((shape[0], shape[1] + 3)) > 0.3
    view = m[:, 1:-2]
    r, c = shape[0] // tile, shape[1] // tile
    ref = view[: r * tile, : c * tile].reshape(r, tile, c, tile).sum(axis=(1, 3))
    got = _tiled.tile_counts(view, tile)
    assert got.dtype == np.int64 and np.array_equal(got, ref)
