"""Dark voids under a bright pore phase (semscan/segment/voids.py)."""

import numpy as np

from semscan.micrograph import Micrograph
from semscan.segment import segment_micrograph
from semscan.segment.voids import VOID_SIGNAL, dark_voids


def _filled_pores_with_a_crack(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A grey matrix (0.35, noise 0.03) with bright filled pores (0.8, discs of radius 4 on
    a 16 px lattice) and an empty crack (0.03, 4 x 60 px): the image and the crack."""
    rng = np.random.default_rng(seed)
    img = rng.normal(0.35, 0.03, (128, 128))
    r, c = np.indices(img.shape)
    img[(r % 16 - 8) ** 2 + (c % 16 - 8) ** 2 <= 16] = 0.8
    crack = np.zeros(img.shape, bool)
    crack[62:66, 30:90] = True
    img[crack] = 0.03 + rng.normal(0, 0.01, int(crack.sum()))
    return np.clip(img, 0, 1).astype(np.float32), crack


def test_the_empty_crack_is_found_and_nothing_else():
    """The crack's grey (0.03) lies far below half the matrix's mode (0.175): every crack
    pixel is a void; the matrix's own noise pixels (3 SDs reach 0.26) and isolated dark
    pixels (under the 3 x 3 opening) are not."""
    img, crack = _filled_pores_with_a_crack()
    img[10, 100] = 0.02  # one dark pixel: not a region
    voids, note = dark_voids(img, np.ones(img.shape, bool))
    assert (voids == crack).all()
    assert f"{VOID_SIGNAL:g} of the matrix mode" in note
    # no dark population: nothing, and no note
    none, note = dark_voids(np.where(crack, 0.35, img).astype(np.float32),
                            np.ones(img.shape, bool))
    assert not none.any() and note == ""
    # excluded pixels are never voids
    valid = np.ones(img.shape, bool)
    valid[:, :60] = False
    voids, _ = dark_voids(img, valid)
    assert not voids[:, :60].any() and voids[62:66, 60:90].all()


def test_segmentation_counts_voids_as_pore_with_bright_pores_only():
    """With pores='bright' the crack is pore (it sits on the matrix's side of the two-phase
    threshold, so without the rule it would be solid), the reason says so and
    ``Segmentation.voids`` holds it; with dark pores, with ``voids=False`` or a requested
    method, nothing changes (the crack stays solid)."""
    img, crack = _filled_pores_with_a_crack()
    m = Micrograph.from_array(img)
    seg = segment_micrograph(m, pores="bright")
    assert seg.pore[crack].mean() > 0.95  # the 3 px median rounds the crack's corners
    assert "dark voids counted as pore" in seg.method_reason
    near = np.zeros(crack.shape, bool)
    near[61:67, 29:91] = True
    assert seg.voids is not None and seg.voids.any() and not (seg.voids & ~near).any()
    off = segment_micrograph(m, pores="bright", voids=False)
    assert not off.pore[crack].any() and off.voids is None
    assert (seg.pore == (off.pore | seg.voids)).all()  # the two-phase threshold is unchanged
    otsu = segment_micrograph(m, pores="bright", method="otsu")
    assert not otsu.pore[crack].any() and otsu.voids is None
    dark = segment_micrograph(m, pores="dark")
    assert dark.voids is None and "voids" not in dark.method_reason


def test_a_given_histogram_is_the_one_it_would_build():
    """The segmentation passes the histogram its threshold built: the same voids and note as
    the histogram ``dark_voids`` builds itself, and the one it uses (a histogram of half the
    grey halves the matrix's mode in the note)."""
    from semscan._ndimage import histogram
    from semscan.segment.preprocess import _sample

    img, crack = _filled_pores_with_a_crack(seed=1)
    valid = np.ones(img.shape, bool)
    valid[:, :20] = False
    own, own_note = dark_voids(img, valid)
    given, note = dark_voids(img, valid, hist=histogram(_sample(img), mask=_sample(valid)))
    assert (given == own).all() and note == own_note and (own == crack).all()
    _, half = dark_voids(img, valid, hist=histogram(_sample(img * 0.5), mask=_sample(valid)))
    assert "matrix mode 0.348" in own_note and "matrix mode 0.174" in half
