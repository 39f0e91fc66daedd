"""Cleanup of binary masks: small features, and saturated or blank regions to exclude."""

from __future__ import annotations

import math

import cv2
import numpy as np

from semscan._morphology import component_areas, remove_small
from semscan.calibration import UNCALIBRATED, Calibration
from semscan.segment.preprocess import (
    PORE_TONES,
    PoreTone,
    _check_choice,
    _length_px,
    noise_to_contrast,
)

__all__ = [
    "SECTION_SPECKLE_NOISE",
    "SECTION_SPECK_PX",
    "clean_section_mask",
    "clean_speckled_section",
    "min_feature_area_px",
    "remove_small_features",
    "saturated_regions",
]

# Default smallest kept feature: equivalent diameter 2 px, i.e. area >= pi px^2 (so
# features of 1, 2 or 3 px are removed).
DEFAULT_MIN_FEATURE_PX = 2.0
# A cross-section's specimen mask: after a 3 x 3 closing of the pore phase, pores and solid
# islands of at most this many px are removed (chosen leave-one-out over the four dealloyed
# sections of ../shared/data/real/gt from 3, 10, 20, 40, 80 px: 20 for every fold).
SECTION_SPECK_PX = 20
# ... and that cleanup runs only when the pixel noise SD on the specimen exceeds this
# fraction of the phase difference: below it each phase's mean grey lies at least 5 noise
# SDs from the midway threshold (Rose's criterion; a pixel crosses it with probability
# < 3e-7, under one pixel in 3 Mpx), so the mask's one-pixel gaps and specks are structure,
# not noise (see clean_speckled_section).
SECTION_SPECKLE_NOISE = 0.10
# Saturated/blank regions: grey within this distance of 0 or 1 ...
SATURATION_TOLERANCE = 1.0 / 255.0
# ... connected regions covering at least this fraction of the image ...
SATURATION_MIN_FRACTION = 0.02
# ... and (on the pore side of the grey scale) at least this many times the median pore area.
SATURATION_PORE_FACTOR = 50.0
# ... and only compact, featureless regions: solidity (holes filled) at least this ...
SATURATION_MIN_SOLIDITY = 0.85
# ... holes (a bar's text) at most this fraction of the filled region ...
SATURATION_MAX_CONTENT = 0.20
# ... and on the pore end of the grey scale, a bar or border along this much of a side.
SATURATION_EDGE_FRACTION = 0.90


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
    pore = remove_small(np.ascontiguousarray(pore), min_area)
    solid = np.ascontiguousarray(valid_ & ~pore)
    if not pore.any():
        return pore
    kept_solid = remove_small(solid, min_area)
    return pore | (solid & ~kept_solid)


def clean_section_mask(
    pore: np.ndarray, *, valid: np.ndarray, speck_px: int = SECTION_SPECK_PX
) -> np.ndarray:
    """Pixel-scale cleanup of a cross-section specimen's pore mask.

    The pore phase is closed with a 3 x 3 square (gaps of one pixel, the scale of the
    pixel noise, which breaks ligaments only a few px wide), then pores and solid islands of
    at most ``speck_px`` px (8-connected) are removed. This is the cleanup of the dealloyed
    sections' authors (ImageJ despeckle, close, particles <= 20 px both ways): on the four
    sections of ``gt/dealloyed_fe_ni`` it raises the pore-vs-mask IoU of CO_00 (pores 2-4
    px across) from 0.762 to 0.939 and changes the others by < 0.01. Applied only to
    speckled masks (:func:`clean_speckled_section`): on the low-noise synthetic films of
    ``tests/pipeline/test_section.py`` (pores 12 px through) the closing joins thin pores
    and kappa reads 13 % low (4.34 for 5).

    Parameters
    ----------
    pore : ndarray of bool
        Pore mask.
    valid : ndarray of bool
        Specimen pixels; the result is False outside them.
    speck_px : int
        Largest removed area in px.

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> import numpy as np
    >>> pore = np.zeros((12, 12), bool); pore[2:10, 2:5] = True; pore[2:10, 6:10] = True
    >>> pore[0, 11] = True                                       # a speck
    >>> out = clean_section_mask(pore, valid=np.ones((12, 12), bool))
    >>> bool(out[5, 5]), bool(out[0, 11])                        # gap closed, speck gone
    (True, False)
    """
    valid = np.asarray(valid, bool)
    pore = np.asarray(pore, bool) & valid
    if not pore.any() or not (valid & ~pore).any():
        return pore
    kernel = np.ones((3, 3), np.uint8)
    closed = cv2.morphologyEx(pore.view(np.uint8), cv2.MORPH_CLOSE, kernel,
                              borderType=cv2.BORDER_REPLICATE).astype(bool) & valid
    kept = remove_small(np.ascontiguousarray(closed), speck_px + 1)
    solid = np.ascontiguousarray(valid & ~kept)
    return kept | (solid & ~remove_small(solid, speck_px + 1))


def clean_speckled_section(
    image: np.ndarray, pore: np.ndarray, *, valid: np.ndarray
) -> tuple[np.ndarray, str | None]:
    """:func:`clean_section_mask` when the pixel noise speckles the mask, else the mask.

    The gate is :func:`~semscan.segment.preprocess.noise_to_contrast` with
    ``noise_region='specimen'`` (noise and phase difference on the specimen's inner pixels)
    above :data:`SECTION_SPECKLE_NOISE`
    (0.10: each phase's mean grey within 5 noise SDs of the midway threshold, so that
    single pixels cross it). Measured: the dealloyed sections CO_00 0.19 (cleaned; IoU
    0.762 -> 0.939), CO_01 0.063 and the 675C Invar 0.060 (not cleaned; the cleanup would
    add < 0.01), the membrane cross-section 0.16 and ``data/two_layer`` 0.13 (cleaned),
    ``data/sample_cross_section.tif`` 0.07 and the rendered films of
    ``tests/pipeline/test_section.py`` 0.04-0.08 (not cleaned: their one-pixel gaps are
    thin pores and walls, which the closing joins; kappa 4.34 for 5 when cleaned).

    Parameters
    ----------
    image : ndarray of float
        Raw grey in [0, 1].
    pore : ndarray of bool
        Pore mask.
    valid : ndarray of bool
        Specimen pixels.

    Returns
    -------
    (ndarray of bool, str or None)
        The mask and, when it was cleaned, a note saying so with the measured ratio.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.full((32, 32), 0.8, np.float32); img[:, ::4] = 0.2
    >>> pore = img < 0.5; valid = np.ones(img.shape, bool)
    >>> out, note = clean_speckled_section(img, pore, valid=valid)    # noise-free: kept
    >>> bool((out == pore).all()), note
    (True, None)
    """
    pore = np.asarray(pore, bool)
    ratio = noise_to_contrast(image, valid, noise_region="specimen")
    if not ratio > SECTION_SPECKLE_NOISE:
        return pore, None
    note = (f"section mask cleaned (pixel noise {ratio:.2f} of the phase difference on the "
            f"specimen > {SECTION_SPECKLE_NOISE:.3f}: pore phase closed 3 x 3 px, pores and "
            f"solid islands <= {SECTION_SPECK_PX} px removed)")
    return clean_section_mask(pore, valid=valid), note


def _compact_featureless(region: np.ndarray) -> tuple[bool, float, float]:
    """(compact and featureless?, solidity, content) of one connected region.

    The region's holes are filled; *content* is the fraction of the filled area that the
    holes take (the text of a data bar: a few %; the solid between the pores of a network:
    tens of %), *solidity* the filled area over its convex hull's (a bar, a border, a blob:
    > 0.9; a ramified network: far less).
    """
    u8 = region.view(np.uint8)
    contours, _ = cv2.findContours(u8, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return False, 0.0, 0.0
    filled = np.zeros(region.shape, np.uint8)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    n_filled = float(np.count_nonzero(filled))
    content = 1.0 - float(np.count_nonzero(region)) / max(n_filled, 1.0)
    hull = cv2.convexHull(np.concatenate(contours))
    hull_area = float(cv2.contourArea(hull)) + 0.5 * float(cv2.arcLength(hull, True)) + 1.0
    solidity = min(1.0, n_filled / hull_area)
    ok = solidity >= SATURATION_MIN_SOLIDITY and content <= SATURATION_MAX_CONTENT
    return ok, solidity, content


def _along_edge(region: np.ndarray) -> bool:
    """Does the region run along most of one side of the image (a bar or a border)?"""
    sides = (region[0], region[-1], region[:, 0], region[:, -1])
    return any(float(np.count_nonzero(s)) >= SATURATION_EDGE_FRACTION * s.size for s in sides)


def _fill_holes_of(region: np.ndarray) -> np.ndarray:
    """The region with its holes filled (what lies inside a bar: its text)."""
    contours, _ = cv2.findContours(region.view(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    filled = np.zeros(region.shape, np.uint8)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled.astype(bool)


def saturated_regions(
    image: np.ndarray,
    *,
    pore: np.ndarray | None = None,
    pores: PoreTone = "dark",
    valid: np.ndarray | None = None,
) -> np.ndarray:
    """Large, compact, featureless regions at (nearly) 0 or 1 grey that are not specimen.

    A candidate is a connected area (8-connected) of pixels within 1/255 of 0 or of 1
    covering at least 2 % of the image. It is excluded only when it is *compact and
    featureless*: its holes filled, it fills at least 0.85 of its convex hull (solidity),
    and the holes (the text of a data bar, specks) take at most 20 % of it. That is a
    blank border, a black data bar (with its text), a burnt-out charging patch; a ramified
    region interleaved with the other phase (a percolating pore network clipped at black)
    is never excluded. A region must in addition either run along at least 90 % of one side
    of the image (a bar, a blank border) or be at least 50 times the median area of the
    features of its own phase in ``pore`` (pores for the pore end of the grey scale, solid
    islands for the other), so that genuinely dark pores clipped at 0 and saturated
    grains are kept; without ``pore``, a region on the pore end must run along an edge.
    The holes of an excluded region (a data bar's text) are excluded with it.

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
    >>> net = np.where(np.add.outer(np.arange(50) % 6, np.arange(50) % 6) < 4, 0.0, 1.0)
    >>> int(saturated_regions(net.astype(np.float32)).sum())     # interleaved phases: kept
    0
    """
    _check_choice("pores", pores, PORE_TONES)
    img = np.asarray(image, dtype=np.float32)
    out = np.zeros(img.shape, bool)
    min_area = SATURATION_MIN_FRACTION * img.size
    pore_end_low = pores == "dark"
    typical: dict[bool, float] = {}
    for low in (True, False):
        cand = img <= SATURATION_TOLERANCE if low else img >= 1.0 - SATURATION_TOLERANCE
        if valid is not None:
            cand &= valid
        if np.count_nonzero(cand) < min_area:
            continue
        labels, areas = component_areas(cand)
        pore_end = low == pore_end_low
        for lab in np.nonzero(areas >= min_area)[0]:
            if lab == 0:
                continue
            region = labels == lab
            ok, _, _ = _compact_featureless(region)
            if not ok:
                continue
            if not _along_edge(region):
                if pore is None:
                    if pore_end:
                        continue
                else:
                    if low not in typical:
                        phase = np.asarray(pore, bool) if pore_end else ~np.asarray(pore, bool)
                        if valid is not None:
                            phase = phase & valid
                        _, pareas = component_areas(phase)
                        typical[low] = float(np.median(pareas[1:])) if pareas.size > 1 else 0.0
                    if areas[lab] < SATURATION_PORE_FACTOR * typical[low]:
                        continue
            out |= _fill_holes_of(region)
    if valid is not None:
        out &= valid
    return out
