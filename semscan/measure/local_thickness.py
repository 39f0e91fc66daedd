"""Local thickness of the pore phase, an image proxy for pore-size spread (METHODS.md 7)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from semscan._choices import THICKNESS_METHODS, ThicknessMethod
from semscan._morphology import exact_distance
from semscan.calibration import Calibration
from semscan.errors import ConfigError, MeasurementError
from semscan.measure.intercept import as_mask, check_region, unit_suffix

__all__ = ["LocalThicknessResult", "ThicknessMap", "local_thickness", "local_thickness_update"]

_METHODS = THICKNESS_METHODS
EXACT_MAX_PORE_PIXELS = 100_000
_BIN_REL = 0.04  # relative width of a radius bin of the fast method
_BIN_ABS = 0.5  # minimum width in px
_DIST_EXACT_BELOW = 512.0  # px: OpenCV distances square to their integer within 0.2

_FAST_TEXT = (
    "fast: max inscribed-disc diameter by openings at quantised radii (levels 4% apart, "
    ">= 0.5 px; pixels within r of a pixel whose distance map is >= r get 2r - 1 px); "
    "never above the exact value, below it by about one level step plus 1 px at most"
)
_EXACT_TEXT = "exact: max inscribed-disc diameter by painting every pixel's disc (brute force)"


@dataclass(frozen=True, eq=False)
class LocalThicknessResult:
    """Local thickness statistics of the pore phase (lengths in :attr:`unit`).

    Attributes
    ----------
    mean : float
        Mean local thickness over pore pixels (area-weighted: every pore pixel counts once,
        so large pores weigh by their area).
    p99 : float
        99th percentile over pore pixels.
    max : float
        Largest local thickness.
    max_over_mean : float
        ``max / mean``: the image proxy of the bubble-point / half-dry ratio (not the
        ASTM F316 measurement).
    unit : str
        ``'µm'`` or ``'px'``.
    method : str
        Which computation and its approximation.
    n_pore_pixels : int
        Pore pixels measured.
    note : str
        Why a value is NaN, if it is.
    map : (H, W) float array or None
        Local thickness per pixel (0 outside pores) when requested; not in :meth:`to_dict`.
    """

    mean: float
    p99: float
    max: float
    max_over_mean: float
    unit: str
    method: str
    n_pore_pixels: int
    note: str = ""
    map: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self, prefix: str = "") -> dict[str, Any]:
        """Flat row; ``prefix=""`` uses ``"pore_local_thickness_"``."""
        p = prefix or "pore_local_thickness_"
        u = unit_suffix(self.unit)
        return {
            f"{p}mean_{u}": self.mean,
            f"{p}p99_{u}": self.p99,
            f"{p}max_{u}": self.max,
            f"{p}max_over_mean": self.max_over_mean,
            f"{p}n_pore_pixels": self.n_pore_pixels,
            f"{p}method": self.method,
            f"{p}note": self.note,
        }


def _levels(r_max: float) -> np.ndarray:
    """Radius levels of the fast method: 1, then steps of 4% (>= 0.5 px) past ``r_max``."""
    levels = [1.0]
    while levels[-1] <= r_max:
        levels.append(levels[-1] + max(_BIN_ABS, _BIN_REL * levels[-1]))
    return np.asarray(levels)


@functools.lru_cache(maxsize=512)
def _disc_kernel(level: float) -> np.ndarray:
    """Offsets whose distance, as :func:`exact_distance` gives it, is below ``level``.

    A pixel is covered by a dilation of seeds with this kernel exactly when the exact
    distance map of the seeds is below ``level`` there (the float32 nearest to the root of
    the integer squared distance, compared as OpenCV's map was).
    """
    k = math.ceil(level) + 1
    yy, xx = np.mgrid[-k : k + 1, -k : k + 1]
    root = np.sqrt((yy * yy + xx * xx).astype(np.float64)).astype(np.float32)
    kern = (root < level).astype(np.uint8)
    kern.setflags(write=False)
    return kern


@functools.lru_cache(maxsize=512)
def _squared_threshold(level: float) -> int:
    """Smallest integer squared distance whose float32 root is not below ``level``."""
    t = max(math.floor(level * level) - 2, 0)
    while np.float32(math.sqrt(t)) < level:
        t += 1
    return t


def _within(free: np.ndarray, threshold: int) -> np.ndarray:
    """True where the squared distance to the nearest False pixel of ``free`` is below.

    From OpenCV's float32 distance: below 512 px its square is within 0.2 of the integer
    squared distance, so comparing with ``threshold - 0.5`` decides exactly (the same
    pixels as :func:`exact_distance` ``< level``).
    """
    d = cv2.distanceTransform(free.view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    np.multiply(d, d, out=d)
    return d < np.float32(threshold - 0.5)


def _stamp(best: np.ndarray, rr: np.ndarray, cc: np.ndarray, kv: np.ndarray) -> None:
    """Maximum of ``kv`` centred on every (rr, cc) into ``best``, clipped at the border."""
    h, w = best.shape
    k = kv.shape[0] // 2
    for r, c in zip(rr.tolist(), cc.tolist(), strict=True):
        a0, b0 = r - k, c - k
        a1, b1 = r + k + 1, c + k + 1
        if a0 >= 0 and b0 >= 0 and a1 <= h and b1 <= w:
            sub = best[a0:a1, b0:b1]
            np.maximum(sub, kv, out=sub)
        else:
            ka, kb = max(-a0, 0), max(-b0, 0)
            a0, b0, a1, b1 = max(a0, 0), max(b0, 0), min(a1, h), min(b1, w)
            sub = best[a0:a1, b0:b1]
            np.maximum(sub, kv[ka : ka + a1 - a0, kb : kb + b1 - b0], out=sub)


_NEIGHBOURS = (  # (row slice of p, row slice of q, column slices, |q - p| in px)
    *(((a, b), (c, d), 1.0) for (a, b), (c, d) in (
        ((slice(None, -1), slice(1, None)), (slice(None), slice(None))),
        ((slice(1, None), slice(None, -1)), (slice(None), slice(None))),
        ((slice(None), slice(None)), (slice(None, -1), slice(1, None))),
        ((slice(None), slice(None)), (slice(1, None), slice(None, -1))))),
    *(((a, b), (c, d), math.sqrt(2.0)) for (a, b) in (
        (slice(None, -1), slice(1, None)), (slice(1, None), slice(None, -1)))
      for (c, d) in ((slice(None, -1), slice(1, None)), (slice(1, None), slice(None, -1)))),
)
_DOMINATED_MARGIN = 0.01  # px: beyond float32 rounding of the kernels' roots (< 1e-3 px)


def _dominated(idx: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Pixels whose disc lies inside the disc of one of their 8 neighbours, at a higher level.

    With ``|q - p| = s`` and ``level(q) >= level(p) + s`` every point closer than
    ``level(p)`` to p is closer than ``level(q)`` to q (triangle inequality; the margin
    covers the float32 roots the kernels compare), and q's level index is higher, so p's
    dilation changes no maximum: dropping p as a seed leaves the map identical, pixel for
    pixel (q is itself a seed, or inside a neighbour's disc in turn: levels rise along the
    chain, so it ends at a seed).
    """
    out = np.zeros(idx.shape, bool)
    for step in (1.0, math.sqrt(2.0)):
        # need[i]: the lowest level index at least step px above level i (len: none is)
        need = np.searchsorted(levels, levels + step + _DOMINATED_MARGIN).astype(
            idx.dtype if len(levels) < np.iinfo(idx.dtype).max else np.int64)
        need_p = need[idx]
        for (pr, qr), (pc, qc), s in _NEIGHBOURS:
            if s == step:
                out[pr, pc] |= idx[qr, qc] >= need_p[pr, pc]
    return out


def _fast(pore: np.ndarray, dist: np.ndarray, *, force: str | None = None) -> np.ndarray:
    """Grey-scale dilation by radius levels (see :func:`local_thickness`), in px.

    The pixels whose distance map reaches level r are dilated by the disc of radius r and
    covered pixels get ``2r - 1``. A pixel at level r (the largest level <= its distance)
    also lies in the sets of every lower level, but its disc there is inside its own disc
    at r with a smaller value, so only its own level counts: every pixel is dilated once,
    at its own level. Level r's pixels are dilated by OpenCV with the disc kernel, stamped
    one by one, or thresholded on a distance transform, whichever the cost model says is
    cheapest (``force`` picks one: ``'dilate'``, ``'stamp'`` or ``'distance'``, for tests);
    all three give the same pixels, and a maximum does not depend on the order, so neither
    does the result. The map equals, pixel for pixel, one distance transform per level
    (the former implementation, kept in the tests).
    """
    h, w = pore.shape
    levels = _levels(float(dist.max()))
    dtype = np.uint8 if len(levels) <= 255 else np.uint16
    idx = np.searchsorted(levels, dist, side="right") - 1  # largest level <= distance
    np.maximum(idx, 0, out=idx)
    idx = idx.astype(dtype)
    idx[_dominated(idx, levels)] = 0  # their discs lie inside a neighbour's larger one
    idx = idx.ravel()
    order = np.argsort(idx, kind="stable")
    counts = np.bincount(idx, minlength=len(levels))
    ends = np.cumsum(counts)
    best = np.zeros((h, w), dtype)  # index of the largest level whose disc covers a pixel
    for i in range(1, len(levels)):
        n = int(counts[i])
        if n == 0:
            continue
        rr, cc = np.divmod(order[ends[i] - n : ends[i]], w)
        kern = _disc_kernel(float(levels[i]))
        k = kern.shape[0] // 2
        n_kern = int(np.count_nonzero(kern))
        r0, r1 = max(int(rr.min()) - k, 0), min(int(rr.max()) + k + 1, h)
        c0, c1 = max(int(cc.min()) - k, 0), min(int(cc.max()) + k + 1, w)
        area = (r1 - r0) * (c1 - c0)
        cost = {  # seconds, measured on one core; they choose the speed, never the result
            "stamp": n * (3e-6 + 5e-10 * n_kern),
            "dilate": area * (2e-10 + 2e-11 * n_kern),
            "distance": area * 2e-8 if levels[i] < _DIST_EXACT_BELOW - 2 else math.inf,
        }
        how = force or min(cost, key=cost.__getitem__)
        if how == "stamp":
            _stamp(best, rr, cc, kern * dtype(i))
            continue
        seed = np.zeros((r1 - r0, c1 - c0), dtype)
        seed[rr - r0, cc - c0] = i
        if how == "dilate":
            grown = cv2.dilate(seed, kern, borderType=cv2.BORDER_CONSTANT, borderValue=0)
        else:
            grown = np.where(_within(seed == 0, _squared_threshold(float(levels[i]))), dtype(i),
                             dtype(0))
        sub = best[r0:r1, c0:c1]
        np.maximum(sub, grown, out=sub)
    values = np.concatenate([[0.0], 2.0 * levels[1:] - 1.0]).astype(np.float32)
    thick = np.multiply(dist, np.float32(2.0), dtype=np.float32)  # 2 d - 1 is exact in
    np.subtract(thick, np.float32(1.0), out=thick)  # float32 (d >= 1 on pores, < 2**23)
    np.maximum(thick, values[best], out=thick)
    thick[~pore] = 0.0
    return thick


@dataclass(frozen=True, eq=False)
class ThicknessMap:
    """A fast local-thickness map with what it was made from, to update it after an edit
    (:func:`local_thickness_update`).

    Attributes
    ----------
    pore : ndarray of bool
        The pores measured (the region applied).
    dist : ndarray of float32
        Their exact distance map (px).
    thick_px : ndarray of float32
        The local thickness (px; 0 off the pores).
    """

    pore: np.ndarray = field(repr=False)
    dist: np.ndarray = field(repr=False)
    thick_px: np.ndarray = field(repr=False)


def _updated_map(pore: np.ndarray, previous: ThicknessMap | None) -> ThicknessMap:
    """The fast map of ``pore``, recomputed only where it can differ from ``previous``.

    A pixel's value is the largest disc covering it, discs centred on pore pixels with the
    radius level of their distance. Only the discs of pixels whose distance changed
    differ, and they reach less than ``R`` (the largest distance before or after) from
    where the distance changed, so outside the box of changed distances grown by ``R`` the
    map is the previous one; inside that box every disc covering a pixel is centred within
    ``R`` of it, so :func:`_fast` on the box grown by another ``R`` gives it exactly (the
    radius levels are one sequence, so a crop's shorter list of levels gives the same
    values). Identical, pixel for pixel, to :func:`_fast` on the whole image.
    """
    dist = exact_distance(pore)
    h, w = pore.shape
    if previous is None or previous.pore.shape != pore.shape:
        return ThicknessMap(pore, dist, _fast(pore, dist))
    changed = dist != previous.dist  # a pore change is a distance change (0 off pores)
    if not changed.any():
        return ThicknessMap(pore, dist, previous.thick_px)
    reach = math.ceil(max(float(dist.max()), float(previous.dist.max()))) + 1
    rows = np.flatnonzero(changed.any(axis=1))
    cols = np.flatnonzero(changed.any(axis=0))
    a0, a1 = max(int(rows[0]) - reach, 0), min(int(rows[-1]) + 1 + reach, h)
    b0, b1 = max(int(cols[0]) - reach, 0), min(int(cols[-1]) + 1 + reach, w)
    r0, r1 = max(a0 - reach, 0), min(a1 + reach, h)
    c0, c1 = max(b0 - reach, 0), min(b1 + reach, w)
    if (r1 - r0) * (c1 - c0) > 0.6 * h * w:  # as large as the image: all of it
        return ThicknessMap(pore, dist, _fast(pore, dist))
    sub = _fast(pore[r0:r1, c0:c1], dist[r0:r1, c0:c1])
    thick = previous.thick_px.copy()
    thick[a0:a1, b0:b1] = sub[a0 - r0 : a1 - r0, b0 - c0 : b1 - c0]
    return ThicknessMap(pore, dist, thick)


def _exact(pore: np.ndarray, dist: np.ndarray) -> np.ndarray:
    h, w = pore.shape
    thick = np.zeros((h, w), dtype=np.float64)
    rr, cc = np.nonzero(pore)
    order = np.argsort(-dist[rr, cc], kind="stable")
    for i in order:
        r, c = rr[i], cc[i]
        rad = float(dist[r, c])
        k = math.ceil(rad)
        r0, r1 = max(r - k, 0), min(r + k + 1, h)
        c0, c1 = max(c - k, 0), min(c + k + 1, w)
        yy, xx = np.ogrid[r0:r1, c0:c1]
        disc = (yy - r) ** 2 + (xx - c) ** 2 < rad * rad
        sub = thick[r0:r1, c0:c1]
        np.maximum(sub, np.where(disc, 2 * rad - 1, 0.0), out=sub)
    thick[~pore] = 0.0
    return thick


def local_thickness(
    pore: np.ndarray,
    *,
    calibration: Calibration,
    region: np.ndarray | None = None,
    method: ThicknessMethod = "fast",
    return_map: bool = False,
) -> LocalThicknessResult:
    """Local thickness (largest inscribed disc diameter) of the pore phase (METHODS.md 7).

    The inscribed disc at a pore pixel c has radius ``EDT(c)``, the Euclidean distance
    from c to the nearest non-pore pixel centre, and covers the pixels closer than that
    (all pore); its diameter is reported as ``2 EDT(c) - 1`` px, so a band w px wide gives
    w (odd w) or w - 1 (even w): the distance between pixel centres is measured to the
    boundary pixel's centre, half a pixel beyond the pore's edge on each side. The local
    thickness of a pixel is the largest diameter of a disc covering it (Hildebrand and
    Rüegsegger). Pixels outside ``region`` are treated as solid walls; the image border is
    not a wall (pores cut by the border are measured as far as they are seen).

    ``method='fast'``: openings at quantised radii r (levels 4% apart, at least 0.5 px):
    the pixels whose distance map is >= r are dilated by r with a Euclidean distance
    transform, and covered pixels get ``2r - 1`` (grey-scale dilation by radius levels).
    Any point of a disc of radius R lies in a sub-disc of radius r <= R, so the result
    never exceeds the exact value and is below it by about one level step plus a
    discretisation pixel (tests bound it on small images); in practice about 3% low
    on average. ``method='exact'``: brute force, every pore pixel paints its disc; for
    images with at most 100 000 pore pixels.

    Statistics are over pore pixels, i.e. area-weighted (a pore counts by its area), as
    for the volume-weighted local thickness of 3-D images: mean, 99th percentile,
    maximum and max/mean, the image proxy of the bubble-point / half-dry ratio (not
    the ASTM F316 measurement).

    Parameters
    ----------
    pore : (H, W) bool array
        True in pores.
    calibration : Calibration
        Pixel size.
    region : (H, W) bool array, optional
        True where measurable.
    method : {'fast', 'exact'}
        Computation (see above).
    return_map : bool
        Also return the per-pixel map (in :attr:`unit`).

    Returns
    -------
    LocalThicknessResult
        NaN statistics with a ``note`` when there is no pore pixel or no solid pixel
        (nothing bounds the pores).

    Raises
    ------
    MeasurementError
        On a non-2-D mask, a region of another shape or an empty region, or
        ``method='exact'`` on too large an image.
    ConfigError
        On an unknown method.

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.calibration import UNCALIBRATED
    >>> pore = np.zeros((40, 40), dtype=bool)
    >>> pore[:, 10:21] = True                     # a band 11 px wide
    >>> res = local_thickness(pore, calibration=UNCALIBRATED)
    >>> float(res.mean), float(res.max), res.unit
    (11.0, 11.0, 'px')
    """
    return _measure(pore, calibration, region, method, return_map, None, update=False)[0]


def local_thickness_update(
    pore: np.ndarray,
    *,
    calibration: Calibration,
    region: np.ndarray | None = None,
    previous: ThicknessMap | None = None,
) -> tuple[LocalThicknessResult, ThicknessMap | None]:
    """:func:`local_thickness` (``method='fast'``) of an edited mask, from the map of before.

    The same numbers as :func:`local_thickness`, pixel for pixel, but only the part of
    the map an edit can change is computed again: the box around the pixels whose distance
    changed, grown by the largest inscribed radius (a re-measure after a reviewer's local
    correction). Without ``previous`` (or of another shape) the whole map is made.

    Returns
    -------
    result : LocalThicknessResult
    state : ThicknessMap or None
        The map to pass as ``previous`` next time (None when the statistics are NaN).

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.calibration import UNCALIBRATED
    >>> pore = np.zeros((60, 200), bool); pore[:, 10:21] = True; pore[:, 150:155] = True
    >>> first, state = local_thickness_update(pore, calibration=UNCALIBRATED)
    >>> pore[:, 170:177] = True                   # a reviewer paints a 7 px band
    >>> again, _ = local_thickness_update(pore, calibration=UNCALIBRATED, previous=state)
    >>> again.mean == local_thickness(pore, calibration=UNCALIBRATED).mean
    True
    """
    return _measure(pore, calibration, region, "fast", False, previous, update=True)


def _measure(
    pore: np.ndarray,
    calibration: Calibration,
    region: np.ndarray | None,
    method: str,
    return_map: bool,
    previous: ThicknessMap | None,
    *,
    update: bool,
) -> tuple[LocalThicknessResult, ThicknessMap | None]:
    if method not in _METHODS:
        raise ConfigError(f"method={method!r} is not valid; choose one of {', '.join(_METHODS)}")
    pore = as_mask(pore, "pore")
    reg = check_region(region, pore.shape)
    if reg is not None:
        pore = pore & reg
    scale = calibration.scale
    n_pore = int(np.count_nonzero(pore))
    text = _FAST_TEXT if method == "fast" else _EXACT_TEXT
    note = ""
    if n_pore == 0:
        note = "no pore pixels"
    elif n_pore == pore.size:
        note = "no solid pixels: nothing bounds the pores"
    if note:
        nan = math.nan
        tmap = np.zeros(pore.shape) if return_map else None
        return LocalThicknessResult(
            nan, nan, nan, nan, calibration.unit, text, n_pore, note, tmap
        ), None
    if method == "exact" and n_pore > EXACT_MAX_PORE_PIXELS:
        raise MeasurementError(
            f"method='exact' got {n_pore} pore pixels; it is limited to "
            f"{EXACT_MAX_PORE_PIXELS}: use method='fast' or crop the image"
        )
    state = None
    if update:
        state = _updated_map(pore, previous)
        thick_px = state.thick_px
    else:
        dist = exact_distance(pore)  # px to the nearest non-pore pixel centre
        thick_px = _fast(pore, dist) if method == "fast" else _exact(pore, dist)
    values = thick_px[pore].astype(np.float64) * scale
    mean = float(values.mean())
    vmax = float(values.max())
    return LocalThicknessResult(
        mean=mean,
        p99=float(np.percentile(values, 99)),
        max=vmax,
        max_over_mean=vmax / mean if mean > 0 else math.nan,
        unit=calibration.unit,
        method=text,
        n_pore_pixels=n_pore,
        map=(thick_px.astype(np.float64) * scale) if return_map else None,
    ), state
