"""Two whiskers lying side by side: one wide object in the mask, two in the grey image.

:func:`split_touching` splits such an object along the darker groove between the two
(the definitions of L and D are in :mod:`semscan.measure.whiskers`;
:func:`~semscan.measure.whisker_split.refine_whiskers` with ``touching=True`` then takes
each half's width and ends on the grey).
"""

from __future__ import annotations

import math

import numpy as np

from semscan.measure.whisker_split import Whisker

__all__ = ["split_touching"]


def split_touching(grey: np.ndarray, whiskers: tuple[Whisker, ...], *,
                   min_width_px: float = 3.0) -> tuple[Whisker, ...]:
    """Two whiskers lying side by side, taken as one wider whisker, split along the groove.

    The contact line of two touching rods is darker than their tops (a groove sends out
    fewer electrons than the flat tops either side). The grey profile across each
    whisker (sampled every 0.25 px, the median over the middle half of its stations) is
    searched for a minimum at least ``min_width_px`` from both mask edges that lies
    below the lower of the two maxima beside it by at least a fifth of the whisker's
    contrast to its surroundings (a single whisker's top is flat: noise and shading
    are far less). Such a whisker becomes two, edge to groove and groove to edge, along
    the groove's own direction (its deepest point station by station, fitted by a line:
    the object's axis is tilted when one of the two is shifted along the other), each
    as long as the object plus its width (:func:`refine_whiskers` then finds each one's
    ends on the grey, walking in from there).

    Examples
    --------
    >>> g = np.full((40, 80), 0.3); g[10:18, 10:70] = 0.9; g[18:26, 10:70] = 0.9
    >>> g[17:19, 10:70] = 0.6                                  # the groove between them
    >>> from semscan.measure.whisker_split import separate_whiskers
    >>> (w,), _ = separate_whiskers(g > 0.5)
    >>> sorted(round(x.width_px) for x in split_touching(g, (w,)))
    [8, 8]
    """
    import scipy.ndimage as ndi

    g = np.asarray(grey, np.float64)
    out: list[Whisker] = []
    for w in whiskers:
        D, L = w.width_px, w.length_px
        if D < 2 * min_width_px:
            out.append(w)
            continue
        t = math.radians(w.angle_deg)
        ur, uc = -math.sin(t), math.cos(t)
        vr, vc = math.cos(t), math.sin(t)
        s = np.arange(-D / 2 - 3.0, D / 2 + 3.0 + 1e-9, 0.25)
        ts = np.arange(-L / 4, L / 4 + 1e-9, 1.0)
        rows = w.row + ts[:, None] * ur + s[None, :] * vr
        cols = w.col + ts[:, None] * uc + s[None, :] * vc
        grid = ndi.map_coordinates(g, [rows, cols], order=1, mode="nearest")
        prof = np.median(grid, axis=0)
        outside = prof[np.abs(s) >= D / 2 + 1.5]
        inside = np.abs(s) <= D / 2 - min_width_px
        if not inside.any() or outside.size == 0:
            out.append(w)
            continue
        top = float(np.percentile(prof[np.abs(s) <= D / 2], 90))
        contrast = top - float(np.median(outside))
        k = np.flatnonzero(inside)[int(np.argmin(prof[inside]))]
        left, right = prof[: k + 1][s[: k + 1] >= -D / 2], prof[k:][s[k:] <= D / 2]
        if (contrast <= 0 or left.size == 0 or right.size == 0
                or min(left.max(), right.max()) - prof[k] < 0.2 * contrast):
            out.append(w)
            continue
        s0 = float(s[k])
        # the groove's own direction (the mask's axis is tilted when one whisker of the
        # two is shifted along the other): its deepest point station by station, a line
        near = np.abs(s - s0) <= 2.5
        g_s = s[near][np.argmin(grid[:, near], axis=1)]
        slope, s0 = (np.polyfit(ts, g_s, 1) if ts.size >= 3 else (0.0, s0))
        slope, s0 = float(slope), float(s0)
        ar, ac = ur + slope * vr, uc + slope * vc
        norm = math.hypot(ar, ac)
        ar, ac = ar / norm, ac / norm
        angle = math.degrees(math.atan2(-ar, ac)) % 180.0
        nr, nc = -ac, ar  # across the new axis, the old across direction's side
        if nr * vr + nc * vc < 0:
            nr, nc = -nr, -nc
        gr, gc = w.row + s0 * vr, w.col + s0 * vc  # the groove at the middle station
        for lo, hi in ((-D / 2, s0), (s0, D / 2)):
            mid = (lo + hi) / 2 - s0
            out.append(Whisker(
                row=gr + mid * nr, col=gc + mid * nc, angle_deg=angle,
                length_px=L + D, width_px=hi - lo,
                n_pixels=round(w.n_pixels * (hi - lo) / D),
                touches_edge=w.touches_edge,
            ))
    return tuple(out)
