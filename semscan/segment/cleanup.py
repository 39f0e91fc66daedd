"""Cleanup of binary masks: small features, and saturated or blank regions to exclude."""

from __future__ import annotations

import math

import cv2
import numpy as np

from semscan.calibration import UNCALIBRATED, Calibration
from semscan.segment.preprocess import PORE_TONES, PoreTone, _check_choice, _length_px

__all__ = ["min_feature_area_px", "remove_small_features", "saturated_regions"]

# Default smallest kept feature: equivalent diameter 2 px, i.e. area >= pi px^2 (so
# features of 1, 2 or 3 px are removed).
DEFAULT_MIN_FEATURE_PX = 2.0
# Saturated/blank regions: grey within this distance of 0 or 1 ...
SATURATION_TOLERANCE = 1.0 / 255.0
# ... connected regions covering at least this fraction of the image ...
SATURATION_MIN_FRACTION = 0.02
# ... and (on the pore side of the grey scale) at least this many times the median pore area.
SATURATION_PORE_FACTOR = 50.0


def min_feature_area_px(
    min_feature_um: float | None, *, calibration: Calibration = UNCALIBRATED
) -> float:
    """Smallest kept area in px² for an equivalent diameter in µm (None: 2 px).

    Examples
    --------
    >>> round(min_feature_area_px(None), 3)
    3.142
    >>> from semscan.calibration import Calibration
    >>> round(min_feature_area_px(0.1, calibration=Calibration(0.01, "user")), 1)
    78.5
    """
    if min_feature_um is None:
        d = DEFAULT_MIN_FEATURE_PX
    else:
        d = _length_px(min_feature_um, calibration, "min_feature_um")
    return math.pi / 4.0 * d * d


def _component_areas(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask.view(np.uint8), connectivity=8, ltype=cv2.CV_32S
    )
    return labels, stats[:, cv2.CC_STAT_AREA]


def _drop_small(mask: np.ndarray, min_area: float) -> np.ndarray:
    if not mask.any():
        return mask
    labels, areas = _component_areas(mask)
    small = areas < min_area
    small[0] = False  # background label
    if not small.any():
        return mask
    return mask & ~small[labels]


def remove_small_features(
    pore: np.ndarray,
    *,
    calibration: Calibration = UNCALIBRATED,
    min_feature_um: float | None = None,
    valid: np.ndarray | None = None,
) -> np.ndarray:
    """Remove pores and solid islands smaller than an equivalent diameter.

    First pores with an area below ``pi/4 * d**2`` become solid, then solid islands below
    the same area become pore (both 8-connected, within the valid pixels). A phase is
    never removed entirely: when the valid pixels hold only one phase, nothing changes.

    Parameters
    ----------
    pore : ndarray of bool, shape (rows, columns)
        Pore mask.
    calibration : Calibration
        Converts ``min_feature_um``; when uncalibrated it is read as px.
    min_feature_um : float, optional
        Equivalent diameter in µm of the smallest kept feature. None: 2 px (features of
        1-3 px are noise at any magnification); 0 keeps everything.
    valid : ndarray of bool, optional
        Specimen pixels; the returned mask is False outside them.

    Returns
    -------
    ndarray of bool
        The cleaned pore mask.

    Examples
    --------
    >>> import numpy as np
    >>> pore = np.zeros((10, 10), bool); pore[2, 2] = True; pore[5:9, 5:9] = True
    >>> int(remove_small_features(pore).sum())
    16
    """
    pore = np.asarray(pore, bool)
    valid_ = np.ones(pore.shape, bool) if valid is None else np.asarray(valid, bool)
    pore = pore & valid_
    min_area = min_feature_area_px(min_feature_um, calibration=calibration)
    if min_area <= 1.0:
        return pore
    solid = valid_ & ~pore
    if not solid.any() or not pore.any():  # one phase only: nothing to flip it into
        return pore
    pore = _drop_small(np.ascontiguousarray(pore), min_area)
    solid = np.ascontiguousarray(valid_ & ~pore)
    if not pore.any():
        return pore
    kept_solid = _drop_small(solid, min_area)
    return pore | (solid & ~kept_solid)


def saturated_regions(
    image: np.ndarray,
    *,
    pore: np.ndarray | None = None,
    pores: PoreTone = "dark",
    valid: np.ndarray | None = None,
) -> np.ndarray:
    """Large connected regions at (nearly) 0 or 1 grey that are not plausible specimen.

    A region is excluded when it is a connected area of pixels within 1/255 of 0 or of 1,
    covering at least 2 % of the image. A region on the *pore* side of the grey scale
    (0 with dark pores) must in addition be at least 50 times the median area of the pores
    in ``pore`` (when given), so that genuinely dark pores clipped at 0 are never
    excluded. This is deliberately conservative: blank borders, a black data bar kept in
    the image, charging areas burnt out to white.

    Parameters
    ----------
    image : ndarray of float, shape (rows, columns)
        The raw grey image in [0, 1] (not preprocessed).
    pore : ndarray of bool, optional
        A preliminary pore mask, to measure the typical pore area.
    pores : {'dark', 'bright'}
        Grey level of the pores.
    valid : ndarray of bool, optional
        Only these pixels are considered.

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> import numpy as np
    >>> img = np.full((50, 50), 0.5, np.float32); img[:10] = 1.0
    >>> int(saturated_regions(img).sum())
    500
    """
    _check_choice("pores", pores, PORE_TONES)
    img = np.asarray(image, dtype=np.float32)
    out = np.zeros(img.shape, bool)
    min_area = SATURATION_MIN_FRACTION * img.size
    pore_end_low = pores == "dark"
    typical = None
    for low in (True, False):
        cand = img <= SATURATION_TOLERANCE if low else img >= 1.0 - SATURATION_TOLERANCE
        if valid is not None:
            cand &= valid
        if np.count_nonzero(cand) < min_area:
            continue
        labels, areas = _component_areas(np.ascontiguousarray(cand))
        big = areas >= min_area
        big[0] = False
        if low == pore_end_low and pore is not None and big.any():
            if typical is None:
                pmask = np.ascontiguousarray(np.asarray(pore, bool))
                _, pareas = _component_areas(pmask)
                typical = float(np.median(pareas[1:])) if pareas.size > 1 else 0.0
            big &= areas >= SATURATION_PORE_FACTOR * typical
        if big.any():
            out |= big[labels]
    return out
