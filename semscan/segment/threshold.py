"""Grey-level thresholds: global (Otsu, Li, triangle, multi-Otsu), the histogram checks
(residual non-uniformity, a flat ground peak, the structure scale) and the automatic choice
between global, local (:mod:`semscan.segment.local_threshold`) and hysteresis thresholds.

Conventions (all functions): thresholds are grey levels of the *preprocessed* image in
[0, 1], in the image's own polarity. With ``pores='dark'`` a pixel is pore when its grey is
``<= threshold``; with ``pores='bright'`` when it is ``> threshold``. Only the ``valid``
pixels (not excluded) enter the histograms.
"""

from __future__ import annotations

import numpy as np

from semscan._choices import GLOBAL_METHODS, GlobalMethod
from semscan._ndimage import NBINS, Histogram, histogram, otsu_of_histogram
from semscan.segment._ground import (
    GROUND_MIN_FRACTION,
    GROUND_RATIO,
    GROUND_WIDTHS,
    GroundPeak,
    ground_peak,
)
from semscan.segment.preprocess import PORE_TONES, PoreTone, _check_choice

__all__ = [
    "GLOBAL_METHODS",
    "GROUND_MIN_FRACTION",
    "GROUND_RATIO",
    "GROUND_WIDTHS",
    "GlobalMethod",
    "GroundPeak",
    "choose_method",
    "find_peaks",
    "global_threshold",
    "ground_peak",
    "pore_side",
    "residual_nonuniformity",
    "section_matrix_edge",
    "structure_scale_px",
]


# auto: Sauvola when per-tile phase means still vary by more than this fraction of the
# pore-solid grey difference after flattening.
RESIDUAL_LIMIT = 0.35
_TILES = 4
# auto, in a cross-section's specimen: when the majority phase (>= this fraction) is a grey
# peak narrower than the other phase's spread (ratio >= SECTION_MIN_RATIO), the other phase
# reaches down to the peak's mode + SECTION_WIDTHS half-widths (fitted leave-one-out on the
# four dealloyed sections of ../shared/data/real/gt: 2.0 for each one left out)
SECTION_MIN_FRACTION = 0.6
SECTION_MIN_RATIO = 1.0
SECTION_WIDTHS = 2.0
# Sauvola window (auto): this many structure periods (mean pore + mean solid chord).
SAUVOLA_PERIODS = 4.0


def _valid_values(image: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    img = np.ascontiguousarray(image, dtype=np.float32)
    return img.ravel() if valid is None else img[valid]


def pore_side(image: np.ndarray, threshold: float | np.ndarray, pores: PoreTone) -> np.ndarray:
    """Boolean mask of the pixels on the pore side of ``threshold`` (scalar or per pixel).

    Examples
    --------
    >>> import numpy as np
    >>> pore_side(np.array([0.1, 0.5, 0.9]), 0.5, "dark").tolist()
    [True, True, False]
    """
    _check_choice("pores", pores, PORE_TONES)
    return image <= threshold if pores == "dark" else image > threshold


def global_threshold(
    image: np.ndarray,
    *,
    method: GlobalMethod = "otsu",
    valid: np.ndarray | None = None,
    pores: PoreTone = "dark",
) -> float | None:
    """One grey level that separates pore from solid.

    Parameters
    ----------
    image : ndarray of float, shape (rows, columns)
        Preprocessed grey image in [0, 1].
    method : {'otsu', 'li', 'triangle', 'multiotsu'}
        ``'multiotsu'`` splits the histogram into three classes and takes the solid as the
        class farthest on the solid side (the brightest with dark pores); the two other
        classes are pore. That keeps the dim sub-surface walls seen through pores
        ("pore-back", METHODS.md 0) inside the pores: the returned threshold is the upper
        multi-Otsu level with dark pores and the lower one with bright pores.
        ``'li'`` is minimum cross-entropy, ``'triangle'`` suits a small phase beside a
        large peak (scikit-image implementations).
    valid : ndarray of bool, optional
        Pixels that enter the histogram.
    pores : {'dark', 'bright'}
        Grey level of the pores.

    Returns
    -------
    float or None
        The threshold, or None when the valid pixels have a single grey value.

    Raises
    ------
    SegmentationError
        On an unknown method.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.array([[0.1, 0.1, 0.8, 0.8]], np.float32)
    >>> t = global_threshold(img, method="otsu")
    >>> 0.1 <= t < 0.8
    True
    """
    _check_choice("method", method, GLOBAL_METHODS)
    _check_choice("pores", pores, PORE_TONES)
    return _global_from_hist(image, valid, histogram(image, mask=valid), method, pores)


def _global_from_hist(
    image: np.ndarray,
    valid: np.ndarray | None,
    hist: Histogram | None,
    method: str,
    pores: str,
) -> float | None:
    if hist is None:
        return None
    counts, centers = hist
    if method == "otsu":
        return otsu_of_histogram(counts, centers)
    if method == "multiotsu":
        from skimage.filters import threshold_multiotsu

        if np.count_nonzero(counts) < 3:
            return otsu_of_histogram(counts, centers)
        t1, t2 = threshold_multiotsu(hist=(counts, centers), classes=3)
        return float(t2 if pores == "dark" else t1)
    values = _valid_values(image, valid)
    if method == "li":
        from skimage.filters import threshold_li

        step = max(1, values.size // 400_000)  # a regular subsample is plenty for Li
        return float(threshold_li(values[::step].astype(np.float64)))
    from skimage.filters import threshold_triangle

    return float(threshold_triangle(values, nbins=NBINS))


_STRIP_PIXELS = 1 << 17  # float64 copy of a column strip: 1 MiB, in cache


def _tile_sums(values: np.ndarray) -> np.ndarray:
    """Sums (float64) of ``values`` over the ``_TILES x _TILES`` tiles.

    ``np.add.reduceat(values, r_edges, axis=0, dtype=np.float64)``'s numbers, column strip
    by column strip: cast in one call, reduceat copies the whole image to float64 and sums
    each column down its rows (a walk across every row per column: its cost per pixel grew
    ~5x from 1 to 16 Mpx); a strip's float64 copy is summed down its columns by the same
    pairwise loop, so each column's sum is the same."""
    rows, cols = values.shape
    r_edges = (np.arange(_TILES) * rows) // _TILES
    c_edges = (np.arange(_TILES) * cols) // _TILES
    by_rows = np.empty((_TILES, cols), np.float64)
    step = max(1, _STRIP_PIXELS // max(rows, 1))
    for c0 in range(0, cols, step):
        strip = values[:, c0 : c0 + step].astype(np.float64)
        np.add.reduceat(strip, r_edges, axis=0, out=by_rows[:, c0 : c0 + step])
    return np.add.reduceat(by_rows, c_edges, axis=1)


def residual_nonuniformity(
    image: np.ndarray, *, valid: np.ndarray | None = None, pores: PoreTone = "dark"
) -> float:
    """How much the phase grey levels still vary across the image, relative to the contrast.

    The valid pixels are split by a global Otsu threshold, the image is cut into 4 x 4
    tiles, and in each tile the mean grey of each phase is taken (tiles where the phase
    covers < 5 % are skipped). The result is the largest range (max - min over tiles) of
    either phase's mean, divided by the global difference of the phase means. A flat
    image gives about 0-0.1; a strong gradient that was not flattened gives >> 0.35.

    Examples
    --------
    >>> import numpy as np
    >>> stripes = np.tile(np.array([0.1, 0.8], np.float32), (16, 8))
    >>> ramp = np.linspace(0, 0.3, 16, dtype=np.float32)[:, None]    # 0.3 top to bottom
    >>> residual_nonuniformity(stripes), residual_nonuniformity(stripes + ramp)
    (0.0, 0.342857)
    """
    img = np.ascontiguousarray(image, dtype=np.float32)
    return _residual(img, valid, histogram(img, mask=valid), pores)


def _residual(
    img: np.ndarray, valid: np.ndarray | None, hist: Histogram | None, pores: str
) -> float:
    if hist is None or min(img.shape) < _TILES:
        return 0.0
    t = otsu_of_histogram(*hist)
    pore = pore_side(img, t, pores)  # type: ignore[arg-type]
    if valid is not None:
        pore &= valid
        solid = valid & ~pore
    else:
        solid = ~pore
    tile_area = _tile_sums(np.ones(img.shape, np.float32)) if valid is None else _tile_sums(
        valid.astype(np.float32)
    )
    ranges = []
    means = []
    for phase in (pore, solid):
        n = float(np.count_nonzero(phase))
        if n == 0:
            return 0.0
        masked = np.where(phase, img, np.float32(0))
        sums = _tile_sums(masked)
        counts = _tile_sums(phase.view(np.uint8))
        means.append(float(sums.sum() / n))
        ok = counts >= 0.05 * np.maximum(tile_area, 1)
        if ok.sum() >= 2:
            tile = sums[ok] / counts[ok]
            ranges.append(float(tile.max() - tile.min()))
    diff = abs(means[1] - means[0])
    if diff < 1e-6 or not ranges:
        return 0.0
    return round(max(ranges) / diff, 6)


def structure_scale_px(
    image: np.ndarray, *, valid: np.ndarray | None = None, pores: PoreTone = "dark"
) -> float:
    """The structure's period in px: mean pore chord + mean solid chord of a first-pass
    Otsu segmentation, along rows and columns (chords are runs of one phase; runs cut by
    the image or the excluded pixels count as they are). 0 when one phase is empty.

    Examples
    --------
    >>> import numpy as np
    >>> i, j = np.indices((32, 32))
    >>> img = np.where((i // 4 + j // 4) % 2 == 0, 0.1, 0.9).astype(np.float32)
    >>> structure_scale_px(img)          # 4 px squares: pore chord 4 + solid chord 4
    8.0
    """
    img = np.ascontiguousarray(image, dtype=np.float32)
    hist = histogram(img, mask=valid)
    if hist is None:
        return 0.0
    t = otsu_of_histogram(*hist)
    pore = pore_side(img, t, pores)
    inside = np.ones(img.shape, bool) if valid is None else np.asarray(valid, bool)
    lengths = []
    for phase in (pore & inside, ~pore & inside):
        n_px = 0.0
        n_runs = 0.0
        for arr in (phase, phase.T):
            a = arr.astype(np.int8)
            starts = np.count_nonzero(np.diff(a, axis=1) == 1) + np.count_nonzero(a[:, 0])
            n_px += float(np.count_nonzero(a))
            n_runs += float(starts)
        if n_runs == 0:
            return 0.0
        lengths.append(n_px / n_runs)
    return float(sum(lengths))


def section_matrix_edge(g: GroundPeak | None) -> float | None:
    """The grey level where a cross-section's matrix ends, or None when the rule is off.

    In the specimen of a cross-section (a dense matrix with a second phase through it, the
    vacuum or embedding already set aside) whose majority phase (>= 60 % of the pixels at
    Otsu's level) is a grey peak narrower than the other phase's spread (``ratio`` of
    :func:`ground_peak` >= 1), Otsu's level lies too deep in the broad phase: it balances
    the two classes' variances, and the broad one's is the larger. The matrix ends instead
    at its mode + 2 half-widths (its own noise); that level is returned when it lies
    between the mode and Otsu's level.
    """
    if g is None:
        return None
    if g.fraction < SECTION_MIN_FRACTION or g.ratio < SECTION_MIN_RATIO:
        return None
    mode, t, hw = g.mode, g.otsu, g.half_width
    edge = mode + SECTION_WIDTHS * hw if g.side == "low" else mode - SECTION_WIDTHS * hw
    return edge if min(mode, t) < edge < max(mode, t) else None


def choose_method(
    image: np.ndarray, *, valid: np.ndarray | None = None, pores: PoreTone = "dark"
) -> tuple[str, str]:
    """The automatic threshold choice (``method='auto'``), with its reason.

    The rule, in order (deterministic), calibrated on real micrographs with their authors'
    masks (``scripts/evaluate_real.py``; README "Segmentation"):

    1. Hysteresis, when one phase is a flat ground beside a broad phase
       (:func:`ground_peak`: ratio >= 4.5 and the ground holds >= 70 % of the pixels):
       sparse objects on a substrate, whose grey spreads from bright rims to dim
       interiors. The broad phase grows from Otsu's level down to the ground's mode + 4
       half-widths (:func:`hysteresis_pores`). On the 8 Zeiss TiO2 particle images the
       ratio is 6.0-16.8 with grounds of 78-97 %; the other real images read 0.6-4.0,
       but for a dealloyed section seen whole (5.1, its dark vacuum a 59 % ground).
    2. Sauvola, when :func:`residual_nonuniformity` of the preprocessed image exceeds
       0.35: the phases' grey levels still drift across the image, and no single
       threshold fits everywhere. Its window follows the structure: 4 periods of a first
       Otsu pass (:func:`structure_scale_px`) unless ``sauvola_window_um`` is given.
    3. Multi-Otsu, when the histogram (smoothed, 256 bins) has a clear third mode: each of
       the three multi-Otsu classes holds a histogram peak with a prominence of at least
       5 % of the highest peak, *and* the class on the solid side holds more pixels than
       the middle class. The middle mode is then taken as pore-back (dim walls seen through
       pores, a minority of pixels) and kept pore. A middle class larger than the solid
       side is more likely the solid itself with an edge-brightening tail, and then Otsu
       is used.
    4. Otherwise Otsu.

    In the specimen of a cross-section (``section=True`` of
    :func:`~semscan.segment.segment_micrograph`, the film frame's second segmentation), a
    rule 1b comes after rule 1: hysteresis down to the matrix's mode + 2 half-widths when
    :func:`section_matrix_edge` applies (a narrow majority matrix peak beside a broader
    phase; the dealloyed sections of ``gt/dealloyed_fe_ni``).

    (:func:`~semscan.segment.segment_micrograph` first takes an image with exactly two
    grey values as a mask, ``'two-level'``.)

    Returns
    -------
    method : str
        ``'hysteresis'``, ``'sauvola'``, ``'multiotsu'`` or ``'otsu'``.
    reason : str
        Why, with the measured numbers.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.tile(np.array([0.1, 0.8], np.float32), (16, 8))
    >>> choose_method(img)[0]
    'otsu'
    """
    _check_choice("pores", pores, PORE_TONES)
    img = np.ascontiguousarray(image, dtype=np.float32)
    return _choose_from_hist(img, valid, histogram(img, mask=valid), pores)


def find_peaks(x: np.ndarray, *, prominence: float) -> np.ndarray:
    """Indices of the peaks of a 1-D signal with at least ``prominence``: exactly what
    ``scipy.signal.find_peaks(x, prominence=prominence)[0]`` gives.

    A peak is a sample (the middle one, rounded down, of a flat top) higher than both
    neighbours; the first and last samples never are. Its prominence is its height above
    the higher of the lowest points between it and the nearest higher sample on either side
    (or the end). The same algorithm as scipy's, in plain Python for a histogram's few
    hundred bins, so that an analysis need not import scipy.signal (with scipy.stats,
    0.3-0.5 s).

    Examples
    --------
    >>> find_peaks(np.array([0, 2, 1, 1, 3, 3, 0, 1, 0.5]), prominence=0.6).tolist()
    [1, 4]
    """
    v = np.asarray(x, dtype=np.float64).tolist()
    n = len(v)
    peaks = []
    i = 1
    while i < n - 1:
        if v[i - 1] < v[i]:
            ahead = i + 1
            while ahead < n - 1 and v[ahead] == v[i]:
                ahead += 1
            if v[ahead] < v[i]:
                peaks.append((i + ahead - 1) // 2)
                i = ahead
        i += 1
    keep = []
    for p in peaks:
        top = v[p]
        left_min = right_min = top
        j = p
        while j >= 0 and v[j] <= top:
            left_min = min(left_min, v[j])
            j -= 1
        j = p
        while j < n and v[j] <= top:
            right_min = min(right_min, v[j])
            j += 1
        if top - max(left_min, right_min) >= prominence:
            keep.append(p)
    return np.asarray(keep, dtype=np.intp)


def _choose_from_hist(
    image: np.ndarray,
    valid: np.ndarray | None,
    hist: Histogram | None,
    pores: str,
    *,
    section: bool = False,
) -> tuple[str, str]:
    if hist is None:
        return "otsu", "a single grey level: nothing to choose, Otsu"
    g = ground_peak(hist, pores)  # type: ignore[arg-type]
    edge = section_matrix_edge(g) if section else None
    if edge is not None and g is not None and not g.flat:
        return "hysteresis", (
            f"a cross-section's specimen whose {g.ground} is a narrow matrix peak "
            f"(half-width {g.half_width:.3f}, {g.fraction:.0%} of the "
            f"pixels) beside a broader {g.broad} phase (SD {g.broad_sd:.3f}, ratio "
            f"{g.ratio:.1f} >= {SECTION_MIN_RATIO:g}): hysteresis, the {g.broad} grown "
            f"from Otsu's level {g.otsu:.3f} down to the matrix's edge {edge:.3f} "
            f"(mode + {SECTION_WIDTHS:g} half-widths)"
        )
    if g is not None and g.flat:
        lo, t, mode = g.low, g.otsu, g.mode
        if min(mode, t) < lo < max(mode, t):
            broad = g.broad
            return "hysteresis", (
                f"the {g.ground} is a flat ground (grey peak half-width "
                f"{g.half_width:.3f}, {g.fraction:.0%} of the pixels) "
                f"beside a broad {broad} phase (SD "
                f"{g.broad_sd:.3f}, ratio {g.ratio:.1f} >= {GROUND_RATIO:g}): "
                f"hysteresis, the {broad} grown from Otsu's level {t:.3f} down to the ground's "
                f"edge {lo:.3f} (mode + {GROUND_WIDTHS:g} half-widths)"
            )
    residual = _residual(image, valid, hist, pores)
    if residual > RESIDUAL_LIMIT:
        return "sauvola", (
            f"phase grey levels vary by {residual:.2f} of the pore-solid difference across "
            f"the image after flattening (> {RESIDUAL_LIMIT}): local Sauvola threshold"
        )
    ratio_note = "" if g is None else f", no flat ground (ratio {g.ratio:.1f})"
    counts, centers = hist
    if np.count_nonzero(counts) >= 3:
        from scipy.ndimage import gaussian_filter1d
        from skimage.filters import threshold_multiotsu

        smooth = gaussian_filter1d(counts, 1.5, mode="constant")
        peaks = find_peaks(np.pad(smooth, 1), prominence=0.05 * smooth.max())
        peaks = peaks - 1
        t1, t2 = threshold_multiotsu(hist=(counts, centers), classes=3)
        cls = np.digitize(centers[peaks], [t1, t2], right=True)
        sizes = [
            counts[centers <= t1].sum(),
            counts[(centers > t1) & (centers <= t2)].sum(),
            counts[centers > t2].sum(),
        ]
        solid_side = sizes[2] if pores == "dark" else sizes[0]
        if set(cls.tolist()) == {0, 1, 2} and solid_side > sizes[1]:
            return "multiotsu", (
                "three histogram modes with the middle one smaller than the solid "
                f"(middle {sizes[1] / sum(sizes):.0%} of pixels): multi-Otsu, the middle "
                "class (pore-back) counted as pore"
            )
        if set(cls.tolist()) == {0, 1, 2}:
            return "otsu", (
                "three histogram modes but the middle one is larger than the solid side "
                "(likely solid with bright edges): Otsu"
            )
    return "otsu", (
        f"no clear third histogram mode and phase levels uniform (residual {residual:.2f} "
        f"<= {RESIDUAL_LIMIT}){ratio_note}: Otsu"
    )
