"""Whisker candidates: the pixels brighter than the polymer, in objects wide enough.

Inorganic whiskers (potassium titanate, aluminium borate, ...) in a polymer film send out
more secondary and backscattered electrons than the polymer: in a micrograph they are the
brightest phase, and they are wide straight rods. :func:`whisker_candidates` finds the
bright pixels; whether an object is a straight rod is decided, and crossing rods are told
apart, by :func:`semscan.measure.whiskers.separate_whiskers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from semscan._ndimage import blur, open_disc, otsu
from semscan.errors import MeasurementError

__all__ = ["WhiskerCandidates", "whisker_candidates"]


@dataclass(frozen=True, eq=False)
class WhiskerCandidates:
    """Bright pixels that may be whiskers.

    Attributes
    ----------
    mask : ndarray of bool
        Candidate pixels (opened: objects a disc of half the least width fits in).
    threshold : float
        Grey level (of the blurred image) above which a solid pixel is bright.
    polymer_level, bright_level : float
        Median grey of the solid pixels below and above the threshold.
    """

    mask: np.ndarray
    threshold: float
    polymer_level: float
    bright_level: float


def whisker_candidates(
    grey: np.ndarray,
    *,
    solid: np.ndarray,
    excluded: np.ndarray | None = None,
    min_width_px: float = 3.0,
    blur_px: float = 1.0,
) -> WhiskerCandidates:
    """The pixels brighter than the polymer in objects at least ``min_width_px`` wide.

    Method (semscan's; the source documents give none): the grey image is blurred
    (Gaussian, ``blur_px``); Otsu's threshold of the solid pixels' grey splits them into
    polymer and bright, and it is then refined once to the midpoint between the two
    classes' medians (Otsu alone is pulled towards the polymer when the bright class is a
    few per cent of the pixels). Bright pixels are opened with a disc of radius
    ``(min_width_px - 1) / 2``: the thin bright rims of the secondary-electron edge
    effect at every pore wall do not hold such a disc, whiskers do. A pixel the
    segmentation called pore but that is bright is a candidate too (a whisker over a
    pore).

    Parameters
    ----------
    grey : ndarray of float, shape (rows, columns)
        The micrograph's grey image (bright whiskers).
    solid : ndarray of bool
        Solid pixels of the pore / solid segmentation.
    excluded : ndarray of bool, optional
        Pixels not analysed (never candidates).
    min_width_px : float
        Least whisker width D in px.
    blur_px : float
        Sigma of the Gaussian blur, px.

    Returns
    -------
    WhiskerCandidates

    Raises
    ------
    MeasurementError
        If the masks' shape is not the image's.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.full((40, 60), 0.5, np.float32); g[::7, :] = 0.1   # polymer, dark pores
    >>> g[18:24, 5:55] = 0.9                                        # a whisker
    >>> c = whisker_candidates(g, solid=g > 0.3)
    >>> int(c.mask.sum()), int(c.mask[18:24, 5:55].sum())
    (296, 296)
    """
    g = np.asarray(grey, np.float32)
    solid = np.asarray(solid, bool)
    if solid.shape != g.shape or (excluded is not None and np.shape(excluded) != g.shape):
        raise MeasurementError(
            f"the masks must have the image's shape {g.shape}; got solid {solid.shape}"
        )
    valid = solid if excluded is None else solid & ~np.asarray(excluded, bool)
    empty = np.zeros(g.shape, bool)
    if valid.sum() < 2:
        return WhiskerCandidates(empty, math.nan, math.nan, math.nan)
    smooth = blur(g, blur_px) if blur_px > 0 else g
    values = smooth[valid]
    if float(values.max() - values.min()) <= 1e-6:
        return WhiskerCandidates(empty, math.nan, float(values[0]), math.nan)
    t = float(otsu(values))
    lo, hi = values[values <= t], values[values > t]
    if hi.size and lo.size:
        t = 0.5 * (float(np.median(lo)) + float(np.median(hi)))
        lo, hi = values[values <= t], values[values > t]
    allowed = ~np.asarray(excluded, bool) if excluded is not None else np.ones(g.shape, bool)
    bright = (smooth > t) & allowed
    radius = max(0.5, (float(min_width_px) - 1.0) / 2.0)
    mask = open_disc(bright, radius) & allowed
    return WhiskerCandidates(
        mask=mask,
        threshold=t,
        polymer_level=float(np.median(lo)) if lo.size else math.nan,
        bright_level=float(np.median(hi)) if hi.size else math.nan,
    )
