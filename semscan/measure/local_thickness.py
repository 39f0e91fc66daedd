"""Local thickness of the pore phase, an image proxy for pore-size spread (METHODS.md 7)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from semscan._choices import THICKNESS_METHODS, ThicknessMethod
from semscan._morphology import exact_distance, exact_distance_update, within
from semscan._tiled import BAND_PIXELS, percentiles, row_bands
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


_PRUNE_REACH = 2  # px: a seed's disc is looked for inside the discs of pixels this close
_CHUNK = 1 << 18  # flat indices written at once (bounds the temporary memory)
_ROWS = 256  # rows per block of the per-pixel passes (bounds the temporary memory)


def _level_sequence(n_levels: int) -> np.ndarray:
    """The first ``n_levels`` radius levels (:func:`_levels` gives prefixes of one sequence)."""
    levels = _levels(1.0)
    while len(levels) < n_levels:
        levels = _levels(2.0 * float(levels[-1]))
    return levels[:n_levels]


@functools.lru_cache(maxsize=64)
def _containing(n_levels: int, dy: int, dx: int) -> np.ndarray:
    """``need[a]``: the lowest level index whose disc contains level ``a``'s moved by (dy, dx).

    Level b's disc (:func:`_disc_kernel`) is the offsets whose squared length is below
    ``_squared_threshold(level_b)``, so it contains level a's disc moved by (dy, dx) exactly
    when the farthest moved offset is below that threshold; the thresholds rise with b.
    ``n_levels`` where no level does. The discs are symmetric, so (±dy, ±dx) and (±dx, ±dy)
    give the same table.
    """
    levels = _level_sequence(n_levels)
    thresholds = np.array([_squared_threshold(float(v)) for v in levels[1:]], np.int64)
    need = np.full(n_levels, n_levels, np.int64)
    for a in range(1, n_levels):
        kern = _disc_kernel(float(levels[a]))
        k = kern.shape[0] // 2
        yy, xx = np.nonzero(kern)
        far = int(((yy - k + dy) ** 2 + (xx - k + dx) ** 2).max())
        b = 1 + int(np.searchsorted(thresholds, far, side="right"))  # first b: threshold > far
        if b < n_levels:
            need[a] = max(b, a + 1)
    need.setflags(write=False)
    return need


@functools.lru_cache(maxsize=16)
def _ring(dy: int, dx: int) -> np.ndarray:
    """Kernel of the offsets (±dy, ±dx) and (±dx, ±dy), for the neighbours' maximum."""
    r = max(dy, dx)
    kern = np.zeros((2 * r + 1, 2 * r + 1), np.uint8)
    for a, b in ((dy, dx), (dx, dy)):
        for sa in (-1, 1):
            for sb in (-1, 1):
                kern[r + sa * a, r + sb * b] = 1
    return kern


@functools.lru_cache(maxsize=1024)
def _runs(level: float, width: int) -> tuple[tuple[int, np.ndarray], ...]:
    """The disc of ``level`` as row runs, each covered by two blocks of 2**j pixels.

    Returns ``(j, offsets)`` pairs: the flat offsets (in an image ``width`` wide) of the
    blocks' first pixels relative to the disc's centre, grouped by ``j``. A run
    ``[c - hw, c + hw]`` of ``n = 2 hw + 1`` pixels with ``2**j <= n < 2**(j + 1)`` is the
    union of the blocks starting at ``c - hw`` and ``c + hw - 2**j + 1``.
    """
    kern = _disc_kernel(level)
    k = kern.shape[0] // 2
    by_j: dict[int, list[int]] = {}
    for y in range(kern.shape[0]):
        row = np.flatnonzero(kern[y])
        if row.size:
            hw = int(row[-1]) - k
            j = (2 * hw + 1).bit_length() - 1
            row0 = (y - k) * width
            by_j.setdefault(j, []).extend((row0 - hw, row0 + hw - (1 << j) + 1))
    out = []
    for j, offs in sorted(by_j.items()):
        arr = np.asarray(offs, np.int64)
        arr.setflags(write=False)
        out.append((j, arr))
    return tuple(out)


def _level_index(dist: np.ndarray, levels: np.ndarray, dtype: type) -> np.ndarray:
    """Index of the largest level <= the distance (0 below level 1), per pixel.

    ``dist`` is :func:`exact_distance`'s, the float32 root of an integer squared distance
    ``n``; below 512 px ``rint(d * d)`` in float32 gives ``n`` back (within 0.2), so a
    table over ``n`` replaces the binary search; beyond, the search itself (block by block).
    """
    h = dist.shape[0]
    idx = np.empty(dist.shape, dtype)
    d_max = float(dist.max())
    lut = None
    if d_max < _DIST_EXACT_BELOW:
        n_max = int(np.rint(np.float32(d_max) * np.float32(d_max)))
        roots = np.sqrt(np.arange(n_max + 1, dtype=np.float64)).astype(np.float32)
        lut = np.maximum(np.searchsorted(levels, roots, side="right") - 1, 0).astype(dtype)
    for r0 in range(0, h, _ROWS):
        d = dist[r0 : r0 + _ROWS]
        if lut is not None:
            sq = np.multiply(d, d)
            np.rint(sq, out=sq)
            np.take(lut, sq.astype(np.intp), out=idx[r0 : r0 + _ROWS])
        else:
            i = np.searchsorted(levels, d, side="right") - 1
            idx[r0 : r0 + _ROWS] = np.maximum(i, 0)
    return idx


def _seeds(idx: np.ndarray, n_levels: int) -> np.ndarray:
    """Pixels whose disc can set a maximum that no other disc sets (flat indices).

    A pore pixel p at level a >= 1 is dropped when

    - a pixel q within ``_PRUNE_REACH`` px has a level whose disc contains p's disc
      (:func:`_containing`; then its level is higher, and a chain of such pixels ends at
      a kept one, whose disc holds p's), or
    - none of its 4 neighbours in the image is below level a. Take a pixel x that only
      discs of level a cover (the highest covering it) and outside ``{level >= a}`` (a
      pixel inside gets ``2 d - 1 >= 2 r_a - 1`` from its own distance); the pixel s of
      that set nearest to x is in x's disc of level a, so of level exactly a, and its
      neighbour one step towards x is nearer to x, so outside the set: s has a neighbour
      below level a and is kept, or is dropped by the first rule (then a higher disc
      covers x: impossible).

    Either way the map is identical, pixel for pixel.
    """
    big = np.iinfo(idx.dtype).max
    cross = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], np.uint8)
    tests = []  # (ring kernel, the level each level's disc needs there, as idx's dtype)
    for dy in range(_PRUNE_REACH + 1):
        for dx in range(dy, _PRUNE_REACH + 1):
            if dx == 0:
                continue
            need = _containing(n_levels, dy, dx).astype(idx.dtype)
            if idx.dtype == np.uint8:
                lut = np.full(256, big, np.uint8)
                lut[:n_levels] = need
                need = lut
            tests.append((_ring(dy, dx), need))
    # band by band (a halo of the largest kernel's reach, so each band's rows are the
    # whole image's; the seeds' flat indices come in raster order, as flatnonzero's)
    h, w = idx.shape
    found = []
    for r0, r1, a, b in row_bands(h, w, halo=_PRUNE_REACH + 1, pixels=BAND_PIXELS // 4):
        part = idx[a:b]
        low = cv2.erode(part, cross, borderType=cv2.BORDER_CONSTANT, borderValue=big)
        keep = np.less(low, part)
        tmp = low.view(bool) if idx.dtype == np.uint8 else np.empty(part.shape, bool)
        del low
        need_px = np.empty_like(part)
        nb = np.empty_like(part)
        for ring, need in tests:
            if idx.dtype == np.uint8:
                need_px = cv2.LUT(part, need, dst=need_px)
            else:
                np.take(need, part, out=need_px)
            nb = cv2.dilate(part, ring, dst=nb, borderType=cv2.BORDER_CONSTANT,
                            borderValue=0)
            np.less(nb, need_px, out=tmp)
            keep &= tmp
        found.append(np.flatnonzero(keep[r0 - a : r1 - a]) + r0 * w)
    return np.concatenate(found)


def _fast(pore: np.ndarray, dist: np.ndarray, *, out: np.ndarray | None = None) -> np.ndarray:
    """Grey-scale dilation by radius levels (see :func:`local_thickness`), in px.

    The pixels whose distance map reaches level r are dilated by the disc of radius r and
    covered pixels get ``2r - 1``. A pixel at level r (the largest level <= its distance)
    also lies in the sets of every lower level, but its disc there is inside its own disc
    at r with a smaller value, so only its own level counts: every pixel's disc is
    painted once, at its own level, and only the pixels :func:`_seeds` keeps (the others
    change no maximum). A disc is painted as its row runs, each run as two blocks of
    ``2**j`` pixels (the starts written into one array per ``j``, levels in rising order
    so the highest wins); then, from the longest blocks down, each array's blocks are
    split into the halves of the next, keeping maxima. The map equals, pixel for pixel,
    one distance transform per level (the former implementation, kept in the tests).
    ``dist`` must be :func:`exact_distance` of ``pore``; with ``out=dist`` the map is
    written over the distances (the same values: each band is read before it is written).
    """
    h, w = pore.shape
    levels = _levels(float(dist.max()))
    n_levels = len(levels)
    dtype = np.uint8 if n_levels <= 255 else np.uint16
    idx = _level_index(dist, levels, dtype)
    seeds = _seeds(idx, n_levels)
    level_of = idx.ravel()[seeds]
    del idx
    order = np.argsort(level_of, kind="stable")
    seeds, level_of = seeds[order], level_of[order]
    ends = np.cumsum(np.bincount(level_of, minlength=n_levels))
    del level_of, order
    pad = math.ceil(float(levels[-1])) + 1  # the largest disc's half-size
    width = w + 2 * pad
    size = (h + 2 * pad) * width
    # flat index, in the padded image, of every seed: (r + pad) * width + c + pad
    base = seeds + (seeds // w) * (2 * pad) + (pad * width + pad)
    del seeds
    runs = {i: dict(_runs(float(levels[i]), width)) for i in range(1, n_levels)
            if ends[i] > ends[i - 1]}
    n_blocks = max((j for r in runs.values() for j in r), default=0) + 1
    upper = None  # the array of blocks of 2**(j + 1), already complete
    for j in range(n_blocks - 1, -1, -1):
        blocks = np.zeros(size, dtype)
        for i, by_j in runs.items():
            offs = by_j.get(j)
            if offs is None:
                continue
            centres = base[ends[i - 1] : ends[i]]
            step = max(1, _CHUNK // len(offs))
            for s in range(0, len(centres), step):
                blocks[(centres[s : s + step, None] + offs[None, :]).ravel()] = dtype(i)
        if upper is not None:
            half = 1 << j
            np.maximum(blocks, upper, out=blocks)
            np.maximum(blocks[half:], upper[:-half], out=blocks[half:])
        upper = blocks
    best = (np.zeros(size, dtype) if upper is None else upper).reshape(-1, width)
    best = best[pad : pad + h, pad : pad + w]
    values = np.zeros(256 if dtype == np.uint8 else n_levels, np.float32)
    values[1:n_levels] = 2.0 * levels[1:] - 1.0
    thick = np.empty((h, w), np.float32) if out is None else out
    for r0 in range(0, h, _ROWS):
        band = thick[r0 : r0 + _ROWS]
        np.multiply(dist[r0 : r0 + _ROWS], np.float32(2.0), out=band)  # 2 d - 1 is exact in
        np.subtract(band, np.float32(1.0), out=band)  # float32 (d >= 1 on pores, < 2**23)
        blk = np.ascontiguousarray(best[r0 : r0 + _ROWS])
        vals = cv2.LUT(blk, values) if dtype == np.uint8 else values[blk]
        np.maximum(band, vals, out=band)  # off the pores: max(-1, 0) (no disc leaves them)
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
    # the state keeps its own copy: a caller that edits its mask in place (as a reviewer's
    # painting does) must not edit the state's "before", or the edit is never seen
    pore = pore.copy()
    h, w = pore.shape
    if previous is None or previous.pore.shape != pore.shape:
        dist = exact_distance(pore)
        return ThicknessMap(pore, dist, _fast(pore, dist))
    dist = exact_distance_update(pore, previous.pore, previous.dist)
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
        pore = within(pore, reg)
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
        # the fast map is written over the distances (they are not needed after it)
        thick_px = _fast(pore, dist, out=dist) if method == "fast" else _exact(pore, dist)
        del dist
    values = thick_px[pore]
    if not return_map:
        del thick_px  # the map's full-size float32 goes before the float64 values come
    values = values.astype(np.float64)
    del pore
    values *= scale  # (the same products as thick_px[pore].astype(np.float64) * scale)
    mean = float(values.mean())
    vmax = float(values.max())
    p99 = percentiles(values, (99,))[0]  # np.percentile's, on values in place (no copy)
    del values
    return LocalThicknessResult(
        mean=mean,
        p99=p99,
        max=vmax,
        max_over_mean=vmax / mean if mean > 0 else math.nan,
        unit=calibration.unit,
        method=text,
        n_pore_pixels=n_pore,
        map=(thick_px.astype(np.float64) * scale) if return_map else None,
    ), state
