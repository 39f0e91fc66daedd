"""Dense chord-length distribution (METHODS.md section 1, dense variant).

Every row, every column, or every line at a given angle with 1 px spacing: the full
distribution of intercept (chord) lengths of a phase, for histograms and percentiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import cv2
import numpy as np

from semscan._morphology import within
from semscan.calibration import Calibration
from semscan.errors import ConfigError
from semscan.measure._lines import line_samples, runs_2d
from semscan.measure.intercept import as_mask, check_region, field_box, unit_suffix

__all__ = ["ChordDistribution", "chord_lengths"]


@dataclass(frozen=True, eq=False)
class ChordDistribution:
    """Chord lengths of a phase along one direction.

    Attributes
    ----------
    lengths : (n,) float
        Chord lengths in :attr:`unit` (only complete chords unless ``include_truncated``).
    truncated : (n,) bool
        The chord touches the image/field border or a non-region pixel.
    direction : str
        ``'rows'``, ``'columns'`` or ``'<angle> deg'``.
    unit : str
        ``'µm'`` or ``'px'``.
    n : int
        Number of chords in ``lengths``.
    mean : float
        Number-weighted mean of the complete chords (NaN if none).
    mean_length_weighted : float
        Length-weighted mean of the complete chords, ``sum(l²) / sum(l)``.
    mean_edge_corrected : float
        ``sum(all lengths) / (n_complete + 0.5 n_truncated)`` over all chords (the
        estimator of :func:`~semscan.measure.intercept_method`).
    n_complete, n_truncated : int
        Counts of complete and truncated chords found (before any exclusion).
    percentiles : dict
        ``{10: p10, 50: p50, 90: p90}`` of the complete chords' lengths.
    phase : str
        Label of the phase.
    """

    lengths: np.ndarray = field(repr=False)
    truncated: np.ndarray = field(repr=False)
    direction: str
    unit: str
    n: int
    mean: float
    mean_length_weighted: float
    mean_edge_corrected: float
    n_complete: int
    n_truncated: int
    percentiles: dict[int, float]
    phase: str = "pore"

    def histogram(
        self, bins: Any = "auto", *, weighted: Literal["number", "length"] = "number"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Histogram of the chord lengths: ``(counts, edges)``, edges in :attr:`unit`.

        ``weighted='length'`` weights each chord by its length (the length-weighted
        distribution).
        """
        if weighted not in ("number", "length"):
            raise ConfigError(f"weighted={weighted!r} is not valid; use 'number' or 'length'")
        w = self.lengths if weighted == "length" else None
        return np.histogram(self.lengths, bins=bins, weights=w)

    def to_dict(self, prefix: str = "") -> dict[str, Any]:
        """Flat row; ``prefix=""`` uses ``f"{phase}_chord_"`` (e.g. ``pore_chord_mean_um``)."""
        p = prefix or f"{self.phase}_chord_"
        u = unit_suffix(self.unit)
        return {
            f"{p}direction": self.direction,
            f"{p}n": self.n,
            f"{p}n_complete": self.n_complete,
            f"{p}n_truncated": self.n_truncated,
            f"{p}mean_{u}": self.mean,
            f"{p}mean_length_weighted_{u}": self.mean_length_weighted,
            f"{p}mean_edge_corrected_{u}": self.mean_edge_corrected,
            f"{p}p10_{u}": self.percentiles[10],
            f"{p}p50_{u}": self.percentiles[50],
            f"{p}p90_{u}": self.percentiles[90],
            f"{p}unit": self.unit,
        }


_BAND_PIXELS = 1 << 20  # pixels of a band of lines of the dense chords


def _transposed(mask: np.ndarray) -> np.ndarray:
    """C-contiguous transpose of a 2-D bool mask (OpenCV's blocked copy, 10x numpy's)."""
    src = np.ascontiguousarray(mask, dtype=bool)
    if src.size == 0:
        return np.ascontiguousarray(src.T)
    return cv2.transpose(src.view(np.uint8)).view(bool)


def _dense_runs(
    mask: np.ndarray, region: np.ndarray | None, direction: str | float, spacing_px: int
) -> tuple[np.ndarray, np.ndarray, str]:
    """Run lengths (px, int) and truncation flags along every ``spacing_px``-th line."""
    if direction in ("rows", "columns"):
        # lines in bands of about 1 Mpx (a multiple of the spacing, so the same lines):
        # each line's runs are its own, so the runs in the same order as on the whole mask
        rows = direction == "rows"
        n_lines, along = mask.shape if rows else mask.shape[::-1]
        step = max(1, _BAND_PIXELS // max(along, 1) // spacing_px) * spacing_px
        lengths, truncs = [], []
        for l0 in range(0, max(n_lines, 1), step):
            band = slice(l0, l0 + step)
            m = mask[band] if rows else _transposed(mask[:, band])
            reg = None if region is None else (region[band] if rows
                                               else _transposed(region[:, band]))
            if spacing_px != 1:
                m = m[::spacing_px]
                reg = None if reg is None else reg[::spacing_px]
            runs = runs_2d(m) if reg is None else runs_2d(within(m, reg), ~reg)
            lengths.append(runs.length)
            truncs.append(runs.truncated)
        return np.concatenate(lengths), np.concatenate(truncs), str(direction)
    angle = float(direction)
    window = field_box(region, mask.shape)
    ls = line_samples(window, angle, 1, spacing=float(spacing_px))
    phase = mask[ls.rows, ls.cols] & ls.valid
    edge = ~ls.valid
    if region is not None:
        outside = ~region[ls.rows, ls.cols] & ls.valid
        phase &= ~outside
        edge |= outside
    runs = runs_2d(phase, edge)
    return runs.length, runs.truncated, f"{angle:g} deg"


def _integer_stats(lengths: np.ndarray) -> tuple[float, float, tuple[float, ...]]:
    """Mean, length-weighted mean and the 10/50/90th percentiles of positive integers.

    One ``bincount`` pass instead of a sort: the percentiles equal ``numpy.percentile``'s
    (linear interpolation between the order statistics), read off the cumulative counts.
    """
    counts = np.bincount(lengths)
    values = np.arange(counts.size, dtype=np.float64)
    n = float(lengths.size)
    total = float(counts @ values)
    mean = total / n
    lw = float(counts @ (values * values)) / total
    cum = np.cumsum(counts)
    pct = []
    for q in (10, 50, 90):
        pos = q / 100.0 * (n - 1)
        lo = math.floor(pos)
        v_lo = float(np.searchsorted(cum, lo + 1))
        v_hi = float(np.searchsorted(cum, min(lo + 2, int(n))))
        pct.append(v_lo + (pos - lo) * (v_hi - v_lo))
    return mean, lw, tuple(pct)


def chord_lengths(
    mask: np.ndarray,
    *,
    calibration: Calibration,
    direction: Literal["rows", "columns"] | float = "rows",
    region: np.ndarray | None = None,
    spacing_px: int = 1,
    include_truncated: bool = False,
    phase: str = "pore",
) -> ChordDistribution:
    """Dense chord-length distribution of a phase (METHODS.md 1, dense variant).

    Every row (``'rows'``), every column (``'columns'``) or every line at an angle in
    degrees (same convention as :func:`~semscan.measure.intercept_method`, lines 1 px apart
    across the region's bounding box, nearest-pixel samples at unit steps) is split into
    maximal runs of the phase. A chord touching the image border or a non-region pixel is
    truncated and, by default, left out of the distribution; the edge-corrected mean uses
    all chords. ``spacing_px`` is the pixel stride between lines (a private sampling
    choice, hence in px).

    Parameters
    ----------
    mask : (H, W) bool array
        True in the phase measured.
    calibration : Calibration
        Pixel size (lengths in µm, or px when uncalibrated).
    direction : 'rows', 'columns' or float
        Line direction.
    region : (H, W) bool array, optional
        True where measurable.
    spacing_px : int
        Use every ``spacing_px``-th line.
    include_truncated : bool
        Keep truncated chords in ``lengths``.
    phase : str
        Label of the phase.

    Returns
    -------
    ChordDistribution

    Raises
    ------
    MeasurementError
        If the mask is not 2-D or the region does not match it.
    ConfigError
        On an invalid ``direction`` or ``spacing_px``.

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.calibration import UNCALIBRATED
    >>> mask = np.array([[0, 1, 1, 0, 1, 0, 0, 1]], dtype=bool)
    >>> d = chord_lengths(mask, calibration=UNCALIBRATED)
    >>> d.lengths, d.n_truncated, d.mean
    (array([2., 1.]), 1, 1.5)
    """
    mask = as_mask(mask, "mask")
    reg = check_region(region, mask.shape)
    if isinstance(spacing_px, bool) or not isinstance(spacing_px, (int, np.integer)) or (
        spacing_px < 1
    ):
        raise ConfigError(f"spacing_px must be a positive integer, got {spacing_px!r}")
    if isinstance(direction, str):
        if direction not in ("rows", "columns"):
            raise ConfigError(
                f"direction={direction!r} is not valid; use 'rows', 'columns' or an angle "
                "in degrees"
            )
    elif isinstance(direction, bool) or not np.isfinite(direction):
        raise ConfigError(f"direction must be 'rows', 'columns' or an angle, got {direction!r}")
    length_px, truncated, label = _dense_runs(mask, reg, direction, int(spacing_px))
    scale = calibration.scale
    n_trunc = int(truncated.sum())
    n_comp = int(truncated.size - n_trunc)
    denom = n_comp + 0.5 * n_trunc
    edge_mean = float(length_px.sum()) / denom * scale if denom else math.nan
    comp = length_px[~truncated]
    if comp.size:
        mean, lw, pct = _integer_stats(comp)
        mean, lw = mean * scale, lw * scale
        percentiles = {q: v * scale for q, v in zip((10, 50, 90), pct, strict=True)}
    else:
        mean = lw = math.nan
        percentiles = {10: math.nan, 50: math.nan, 90: math.nan}
    if include_truncated:
        lengths, trunc = length_px * scale, truncated
    else:
        lengths, trunc = comp * scale, np.zeros(comp.size, dtype=bool)
    return ChordDistribution(
        lengths=lengths.astype(float),
        truncated=trunc,
        direction=label,
        unit=calibration.unit,
        n=int(lengths.size),
        mean=mean,
        mean_length_weighted=lw,
        mean_edge_corrected=edge_mean,
        n_complete=n_comp,
        n_truncated=n_trunc,
        percentiles=percentiles,
        phase=phase,
    )
