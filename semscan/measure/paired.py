"""Surface-to-internal pore size ratio of a sample (METHODS.md 5).

``R = d_surface / d_internal``: ``d_surface`` pools the intercepts of all surface views of
a sample, ``d_internal`` those of the interior bands of all its cross-section views (the
``laminar.along`` result of :func:`semscan.measure.cross_section.analyze_cross_section`).

Where the PVDF patent leaves room, semscan chose:

- **Pooling.** Each view's d is the pooled half-count estimator over every line of every
  image: ``sum(lengths) / sum(n_complete + 0.5 n_truncated)``.
- **Interval.** Each pooled d has the ratio-estimator standard error over all its lines
  (each line a sample of the pair ``(sum of lengths, count)``); the two are independent, so
  ``se(log R)^2 = (se_s / d_s)^2 + (se_i / d_i)^2`` and the 95 % interval is
  ``R exp(±1.96 se(log R))``.
- **Verdict.** ``'surface >= internal'`` when the interval lies at or above 1,
  ``'surface < internal'`` when it lies below 1, and ``'undetermined'`` when it contains 1
  (the images cannot tell). ``verdict_point`` gives the verdict of the point estimate alone
  (what the patent's single numbers would say).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from semscan.calibration import unit_suffix
from semscan.errors import MeasurementError

__all__ = [
    "LineTotals",
    "PooledIntercept",
    "RatioResult",
    "pooled_intercept",
    "surface_to_internal_ratio",
]

Verdict = Literal["surface >= internal", "surface < internal", "undetermined"]


@dataclass(frozen=True)
class PooledIntercept:
    """Intercepts of several images pooled into one half-count estimate.

    Attributes
    ----------
    mean : float
        ``sum(lengths) / sum(n_complete + 0.5 n_truncated)`` in ``unit`` (NaN if no chord).
    se : float
        Ratio-estimator standard error over all lines of all images.
    ci95 : tuple of float
    n_images, n_lines, n_intercepts, n_complete, n_truncated : int
    unit : str
    """

    mean: float
    se: float
    ci95: tuple[float, float]
    n_images: int
    n_lines: int
    n_intercepts: int
    n_complete: int
    n_truncated: int
    unit: str


def _line_sums(res: Any) -> tuple[np.ndarray, np.ndarray, int]:
    ch = res.chords
    line = np.asarray(ch.line, dtype=np.int64)
    length = np.asarray(ch.length, dtype=np.float64)
    trunc = np.asarray(ch.truncated, dtype=bool)
    n_lines = len(res.lines) if getattr(res, "lines", None) is not None else 0
    n_lines = max(n_lines, int(line.max()) + 1 if line.size else 0)
    sums = np.bincount(line, weights=length, minlength=n_lines)
    counts = np.bincount(line, weights=np.where(trunc, 0.5, 1.0), minlength=n_lines)
    # The chords are expected in the result's unit; rescale if they were stored in pixels.
    den = counts.sum()
    if den > 0 and math.isfinite(res.mean) and res.mean > 0:
        raw = sums.sum() / den
        if raw > 0 and abs(raw / res.mean - 1.0) > 1e-6:
            sums = sums * (res.mean / raw)
    return sums, counts, int(trunc.sum())


@dataclass(frozen=True, eq=False)
class LineTotals:
    """What pooling needs of one intercept measurement: per-line totals.

    A compact, JSON-able stand-in for an :class:`~semscan.measure.InterceptResult`, so that
    a batch can pool the images of a sample after the workers have returned (the full
    results, with every chord, stay in the workers).

    Attributes
    ----------
    sums : ndarray
        Summed intercept length per line (``unit``).
    counts : ndarray
        Half-count-weighted number of intercepts per line.
    n_intercepts, n_truncated : int
        Intercepts, and how many of them are truncated.
    unit : str
        ``'µm'`` or ``'px'``.

    Examples
    --------
    >>> t = LineTotals.from_dict({"sums": [4.0, 2.0], "counts": [2.0, 1.5],
    ...                           "n_intercepts": 4, "n_truncated": 1, "unit": "px"})
    >>> round(pooled_intercept([t]).mean, 4)
    1.7143
    """

    sums: np.ndarray
    counts: np.ndarray
    n_intercepts: int
    n_truncated: int
    unit: str

    @classmethod
    def of(cls, result: Any) -> LineTotals:
        """Totals of an :class:`~semscan.measure.InterceptResult` (or a LineTotals)."""
        if isinstance(result, LineTotals):
            return result
        sums, counts, n_trunc = _line_sums(result)
        n_int = len(np.asarray(result.chords.length))
        return cls(sums, counts, n_int, n_trunc, result.unit)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "sums": self.sums.tolist(),
            "counts": self.counts.tolist(),
            "n_intercepts": self.n_intercepts,
            "n_truncated": self.n_truncated,
            "unit": self.unit,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LineTotals:
        """Inverse of :meth:`to_dict`."""
        return cls(
            np.asarray(data["sums"], np.float64),
            np.asarray(data["counts"], np.float64),
            int(data["n_intercepts"]),
            int(data["n_truncated"]),
            str(data["unit"]),
        )


def pooled_intercept(results: Sequence[Any]) -> PooledIntercept:
    """Pool the intercepts of several :class:`InterceptResult` (METHODS.md 1 and 5).

    Parameters
    ----------
    results : sequence of InterceptResult or LineTotals
        All in the same unit.

    Returns
    -------
    PooledIntercept

    Raises
    ------
    MeasurementError
        If the results mix units.

    Examples
    --------
    >>> pooled_intercept([]).n_images
    0
    """
    units = {r.unit for r in results}
    if len(units) > 1:
        raise MeasurementError(
            f"cannot pool intercepts measured in different units ({', '.join(sorted(units))}); "
            "calibrate every image of the sample or none"
        )
    unit = units.pop() if units else ""
    if not results:
        nan = float("nan")
        return PooledIntercept(nan, nan, (nan, nan), 0, 0, 0, 0, 0, unit)
    totals = [LineTotals.of(r) for r in results]
    sums = np.concatenate([t.sums for t in totals])
    counts = np.concatenate([t.counts for t in totals])
    n_trunc = sum(t.n_truncated for t in totals)
    n = len(sums)
    n_int = sum(t.n_intercepts for t in totals)
    den = counts.sum()
    if den <= 0:
        nan = float("nan")
        return PooledIntercept(nan, nan, (nan, nan), len(results), n, 0, 0, 0, unit)
    mean = float(sums.sum() / den)
    if n > 1:
        se = float(math.sqrt(n / (n - 1) * np.sum((sums - mean * counts) ** 2)) / den)
    else:
        se = float("nan")
    ci = (mean - 1.96 * se, mean + 1.96 * se)
    return PooledIntercept(mean, se, ci, len(results), n, n_int, n_int - n_trunc, n_trunc, unit)


@dataclass(frozen=True)
class RatioResult:
    """Surface-to-internal pore size ratio of one sample (METHODS.md 5).

    Attributes
    ----------
    sample : str
    ratio : float
        ``R = d_surface / d_internal``.
    ci95 : tuple of float
    d_surface, d_internal : PooledIntercept
    verdict : {'surface >= internal', 'surface < internal', 'undetermined'}
        From the interval (see the module docstring).
    verdict_point : {'surface >= internal', 'surface < internal', 'undetermined'}
        From the point estimate ('undetermined' only when R is NaN).
    unit : str
    """

    sample: str
    ratio: float
    ci95: tuple[float, float]
    d_surface: PooledIntercept
    d_internal: PooledIntercept
    verdict: Verdict
    verdict_point: Verdict
    unit: str

    def to_dict(self) -> dict[str, object]:
        """Flat row (lengths suffixed ``_um``, or ``_px`` when uncalibrated)."""
        u = unit_suffix(self.unit)
        out: dict[str, object] = {
            "sample": self.sample,
            "ratio_R": self.ratio,
            "ratio_ci95_low": self.ci95[0],
            "ratio_ci95_high": self.ci95[1],
            "ratio_verdict": self.verdict,
            "ratio_verdict_point": self.verdict_point,
        }
        for name, p in (("surface", self.d_surface), ("internal", self.d_internal)):
            out[f"d_{name}_{u}"] = p.mean
            out[f"d_{name}_ci95_low_{u}"] = p.ci95[0]
            out[f"d_{name}_ci95_high_{u}"] = p.ci95[1]
            out[f"d_{name}_n_images"] = p.n_images
            out[f"d_{name}_n_lines"] = p.n_lines
            out[f"d_{name}_n_intercepts"] = p.n_intercepts
        return out


def surface_to_internal_ratio(
    surface: Sequence[Any], internal: Sequence[Any], *, sample: str = ""
) -> RatioResult:
    """``R = d_surface / d_internal`` with a 95 % interval (METHODS.md 5).

    Parameters
    ----------
    surface : sequence of InterceptResult
        Pore intercepts of the sample's surface views.
    internal : sequence of InterceptResult
        Pore intercepts of the interiors of its cross-section views
        (``CrossSectionResult.laminar.along``).
    sample : str

    Returns
    -------
    RatioResult

    Raises
    ------
    MeasurementError
        If either view has no image, or the views are in different units.

    Examples
    --------
    >>> surface_to_internal_ratio([], [], sample="A")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semscan.errors.MeasurementError: sample 'A': R needs at least one surface view ...
    """
    if not surface or not internal:
        raise MeasurementError(
            f"sample {sample!r}: R needs at least one surface view and one cross-section "
            f"view, got {len(surface)} and {len(internal)}"
        )
    ps = pooled_intercept(surface)
    pi = pooled_intercept(internal)
    if ps.unit != pi.unit:
        raise MeasurementError(
            f"sample {sample!r}: surface views are in {ps.unit} and cross-sections in "
            f"{pi.unit}; calibrate both views"
        )
    nan = float("nan")
    if not (ps.mean > 0 and pi.mean > 0):
        r, ci = nan, (nan, nan)
    else:
        r = ps.mean / pi.mean
        se = math.sqrt((ps.se / ps.mean) ** 2 + (pi.se / pi.mean) ** 2)
        ci = (r * math.exp(-1.96 * se), r * math.exp(1.96 * se))
    if not math.isfinite(r):
        verdict: Verdict = "undetermined"
        point: Verdict = "undetermined"
    else:
        point = "surface >= internal" if r >= 1.0 else "surface < internal"
        if math.isfinite(ci[0]) and ci[0] >= 1.0:
            verdict = "surface >= internal"
        elif math.isfinite(ci[1]) and ci[1] < 1.0:
            verdict = "surface < internal"
        else:
            verdict = "undetermined"
    return RatioResult(sample, r, ci, ps, pi, verdict, point, ps.unit)
