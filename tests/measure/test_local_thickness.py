import math

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED, Calibration
from semscan.errors import ConfigError, MeasurementError
from semscan.measure import local_thickness
from semscan.phantoms.geometry import boolean_discs


def test_disc_max_is_diameter():
    yy, xx = np.mgrid[:101, :101]
    disc = (yy - 50) ** 2 + (xx - 50) ** 2 <= 20**2
    for method in ("fast", "exact"):
        res = local_thickness(disc, calibration=UNCALIBRATED, method=method)
        assert res.max == pytest.approx(40, abs=1.5)
        assert res.mean == pytest.approx(40, abs=1.5)


@pytest.mark.parametrize("width", [9, 15])
def test_stripe_mean_is_width(width):
    m = np.zeros((64, 100), dtype=bool)  # bands inside: the image border is not a wall
    for start in range(10, 90 - width, width + 10):
        m[:, start : start + width] = True
    res = local_thickness(m, calibration=Calibration(0.1, "user"))
    assert res.mean == pytest.approx(width * 0.1, rel=0.02)
    assert res.unit == "µm" and res.max_over_mean == pytest.approx(1.0, abs=0.02)


def test_fast_bounded_by_exact():
    m = ~boolean_discs((110, 110), intensity_per_px2=0.002, radius_px=6, seed=2)
    f = local_thickness(m, calibration=UNCALIBRATED, return_map=True)
    e = local_thickness(m, calibration=UNCALIBRATED, method="exact", return_map=True)
    assert np.all(f.map <= e.map + 1e-4)
    assert f.mean == pytest.approx(e.mean, rel=0.05)
    assert f.p99 == pytest.approx(e.p99, rel=0.05)
    assert f.max == pytest.approx(e.max, rel=0.05)
    assert "map" not in f.to_dict()


def test_edge_cases():
    res = local_thickness(np.zeros((10, 10), bool), calibration=UNCALIBRATED)
    assert math.isnan(res.mean) and res.note == "no pore pixels"
    res = local_thickness(np.ones((10, 10), bool), calibration=UNCALIBRATED)
    assert math.isnan(res.max) and "no solid" in res.note
    with pytest.raises(ConfigError, match="fast, exact"):
        local_thickness(np.ones((4, 4), bool), calibration=UNCALIBRATED, method="slow")
    with pytest.raises(MeasurementError, match="limited to"):
        local_thickness(np.ones((400, 400), bool) ^ np.eye(400, dtype=bool),
                        calibration=UNCALIBRATED, method="exact")


# --- the fast map is identical to one distance transform per level (the former method) ---

import cv2  # noqa: E402

from semscan._morphology import distance_transform, exact_distance  # noqa: E402
from semscan.measure.local_thickness import (  # noqa: E402
    _disc_kernel,
    _fast,
    _levels,
    _squared_threshold,
)
from tests._synthetic import REAL, random_discs  # noqa: E402


def _reference_fast(pore, dist):
    """The former implementation: a distance transform of the level's centres per level."""
    thick = np.where(pore, 2.0 * dist - 1.0, 0.0).astype(np.float32)
    for level in _levels(float(dist.max()))[1:]:
        centres = dist >= level
        if not centres.any():
            break
        rows = np.flatnonzero(centres.any(axis=1))
        cols = np.flatnonzero(centres.any(axis=0))
        k = math.ceil(level) + 1
        r0, r1 = max(rows[0] - k, 0), min(rows[-1] + k + 1, pore.shape[0])
        c0, c1 = max(cols[0] - k, 0), min(cols[-1] + k + 1, pore.shape[1])
        d = exact_distance(~centres[r0:r1, c0:c1])
        sub = thick[r0:r1, c0:c1]
        np.maximum(sub, np.where(d < level, np.float32(2 * level - 1), np.float32(0)), out=sub)
    thick[~pore] = 0.0
    return thick


def _stripes():
    m = np.zeros((90, 300), dtype=bool)
    start = 3
    for width in range(1, 30, 3):
        m[:, start : start + width] = True
        start += width + 2
    return m


_SYNTHETIC = {
    "boolean_discs": ~boolean_discs((300, 300), intensity_per_px2=0.002, radius_px=9, seed=3),
    "sparse_discs": random_discs((256, 320), n=12, r=30.0, seed=5),
    "stripes": _stripes(),
    "one_big_disc": np.hypot(*np.mgrid[-150:150, -150:150]) < 140,
}


def _seeded_masks():
    """Many seeded masks: disc pores and disc grains of several sizes and porosities, noise,
    thin and diagonal bands, pores cut by the border, a single pore pixel."""
    out = {}
    for seed in range(6):
        rng = np.random.default_rng(seed)
        h, w = (int(v) for v in rng.integers(60, 260, 2))
        r = float(rng.uniform(2.0, 25.0))
        out[f"pores_{seed}"] = random_discs((h, w), n=int(rng.integers(3, 40)), r=r, seed=seed)
        out[f"grains_{seed}"] = ~boolean_discs(
            (h, w), intensity_per_px2=float(rng.uniform(0.0005, 0.01)), radius_px=r / 2 + 1,
            seed=seed)
        out[f"noise_{seed}"] = rng.random((h, w)) < rng.uniform(0.3, 0.9)
    yy, xx = np.mgrid[:120, :160]
    out["diagonal_bands"] = (np.abs((yy - 0.6 * xx) % 23) < 9) | (np.abs(yy - 2 * xx) < 3)
    out["cut_by_border"] = np.hypot(yy - 5, xx - 150) < 70
    one = np.zeros((9, 11), bool)
    one[4, 5] = True
    out["one_pixel"] = one
    return out


@pytest.mark.parametrize("name", sorted(_SYNTHETIC))
def test_fast_map_equals_reference_synthetic(name):
    pore = _SYNTHETIC[name]
    dist = exact_distance(pore)
    assert np.array_equal(_fast(pore, dist), _reference_fast(pore, dist))


def test_fast_map_equals_reference_on_seeded_masks():
    masks = _seeded_masks()
    assert len(masks) == 21
    for name, pore in masks.items():
        dist = exact_distance(pore)
        assert np.array_equal(_fast(pore, dist), _reference_fast(pore, dist)), name


def _paint_all(idx, levels, seeds=None):
    """Index of the highest level whose disc covers each pixel, discs of the given seeds
    (all pixels at level >= 1 by default) painted one by one."""
    h, w = idx.shape
    best = np.zeros((h, w), np.uint8)
    flat = np.flatnonzero(idx) if seeds is None else seeds
    for f in flat.tolist():
        r, c = divmod(f, w)
        kern = _disc_kernel(float(levels[idx[r, c]]))
        k = kern.shape[0] // 2
        a0, b0 = max(r - k, 0), max(c - k, 0)
        sub = best[a0 : r + k + 1, b0 : c + k + 1]
        part = kern[a0 - (r - k) : a0 - (r - k) + sub.shape[0],
                    b0 - (c - k) : b0 - (c - k) + sub.shape[1]]
        np.maximum(sub, part * idx[r, c], out=sub)
    return best


def test_dropped_seeds_change_no_pixel():
    from semscan.measure.local_thickness import _level_index, _seeds

    masks = {**_SYNTHETIC, **{k: v for k, v in _seeded_masks().items() if v.size < 20_000}}
    totals = np.zeros(2, np.int64)  # seeds kept, pixels at level >= 1 (the brute-forced)
    for name, pore in masks.items():
        dist = exact_distance(pore)
        levels = _levels(float(dist.max()))
        idx = _level_index(dist, levels, np.uint8)
        seeds = _seeds(idx, len(levels))
        n_all = int(np.count_nonzero(idx))
        if name == "one_big_disc":  # a cone of distances: most seeds are dropped (84 %)
            assert len(seeds) < 0.25 * n_all
        if pore.size > 40_000:
            continue  # the brute force below is slow
        everything = _paint_all(idx, levels)
        # the final map takes 2 d - 1 as well: compare where painting exceeds it
        values = np.concatenate([[0.0], 2 * levels[1:] - 1]).astype(np.float32)
        base = 2 * dist - 1
        full = np.maximum(base, values[everything])
        kept = np.maximum(base, values[_paint_all(idx, levels, seeds)])
        assert np.array_equal(full, kept), name
        totals += (len(seeds), n_all)
    assert totals[0] < 0.6 * totals[1], totals  # not vacuous: 18 % kept (measured)


def test_containment_tables_are_exact():
    from semscan.measure.local_thickness import _containing

    n = 40
    levels = _levels(30.0)[:n]
    assert len(levels) == n
    for dy, dx in ((0, 1), (1, 1), (0, 2), (1, 2), (2, 2)):
        need = _containing(n, dy, dx)
        for a in range(1, n):
            ka = _disc_kernel(float(levels[a]))
            k = ka.shape[0] // 2
            yy, xx = np.nonzero(ka)

            def holds(b, yy=yy, xx=xx, k=k, dy=dy, dx=dx):
                kb = _disc_kernel(float(levels[b]))
                m = kb.shape[0] // 2
                y, x = yy - k + dy + m, xx - k + dx + m
                inside = (y >= 0) & (x >= 0) & (y < kb.shape[0]) & (x < kb.shape[1])
                return bool(inside.all() and kb[y, x].all())

            first = next((b for b in range(a + 1, n) if holds(b)), n)
            assert need[a] == first, (dy, dx, a)


def test_level_index_is_the_search_below_and_beyond_512_px():
    from semscan.measure.local_thickness import _level_index, _seeds

    for r in (140, 700):
        yy, xx = np.mgrid[: 2 * r + 20, : 2 * r + 20]
        pore = np.hypot(yy - r - 10, xx - r - 10) < r
        pore[r // 2, r // 3 : r] = False  # a wall: distances of every kind
        dist = exact_distance(pore)
        levels = _levels(float(dist.max()))
        want = np.maximum(np.searchsorted(levels, dist, side="right") - 1, 0)
        got = _level_index(dist, levels, np.uint8)
        assert np.array_equal(got, want), r
        wide = _level_index(dist, levels, np.uint16)  # the path for more than 255 levels
        assert wide.dtype == np.uint16 and np.array_equal(wide, want)
        assert np.array_equal(_seeds(wide, len(levels)), _seeds(got, len(levels)))


def test_squared_threshold_is_the_float32_root_boundary():
    for level in _levels(300.0)[1:]:
        t = _squared_threshold(float(level))
        assert np.float32(math.sqrt(t)) >= level > np.float32(math.sqrt(t - 1)) or t == 0


def _real_pores():
    from semscan.pipeline import analyze_path

    # the last: 96 % pore with distances up to 400 px (113 levels, the largest discs)
    for name in ("particles_fei.tif", "porous_si_zeiss.tif", "gt/bam_tio2/SEM/1908258.tif"):
        path = REAL / name
        if not path.exists():
            pytest.skip(f"{path} is not here")
        res = analyze_path(path)
        yield name, res.segmentation.pore & (res.region if res.region is not None else True)


def test_fast_map_equals_reference_real():
    for name, pore in _real_pores():
        dist = exact_distance(pore)
        assert np.array_equal(_fast(pore, dist), _reference_fast(pore, dist)), name


def test_disc_kernels_are_the_distance_of_one_seed():
    for level in _levels(60.0)[1:]:
        kern = _disc_kernel(float(level))
        k = kern.shape[0] // 2
        one = np.ones(kern.shape, dtype=bool)
        one[k, k] = False
        assert np.array_equal(kern.astype(bool), exact_distance(one) < level), level


def test_exact_distance_is_opencv_rounded():
    pore = _SYNTHETIC["boolean_discs"]
    d = exact_distance(pore)
    raw = distance_transform(pore)
    assert np.abs(d - raw).max() <= 4e-6  # at most an ulp or two of OpenCV's value
    n = np.rint(d.astype(np.float64) ** 2)
    assert np.array_equal(d, np.sqrt(n).astype(np.float32))


def test_result_independent_of_opencv_threads():
    pore = _SYNTHETIC["boolean_discs"]
    before = cv2.getNumThreads()
    try:
        out = []
        for n in (1, 2):
            cv2.setNumThreads(n)
            out.append(local_thickness(pore, calibration=Calibration(0.0123, "user"),
                                       return_map=True))
    finally:
        cv2.setNumThreads(before)
    assert np.array_equal(out[0].map, out[1].map)
    assert out[0].to_dict() == out[1].to_dict()


def _edits(pore, rng):
    """A reviewer's edits: erase a block, paint a disc, paint a big disc at the border."""
    h, w = pore.shape
    rr, cc = np.mgrid[:h, :w]
    out = []
    a = pore.copy()
    a[h // 3 : h // 3 + 20, w // 4 : w // 4 + 25] = False
    out.append(a)
    b = a.copy()
    r0, c0 = rng.integers(20, h - 20), rng.integers(20, w - 20)
    b |= np.hypot(rr - r0, cc - c0) < 6
    out.append(b)
    c = b.copy()
    c |= np.hypot(rr - 3, cc - (w - 10)) < 45  # larger than any pore before: R grows
    out.append(c)
    d = c.copy()
    d[:, :] = c
    d[np.hypot(rr - 3, cc - (w - 10)) < 45] = False  # and taken back: R shrinks
    out.append(d)
    return out


@pytest.mark.parametrize("name", ["boolean_discs", "sparse_discs", "stripes"])
def test_an_update_after_edits_equals_the_whole_map(name):
    from semscan.measure.local_thickness import local_thickness_update

    pore = _SYNTHETIC[name]
    region = np.ones(pore.shape, bool)
    region[:, :7] = False
    rng = np.random.default_rng(1)
    cal = Calibration(0.01, "user")
    _, state = local_thickness_update(pore, calibration=cal, region=region)
    for edited in _edits(pore, rng):
        new, state = local_thickness_update(edited, calibration=cal, region=region,
                                            previous=state)
        whole = local_thickness(edited, calibration=cal, region=region, return_map=True)
        assert np.array_equal(state.thick_px.astype(np.float64) * 0.01, whole.map), name
        for key in ("mean", "p99", "max", "max_over_mean", "n_pore_pixels"):
            assert getattr(new, key) == getattr(whole, key), key


def test_an_update_recomputes_only_around_the_edit(monkeypatch):
    import importlib

    lt = importlib.import_module("semscan.measure.local_thickness")
    pore = ~boolean_discs((600, 800), intensity_per_px2=0.004, radius_px=6, seed=2)
    cal = Calibration(0.01, "user")
    _, state = lt.local_thickness_update(pore, calibration=cal)
    shapes = []
    real = lt._fast
    monkeypatch.setattr(lt, "_fast", lambda p, d, **kw: shapes.append(p.shape) or real(p, d))
    edited = pore.copy()
    edited[200:220, 300:325] = False  # erase a block
    new, state = lt.local_thickness_update(edited, calibration=cal, previous=state)
    (crop,) = shapes
    assert crop[0] * crop[1] < 0.1 * pore.size  # measured (146, 145) of (600, 800)
    whole = local_thickness(edited, calibration=cal, return_map=True)
    assert np.array_equal(state.thick_px.astype(np.float64) * 0.01, whole.map)
    assert new.mean == whole.mean and new.p99 == whole.p99 and new.max == whole.max


def test_fast_map_written_over_the_distances_is_the_same():
    """``_fast(pore, dist, out=dist)`` (local_thickness's memory saving) gives the map."""
    rng = np.random.default_rng(3)
    pore = rng.random((180, 230)) > 0.45
    dist = exact_distance(pore)
    want = _fast(pore, dist)
    got = _fast(pore, dist, out=dist)
    assert got is dist
    assert np.array_equal(got, want)
