"""Whisker geometry: single straight whiskers from a whisker mask, refined on the grey.

:func:`separate_whiskers` splits a mask into single whiskers (touching and crossing ones
apart), :func:`refine_whiskers` takes their widths and ends from the grey image and
:func:`paint_whiskers` draws them back as a mask. The measurement built on them, and the
definitions of L, D and the section bias, are in :mod:`semscan.measure.whiskers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from semscan._morphology import component_areas, dilate_disc
from semscan.errors import ConfigError, MeasurementError

__all__ = ["Whisker", "merge_collinear", "paint_whiskers", "refine_whiskers",
           "separate_whiskers"]


@dataclass(frozen=True)
class Whisker:
    """One separated whisker, in px of the measured grid.

    Attributes
    ----------
    row, col : float
        Centre of its axis.
    angle_deg : float
        Axis direction, counter-clockwise as displayed, 0 = along the rows, in [0, 180).
    length_px, width_px : float
        Apparent length L along the axis and mean width D across.
    n_pixels : int
        Pixels of the whisker (a crossing's pixels belong to both whiskers).
    touches_edge : bool
        It touches the image border or the excluded region (cut: its L is a lower bound).
    """

    row: float
    col: float
    angle_deg: float
    length_px: float
    width_px: float
    n_pixels: int
    touches_edge: bool

    @property
    def aspect(self) -> float:
        """L / D."""
        return self.length_px / self.width_px

    def endpoints(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """(row, col) of both ends of the axis."""
        t = math.radians(self.angle_deg)
        dr, dc = -math.sin(t) * self.length_px / 2, math.cos(t) * self.length_px / 2
        return (self.row - dr, self.col - dc), (self.row + dr, self.col + dc)


def separate_whiskers(
    mask: np.ndarray,
    *,
    region: np.ndarray | None = None,
    min_width_px: float = 3.0,
    min_aspect: float = 3.0,
    max_per_object: int = 64,
) -> tuple[tuple[Whisker, ...], np.ndarray]:
    """Split a whisker mask into single straight whiskers (touching and crossing ones apart).

    Method (semscan's; the source documents give none): each connected object of the
    mask (8-connected) is skeletonised, and straight whiskers are taken from it one at a
    time, longest first, by a Hough transform of the skeleton pixels not yet explained:

    1. the strongest Hough line (0.5° and 1 px bins) gives a direction; the object's
       pixels within a strip along it are projected onto it, and the run of stations
       (1 px bins along the line, gaps of 1 px bridged) holding most of the skeleton
       pixels is the candidate; its axis is refitted by principal components of the
       pixels of that run, and the strip and run taken again;
    2. D is the mean pixel count across the axis per station, in a strip ``2 D + 2`` px
       wide, over the stations of the run's inside that are not crossings (a crossing
       whisker fills the strip: stations whose count, smoothed over 5 stations, is more
       than 25 % above the median, and 2 stations either side);
    3. L is the sum over the run's stations of their counts in a strip ``D + 1`` px
       wide, a crossing's stations counted as D each, divided by D: the whisker's own
       area over its width, sub-pixel at any angle;
    4. the skeleton pixels along the whisker are marked explained, and the next line is
       taken until fewer skeleton pixels than ``min_aspect * min_width_px`` are left.

    A candidate is a whisker if ``D >= min_width_px``, ``L / D >= min_aspect`` and at least
    80 % of its stations are at least half full (straight); others (bright grains, curved
    walls) are not. Crossing whiskers are therefore two whiskers, and so is a whisker
    whose end touches another's side; two whiskers in line end to end are one, and two
    lying side by side in one direction are one wider whisker in the mask (the grey
    image tells them apart: :func:`semscan.measure.whisker_pairs.split_touching`). At a
    T the stem is measured to the edge of the whisker it ends on, or across it (at most
    one width of that whisker longer: the mask does not show where the stem ends under
    it).

    Parameters
    ----------
    mask : ndarray of bool, shape (rows, columns)
        Whisker pixels.
    region : ndarray of bool, optional
        Analysed pixels; a whisker within 1 px of the image border or of a pixel outside
        the region ``touches_edge``.
    min_width_px, min_aspect : float
        Acceptance thresholds (above).
    max_per_object : int
        Most whiskers taken from one connected object.

    Returns
    -------
    whiskers : tuple of Whisker
        In the order found (object by object).
    accepted : ndarray of bool
        The pixels of the mask that belong to an accepted whisker.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.zeros((60, 80), bool)
    >>> m[20:26, 10:70] = True          # a 60 x 6 px rod
    >>> m[5:55, 37:43] = True           # a 50 x 6 px rod crossing it
    >>> ws, _ = separate_whiskers(m)
    >>> sorted((round(w.length_px), round(w.width_px), round(w.angle_deg)) for w in ws)
    [(50, 6, 90), (60, 6, 0)]
    """
    mask = np.asarray(mask, bool)
    if mask.ndim != 2:
        raise MeasurementError(f"the whisker mask must be 2-D, got shape {mask.shape}")
    if min_width_px <= 0 or min_aspect <= 0:
        raise ConfigError(
            f"min_width_px={min_width_px} and min_aspect={min_aspect} must be > 0"
        )
    accepted = np.zeros(mask.shape, bool)
    if not mask.any():
        return (), accepted

    edge = np.zeros(mask.shape, bool)
    edge[[0, -1], :] = True
    edge[:, [0, -1]] = True
    if region is not None:
        edge |= dilate_disc(~np.asarray(region, bool), 1.5)
    labels, areas = component_areas(mask)
    out: list[Whisker] = []
    min_area = min_width_px * min_width_px * min_aspect * 0.5
    import scipy.ndimage as ndi

    for k, sl in enumerate(ndi.find_objects(labels), start=1):
        if sl is None or areas[k] < min_area:
            continue
        r0 = max(0, sl[0].start - 2)
        c0 = max(0, sl[1].start - 2)
        r1 = min(mask.shape[0], sl[0].stop + 2)
        c1 = min(mask.shape[1], sl[1].stop + 2)
        sub = labels[r0:r1, c0:c1] == k
        found = _split_object(sub, edge[r0:r1, c0:c1], min_width_px=min_width_px,
                              min_aspect=min_aspect, max_lines=max_per_object)
        for w, pix in found:
            out.append(Whisker(w.row + r0, w.col + c0, w.angle_deg, w.length_px,
                               w.width_px, w.n_pixels, w.touches_edge))
            accepted[r0:r1, c0:c1] |= pix
    return merge_collinear(tuple(out)), accepted


def merge_collinear(whiskers: tuple[Whisker, ...], *, max_angle_deg: float = 4.0) -> tuple[
        Whisker, ...]:
    """Whiskers in line end to end, with at most a short gap, joined into one.

    A threshold can break a thin whisker where a pore beside it darkens its edge; the
    pieces lie on one line. Two whiskers are joined when their directions differ by at
    most ``max_angle_deg``, both ends of each lie within ``max(1.5, D / 3)`` px of the
    other's axis, and the gap between them along the axis is at most ``2 D + 3`` px (an
    overlap is allowed). The joined whisker runs from the outermost end to the other;
    its width is the length-weighted mean.

    Examples
    --------
    >>> a = Whisker(10.0, 20.0, 0.0, 20.0, 5.0, 100, False)
    >>> b = Whisker(10.0, 45.0, 0.0, 24.0, 5.0, 120, False)
    >>> [(w.col, w.length_px) for w in merge_collinear((a, b))]
    [(33.5, 47.0)]
    """
    items = list(whiskers)
    changed = True
    while changed:
        changed = False
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                joined = _join(items[i], items[j], max_angle_deg)
                if joined is not None:
                    items[i] = joined
                    del items[j]
                    changed = True
                    break
            if changed:
                break
    return tuple(items)


def _join(a: Whisker, b: Whisker, max_angle_deg: float) -> Whisker | None:
    d = abs(a.angle_deg - b.angle_deg) % 180.0
    if min(d, 180.0 - d) > max_angle_deg:
        return None
    t = math.radians(a.angle_deg)
    ur, uc = -math.sin(t), math.cos(t)
    width = max(a.width_px, b.width_px)
    reach = 0.5 * (a.length_px + b.length_px) + 2 * width + 3
    if math.hypot(b.row - a.row, b.col - a.col) > reach:
        return None
    tol = max(1.5, width / 3)
    ends = [*a.endpoints(), *b.endpoints()]
    across = [(c - a.col) * math.sin(t) + (r - a.row) * math.cos(t) for r, c in ends]
    tb = math.radians(b.angle_deg)
    across_b = [(c - b.col) * math.sin(tb) + (r - b.row) * math.cos(tb) for r, c in ends]
    if max(abs(x) for x in across) > tol or max(abs(x) for x in across_b) > tol:
        return None
    along = [(c - a.col) * uc + (r - a.row) * ur for r, c in ends]
    a_lo, a_hi = sorted(along[:2])
    b_lo, b_hi = sorted(along[2:])
    gap = max(b_lo - a_hi, a_lo - b_hi)
    if gap > 2 * width + 3:
        return None
    lo, hi = min(a_lo, b_lo), max(a_hi, b_hi)
    mid = (lo + hi) / 2
    w = (a.width_px * a.length_px + b.width_px * b.length_px) / (a.length_px + b.length_px)
    return Whisker(
        row=a.row + mid * ur, col=a.col + mid * uc, angle_deg=a.angle_deg,
        length_px=hi - lo, width_px=w, n_pixels=a.n_pixels + b.n_pixels,
        touches_edge=a.touches_edge or b.touches_edge,
    )


def _split_object(
    sub: np.ndarray, edge: np.ndarray, *, min_width_px: float, min_aspect: float,
    max_lines: int,
) -> list[tuple[Whisker, np.ndarray]]:
    from skimage.morphology import skeletonize
    from skimage.transform import hough_line

    skel = skeletonize(sub)
    n_skel = int(skel.sum())
    if n_skel == 0:
        return []
    d_est = max(1.0, float(sub.sum()) / n_skel)
    rr, cc = np.nonzero(sub)
    yy, xx = rr.astype(float), cc.astype(float)
    remaining = skel.copy()
    thetas = np.deg2rad(np.arange(-90.0, 90.0, 0.5))
    found: list[tuple[Whisker, np.ndarray]] = []
    stop = max(3.0, min_aspect * min_width_px * 0.5)
    for _ in range(max_lines):
        if remaining.sum() < stop:
            break
        acc, angles, dists = hough_line(remaining, theta=thetas)
        i, j = np.unravel_index(int(np.argmax(acc)), acc.shape)
        theta, rho = float(angles[j]), float(dists[i])
        # axis direction u = (-sin, cos) in (x, y) = (col, row); normal n = (cos, sin)
        ux, uy = -math.sin(theta), math.cos(theta)
        nx, ny = math.cos(theta), math.sin(theta)
        px, py = rho * nx, rho * ny
        sr, sc = np.nonzero(remaining)
        cand = None
        for _refit in range(2):
            cand = _candidate(xx, yy, sr, sc, px, py, ux, uy, nx, ny, d_est)
            if cand is None:
                break
            sel = cand["fit"]
            if sel.sum() < 3:
                cand = None
                break
            mx, my = xx[sel].mean(), yy[sel].mean()
            cov = np.cov(np.vstack([xx[sel] - mx, yy[sel] - my]))
            _, evecs = np.linalg.eigh(cov)
            ux, uy = float(evecs[0, 1]), float(evecs[1, 1])
            nx, ny = -uy, ux
            px, py = mx, my
            d_est = max(1.0, cand["width"])
        if cand is None:
            # nothing usable along this line: forget its skeleton pixels and go on
            dist = np.abs((sc - px) * nx + (sr - py) * ny)
            drop = dist <= 1.5
            if not drop.any():
                break
            remaining[sr[drop], sc[drop]] = False
            continue
        remaining[sr[cand["skel_done"]], sc[cand["skel_done"]]] = False
        width, length = cand["width"], cand["length"]
        ok = (width >= min_width_px and length >= min_aspect * width
              and cand["straight"] >= 0.8)
        if not ok:
            continue
        pix = np.zeros(sub.shape, bool)
        sel = cand["in_run_narrow"]
        pix[rr[sel], cc[sel]] = True
        t_mid = cand["t_mid"]
        angle = math.degrees(math.atan2(-uy, ux)) % 180.0
        w = Whisker(
            row=float(py + t_mid * uy), col=float(px + t_mid * ux), angle_deg=angle,
            length_px=length, width_px=width, n_pixels=int(sel.sum()),
            touches_edge=bool(edge[rr[sel], cc[sel]].any()),
        )
        found.append((w, pix))
    return found


def _candidate(
    xx: np.ndarray, yy: np.ndarray, sr: np.ndarray, sc: np.ndarray, px: float, py: float,
    ux: float, uy: float, nx: float, ny: float, d_est: float,
) -> dict[str, Any] | None:
    """The run along one line: its stations, width, length, and the skeleton it explains."""
    import scipy.ndimage as ndi

    t = (xx - px) * ux + (yy - py) * uy
    s = (xx - px) * nx + (yy - py) * ny
    ts = (sc - px) * ux + (sr - py) * uy
    ss = (sc - px) * nx + (sr - py) * ny
    narrow = np.abs(s) <= d_est / 2 + 0.5
    if narrow.sum() < 3:
        return None
    t0 = math.floor(t[narrow].min())
    st = np.floor(t - t0).astype(np.int64)
    n_st = int(st[narrow].max()) + 1
    occupied = np.bincount(st[narrow], minlength=n_st) > 0
    # runs of occupied stations, gaps of one station bridged
    runs: list[tuple[int, int]] = []
    start = None
    gap = 0
    for i, occ in enumerate(occupied):
        if occ:
            if start is None:
                start = i
            gap = 0
            last = i
        elif start is not None:
            gap += 1
            if gap > 1:
                runs.append((start, last))
                start, gap = None, 0
    if start is not None:
        runs.append((start, last))
    sk_near = np.abs(ss) <= d_est / 2 + 1.0
    sk_st = np.floor(ts - t0).astype(np.int64)
    best = max(runs, key=lambda ab: int(np.count_nonzero(
        sk_near & (sk_st >= ab[0]) & (sk_st <= ab[1]))))
    a, b = best
    in_run = (st >= a) & (st <= b)
    wide = in_run & (np.abs(s) <= d_est + 1.0)
    counts = np.bincount(st[wide] - a, minlength=b - a + 1).astype(float)
    # Per-station counts alias at rational slopes (at 45 degrees the lattice projects
    # onto the axis every 0.71 px: 1 px stations hold one or two layers in turn), so the
    # crossings are told on counts smoothed over 5 stations and the width is a sum over
    # many stations (exact on average).
    smooth = ndi.uniform_filter1d(counts, 5, mode="nearest")
    inner = np.zeros(counts.size, bool)
    inner[1:-1] = True
    if counts.size <= 4:
        inner[:] = True
    med = float(np.median(smooth[inner]))
    if med <= 0:
        return None
    crossing = ndi.binary_dilation(smooth > med + max(1.5, 0.25 * med), iterations=2)
    normal = inner & ~crossing
    if not normal.any():
        return None
    width = float(counts[normal].mean())
    narrow_w = in_run & (np.abs(s) <= width / 2 + 0.5)
    ncounts = np.bincount(st[narrow_w] - a, minlength=b - a + 1).astype(float)
    # a crossing's stations count as one width each, the others as they are
    length = float((ncounts[~crossing].sum() + width * crossing.sum()) / width)
    straight = float(np.mean(smooth >= 0.5 * width)) if counts.size else 0.0
    t_lo, t_hi = a + t0, b + t0 + 1
    skel_done = (np.abs(ss) <= width / 2 + 2.0) & (ts >= t_lo - 2) & (ts <= t_hi + 2)
    fit = narrow_w.copy()
    fit[narrow_w] = ~crossing[st[narrow_w] - a]
    return {
        "in_run_narrow": narrow_w,
        "fit": fit,
        "width": width,
        "length": length,
        "straight": straight,
        "t_mid": float(np.average(t[narrow_w])) if narrow_w.any() else (t_lo + t_hi) / 2,
        "skel_done": skel_done,
    }


def refine_whiskers(grey: np.ndarray, whiskers: tuple[Whisker, ...], *,
                    touching: bool = False) -> tuple[Whisker, ...]:
    """Width and ends of each whisker from the grey image: half-maximum of its profiles.

    A threshold puts a blurred bright rod's edge where the grey crosses it, which is
    inside the rod wherever its neighbour is darker than the threshold's reference (a
    pore beside the whisker): the mask is too thin and too short. The grey image knows
    better: the profile across the axis, sampled every 0.25 px (bilinear) and taken as
    the median over the stations of the whisker's middle (its ends and most crossings
    left out), falls from the whisker's grey to each side's own background (its median
    2-4 px beyond the edge); D is the distance between the two half-way crossings. Each
    end is refined the same way on the profile along the axis (the median across the
    middle half of the width), where the grey falls to what lies beyond the end; an end
    that does not fall (a T, a crossing) keeps the mask's end. A whisker whose profiles
    show no clear edge keeps its mask values.

    Parameters
    ----------
    grey : ndarray of float, shape (rows, columns)
    whiskers : tuple of Whisker
        From :func:`separate_whiskers`.
    touching : bool
        The whiskers are halves of touching pairs (:func:`split_touching`): the side
        that does not fall to a background (the partner) ends at the bottom of the
        groove, and an end that the mask overshoots (the shorter of the two) is found
        walking in towards the middle.

    Returns
    -------
    tuple of Whisker
        Same order, ``width_px``, ``length_px`` and the centre refined.
    """
    import scipy.ndimage as ndi

    g = np.asarray(grey, np.float64)
    out = []
    for w in whiskers:
        t = math.radians(w.angle_deg)
        ur, uc = -math.sin(t), math.cos(t)   # along, (row, col)
        vr, vc = math.cos(t), math.sin(t)    # across
        D, L = w.width_px, w.length_px
        half_s = D / 2 + 5.0
        s = np.arange(-half_s, half_s + 1e-9, 0.25)
        lo_t, hi_t = -L / 2 + D, L / 2 - D
        if hi_t - lo_t < 2:
            lo_t, hi_t = -L / 4, L / 4
        ts = np.arange(lo_t, hi_t + 1e-9, 1.0)
        rows = w.row + ts[:, None] * ur + s[None, :] * vr
        cols = w.col + ts[:, None] * uc + s[None, :] * vc
        prof = np.median(ndi.map_coordinates(g, [rows, cols], order=1, mode="nearest"), axis=0)
        width, shift = _half_width(prof, s, D, touching=touching)
        if width is None:
            out.append(w)
            continue
        row_c = w.row + shift * vr
        col_c = w.col + shift * vc
        # along the axis: profile through the middle half of the width
        ta = np.arange(-L / 2 - 6.0, L / 2 + 6.0 + 1e-9, 0.25)
        sa = np.linspace(-width / 4, width / 4, 5)
        rows = row_c + ta[:, None] * ur + sa[None, :] * vr
        cols = col_c + ta[:, None] * uc + sa[None, :] * vc
        along = np.median(ndi.map_coordinates(g, [rows, cols], order=1, mode="nearest"), axis=1)
        t0, t1 = -L / 2, L / 2
        for _ in range(2):  # the second time with the background beyond the refined ends
            c = (t0 + t1) / 2
            t0, t1 = _ends(along, ta - c, t1 - t0, width, inward=touching)
            t0, t1 = t0 + c, t1 + c
        length = t1 - t0
        mid = (t0 + t1) / 2
        out.append(Whisker(
            row=float(row_c + mid * ur), col=float(col_c + mid * uc), angle_deg=w.angle_deg,
            length_px=float(length), width_px=float(width), n_pixels=w.n_pixels,
            touches_edge=w.touches_edge,
        ))
    return tuple(out)


def _crossing(prof: np.ndarray, x: np.ndarray, start: int, step: int, level: float) -> float | None:
    """Where ``prof`` first falls below ``level`` walking from index ``start`` by ``step``."""
    i = start
    while 0 <= i + step < prof.size:
        a, b = prof[i], prof[i + step]
        if a >= level > b:
            f = (a - level) / (a - b)
            return float(x[i] + f * (x[i + step] - x[i]))
        i += step
    return None


def _half_width(prof: np.ndarray, s: np.ndarray, d: float, *,
                touching: bool = False) -> tuple[float | None, float]:
    centre = np.abs(s) <= max(0.5, d / 4)
    peak = float(np.median(prof[centre]))
    left = prof[(s <= -(d / 2 + 2)) & (s >= -(d / 2 + 4.5))]
    right = prof[(s >= d / 2 + 2) & (s <= d / 2 + 4.5)]
    if left.size == 0 or right.size == 0:
        return None, 0.0
    bl, br = float(np.median(left)), float(np.median(right))
    if peak - (min(bl, br) if touching else max(bl, br)) < 0.05 * max(abs(peak), 1e-6):
        return None, 0.0
    contrast = peak - min(bl, br)
    i0 = int(np.argmin(np.abs(s)))
    bl = _shoulder(prof, s, i0, -1, peak, bl, d)
    br = _shoulder(prof, s, i0, +1, peak, br, d)
    # a side that does not fall (a touching neighbour) ends at the groove between them
    levels = [(peak + x) / 2 if peak - x >= 0.3 * contrast or not touching else -math.inf
              for x in (bl, br)]
    a = _edge(prof, s, i0, -1, levels[0], contrast)
    b = _edge(prof, s, i0, +1, levels[1], contrast)
    if a is None or b is None or not (0.5 * d <= b - a <= 1.5 * d + 2):
        return None, 0.0
    return b - a, (a + b) / 2


def _edge(prof: np.ndarray, s: np.ndarray, i0: int, step: int, level: float,
          contrast: float) -> float | None:
    """Walking out from ``i0``: where the profile falls below ``level``, or the bottom of
    a groove (a local minimum it rises from by a tenth of ``contrast``) met before."""
    i, j = i0, i0
    while 0 <= i + step < prof.size:
        a, b = prof[i], prof[i + step]
        if a >= level > b:
            f = (a - level) / (a - b)
            return float(s[i] + f * (s[i + step] - s[i]))
        i += step
        if prof[i] < prof[j]:
            j = i
        elif (level == -math.inf and prof[i] > prof[j] + 0.1 * contrast
              and abs(s[j] - s[i0]) >= 1.0):
            return float(s[j])
    return None


def _shoulder(prof: np.ndarray, s: np.ndarray, i0: int, step: int, peak: float, far: float,
              d: float) -> float:
    """The grey beside the whisker on one side: a flat shoulder before the far background.

    A whisker lying on a strip of polymer that ends at a pore has two steps on that side,
    whisker -> polymer -> pore; its edge is halfway down the first. Walking out from the
    axis, the first place where the profile has fallen by a quarter of the contrast, stays
    a fifth of it above the far background and changes by less than 8 % of it over the
    next pixel is that shoulder (a single blurred step is never that flat so high up).
    """
    contrast = peak - far
    ds = abs(float(s[1] - s[0])) if s.size > 1 else 1.0
    n1 = max(1, round(1.0 / ds))
    i = i0
    while 0 <= i + step * n1 < prof.size and abs(s[i]) < d / 2 + 2.0:
        v = float(prof[i])
        if (peak - v > 0.25 * contrast and v - far > 0.2 * contrast
                and abs(v - float(prof[i + step * n1])) < 0.08 * contrast):
            return float(np.median(prof[min(i, i + step * n1):max(i, i + step * n1) + 1]))
        i += step
    return far


def _ends(along: np.ndarray, ta: np.ndarray, length: float, width: float, *,
          inward: bool = False) -> tuple[float, float]:
    inner = np.abs(ta) <= max(1.0, length / 2 - width)
    peak = float(np.median(along[inner]))
    ends = []
    for sign in (-1, 1):
        mask_end = sign * length / 2
        beyond = along[(sign * ta >= length / 2 + 2.5) & (sign * ta <= length / 2 + 6.0)]
        found = None
        if beyond.size and peak - float(np.median(beyond)) > 0.05 * max(abs(peak), 1e-6):
            level = (peak + float(np.median(beyond))) / 2
            start = int(np.argmin(np.abs(ta - sign * max(0.0, length / 2 - 3.0))))
            found = _crossing(along, ta, start, sign, level)
            if found is not None and abs(found - mask_end) > max(3.0, width):
                found = None
            if inward and found is None and along[start] < level:
                # the mask runs on past the grey's end (one of two touching whiskers
                # taken as one is the shorter): the end is nearer the middle
                j = start
                while 0 <= j - sign < along.size and along[j] < level and sign * ta[j] > 0:
                    j -= sign
                if along[j] >= level and j != start:
                    found = _crossing(along, ta, j, sign, level)
        ends.append(mask_end if found is None else found)
    return ends[0], ends[1]


def paint_whiskers(shape: tuple[int, int], whiskers: tuple[Whisker, ...]) -> np.ndarray:
    """The pixels whose centres lie in any whisker's rectangle (L x D about its axis).

    Examples
    --------
    >>> m = paint_whiskers((20, 40), (Whisker(10.0, 20.0, 0.0, 30.0, 5.0, 0, False),))
    >>> int(m.sum())
    150
    """
    rows, cols = shape
    out = np.zeros(shape, bool)
    for w in whiskers:
        (ra, ca), (rb, cb) = w.endpoints()
        pad = w.width_px / 2 + 1
        r0, r1 = max(0, math.floor(min(ra, rb) - pad)), min(rows, math.ceil(max(ra, rb) + pad) + 1)
        c0, c1 = max(0, math.floor(min(ca, cb) - pad)), min(cols, math.ceil(max(ca, cb) + pad) + 1)
        if r0 >= r1 or c0 >= c1:
            continue
        rr, cc = np.mgrid[r0:r1, c0:c1].astype(np.float64)
        t = math.radians(w.angle_deg)
        along = (cc - w.col) * math.cos(t) - (rr - w.row) * math.sin(t)
        across = (cc - w.col) * math.sin(t) + (rr - w.row) * math.cos(t)
        hl, hd = w.length_px / 2, w.width_px / 2
        out[r0:r1, c0:c1] |= (along >= -hl) & (along < hl) & (across >= -hd) & (across < hd)
    return out
