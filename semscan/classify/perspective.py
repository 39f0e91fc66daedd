"""A steady change of scale over the field (perspective), found and undone for the classifier.

An oblique view of a film (a tilted cross-section, a fracture seen at a grazing angle)
images the same structure at a magnification that falls steadily towards the far side of
the field: the fitted pore size of ``membrane_cells_hitachi.bmp`` falls about fivefold
(ratio 5.1) from the bottom of its section to the horizon. Scale-free features that
compare sizes across the field (pore-size spread, two-point correlation at a fraction of
the *mean* period, openings with discs of the *mean* intercept) then read the perspective
as a wide spread of pore sizes, and the classifier calls a uniform foam "coarse".

This module measures that trend and, when it is large, resamples the masks so that the
structure has one scale everywhere, before the features are computed
(:func:`~semscan.classify.features.structure_features` does it by default, for the
training renders and for real images alike):

- :func:`scale_trend` fits ``ln d = a + g . (y, x)`` to the pore phase's medial-axis
  diameters ``d`` pooled in tiles, which gives the direction of the change, the ratio of
  the largest to the smallest local size over the region, and how steady the change is
  (R² over the tiles); the features rectify when the ratio is at least 4 and R² at least
  0.7 (:attr:`ScaleTrend.is_steady`);
- :func:`rectify_scale` magnifies each strip across that direction by ``exp(-g . p)``
  relative to the largest scale (the smallest features are enlarged; nothing is shrunk,
  so no detail is lost), and leaves out the far side where the magnification would
  exceed ``max_magnification``: there the structure is too small to be resolved, and
  enlarging it only enlarges blur.

The exponential model is semscan's choice (METHODS.md 8 is silent on oblique views): it is
the simplest smooth model that a log-linear fit gives. Under central projection a tilted
plane's scale falls linearly towards the horizon, which the exponential only approximates;
the part of the field where it fits worst, next to the horizon, is the part cut by
``max_magnification``. A structure whose pore
size is graded through a film (an asymmetric membrane) has such a trend too; for the
*class* the local morphology is what matters, and the grading is reported by the ratio.

Examples
--------
>>> import numpy as np
>>> yy, xx = np.mgrid[0:256, 0:256]
>>> pore = ((yy % 32) - 16) ** 2 + ((xx % 32) - 16) ** 2 < 49   # holes of one size
>>> t = scale_trend(pore)
>>> t.ratio < 1.1
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from semscan._morphology import distance_transform, skeletonize, within
from semscan.classify._mask_stats import block_mean_masks, mean_distance

__all__ = ["RECTIFY_MIN_R2", "RECTIFY_MIN_RATIO", "ScaleTrend", "rectify_if_steady",
           "rectify_scale", "scale_trend"]

RECTIFY_MIN_RATIO = 4.0
"""Rectify when the fitted pore size changes by this factor or more across the region...

The training renders include perspective views up to 4x (cellular and
spherical-particle), which the model learns as they are; rectification brings stronger
perspectives, which no render covers, back into that range. (Rectifying from 2x, tried
and measured in ``models/README.md``, gave a model no better on held-out renders.)"""

RECTIFY_MIN_R2 = 0.7
"""...and the plane explains at least this fraction of the tile-to-tile size variance.

Measured on the 2000 synthetic training and held-out renders (seeds 0 and 1): a ratio of
2 or more is fitted to 22 % of the coarse renders, whose large pores gather in patches,
but with tile R² below 0.7 in every one of them, while 28 of the 37 cellular perspective
renders that reach 2 have R² >= 0.7. At ratio >= 4 and R² >= 0.7: one spherical-particle
training render and one percolation held-out render. The tilted real membrane: ratio 5.1,
R² 0.90."""

_MIN_DIAMETERS = 40.0  # skeleton length in mean diameters needed for a trend fit
_MIN_COVERAGE = 0.75  # fraction of the region's tiles that must hold pore sizes
_TILES = 6
_TARGET_PX = 6.0  # mean pore width after block averaging, for a fast skeleton
_MAX_OUTPUT_FACTOR = 4.0  # output area at most this many times the region's


@dataclass(frozen=True)
class ScaleTrend:
    """The fitted change of the pore size over a region.

    Attributes
    ----------
    gradient : tuple of float
        ``(d ln d / dy, d ln d / dx)``, in 1/px of the input (rows, columns).
    ratio : float
        Largest / smallest fitted local pore size over the region (1 when there is no
        trend or too few pores to fit one).
    n_diameters : float
        Length of the pore skeleton in mean diameters: roughly how many pore widths the fit
        rests on.
    coverage : float
        Fraction of the region's 6x6 tiles that hold pores (sizes measured there).
    r2 : float
        Fraction of the tile-to-tile variance of the mean ``ln d`` that the plane explains.
    """

    gradient: tuple[float, float] = (0.0, 0.0)
    ratio: float = 1.0
    n_diameters: float = 0.0
    coverage: float = 0.0
    r2: float = 0.0

    @property
    def magnitude(self) -> float:
        """``|gradient|``, in ln(size) per px."""
        return math.hypot(*self.gradient)

    @property
    def is_steady(self) -> bool:
        """True when the trend is large and steady enough to rectify.

        ``ratio >= RECTIFY_MIN_RATIO`` and ``r2 >= RECTIFY_MIN_R2``.
        """
        return self.ratio >= RECTIFY_MIN_RATIO and self.r2 >= RECTIFY_MIN_R2


def scale_trend(pore: np.ndarray, region: np.ndarray | None = None) -> ScaleTrend:
    """Fit a log-linear trend of the pore size over the region.

    Parameters
    ----------
    pore : ndarray of bool, shape (rows, columns)
        Pore mask.
    region : ndarray of bool, optional
        Pixels that belong to the specimen (default: all).

    Returns
    -------
    ScaleTrend
        With ``ratio = 1`` (no trend) when the skeleton covers fewer than 40 mean
        diameters, or when fewer than 3/4 of the region's 6x6 tiles hold pores: a trend
        extrapolated from pores in part of the field (a crack in a dense film) says
        nothing about the scale elsewhere.

    Notes
    -----
    The sizes are the medial-axis diameters ``d = 2 * distance`` on the skeleton of the
    pore phase (taken on a copy block-averaged to about 6 px per mean pore width, which
    bounds the cost). They are pooled in 6x6 tiles of the field: each tile's mean of
    ``ln d`` weighted by ``d`` (a wide cell counts more than a thin throat), and a plane is
    fitted to the tile means by least squares weighted by each tile's total ``d``. Its
    R² says whether the size changes *steadily* (a perspective: R² near 1) or in patches
    (a coarse structure whose large pores happen to gather on one side: R² low).

    Examples
    --------
    >>> import numpy as np
    >>> pore = np.zeros((300, 300), bool)
    >>> for y in range(10, 300, 40):                  # stripes whose width grows with y
    ...     pore[y:y + 2 + y // 20, :] = True
    >>> t = scale_trend(pore)
    >>> t.gradient[0] > 0 and abs(t.gradient[1]) < 1e-3 and t.r2 > 0.9
    True
    """
    pore = np.asarray(pore, bool)
    region = np.ones_like(pore) if region is None else np.asarray(region, bool)
    pore = within(pore, region)
    if np.count_nonzero(pore) < 16 or pore.all():
        return ScaleTrend()
    dist = distance_transform(pore, metric="euclidean_5x5")
    width = 4.0 * mean_distance(dist, pore)
    q = max(1, min(int(width / _TARGET_PX), min(pore.shape) // 64))
    if q > 1:
        del dist  # the full-size distances are not needed on the block-averaged copy
        small, _, _ = block_mean_masks(pore, None if region.all() else region, q)
        dist = distance_transform(small, metric="euclidean_5x5")
    else:
        small = pore
    ys, xs = np.nonzero(skeletonize(small))
    d = 2.0 * dist[ys, xs].astype(np.float64)
    keep = d >= 2.0  # one-pixel spurs of speckle carry no size
    ys, xs, d = ys[keep], xs[keep], d[keep]
    if d.size < 8:
        return ScaleTrend()
    n_diam = float(d.size / np.average(d, weights=d))
    if n_diam < _MIN_DIAMETERS:
        return ScaleTrend(n_diameters=n_diam)
    yc = (ys + 0.5) * q
    xc = (xs + 0.5) * q
    rows, cols = pore.shape
    tile = (np.minimum((yc * _TILES / rows).astype(int), _TILES - 1) * _TILES
            + np.minimum((xc * _TILES / cols).astype(int), _TILES - 1))
    n_tiles = _TILES * _TILES
    w = np.bincount(tile, weights=d, minlength=n_tiles)
    coverage = _coverage(region, w > 0)
    if coverage < _MIN_COVERAGE:
        return ScaleTrend(n_diameters=n_diam, coverage=coverage)
    held = np.flatnonzero(w > 0)
    mean_ln = np.bincount(tile, weights=d * np.log(d), minlength=n_tiles)[held] / w[held]
    ty = (held // _TILES + 0.5) * rows / _TILES
    tx = (held % _TILES + 0.5) * cols / _TILES
    wt = w[held]
    sw = np.sqrt(wt)
    a = np.column_stack([np.ones_like(ty), ty - rows / 2, tx - cols / 2])
    coef, *_ = np.linalg.lstsq(a * sw[:, None], mean_ln * sw, rcond=None)
    resid = mean_ln - a @ coef
    spread = float(np.average((mean_ln - np.average(mean_ln, weights=wt)) ** 2, weights=wt))
    r2 = 1.0 - float(np.average(resid**2, weights=wt)) / spread if spread > 0 else 0.0
    gy, gx = float(coef[1]), float(coef[2])
    g = math.hypot(gy, gx)
    if g == 0.0:
        return ScaleTrend(n_diameters=n_diam, coverage=coverage)
    ry, rx = _row_ends(region)
    along = (ry * gy + rx * gx) / g
    ratio = math.exp(g * float(along.max() - along.min()))
    return ScaleTrend((gy, gx), ratio, n_diam, coverage, max(r2, 0.0))


def _row_ends(region: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the first and last region pixel of each row that has one.

    A linear function of (row, column) evaluated in floating point is monotone along a
    row, so its extremes over the region are among these pixels, with the same values
    as over every pixel of the region."""
    rows = np.flatnonzero(region.any(axis=1))
    first = region[rows].argmax(axis=1)
    last = region.shape[1] - 1 - region[rows, ::-1].argmax(axis=1)
    return np.concatenate([rows, rows]), np.concatenate([first, last])


def _coverage(region: np.ndarray, held: np.ndarray) -> float:
    """Fraction of the tiles at least half in the region that hold a size sample."""
    rows, cols = region.shape
    ye = np.linspace(0, rows, _TILES + 1).astype(int)
    xe = np.linspace(0, cols, _TILES + 1).astype(int)
    # region pixels per tile, counted (the exact sums a float64 copy of the mask gave)
    inside = np.array([[np.count_nonzero(region[ye[i]:ye[i + 1], xe[j]:xe[j + 1]])
                        for j in range(_TILES)] for i in range(_TILES)], np.float64)
    used = (inside >= 0.5 * np.outer(np.diff(ye), np.diff(xe))).ravel()
    return float(held[used].mean()) if used.any() else 0.0


def rectify_scale(
    pore: np.ndarray,
    solid: np.ndarray,
    region: np.ndarray,
    grey: np.ndarray,
    *,
    trend: ScaleTrend,
    max_magnification: float = 4.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Resample masks and grey image so that the fitted trend is flat.

    Parameters
    ----------
    pore, solid, region : ndarray of bool, shape (rows, columns)
        The segmentation and the specimen region.
    grey : ndarray of float32, shape (rows, columns)
        The grey image the masks came from (resampled bilinearly).
    trend : ScaleTrend
        From :func:`scale_trend` on the same masks.
    max_magnification : float, keyword-only
        Parts of the region that would be enlarged more than this (their structure is
        smaller than 1 / ``max_magnification`` of the largest) are left out.

    Returns
    -------
    pore, solid, region, grey : ndarrays
        On a new grid whose rows run along the trend (far side first). Pixels outside the
        source or the region are in neither mask.

    Notes
    -----
    With ``t`` the coordinate along the trend direction ``e = g / |g|`` and ``n`` across
    it (both centred on the region's middle), the local scale is ``s(t) = exp(|g| t)``.
    Relative to the largest scale ``s_max``, a point is magnified by
    ``m(t) = s_max / s(t)``: the output row is ``T = integral of m dt`` and the output
    column ``N = n m(t)``. The inverse is closed-form, so one :func:`cv2.remap` does it.
    When the output would exceed 4x the region's area it is made uniformly smaller
    (the features are scale-free).

    Examples
    --------
    >>> import numpy as np
    >>> pore = np.zeros((300, 300), bool)
    >>> for y in range(10, 300, 40):
    ...     pore[y:y + 2 + y // 20, :] = True
    >>> t = scale_trend(pore)
    >>> p, s, r, g = rectify_scale(pore, ~pore, np.ones_like(pore), pore.astype("f4"),
    ...                            trend=t)
    >>> p.shape[0] > 300
    True
    """
    g = trend.magnitude
    if g == 0.0:
        return pore, solid, region, grey
    ey, ex = trend.gradient[0] / g, trend.gradient[1] / g  # towards larger pores
    ny, nx = -ex, ey
    n_region, cy, cx = _centroid(region)
    # t and n are linear in (row, column), so their extremes are at row ends (_row_ends)
    ry, rx = _row_ends(region)
    t_all = (ry - cy) * ey + (rx - cx) * ex
    n_all = (ry - cy) * ny + (rx - cx) * nx
    t_hi = float(t_all.max()) + 0.5
    t_lo = max(float(t_all.min()) - 0.5, t_hi - math.log(max_magnification) / g)
    n_lo, n_hi = float(n_all.min()) - 0.5, float(n_all.max()) + 0.5
    # T(t) = (exp(-g t_lo) - exp(-g t)) * exp(g t_hi) / g  (magnification 1 at t_hi)
    big = math.exp(g * (t_hi - t_lo))
    t_total = (big - 1.0) / g
    area = t_total * (n_hi - n_lo)
    shrink = max(1.0, math.sqrt(area / (_MAX_OUTPUT_FACTOR * max(n_region, 1))))
    rows = max(1, math.ceil(t_total / shrink))
    cols = max(1, math.ceil((n_hi - n_lo) / shrink))
    big_t = (np.arange(rows, dtype=np.float64) + 0.5) * shrink  # output row -> T
    # invert T: exp(-g t) = exp(-g t_lo) - g T exp(-g t_hi)
    inner = np.maximum(math.exp(-g * (t_lo - t_hi)) - g * big_t, 1e-12)
    t = t_hi - np.log(inner) / g
    mag = np.exp(g * (t_hi - t))
    n_out = n_lo + (np.arange(cols, dtype=np.float64) + 0.5) * shrink
    src_region = region.astype(np.float32)
    src_pore = (pore & region).astype(np.float32)
    src_grey = grey.astype(np.float32)
    out_pore = np.empty((rows, cols), bool)
    out_region = np.empty((rows, cols), bool)
    out_grey = np.empty((rows, cols), np.float32)
    # the maps and the remap are per output pixel: made in bands of output rows
    step = max(1, (1 << 18) // cols)
    for o0 in range(0, rows, step):
        o1 = min(rows, o0 + step)
        n_src = n_out[None, :] / mag[o0:o1, None]
        map_y = (cy + t[o0:o1, None] * ey + n_src * ny).astype(np.float32)
        map_x = (cx + t[o0:o1, None] * ex + n_src * nx).astype(np.float32)
        del n_src

        def warp(a: np.ndarray, mx: np.ndarray = map_x, my: np.ndarray = map_y) -> np.ndarray:
            return cv2.remap(a, mx, my, cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)

        inside = ((map_x >= 0) & (map_x <= pore.shape[1] - 1)
                  & (map_y >= 0) & (map_y <= pore.shape[0] - 1))
        reg = (warp(src_region) >= 0.5) & inside
        out_region[o0:o1] = reg
        out_pore[o0:o1] = (warp(src_pore) >= 0.5) & reg
        out_grey[o0:o1] = warp(src_grey)
    return out_pore, out_region & ~out_pore, out_region, out_grey


def _centroid(region: np.ndarray) -> tuple[int, float, float]:
    """Pixel count and mean row and column of ``region``.

    ``np.nonzero(region)[k].mean()`` without the index arrays: the sums of pixel indices
    are integers below 2**53, which float64 holds exactly in any order of summation, so
    the exact integer sums divided once by the count are the same numbers."""
    per_row = np.count_nonzero(region, axis=1)
    per_col = np.count_nonzero(region, axis=0)
    n = int(per_row.sum())
    if n == 0:
        return 0, math.nan, math.nan
    sy = int(np.dot(np.arange(region.shape[0], dtype=np.int64), per_row.astype(np.int64)))
    sx = int(np.dot(np.arange(region.shape[1], dtype=np.int64), per_col.astype(np.int64)))
    return n, float(np.float64(sy) / np.intp(n)), float(np.float64(sx) / np.intp(n))


def rectify_if_steady(
    pore: np.ndarray, solid: np.ndarray, region: np.ndarray, grey: np.ndarray
) -> tuple[ScaleTrend, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Fit the trend and rectify when it is steady (:attr:`ScaleTrend.is_steady`).

    The one place the features and the field classification decide on rectification.

    Returns
    -------
    trend : ScaleTrend
        ``trend.is_steady`` says whether the arrays were resampled.
    (pore, solid, region, grey) : tuple of ndarrays
        From :func:`rectify_scale`, or the inputs unchanged.
    """
    trend = scale_trend(pore, region)
    if trend.is_steady:
        return trend, rectify_scale(pore, solid, region, grey, trend=trend)
    return trend, (pore, solid, region, grey)
