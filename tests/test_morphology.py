"""The private mask kit: exact answers on masks with known geometry, and bit-for-bit
agreement with the plain OpenCV / SciPy calls each variant stands for."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from semscan import _morphology as mo
from semscan.errors import ConfigError


def test_wrong_choices_name_the_valid_ones():
    with pytest.raises(ConfigError, match="'euclidean', 'euclidean_3x3', 'euclidean_5x5'"):
        mo.distance_transform(np.ones((3, 3), bool), metric="chess")
    with pytest.raises(ConfigError, match="'euclidean', 'opencv'"):
        mo.disc(2.0, rule="square")


# ----------------------------------------------------------------------------- discs
def test_disc_euclidean_rule():
    assert mo.disc(1.0).tolist() == [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    assert mo.disc(0.5).tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    k = mo.disc(2.0)
    assert k.shape == (5, 5) and int(k.sum()) == 13  # |d|^2 <= 4.25
    assert int(mo.disc(2.5).sum()) == 21
    assert k.dtype == np.uint8


def test_disc_opencv_rule():
    k = mo.disc(2.4, rule="opencv")
    assert np.array_equal(k, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    assert mo.disc(0.2, rule="opencv").shape == (3, 3)  # at least radius 1


# ----------------------------------------------------------------------------- distances
def test_distance_transform_metrics():
    m = np.ones((7, 7), bool)
    m[3, 3] = False
    e = mo.distance_transform(m)
    assert e[3, 3] == 0.0 and e[3, 6] == 3.0
    assert e[0, 0] == pytest.approx(math.sqrt(18), abs=1e-4)
    assert mo.distance_transform(m, metric="taxicab")[0, 0] == 6.0
    approx = mo.distance_transform(m, metric="euclidean_3x3")[0, 0]
    assert approx == pytest.approx(3 * 1.3693, abs=1e-3)
    five = mo.distance_transform(m, metric="euclidean_5x5")
    assert five[0, 0] == pytest.approx(3 * 1.4, abs=1e-5)  # its diagonal step is 1.4
    assert five[1, 2] == pytest.approx(2.1969, abs=1e-3)  # a knight's move from the centre
    assert np.array_equal(five, cv2.distanceTransform(m.astype(np.uint8), cv2.DIST_L2, 5))
    assert e.dtype == np.float32


def test_exact_distance_transform_ignores_the_thread_count_and_equals_scipy():
    """OpenCV's parallel transform rounds roots by thread count; the kit's does not."""
    import scipy.ndimage as ndi

    from semscan.phantoms.geometry import boolean_ellipses

    mask = ~boolean_ellipses((700, 900), intensity_per_px2=0.002, a_px=9, b_px=9, seed=1)
    before = cv2.getNumThreads()
    try:
        maps = []
        for n in (1, 2, 4):
            cv2.setNumThreads(n)
            maps.append(mo.distance_transform(mask))
    finally:
        cv2.setNumThreads(before)
    assert all(np.array_equal(maps[0], m) for m in maps[1:])
    np.testing.assert_array_equal(maps[0], ndi.distance_transform_edt(mask).astype(np.float32))


@pytest.mark.parametrize("cols", [1, 15, 16, 17, 32, 48, 1024])
def test_exact_transform_on_longer_rows_is_opencvs_on_the_mask(cols):
    """The exact map is computed on rows lengthened to 16 x an odd number (True columns
    added): the same floats as OpenCV's transform of the mask itself, rounded as before,
    with the 'far' and the 'background' border, with and without a False pixel."""
    rng = np.random.default_rng(cols)
    for p_true in (0.3, 0.97, 1.0):
        mask = rng.random((37, cols)) < p_true
        m = mask.astype(np.uint8)
        far = cv2.distanceTransform(m, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        bg = cv2.distanceTransform(np.pad(m, 1), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]
        for outside, want in (("far", far), ("background", bg)):
            got = mo.distance_transform(mask, outside=outside)
            assert got.shape == mask.shape and got.dtype == np.float32
            assert np.array_equal(got, mo._correctly_rounded(want.copy()))
    assert mo._row_length(1024) == 1040 and mo._row_length(1040) == 1040
    assert mo._row_length(1) == 16 and mo._row_length(17) == 48


def test_distance_transform_outside():
    m = np.ones((5, 5), bool)
    far = mo.distance_transform(m, metric="taxicab")
    assert float(far.min()) > 100  # no False pixel anywhere
    bg = mo.distance_transform(m, metric="taxicab", outside="background")
    assert bg[2, 2] == 3.0 and bg[0, 0] == 1.0
    # taxicab erosion with a False outside equals scipy's 4-connected binary erosion
    from scipy import ndimage as ndi

    rng = np.random.default_rng(3)
    blob = ndi.binary_closing(rng.random((40, 50)) < 0.7, iterations=2)
    assert np.array_equal(mo.distance_transform(blob, metric="taxicab", outside="background") > 2,
                          ndi.binary_erosion(blob, iterations=2))


def test_disc_morphology_on_a_square_and_a_speck():
    m = np.zeros((21, 21), bool)
    m[5:16, 5:16] = True
    m[1, 1] = True
    opened = mo.open_disc(m, 2.0)
    assert not opened[1, 1]  # the speck is gone
    assert opened[5:16, 5:16][2:-2, 2:-2].all()
    assert opened.sum() == 121 - 4 * 3  # a 2 px disc rounds each corner by 3 px
    d = mo.dilate_disc(np.pad(np.ones((1, 1), bool), 5), 3.0)
    assert int(d.sum()) == 29  # pixels within 3 px of the centre
    e = mo.erode_disc(np.pad(np.ones((7, 7), bool), 1), 1.0)
    assert int(e.sum()) == 25
    empty = np.zeros((4, 4), bool)
    assert not mo.dilate_disc(empty, 2).any() and mo.erode_disc(~empty, 2).all()
    assert mo.erode_disc(~empty, 2) is not ~empty


# ----------------------------------------------------------------------------- components
def test_component_areas_and_connectivity():
    m = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], bool)
    _, a8 = mo.component_areas(m)
    _, a4 = mo.component_areas(m, connectivity=4)
    assert a8.tolist() == [6, 3]
    assert a4.tolist() == [6, 1, 1, 1]


def test_label_components_are_scipys_up_to_their_numbering():
    from scipy import ndimage as ndi

    rng = np.random.default_rng(8)
    for trial in range(10):
        h, w = (int(v) for v in rng.integers(1, 150, 2))
        noise = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0),
                                 float(rng.uniform(0.3, 3.0)))
        mask = noise > np.quantile(noise, rng.uniform(0.1, 0.9))
        if trial == 0:
            mask[:] = False
        for conn, structure in ((4, None), (8, np.ones((3, 3), bool))):
            want, n_want = ndi.label(mask, structure=structure)
            got, n = mo.label_components(mask, connectivity=conn)
            assert got.dtype == np.int32 and n == n_want and got.max(initial=0) == n
            assert np.array_equal(got > 0, mask)
            # one to one: each scipy label meets exactly one of ours and vice versa
            pairs = np.unique(np.stack([want[mask], got[mask]]), axis=1)
            assert pairs.shape[1] == n


def test_remove_small_keeps_components_at_the_area():
    m = np.zeros((10, 10), bool)
    m[0:2, 0:2] = True  # 4 px
    m[5:8, 5:8] = True  # 9 px
    m[9, 0] = True  # 1 px
    out = mo.remove_small(m, 4)
    assert int(out.sum()) == 13 and not out[9, 0]
    assert int(mo.remove_small(m, 5).sum()) == 9
    assert mo.remove_small(m, 1) is m
    z = np.zeros((3, 3), bool)
    assert mo.remove_small(z, 5) is z


def test_remove_small_diagonal_neighbours_join_at_8_connectivity():
    m = np.eye(4, dtype=bool)
    assert mo.remove_small(m, 4).sum() == 4
    assert mo.remove_small(m, 2, connectivity=4).sum() == 0


def test_remove_small_clears_the_components_opencvs_statistics_call_small():
    """The definition: one lookup of every label of OpenCV's components with statistics
    (:func:`component_areas`); also beyond 65535 components (int32 labels)."""
    rng = np.random.default_rng(4)
    masks = []
    for _ in range(12):
        h, w = (int(v) for v in rng.integers(20, 200, 2))
        noise = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0),
                                 float(rng.uniform(0.5, 3.0)))
        masks.append(noise > np.quantile(noise, rng.uniform(0.2, 0.8)))
    checker = (np.add.outer(np.arange(400), np.arange(420)) % 2).astype(bool)
    checker[:40, :40] = True  # one large component among 84000 single pixels (4-conn.)
    masks.append(checker)
    for mask in masks:
        for conn in (4, 8):
            labels, areas = mo.component_areas(mask, connectivity=conn)
            for min_area in (2, 10, 60):
                small = areas < min_area
                small[0] = False
                want = mask & ~small[labels]
                got = mo.remove_small(mask, min_area, connectivity=conn)
                assert got.dtype == bool and np.array_equal(got, want), (conn, min_area)
    # the block and the 20 + 20 single pixels 4-adjacent to its two open sides
    assert int(mo.remove_small(checker, 2, connectivity=4).sum()) == 40 * 40 + 40


def _masks_for_disc_rules() -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    noise = cv2.GaussianBlur(rng.random((160, 210)).astype(np.float32), (0, 0), 3.0)
    return [noise > np.median(noise), noise > np.quantile(noise, 0.8),
            rng.random((50, 70)) < 0.7, np.ones((20, 20), bool) ^ np.eye(20, dtype=bool)]


# radii on and beside the roots of integers (sqrt 5 rounded to float32 and float64 either
# side), and on both sides of the kernels' limits (12 px for the opening, 20 for one step)
_DISC_RADII = (0.0, 0.5, 1.0, 1.5, 2.0, 2.2360679, float(np.float32(np.sqrt(5.0))),
               float(np.sqrt(5.0)), float(np.nextafter(np.sqrt(5.0), 0.0)), 3.0, 4.5, 5.0,
               7.3, 10.0, 12.0, 13.5, 17.0, float(np.float32(np.sqrt(400.0 + 1.0))), 20.0,
               20.5, 26.0)


def _by_distance(mask: np.ndarray, radius: float, op: str) -> np.ndarray:
    """The rule of :func:`dilate_disc` and :func:`erode_disc`: the exact distance map."""
    if op == "dilate":
        return mask.copy() if not mask.any() else mo.distance_transform(~mask) <= radius
    return mask.copy() if mask.all() else mo.distance_transform(mask) > radius


def test_dilate_and_erode_disc_are_the_distance_transform_rule():
    for mask in _masks_for_disc_rules():
        for radius in _DISC_RADII:
            for op, f in (("dilate", mo.dilate_disc), ("erode", mo.erode_disc)):
                got = f(mask, radius)
                assert got.dtype == bool and got.shape == mask.shape
                assert np.array_equal(got, _by_distance(mask, radius, op)), (op, radius)
    strided = _masks_for_disc_rules()[2][::2, 1::3]
    assert np.array_equal(mo.dilate_disc(strided, 2.0), _by_distance(strided, 2.0, "dilate"))
    assert np.array_equal(mo.erode_disc(strided, 2.0), _by_distance(strided, 2.0, "erode"))


def test_erode_disc_beyond_the_kernels_in_bands_is_the_whole_transform(monkeypatch):
    # bands of 4096 px: many bands with halos, up to radii past a band's own rows, False
    # pixels sparse (distances past the halo, and past 512 px), in rows and in columns
    monkeypatch.setattr(mo, "_BAND_PIXELS", 1 << 12)
    rng = np.random.default_rng(5)
    for rows, cols, density in ((700, 40, 1e-3), (900, 16, 1e-2), (1300, 20, 1e-4),
                                (600, 64, 0.0)):
        mask = rng.random((rows, cols)) >= density
        mask[rows // 3, : cols // 2] = False  # one wall across half the rows
        for radius in (20.5, 33.0, 64.0, 150.0, 700.0):
            got = mo.erode_disc(mask, radius)
            assert np.array_equal(got, _by_distance(mask, radius, "erode")), (rows, radius)
    assert not mo.erode_disc(np.zeros((500, 30), bool), 40.0).any()


def test_open_disc_equals_two_distance_transforms():
    from semscan._morphology import open_disc

    for mask in _masks_for_disc_rules():
        for radius in _DISC_RADII:
            ref = _by_distance(_by_distance(mask, radius, "erode"), radius, "dilate")
            got = open_disc(mask, radius)
            assert got.dtype == bool and np.array_equal(got, ref), radius
    strided = _masks_for_disc_rules()[2][::2, 1::3]
    ref = _by_distance(_by_distance(strided, 2.0, "erode"), 2.0, "dilate")
    assert np.array_equal(open_disc(strided, 2.0), ref)


@pytest.mark.parametrize("seed", range(12))
def test_exact_distance_update_is_the_whole_transform_after_each_edit(seed):
    """Erased, painted and scribbled blocks, some at the border: every value that of the
    whole image's transform."""
    from scipy import ndimage as ndi

    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(30, 200)), int(rng.integers(30, 260)))
    m = ndi.gaussian_filter(rng.random(shape), rng.uniform(1, 6)) > 0.5
    d = mo.exact_distance(m)
    for _ in range(6):
        e = m.copy()
        r, c = rng.integers(0, shape[0]), rng.integers(0, shape[1])
        blk = e[r : r + rng.integers(1, 40), c : c + rng.integers(1, 40)]
        blk[:] = [False, True, rng.random(blk.shape) > 0.5][int(rng.integers(3))]
        got = mo.exact_distance_update(e, m, d)
        np.testing.assert_array_equal(got, mo.exact_distance(e))
        m, d = e, got
    assert mo.exact_distance_update(m, m, d) is d


# ------------------------------------------------------------------------- skeletons
def _blobs(seed: int, shape: tuple[int, int] = (120, 160)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.random(shape), (0, 0), 3.0)
    return noise > np.median(noise)


def test_skeletonize_is_scikit_images_thinning():
    from skimage.morphology import skeletonize as public

    for seed in range(4):
        m = _blobs(seed)
        got = mo.skeletonize(m)
        assert got.dtype == bool and got.shape == m.shape
        assert np.array_equal(got, public(m))
        assert 0 < got.sum() < m.sum()
    bar = np.zeros((5, 9), np.uint8)  # any non-zero is foreground, as skimage's
    bar[1:4, 1:8] = 7
    got = mo.skeletonize(bar)
    assert np.array_equal(got, public(bar))
    assert int(got.sum()) == 6  # one pixel wide, along the 3 x 7 bar
    with pytest.raises(ValueError, match="2-D"):
        mo.skeletonize(np.ones((2, 3, 4), bool))


def test_skeletonize_leaves_skimage_morphology_unimported_and_importable():
    """The thinning loads alone; a later ``import skimage.morphology`` reuses it."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from semscan._morphology import skeletonize\n"
        "m = np.zeros((40, 60), bool); m[5:30, 10:50] = True\n"
        "a = skeletonize(m)\n"
        "print('skimage.morphology' in sys.modules)\n"
        "import skimage.morphology as skm\n"
        "print(np.array_equal(a, skm.skeletonize(m)), a.sum())\n"
    )
    from tests._procs import cli_env

    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=cli_env(), check=True)
    first, second = res.stdout.split("\n")[:2]
    assert first == "False"
    assert second.split()[0] == "True" and int(second.split()[1]) > 10


@pytest.mark.parametrize("seed", range(4))
def test_remove_small_with_the_callers_labels_removes_the_same_pixels(seed):
    """``labelled=component_areas(mask)`` (as the classifier's filled features pass it)
    gives the pixels of the labelling remove_small makes itself."""
    rng = np.random.default_rng(seed)
    mask = rng.random((120, 150)) > 0.6
    for area in (2, 5, 12):
        own = mo.remove_small(mask, area)
        given = mo.remove_small(mask, area, labelled=mo.component_areas(mask))
        assert np.array_equal(own, given) and np.count_nonzero(own) < np.count_nonzero(mask)


def test_labels_and_areas_beyond_65535_components_counts_band_by_band():
    """Over 65535 components the labels are int32 and their areas are counted in row
    bands (``2**20`` px each: 256 rows of 4096); the counts are those of the whole
    labelling, whatever the band limits."""
    checker = (np.add.outer(np.arange(600), np.arange(4096)) % 2).astype(bool)
    checker[250:262, 100:300] = True  # one block across the first band limit (row 256)
    labels, areas = mo.labels_and_areas(checker, 4)
    assert labels.dtype == np.int32 and labels.max() > 65535
    assert np.array_equal(areas, np.bincount(labels.ravel(), minlength=labels.max() + 1))
    # the block and the checker's pixels 4-adjacent to it: half of each side's 200 / 12
    assert int(areas[labels[255, 150]]) == 12 * 200 + 2 * 100 + 2 * 6
