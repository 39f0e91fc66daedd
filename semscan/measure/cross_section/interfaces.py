"""Finding the interfaces between the layers of a film cross-section (the search).

The rules are those of :mod:`semscan.measure.cross_section.layers` (its module docstring):
local structure per film-frame row in blocks along the film, least-squares cuts by dynamic
programming, robust interface curves, and the test that two parts differ in structure.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import ndimage as ndi

from semscan.calibration import Calibration
from semscan.measure.cross_section._memo import memoised
from semscan.measure.cross_section.film import FilmGeometry
from semscan.measure.cross_section.frame import FilmFrame
from semscan.measure.cross_section.profile import DepthProfile

__all__ = ["MAX_LAYERS", "MIN_LAYER_FRACTION", "POROSITY_STEP", "SIZE_STEP", "LayersOption",
           "min_layer_px"]

MAX_LAYERS = 5
"""Most layers ``layers='auto'`` looks for."""

MIN_LAYER_FRACTION = 0.25
"""A layer is at least this fraction of the film thickness (thinner: a surface layer)."""

POROSITY_STEP = 0.08
"""Porosity difference (absolute) across an interface that makes two layers."""

SIZE_STEP = 1.3
"""Ratio of mean pore intercepts (along or through) across an interface that makes two layers."""

LayersOption = int | Literal["off", "auto"]


def min_layer_px(thickness_px: float, through_feature_px: float) -> float:
    """The thinnest layer semscan separates (px).

    ``max(MIN_LAYER_FRACTION x thickness, 1.5 x the mean pore-plus-wall intercept through
    the film, 4 px)``: a band thinner than that next to a surface is a surface layer
    (METHODS.md 6), and a layer must hold a few pores through its thickness to have a
    structure of its own.

    Examples
    --------
    >>> min_layer_px(400.0, 40.0)
    100.0
    """
    return float(max(MIN_LAYER_FRACTION * thickness_px, 1.5 * through_feature_px, 4.0))


# --------------------------------------------------------------------------- local structure
def _counts(fr: FilmFrame, inside: np.ndarray) -> dict[str, np.ndarray]:
    """Per-pixel indicators: inside, pore, pairs and crossings along / through."""
    p = fr.pore & inside
    pa = inside[:, 1:] & inside[:, :-1]
    pt = inside[1:, :] & inside[:-1, :]
    ta = pa & (p[:, 1:] != p[:, :-1])
    tt = pt & (p[1:, :] != p[:-1, :])
    z = np.zeros_like(inside)
    na, xa, nt, xt = z.copy(), z.copy(), z.copy(), z.copy()
    na[:, 1:], xa[:, 1:], nt[1:, :], xt[1:, :] = pa, ta, pt, tt
    return {"v": inside, "p": p, "na": na, "xa": xa, "nt": nt, "xt": xt}


def _stats(c: dict[str, np.ndarray], sel: np.ndarray) -> tuple[float, float, float]:
    """Porosity and mean pore intercepts along / through (px) of the selected pixels."""
    return _stats_of({k: float(np.count_nonzero(v & sel)) for k, v in c.items()})


def _stats_of(s: dict[str, float]) -> tuple[float, float, float]:
    """:func:`_stats` from the counts of each indicator."""
    if s["v"] == 0:
        return float("nan"), float("nan"), float("nan")
    p = s["p"] / s["v"]
    la = 2.0 * p / (s["xa"] / s["na"]) if s["xa"] > 0 and s["na"] > 0 else float("nan")
    lt = 2.0 * p / (s["xt"] / s["nt"]) if s["xt"] > 0 and s["nt"] > 0 else float("nan")
    return p, la, lt


def _segment_costs(x: np.ndarray) -> np.ndarray:
    """``C[i, j]``: squared deviation of rows ``i..j-1`` (features in columns) from their mean."""
    n = x.shape[0]
    s1 = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
    s2 = np.concatenate([[0.0], np.cumsum((x * x).sum(axis=1))])
    i = np.arange(n + 1)[:, None]
    j = np.arange(n + 1)[None, :]
    length = np.maximum(j - i, 1)
    d1 = s1[None, :, :] - s1[:, None, :]
    cost = (s2[None, :] - s2[:, None]) - (d1 * d1).sum(axis=2) / length
    cost[j <= i] = np.inf
    return cost


def _best_cuts(x: np.ndarray, k: int, min_len: int) -> list[int] | None:
    """Cut rows into ``k`` segments of least total squared deviation (None: cannot)."""
    n = x.shape[0]
    if k == 1:
        return []
    if n < k * min_len:
        return None
    if k == 2:  # one cut: only the segments from the first row and to the last one
        return _best_cut(x, min_len)
    cost = _segment_costs(x)
    i = np.arange(n + 1)[:, None]
    j = np.arange(n + 1)[None, :]
    cost = np.where(j - i >= min_len, cost, np.inf)
    best = cost[0].copy()  # one segment ending at j
    back = []
    for _ in range(1, k):
        total = best[:, None] + cost
        arg = np.argmin(total, axis=0)
        best = total[arg, np.arange(n + 1)]
        back.append(arg)
    if not math.isfinite(best[n]):
        return None
    cuts, end = [], n
    for arg in reversed(back):
        end = int(arg[end])
        cuts.append(end)
    return sorted(cuts)


def _best_cut(x: np.ndarray, min_len: int) -> list[int] | None:
    """:func:`_best_cuts` for ``k = 2`` in O(n): the costs of rows ``0..j-1`` and ``j..n-1``
    only, by the same arithmetic as :func:`_segment_costs` (the same cut, bit for bit)."""
    n = x.shape[0]
    s1 = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)])
    s2 = np.concatenate([[0.0], np.cumsum((x * x).sum(axis=1))])
    j = np.arange(n + 1)
    head = s1 - s1[0]
    tail = s1[n] - s1
    first = (s2 - s2[0]) - (head * head).sum(axis=1) / np.maximum(j, 1)
    last = (s2[n] - s2) - (tail * tail).sum(axis=1) / np.maximum(n - j, 1)
    least = max(min_len, 1)  # no empty segment, as _segment_costs has it
    ok = (j >= least) & (n - j >= least)
    total = np.where(ok, first + last, np.inf)
    cut = int(np.argmin(total))
    return [cut] if math.isfinite(total[cut]) else None


def _block_features(c: dict[str, np.ndarray], cols: slice, sigma: float,
                    shift: np.ndarray | None = None) -> np.ndarray:
    """Scaled row features of one block: porosity, ``P_L`` along, ``P_L`` through.

    Linear in the counts and not smoothed across the depth (``sigma`` is kept for the
    callers, unused): a least-squares step fit of a blurred step is unbiased only on a
    quantity linear in the counts; smoothing then taking the log of ``P_L`` put the cut
    up to 9 px (a third of the smoothing) on the side of the smaller ``P_L`` (the
    two-layer phantom, seeds 0-9). ``P_L`` is in units of ``SIZE_STEP - 1`` of its block
    mean, porosity in units of :data:`POROSITY_STEP`.
    """
    del sigma
    s = {k: _shifted_rows(v[:, cols], shift).astype(float) for k, v in c.items()}
    v = np.maximum(s["v"], 1e-9)
    p = s["p"] / v
    pla = s["xa"] / np.maximum(s["na"], 1.0)
    plt = s["xt"] / np.maximum(s["nt"], 1.0)
    ok = s["v"] > 0
    unit = SIZE_STEP - 1.0
    ma = float(pla[ok].mean()) if ok.any() else 0.0
    mt = float(plt[ok].mean()) if ok.any() else 0.0
    return np.column_stack([p / POROSITY_STEP, pla / max(ma * unit, 1e-9),
                            plt / max(mt * unit, 1e-9)])


def _shifted_rows(a: np.ndarray, shift: np.ndarray | None) -> np.ndarray:
    """``_shifted(a, shift).sum(axis=1)`` (integers), by groups of columns of one shift:
    the columns sorted by shift are summed group by group and each group's row sums moved
    by its shift (the same integers; 3-4x faster on a block straightened along a wave than
    gathering every pixel)."""
    if shift is None or not shift.any():
        return a.sum(axis=1)
    ny = a.shape[0]
    order = np.argsort(shift, kind="stable")
    ds = shift[order]
    starts = np.flatnonzero(np.r_[True, ds[1:] != ds[:-1]])
    sums = np.add.reduceat(a[:, order], starts, axis=1, dtype=np.int64)
    out = np.zeros(ny, np.int64)
    for g, d in enumerate(ds[starts].tolist()):
        if d >= ny or -d >= ny:
            continue
        if d >= 0:
            out[: ny - d] += sums[d:, g]
        else:
            out[-d:] += sums[: ny + d, g]
    return out


def _shifted(a: np.ndarray, shift: np.ndarray | None) -> np.ndarray:
    """Column ``j`` of ``a`` moved up by ``shift[j]`` rows (False / 0 where it leaves)."""
    if shift is None or not shift.any():
        return a
    idx = np.arange(a.shape[0])[:, None] + shift[None, :]
    ok = (idx >= 0) & (idx < a.shape[0])
    return np.where(ok, np.take_along_axis(a, np.clip(idx, 0, a.shape[0] - 1), axis=0), 0)


@dataclass(frozen=True)
class _Film:
    """What the search needs: the frame's film rows, the surfaces per frame column."""

    inside: np.ndarray
    top: np.ndarray      # y' of the top surface per frame column
    bottom: np.ndarray
    ys: np.ndarray       # y' of each frame row
    xs: np.ndarray       # x' of each frame column


def _blocks(c: dict[str, np.ndarray], f: _Film, width: int, sigma: float,
            region: np.ndarray,
            along: np.ndarray | None = None,
            cache: dict[str, Any] | None = None) -> list[tuple[float, int, np.ndarray]]:
    """Each block's centre x', first row and scaled row features (rows of ``region``).

    ``along`` (y' per frame column, a first interface curve): each block's columns are
    shifted so that the curve is level with it at the block's centre before the rows are
    summed, so that a wave inside a block does not blur the step (a block averages a
    sinusoid of period ``P`` to ``sinc(width / P)`` of its amplitude, and blurs the step).

    A block's features depend on the pores and the film inside its columns (and the column
    before, for the pairs along the film) and on its shifts only: with a ``cache``
    (:mod:`~semscan.measure.cross_section._memo`) they are computed again only where those
    changed.
    """
    colsum = region.sum(axis=0)
    used = np.flatnonzero(colsum > 0)
    if used.size == 0:
        return []
    c0, c1 = int(used[0]), int(used[-1]) + 1
    step = max(1, width // 4)  # quarter-overlapping: more cuts along a wavy interface
    out = []
    for s0 in range(c0, max(c0 + 1, c1 - width + 1), step):
        cols = slice(s0, min(s0 + width, c1))
        n_cols = cols.stop - cols.start
        rows = np.flatnonzero(region[:, cols].sum(axis=1) >= 0.5 * n_cols)
        if rows.size < 4:
            continue
        r0, r1 = int(rows[0]), int(rows[-1]) + 1
        mid = (cols.start + cols.stop - 1) // 2
        shift = (None if along is None
                 else np.round(along[cols] - along[mid]).astype(np.int64))
        seen = slice(max(cols.start - 1, 0), cols.stop)
        feats = memoised(cache, "layer_block", (c["p"][:, seen], c["v"][:, seen]),
                         (cols.start, cols.stop, sigma,
                          None if shift is None else shift.tobytes()),
                         lambda cols=cols, shift=shift: _block_features(c, cols, sigma, shift))
        out.append((float(f.xs[mid]), r0, feats[r0:r1]))
    return out


def _cuts_by_block(
    blocks: list[tuple[float, int, np.ndarray]], f: _Film, k: int, min_len: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """x' of each block centre and y' of its ``k - 1`` cuts (None when no block can).

    Two passes: the features in units of the steps that make a layer, then each feature
    weighted by the inverse of its spread inside the segments of the first pass (so that
    the quantity that changes most cleanly across the interface decides where it is).
    """
    weights = np.ones(3)
    result = None
    for _ in range(2):
        centres, cuts, resid = [], [], []
        for centre, r0, x in blocks:
            xw = x * weights
            got = _best_cuts(xw, k, min_len)
            if got is None:
                continue
            centres.append(centre)
            cuts.append([float(f.ys[r0 + g]) - 0.5 for g in got])
            edges = [0, *got, len(x)]
            for a, b in itertools.pairwise(edges):
                resid.append(x[a:b] - x[a:b].mean(axis=0))
        if not centres:
            return None
        result = np.asarray(centres), np.asarray(cuts).reshape(len(centres), k - 1)
        sd = np.std(np.vstack(resid), axis=0)
        weights = 1.0 / np.maximum(sd, 1e-6)
        weights /= weights.max()
    return result


def _robust_curve(centres: np.ndarray, cuts: np.ndarray, m_px: float,
                  xs: np.ndarray) -> np.ndarray:
    """The interface through the blocks' cuts, y' at each ``xs``.

    Cuts farther than ``max(m_px / 4, 5 robust SD)`` from the local trend (a running
    median of five blocks) are dropped (a block whose pores happen to mimic the other
    layer); the rest are smoothed by a 1-2-1 kernel and joined linearly. (Before: the
    distance was to the median of all cuts and a running median of three smoothed them;
    that dropped or flattened the crests of a wave deeper than ``m_px / 4`` and read its
    roughness 21-40 % low.)
    """
    if len(cuts) >= 5:
        trend = ndi.median_filter(cuts, size=5, mode="mirror")
    else:
        trend = np.full(cuts.shape, float(np.median(cuts)))
    dev = cuts - trend
    mad = 1.4826 * float(np.median(np.abs(dev)))
    keep = np.abs(dev) <= max(m_px / 4.0, 5.0 * mad)
    x, y = centres[keep], cuts[keep]
    if len(y) >= 3:
        y = np.convolve(np.pad(y, 1, mode="edge"), [0.25, 0.5, 0.25], "valid")
    return np.interp(xs, x, y)


def _column_counts(c: dict[str, np.ndarray]) -> tuple[int, dict[str, np.ndarray]]:
    """Each indicator counted down each frame column, over the rows holding film only:
    ``(r0, cum)`` with ``cum[k][i, j]`` the count of ``c[k]`` in rows ``r0..r0+i-1`` of
    column ``j`` (every indicator is False on the other rows)."""
    rows = np.flatnonzero(c["v"].any(axis=1))
    r0, r1 = (int(rows[0]), int(rows[-1]) + 1) if rows.size else (0, 0)
    out = {}
    for k, v in c.items():
        cum = np.zeros((r1 - r0 + 1, v.shape[1]), np.int32)
        u = v[r0:r1].view(np.uint8)
        for i in range(r1 - r0):  # row by row: ten times numpy's cumsum down axis 0
            np.add(cum[i], u[i], out=cum[i + 1])
        out[k] = cum
    return r0, out


def _band_counts(counts: tuple[int, dict[str, np.ndarray]], ys: np.ndarray,
                 upper: np.ndarray, lower: np.ndarray) -> dict[str, np.ndarray]:
    """Per frame column, the count of each indicator in the rows with
    ``upper <= y' < lower`` (none where either is NaN), from :func:`_column_counts`."""
    r0, cum = counts
    n = next(iter(cum.values())).shape[0] - 1
    lo = np.searchsorted(ys, upper, side="left")
    hi = np.searchsorted(ys, lower, side="left")
    hi = np.where(np.isnan(upper) | np.isnan(lower), lo, np.maximum(hi, lo))
    lo, hi = np.clip(lo - r0, 0, n), np.clip(hi - r0, 0, n)
    cols = np.arange(lo.size)
    return {k: v[hi, cols].astype(np.int64) - v[lo, cols] for k, v in cum.items()}


def _contrast(c: dict[str, np.ndarray], f: _Film, upper: np.ndarray, here: np.ndarray,
              lower: np.ndarray, cum: tuple[int, dict[str, np.ndarray]] | None = None,
              ) -> tuple[float, float, float, bool]:
    """Across the curve ``here`` (the band down to ``lower`` over the band up to ``upper``,
    y' per frame column): the porosity step, the ratios of the mean pore intercepts along
    and through, and whether the structure differs.

    It differs when one of the three changes by at least its step (:data:`POROSITY_STEP`,
    :data:`SIZE_STEP`) and by at least 3 standard errors of the change, these from its
    spread over 8 stretches along the film. The counts are taken column by column from
    ``cum`` (:func:`_column_counts` of ``c``, made here when not given), the same integers
    as masks of the two bands would count.
    """
    if cum is None:
        cum = _column_counts(c)
    above = _band_counts(cum, f.ys, upper, here)
    below = _band_counts(cum, f.ys, here, lower)

    def stats(counts: dict[str, np.ndarray], part: np.ndarray | None
              ) -> tuple[float, float, float]:
        return _stats_of({k: float(v.sum() if part is None else v[part].sum())
                          for k, v in counts.items()})

    pa, aa, ta = stats(above, None)
    pb, ab, tb = stats(below, None)
    step = (pb - pa, ab / aa, tb / ta)
    used = np.flatnonzero(f.inside.any(axis=0))
    diffs = []
    if used.size >= 8:
        for part in np.array_split(used, 8):
            sa, sb = stats(above, part), stats(below, part)
            with np.errstate(divide="ignore", invalid="ignore"):
                diffs.append([sb[0] - sa[0], np.log(sb[1] / sa[1]), np.log(sb[2] / sa[2])])
    d = np.asarray(diffs, float).reshape(-1, 3)
    lims = (POROSITY_STEP, math.log(SIZE_STEP), math.log(SIZE_STEP))
    differs = False
    for j, lim in enumerate(lims):
        col = d[np.isfinite(d[:, j]), j]
        if col.size < 4:
            continue
        mean, se = float(col.mean()), float(col.std(ddof=1) / math.sqrt(col.size))
        differs |= abs(mean) >= lim and abs(mean) >= 3.0 * se
    return (*step, differs)


def _keep_out(profile: DepthProfile | None, m_px: float,
              calibration: Calibration) -> tuple[float, float]:
    """Surface layers thinner than the thinnest layer (px from each surface), else 0."""
    out = []
    for layer in ((profile.layer_top, profile.layer_bottom) if profile is not None else ()):
        t = calibration.to_px(layer.thickness_um) if layer.kind != "none" else 0.0
        out.append(t if math.isfinite(t) and t < m_px else 0.0)
    return (out[0], out[1]) if out else (0.0, 0.0)


def _search(c: dict[str, np.ndarray], f: _Film, mode: LayersOption, m_px: float,
            film: FilmGeometry, keep: tuple[float, float], scale: float,
            notes: list[str], *, cum: tuple[int, dict[str, np.ndarray]] | None = None,
            cache: dict[str, Any] | None = None) -> list[np.ndarray]:
    """The interface curves (y' per frame column) for ``mode`` ('auto' or a number).

    A number: the film cut into that many layers at once. ``'auto'``: interfaces added one
    at a time, each the best single cut of one layer found so far, while the two parts of
    the layer it cuts differ in structure (:func:`_contrast`, the outer bands without the
    thin surface layers ``keep``). ``cum``: :func:`_column_counts` of ``c``; ``cache``: see
    :func:`_blocks`.
    """
    feat = max(film.feature_px, 4.0)
    n_cols = int(np.count_nonzero(f.inside.any(axis=0)))
    width = int(max(6.0 * feat, n_cols / 12.0))
    sigma = max(1.0, feat / 2.0)
    min_len = max(2, math.ceil(m_px))
    yy = f.ys[:, None]

    def region_of(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
        return f.inside & (yy >= upper[None, :]) & (yy < lower[None, :])

    def refined(upper: np.ndarray, lower: np.ndarray, curve: np.ndarray) -> np.ndarray:
        """A second pass along a first one-cut curve (each block straightened on it)."""
        again = _cuts_by_block(_blocks(c, f, width, sigma, region_of(upper, lower),
                                       along=curve, cache=cache), f, 2, min_len)
        if again is None:
            return curve
        return _robust_curve(again[0], again[1][:, 0], m_px, f.xs)

    def curves_in(upper: np.ndarray, lower: np.ndarray, k: int) -> list[np.ndarray] | None:
        got = _cuts_by_block(_blocks(c, f, width, sigma, region_of(upper, lower),
                                     cache=cache), f, k, min_len)
        if got is None:
            return None
        centres, cuts = got
        return [_robust_curve(centres, cuts[:, j], m_px, f.xs) for j in range(k - 1)]

    if isinstance(mode, int):
        if mode == 1:
            return []
        got = curves_in(f.top, f.bottom, mode)
        if got is None:
            notes.append(f"the film is too thin to hold {mode} layers of at least "
                         f"{m_px * scale:.3g} each; one layer measured")
            return []
        return [refined(f.top, f.bottom, got[0])] if mode == 2 else got
    accepted: list[np.ndarray] = []
    while len(accepted) + 1 < MAX_LAYERS:
        bounds = [f.top, *accepted, f.bottom]
        best: tuple[float, int, np.ndarray] | None = None
        for k in range(len(bounds) - 1):
            got = curves_in(bounds[k], bounds[k + 1], 2)
            if not got:
                continue
            up = bounds[k] + (keep[0] if k == 0 else 0.0)
            dn = bounds[k + 1] - (keep[1] if k == len(bounds) - 2 else 0.0)
            dp, ra, rt, differs = _contrast(c, f, up, got[0], dn, cum)
            if not differs:
                continue
            strength = max(abs(dp) / POROSITY_STEP,
                           *(abs(math.log(r)) / math.log(SIZE_STEP)
                             for r in (ra, rt) if math.isfinite(r) and r > 0))
            if best is None or strength > best[0]:
                best = (strength, k, got[0])
        if best is None:
            break
        # the second pass only for the cut taken (a one-layer film pays for one pass)
        accepted.insert(best[1], refined(bounds[best[1]], bounds[best[1] + 1], best[2]))
    return accepted
