"""The local-thickness map as main computed it before issue 23's seed pruning, for
benchmarks/bench_local_thickness.py only (seeds dropped by a margin rule, then each
level dilated by OpenCV, stamped seed by seed, or thresholded on a distance transform).
Verbatim from semscan/measure/local_thickness.py at fa911d4; not part of the package."""

from __future__ import annotations

import math

import cv2
import numpy as np

from semscan.measure.local_thickness import (
    _disc_kernel,
    _levels,
    _squared_threshold,
)

_DIST_EXACT_BELOW = 512.0


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


def previous_fast(pore: np.ndarray, dist: np.ndarray, *, force: str | None = None) -> np.ndarray:
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

