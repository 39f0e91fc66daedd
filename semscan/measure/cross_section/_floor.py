"""The interface detector's own noise floor on one image (a self-splice bootstrap).

The roughness of a found interface (:mod:`~semscan.measure.cross_section.layers`) is that
of the true interface plus the detector's mislocation, whose size depends on the image:
where the pores of one layer happen to mimic the other's, a block's cut is off by tens of
pixels. This module measures that mislocation on the image's own structure. From the two
layers next to an interface it builds surrogate sections whose interface is known and
straight: above it the upper layer's structure, below it the lower layer's, both taken
away from the found interface (the rows beyond the found curve's extremes by
``margin_px``, moved together to meet on a level line, :func:`splice`) and each shifted
along the film by its own seeded random offset (circular over the film's columns; the
upper part mirrored left to right in every other surrogate, the lower one in every other
pair), so that the two layers meet at other places than in the image.
The interface search is run on each surrogate exactly as on the image (the same blocks,
cuts, robust curve and straightened second pass); the roughness it reads there about its
own line is its error, since the truth is a line. Its RMS over the surrogates (in
quadrature) is the floor.

A floor-corrected RMS follows by subtraction in quadrature, ``sqrt(max(0, RMS^2 -
floor^2))``: the detector's error taken as independent of the interface's own shape (it is
the pores' doing) and the true waves as passed unchanged (they are not: a wave shorter than
~3 blocks is read low, README Known limitations, which no floor corrects).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from semscan.measure.cross_section.interfaces import (
    _blocks,
    _counts,
    _cuts_by_block,
    _Film,
    _robust_curve,
)

__all__ = ["FLAG_RATIO", "NO_FLOOR", "N_SURROGATES", "Floor", "corrected",
           "detector_settings", "interface_floor", "one_cut", "splice"]

N_SURROGATES = 8
"""Surrogates per interface when none is given (the README's and the benchmark's number)."""

FLAG_RATIO = 2.0
"""A measured RMS up to this multiple of the floor is flagged as below the detection floor."""


@dataclass(frozen=True)
class Floor:
    """The detector's noise floor on one interface of one image (px).

    Attributes
    ----------
    rms_px, ra_px : float
        RMS over the surrogates of their RMS (in quadrature), mean of their Ra (NaN when no
        surrogate could be built).
    rms_values_px : tuple of float
        Each surrogate's RMS.
    """

    rms_px: float
    ra_px: float
    rms_values_px: tuple[float, ...]

    @property
    def spread_px(self) -> float:
        """Standard deviation of the surrogates' RMS (NaN with fewer than two)."""
        v = np.asarray(self.rms_values_px, float)
        return float(v.std(ddof=1)) if v.size >= 2 else float("nan")


NO_FLOOR = Floor(float("nan"), float("nan"), ())
"""No floor: a layer too thin to splice, or no surrogate the search could cut."""


def detector_settings(feature_px: float, inside: np.ndarray, m_px: float
                      ) -> tuple[int, float, int]:
    """``(width, sigma, min_len)`` of the interface search (as in ``interfaces._search``)."""
    feat = max(feature_px, 4.0)
    n_cols = int(np.count_nonzero(inside.any(axis=0)))
    return (int(max(6.0 * feat, n_cols / 12.0)), max(1.0, feat / 2.0),
            max(2, math.ceil(m_px)))


def one_cut(pore: np.ndarray, f: _Film, upper: np.ndarray, lower: np.ndarray, *,
            m_px: float, feature_px: float) -> np.ndarray | None:
    """The interface search's one cut between ``upper`` and ``lower`` (y' per frame column):
    the first pass, then the second along it (``interfaces._search``'s ``curves_in`` and
    ``refined``), on the frame's ``pore`` inside ``f.inside``. None when no block can cut."""
    width, sigma, min_len = detector_settings(feature_px, f.inside, m_px)
    c = _counts_of(pore, f.inside)
    yy = f.ys[:, None]
    region = f.inside & (yy >= upper[None, :]) & (yy < lower[None, :])
    got = _cuts_by_block(_blocks(c, f, width, sigma, region), f, 2, min_len)
    if got is None:
        return None
    first = _robust_curve(got[0], got[1][:, 0], m_px, f.xs)
    again = _cuts_by_block(_blocks(c, f, width, sigma, region, along=first), f, 2, min_len)
    if again is None:
        return first
    return _robust_curve(again[0], again[1][:, 0], m_px, f.xs)


def _counts_of(pore: np.ndarray, inside: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`~semscan.measure.cross_section.interfaces._counts` of a surrogate (it reads
    the frame's ``pore`` only)."""
    return _counts(SimpleNamespace(pore=pore), inside)  # type: ignore[arg-type]


def splice(pore: np.ndarray, inside: np.ndarray, ys: np.ndarray, upper: np.ndarray,
           curve: np.ndarray, lower: np.ndarray, *, margin_px: float,
           shift: tuple[int, int] = (0, 0), flip: tuple[bool, bool] = (False, False),
           cols: slice | None = None,
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float] | None:
    """A surrogate section: the structure above ``curve`` over a straight level line, the
    structure below it under that line (frame rows; ``upper``, ``curve``, ``lower``: y'
    per frame column, the upper layer's top, the interface, the lower layer's bottom).

    The line is the curve's mean y' (over ``cols``, the film's columns). The upper
    layer's rows down to ``min(curve) - margin_px`` (its part away from the interface)
    are moved down so that they end at the line, and the lower layer's rows from
    ``max(curve) + margin_px`` are moved up to start there: the rows near the found
    interface, where the two structures mix, are left out, and the surrogate film is
    thinner by as much (a translation, not a mirror: a mirror doubles whatever lies next
    to its axis, and a pore cluster 20 px off the interface became a 40 px band that
    moved the cut by 30-50 px). Each part (pores, film mask and its boundary together) is
    then shifted circularly along the film by its ``shift`` (columns, over ``cols``) and
    mirrored left to right where ``flip``.

    Returns
    -------
    (pore, inside, upper, lower, line) or None
        The surrogate's frame masks, its upper layer's top and lower layer's bottom (y' per
        frame column) and the y' of its interface. None when the curve is not known over
        ``cols`` or a layer has no row left.
    """
    ny, nx = pore.shape
    cols = cols if cols is not None else slice(0, nx)
    cv = curve[cols]
    if not np.isfinite(cv).all():
        return None
    y0 = float(ys[0])
    line = float(cv.mean())
    line_row = math.ceil(line - y0)                    # first row at or below the line
    a = math.floor(float(cv.min()) - margin_px - y0)   # rows < a: the upper layer alone
    b = math.ceil(float(cv.max()) + margin_px - y0)    # rows >= b: the lower layer alone
    up, down = max(line_row - a, 0), max(b - line_row, 0)
    rows = np.arange(ny)[:, None]
    empty = np.zeros((max(up, down), nx), bool)
    # moved down by ``up`` (rows < a only) and up by ``down`` (rows >= b only)
    up_p = np.vstack([empty[:up], pore[:ny - up]]) if up else pore.copy()
    up_v = np.vstack([empty[:up], inside[:ny - up]]) if up else inside.copy()
    dn_p = np.vstack([pore[down:], empty[:down]]) if down else pore.copy()
    dn_v = np.vstack([inside[down:], empty[:down]]) if down else inside.copy()
    up_v &= rows < line_row
    dn_v &= rows >= line_row
    bounds = [upper + up, lower - down]
    for k, (p, v) in enumerate(((up_p, up_v), (dn_p, dn_v))):
        for m in (p, v):
            seg = m[:, cols][:, ::-1] if flip[k] else m[:, cols]
            m[:, cols] = np.roll(seg, shift[k], axis=1)
        seg_b = bounds[k][cols][::-1] if flip[k] else bounds[k][cols]
        bounds[k] = bounds[k].copy()
        bounds[k][cols] = np.roll(seg_b, shift[k])
    out_v = up_v | dn_v
    out_p = (up_p & up_v) | (dn_p & dn_v)
    if not (up_v.any() and dn_v.any()):
        return None
    return out_p, out_v, bounds[0], bounds[1], y0 + line_row - 0.5


def interface_floor(pore: np.ndarray, f: _Film, upper: np.ndarray, curve: np.ndarray,
                    lower: np.ndarray, positions_px: np.ndarray, *, m_px: float,
                    feature_px: float, margin_px: float, n: int = N_SURROGATES,
                    seed: int = 0) -> Floor:
    """The detector's noise floor on the interface ``curve`` (y' per frame column) between
    the boundaries ``upper`` and ``lower`` of its two layers (module docstring).

    Parameters
    ----------
    pore : ndarray of bool
        The frame's pores (:attr:`FilmFrame.pore`).
    f : _Film
        The frame's film rows and coordinates (``f.inside``, ``f.ys``, ``f.xs``).
    upper, curve, lower : ndarray of float
        y' per frame column: the upper layer's top, the found interface, the lower layer's
        bottom.
    positions_px : ndarray of float
        x' at which the roughness is measured (:attr:`FilmGeometry.positions_px`).
    m_px, feature_px : float
        The thinnest layer and the film's feature length (px), as for the search.
    margin_px : float
        Rows left out beyond the found curve's extremes (px).
    n, seed : int
        Surrogates and the seed of their shifts and flips (deterministic).

    Returns
    -------
    Floor
        :data:`NO_FLOOR` when no surrogate can be built (a layer too thin to splice).
    """
    used = np.flatnonzero(f.inside.any(axis=0))
    if used.size < 8 or n < 1:
        return NO_FLOOR
    cols = slice(int(used[0]), int(used[-1]) + 1)
    xs = f.xs
    width = cols.stop - cols.start
    rng = np.random.default_rng(seed)
    rms, ra = [], []
    for k in range(n):
        s = rng.integers(0, width, size=2)
        got = splice(pore, f.inside, f.ys, upper, curve, lower, margin_px=margin_px,
                     shift=(int(s[0]), int(s[1])), flip=(k % 2 == 1, k % 4 >= 2), cols=cols)
        if got is None:
            return NO_FLOOR
        sp, sv, up_s, dn_s, _ = got
        fs = _Film(sv, up_s, dn_s, f.ys, f.xs)
        cut = one_cut(sp, fs, up_s, dn_s, m_px=m_px, feature_px=feature_px)
        if cut is None:
            continue
        y = np.interp(positions_px, xs, cut)
        dev = y - np.polyval(np.polyfit(positions_px, y, 1), positions_px)
        rms.append(float(np.sqrt(np.mean(dev * dev))))
        ra.append(float(np.mean(np.abs(dev))))
    if not rms:
        return NO_FLOOR
    return Floor(float(np.sqrt(np.mean(np.square(rms)))), float(np.mean(ra)), tuple(rms))


def corrected(ra: float, rms: float, floor: Floor) -> tuple[float, float]:
    """Floor-corrected ``(Ra, RMS)``: ``RMS_c = sqrt(max(0, RMS^2 - floor^2))`` and ``Ra_c =
    Ra RMS_c / RMS`` (the measured curve's ratio Ra / RMS kept: 0.90 for a sinusoid, 0.80
    for a Gaussian profile). NaN when the floor is unknown.

    Examples
    --------
    >>> corrected(4.0, 5.0, Floor(3.0, 2.0, (3.0,)))
    (3.2, 4.0)
    """
    if not (math.isfinite(floor.rms_px) and math.isfinite(rms)) or rms <= 0:
        return float("nan"), float("nan")
    rc = math.sqrt(max(0.0, rms * rms - floor.rms_px ** 2))
    return ra * rc / rms, rc
