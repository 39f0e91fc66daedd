"""Private geometry for line sampling: parallel lines in a window, runs along lines.

Coordinates are (row, col) in pixels; the centre of pixel ``(r, c)`` is at ``(r, c)`` and
the pixel covers ``[r - 0.5, r + 0.5) x [c - 0.5, c + 0.5)``. A line at ``angle_deg``
runs along ``u = (-sin a, cos a)`` (0 = along rows, positive angles counter-clockwise as
displayed, i.e. the row index decreases), and parallel lines are offset along the normal
``n = (cos a, sin a)``. Everything is vectorised over lines and samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["LineSamples", "Runs", "line_samples", "runs_2d", "unit_vectors"]

_EPS = 1e-9


def unit_vectors(angle_deg: float) -> tuple[float, float, float, float]:
    """Return ``(ur, uc, nr, nc)``: line direction and normal, exact at multiples of 90°."""
    a = float(angle_deg) % 360.0
    exact = {0.0: (0.0, 1.0), 90.0: (1.0, 0.0), 180.0: (0.0, -1.0), 270.0: (-1.0, 0.0)}
    if a in exact:
        s, c = exact[a]
    else:
        rad = math.radians(a)
        s, c = math.sin(rad), math.cos(rad)
    return -s, c, c, s


@dataclass(frozen=True, eq=False)
class LineSamples:
    """Nearest-pixel samples of ``m`` parallel lines, padded to a common length ``L``.

    rows, cols : (m, L) int arrays (0 beyond a line's end); valid : (m, L) bool;
    n_samples : (m,) int; endpoints : (m, 4) float ``(r0, c0, r1, c1)`` of the clipped lines.
    """

    rows: np.ndarray
    cols: np.ndarray
    valid: np.ndarray
    n_samples: np.ndarray
    endpoints: np.ndarray
    rf: np.ndarray | None = None
    cf: np.ndarray | None = None


def line_samples(
    window: tuple[int, int, int, int], angle_deg: float, n_lines: int, spacing: float | None = None
) -> LineSamples:
    """Sample ``n_lines`` parallel lines at ``angle_deg`` spanning a window.

    Parameters
    ----------
    window : (row0, col0, height, width)
        Window in pixels.
    angle_deg : float
        Line direction.
    n_lines : int
        Number of lines. The spacing is the window's extent perpendicular to the lines
        divided by ``n_lines``; the first line lies half a spacing from the edge.
    spacing : float, optional
        Fixed spacing in px instead; ``n_lines`` is then ignored and as many lines as fit
        are drawn (the dense variant).

    Returns
    -------
    LineSamples
        One sample per unit step along each clipped line, centred on the clipped segment,
        rounded to the nearest pixel (so axis-parallel lines read exactly the pixels they
        cross).
    """
    row0, col0, h, w = window
    ur, uc, nr, nc = unit_vectors(angle_deg)
    extent = abs(nr) * h + abs(nc) * w
    if spacing is not None:
        n_lines = max(1, math.floor(extent / spacing + _EPS))
        first = (extent - n_lines * spacing) / 2 + spacing / 2
        offsets = -extent / 2 + first + spacing * np.arange(n_lines)
    else:
        offsets = -extent / 2 + (np.arange(n_lines) + 0.5) * (extent / n_lines)
    lo_r, hi_r = row0 - 0.5, row0 + h - 0.5
    lo_c, hi_c = col0 - 0.5, col0 + w - 0.5
    cr, cc = row0 - 0.5 + h / 2, col0 - 0.5 + w / 2
    pr = cr + offsets * nr  # a point on each line
    pc = cc + offsets * nc
    t_lo = np.full(n_lines, -np.inf)
    t_hi = np.full(n_lines, np.inf)
    empty = np.zeros(n_lines, dtype=bool)
    for p, u, lo, hi in ((pr, ur, lo_r, hi_r), (pc, uc, lo_c, hi_c)):
        if u == 0.0:
            empty |= (p < lo) | (p > hi)
            continue
        ta = (lo - p) / u
        tb = (hi - p) / u
        t_lo = np.maximum(t_lo, np.minimum(ta, tb))
        t_hi = np.minimum(t_hi, np.maximum(ta, tb))
    length = np.where(empty, 0.0, np.maximum(t_hi - t_lo, 0.0))
    length = np.nan_to_num(length, posinf=0.0)
    n_samples = np.floor(length + _EPS).astype(np.int64)
    t_lo = np.where(n_samples > 0, t_lo, 0.0)
    big = int(n_samples.max()) if n_lines else 0
    k = np.arange(big)
    t = t_lo[:, None] + ((length - n_samples) / 2 + 0.5)[:, None] + k[None, :]
    valid = k[None, :] < n_samples[:, None]
    rf = np.clip(pr[:, None] + t * ur, row0, row0 + h - 1)
    cf = np.clip(pc[:, None] + t * uc, col0, col0 + w - 1)
    rows = np.rint(rf).astype(np.intp)
    cols = np.rint(cf).astype(np.intp)
    rows[~valid] = row0
    cols[~valid] = col0
    last = np.maximum(n_samples - 1, 0)
    idx = np.arange(n_lines)
    endpoints = np.stack(
        [
            rows[:, 0] if big else np.zeros(n_lines),
            cols[:, 0] if big else np.zeros(n_lines),
            rows[idx, last] if big else np.zeros(n_lines),
            cols[idx, last] if big else np.zeros(n_lines),
        ],
        axis=1,
    ).astype(float)
    endpoints[n_samples == 0] = np.nan
    return LineSamples(rows, cols, valid, n_samples, endpoints, rf, cf)


@dataclass(frozen=True, eq=False)
class Runs:
    """Maximal runs of True along the rows of a 2-D array.

    line, start, stop : int arrays (``stop`` exclusive, in samples along the line);
    truncated : bool array (the run touches the line's end or an edge sample).
    """

    line: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    truncated: np.ndarray

    @property
    def length(self) -> np.ndarray:
        """Run lengths in samples."""
        return self.stop - self.start


def runs_2d(
    phase: np.ndarray, edge: np.ndarray | None = None, n_samples: np.ndarray | None = None
) -> Runs:
    """Runs of True along each row of ``phase`` (m, L).

    A run is truncated when it touches the first or last sample of its row (or the last
    valid sample, ``n_samples``), or a sample where ``edge`` is True (outside the measured
    region). ``phase`` must be False wherever ``edge`` is True or beyond ``n_samples``.
    """
    m, length = phase.shape
    stride = length + 2
    padded = np.zeros((m, stride), dtype=bool)
    padded[:, 1:-1] = phase
    flat = padded.ravel()
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    starts = change[0::2]
    stops = change[1::2]
    line = starts // stride
    start = starts - line * stride - 1
    stop = stops - line * stride - 1
    if edge is not None:
        epad = np.ones((m, stride), dtype=bool)
        epad[:, 1:-1] = edge
        ef = epad.ravel()
        truncated = ef[starts - 1] | ef[stops]
    else:
        ends = length if n_samples is None else n_samples[line]
        truncated = (start == 0) | (stop == ends)
    return Runs(line.astype(np.intp), start, stop, truncated)

