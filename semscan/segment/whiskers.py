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

from semscan._morphology import component_areas, open_disc
from semscan._ndimage import blur, masked_blur
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

    All three are relative to the local solid level (0 = the local mean of the solid).
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
    pore: np.ndarray | None = None,
    min_width_px: float = 3.0,
    blur_px: float = 1.0,
    background_px: float | None = None,
) -> WhiskerCandidates:
    """The pixels brighter than the polymer in objects at least ``min_width_px`` wide.

    Method (semscan's; the source documents give none): the grey image is blurred
    (Gaussian, ``blur_px``) and the local grey of the solid subtracted (its normalised
    Gaussian mean over the solid pixels, sigma ``background_px``: a slow brightness
    gradient would otherwise make one side's polymer as bright as the other side's
    whiskers). The polymer is the bulk of the solid pixels: with m their median and s
    their robust SD (1.4826 MAD), the seed threshold is ``max(m + 3 s, (m + b) / 2)``,
    ``b`` the median of the pixels above ``m + 3 s`` (a global Otsu threshold would split
    the polymer itself, the whiskers being a few per cent of the pixels). When ``pore``
    is given, ``m + (m - p) / 4`` (p the pores' median grey) replaces ``m + 3 s``: in a
    very porous film most polymer is bright pore rim, and its spread says little. Seeds are
    opened with a disc of radius ``(min_width_px - 1) / 2``: the thin bright rims of the
    secondary-electron edge effect at every pore wall do not hold such a disc, whiskers
    do. The candidates are then the opened objects brighter than halfway between m and
    the seeds' median grey that hold a seed (hysteresis: the blurred edges of a whisker
    are its own). Only solid pixels are candidates (bright sub-surface walls seen through
    a pore are not whiskers; a whisker's blurred edge that the segmentation called pore
    is given back by :func:`semscan.measure.whiskers.refine_whiskers`).

    Parameters
    ----------
    grey : ndarray of float, shape (rows, columns)
        The micrograph's grey image (bright whiskers).
    solid : ndarray of bool
        Solid pixels of the pore / solid segmentation.
    excluded : ndarray of bool, optional
        Pixels not analysed (never candidates).
    pore : ndarray of bool, optional
        Pore pixels: when given, a seed must also be brighter than the polymer by a
        quarter of the polymer-pore contrast (noise and shading never are).
    min_width_px : float
        Least whisker width D in px.
    blur_px : float
        Sigma of the Gaussian blur, px.
    background_px : float or None
        Sigma of the local solid level, px; None: ``max(16, 8 * min_width_px)``; 0: none.

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
    if solid.shape != g.shape or any(m is not None and np.shape(m) != g.shape
                                     for m in (excluded, pore)):
        raise MeasurementError(
            f"the masks must have the image's shape {g.shape}; got solid {solid.shape}"
        )
    valid = solid if excluded is None else solid & ~np.asarray(excluded, bool)
    empty = np.zeros(g.shape, bool)
    if valid.sum() < 2:
        return WhiskerCandidates(empty, math.nan, math.nan, math.nan)
    smooth = blur(g, blur_px) if blur_px > 0 else g
    sigma = max(16.0, 8.0 * float(min_width_px)) if background_px is None else background_px
    if sigma > 0:
        smooth = smooth - masked_blur(smooth, valid, sigma)
    values = smooth[valid]
    if float(values.max() - values.min()) <= 1e-6:
        return WhiskerCandidates(empty, math.nan, float(values[0]), math.nan)
    med = float(np.median(values))
    spread = 1.4826 * float(np.median(np.abs(values - med)))
    floor = med + 3.0 * spread
    if pore is not None:
        pv = np.asarray(pore, bool) if excluded is None else pore & ~np.asarray(excluded, bool)
        if pv.any():  # the polymer-pore contrast is the scale (rims widen the spread)
            floor = med + 0.25 * (med - float(np.median(smooth[pv])))
    upper = values[values > floor]
    t = floor
    if upper.size:
        t = max(floor, 0.5 * (med + float(np.median(upper))))
    lo, hi = values[values <= t], values[values > t]
    allowed = valid  # a whisker is bright: the pore / solid segmentation made it solid
    radius = max(0.5, (float(min_width_px) - 1.0) / 2.0)
    seeds = open_disc((smooth > t) & allowed, radius)
    # hysteresis: grow the seeds into what is brighter than halfway to the whiskers' grey
    t_low = 0.5 * (med + float(np.median(hi))) if hi.size else t
    low = open_disc((smooth > min(t, t_low)) & allowed, radius)
    labels, _ = component_areas(low)
    keep = np.zeros(int(labels.max()) + 1, bool)
    keep[np.unique(labels[seeds & low])] = True
    keep[0] = False
    mask = keep[labels] & allowed
    return WhiskerCandidates(
        mask=mask,
        threshold=t,
        polymer_level=float(np.median(lo)) if lo.size else math.nan,
        bright_level=float(np.median(hi)) if hi.size else math.nan,
    )
