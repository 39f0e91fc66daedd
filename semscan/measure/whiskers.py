"""Whiskers as a third phase: separating them, their length, width and aspect ratio.

Inorganic whiskers in a porous polymer film are straight bright rods. Their mask (from
:func:`semscan.segment.whiskers.whisker_candidates`, or label 3 of a corrected label
image) is split into single whiskers by :func:`separate_whiskers`, and
:func:`measure_whiskers` turns them into the per-image numbers (:class:`WhiskerResult`)
and the per-whisker table (``whiskers.csv``).

METHODS.md does not define whiskers; the source documents (the whisker-filled film claims:
whisker long axis L 0.1-100 µm, short axis D 0.01-10 µm, L/D >= 1.5, polymer : whisker
weight ratio 50:50 to 99:1) give no measurement method. semscan's operational definitions:

- *L* is the length of a whisker along its axis, *D* its mean width across the axis
  (area of the whisker per unit length of axis), both in µm; *L/D* their ratio.
- *2-D section bias.* A surface view or section shows a whisker's projection or its cut:
  one lying oblique to the plane, partly buried, or cut by the section is shown shorter
  than it is, and one cut by the image border is shorter again. semscan reports the
  **apparent** L (what the image shows; never de-projected, which would need the
  out-of-plane angle the image does not hold). Whiskers touching the image border or the
  excluded region are counted (``whisker_count``) and flagged (``touches_edge``), but left
  out of the L and L/D distributions; since a long whisker touches the border more often
  than a short one, the complete whiskers are weighted by the Miles-Lantuejoul edge
  correction (:func:`miles_lantuejoul_weight`) for the corrected mean length
  ``whisker_length_ml_mean``. D is not biased by the border and uses every whisker. The
  L/D distribution starts at ``min_aspect`` (``[whiskers] min_aspect``, default 3; 1.5,
  the claims' least L/D, measures the short whiskers too, but counts more pieces of
  whiskers cut by the image border).
- *Touching and crossing whiskers* are separated
  (:func:`~semscan.measure.whisker_split.separate_whiskers`); two lying side by side are
  split along the darker groove between them
  (:func:`~semscan.measure.whisker_pairs.split_touching`); width and ends come from the
  grey image (:func:`~semscan.measure.whisker_split.refine_whiskers`).
- *Area (= volume) fraction* of the whiskers is whisker pixels / analysed pixels; the
  matrix porosity is pore / (pore + polymer) pixels: whisker pixels are neither.
- *Weight ratio.* With densities rho_p (polymer) and rho_w (whisker) in g/cm³, the
  whisker weight fraction is ``rho_w A_w / (rho_w A_w + rho_p A_p)`` with A the area
  fractions of whisker and polymer (a section's area fractions estimate the volume
  fractions, A_A = V_V, as for the porosity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from semscan.calibration import Calibration, unit_suffix
from semscan.errors import MeasurementError
from semscan.measure.whisker_pairs import split_touching
from semscan.measure.whisker_split import (
    Whisker,
    merge_collinear,
    paint_whiskers,
    refine_whiskers,
    separate_whiskers,
)

__all__ = [
    "Whisker",
    "WhiskerResult",
    "measure_whiskers",
    "merge_collinear",
    "miles_lantuejoul_weight",
    "paint_whiskers",
    "refine_whiskers",
    "separate_whiskers",
    "split_touching",
    "weight_fraction",
]

_PERCENTILES = (10, 50, 90)


def miles_lantuejoul_weight(
    length_px: np.ndarray, width_px: np.ndarray, angle_deg: np.ndarray,
    frame: tuple[float, float],
) -> np.ndarray:
    """Miles-Lantuejoul edge-correction weights of whiskers wholly inside a frame.

    A whisker (a rectangle L x D at angle a) whose position is uniform lies wholly inside
    a rectangular frame of ``rows x cols`` px with probability
    ``(cols - bx)(rows - by) / (rows cols)``, with ``bx = L |cos a| + D |sin a|`` and
    ``by = L |sin a| + D |cos a|`` its bounding box. Weighting each complete whisker by
    the inverse of that probability makes the weighted distribution of the complete ones
    an unbiased estimate of the distribution of all whiskers (Miles 1974, Lantuejoul
    1978); a whisker too large for the frame gets weight 0.

    Examples
    --------
    >>> w = miles_lantuejoul_weight(np.array([10.0]), np.array([2.0]), np.array([0.0]),
    ...                             (100.0, 100.0))
    >>> round(float(w[0]), 6)   # 1 / (0.90 * 0.98)
    1.133787
    """
    rows, cols = frame
    a = np.deg2rad(np.asarray(angle_deg, float))
    L, D = np.asarray(length_px, float), np.asarray(width_px, float)
    bx = L * np.abs(np.cos(a)) + D * np.abs(np.sin(a))
    by = L * np.abs(np.sin(a)) + D * np.abs(np.cos(a))
    p = np.clip((cols - bx) / cols, 0, None) * np.clip((rows - by) / rows, 0, None)
    with np.errstate(divide="ignore"):
        return np.where(p > 0, 1.0 / np.where(p > 0, p, 1.0), 0.0)


def weight_fraction(
    whisker_area: float, polymer_area: float, *, polymer_density: float,
    whisker_density: float,
) -> float:
    """Whisker weight / (whisker + polymer weight) from area (= volume) fractions.

    Examples
    --------
    >>> round(weight_fraction(0.1, 0.5, polymer_density=1.38, whisker_density=3.3), 6)
    0.323529
    """
    mw = whisker_density * whisker_area
    mp = polymer_density * polymer_area
    return mw / (mw + mp) if mw + mp > 0 else math.nan


def _stats(values: np.ndarray) -> dict[str, float]:
    v = np.asarray(values, float)
    if v.size == 0:
        return {"mean": math.nan, "sd": math.nan,
                **{f"p{q}": math.nan for q in _PERCENTILES}}
    out = {
        "mean": float(v.mean()),
        "sd": float(v.std(ddof=1)) if v.size > 1 else math.nan,
        **{f"p{q}": float(np.percentile(v, q)) for q in _PERCENTILES},
    }
    return out


@dataclass(frozen=True)
class WhiskerResult:
    """The whiskers of one image (µm, or px when uncalibrated).

    Attributes
    ----------
    whiskers : tuple of Whisker
        Every separated whisker (px of the measured grid).
    unit : str
        ``'µm'`` or ``'px'``.
    scale : float
        Length of a pixel in ``unit``.
    area_fraction : float
        Whisker pixels / analysed pixels (an estimate of the volume fraction).
    polymer_fraction, pore_fraction : float
        Polymer and pore pixels / analysed pixels.
    matrix_porosity : float
        Pore / (pore + polymer) pixels: the porosity of the matrix without the whiskers.
    length_ml_mean : float
        Mean apparent L of the complete whiskers weighted by the Miles-Lantuejoul
        correction (:func:`miles_lantuejoul_weight`).
    densities : (float, float) or None
        Polymer and whisker densities (g/cm³) when given.
    weight_fraction : float
        Whisker weight / (polymer + whisker weight); NaN without densities.
    """

    whiskers: tuple[Whisker, ...]
    unit: str
    scale: float
    area_fraction: float
    polymer_fraction: float
    pore_fraction: float
    matrix_porosity: float
    length_ml_mean: float
    densities: tuple[float, float] | None = None
    weight_fraction: float = math.nan

    @property
    def count(self) -> int:
        """Every whisker, complete or touching the edge."""
        return len(self.whiskers)

    @property
    def complete(self) -> tuple[Whisker, ...]:
        """The whiskers not touching the image border or the excluded region."""
        return tuple(w for w in self.whiskers if not w.touches_edge)

    def lengths(self, *, complete: bool = True) -> np.ndarray:
        """Apparent L of the (complete) whiskers, in ``unit``."""
        ws = self.complete if complete else self.whiskers
        return np.array([w.length_px for w in ws], float) * self.scale

    def widths(self) -> np.ndarray:
        """D of every whisker, in ``unit``."""
        return np.array([w.width_px for w in self.whiskers], float) * self.scale

    def aspects(self) -> np.ndarray:
        """L / D of the complete whiskers."""
        return np.array([w.aspect for w in self.complete], float)

    def to_dict(self) -> dict[str, Any]:
        """Flat row: ``whisker_count``, ``whisker_area_fraction``,
        ``whisker_length_mean_um`` ..., ``whisker_aspect_p50``, ``whisker_weight_fraction``.
        """
        u = unit_suffix(self.unit)
        row: dict[str, Any] = {
            "whisker_count": self.count,
            "whisker_count_complete": len(self.complete),
            "whisker_count_edge": self.count - len(self.complete),
            "whisker_area_fraction": self.area_fraction,
            "whisker_polymer_fraction": self.polymer_fraction,
            "whisker_matrix_porosity": self.matrix_porosity,
        }
        for name, values in (("length", self.lengths()), ("width", self.widths())):
            for k, v in _stats(values).items():
                row[f"whisker_{name}_{k}_{u}"] = v
        row[f"whisker_length_ml_mean_{u}"] = self.length_ml_mean
        row[f"whisker_length_all_mean_{u}"] = _stats(self.lengths(complete=False))["mean"]
        for k, v in _stats(self.aspects()).items():
            row[f"whisker_aspect_{k}"] = v
        row["whisker_length_basis"] = "apparent (2-D), complete whiskers"
        dens = self.densities
        row["whisker_density_polymer_g_cm3"] = dens[0] if dens else None
        row["whisker_density_whisker_g_cm3"] = dens[1] if dens else None
        row["whisker_weight_fraction"] = self.weight_fraction
        row["whisker_polymer_weight_pct"] = (
            100.0 * (1.0 - self.weight_fraction) if dens else math.nan
        )
        return row

    def row_columns(self) -> list[str]:
        """The columns of :meth:`rows` (also when there are no whiskers)."""
        u = unit_suffix(self.unit)
        return ["whisker", "row_px", "col_px", "angle_deg", f"length_{u}", f"width_{u}",
                "aspect", "n_pixels", "touches_edge"]

    def rows(self) -> list[dict[str, Any]]:
        """One row per whisker (``whiskers.csv``), lengths in ``unit``, positions in px of
        the measured grid."""
        u = unit_suffix(self.unit)
        return [
            {
                "whisker": i,
                "row_px": w.row,
                "col_px": w.col,
                "angle_deg": w.angle_deg,
                f"length_{u}": w.length_px * self.scale,
                f"width_{u}": w.width_px * self.scale,
                "aspect": w.aspect,
                "n_pixels": w.n_pixels,
                "touches_edge": w.touches_edge,
            }
            for i, w in enumerate(self.whiskers, start=1)
        ]


def measure_whiskers(
    whisker: np.ndarray,
    pore: np.ndarray,
    *,
    calibration: Calibration,
    region: np.ndarray | None = None,
    whiskers: tuple[Whisker, ...] | None = None,
    min_width_px: float = 3.0,
    min_aspect: float = 3.0,
    densities: tuple[float, float] | None = None,
) -> WhiskerResult:
    """Count and size the whiskers of one image, and the matrix porosity without them.

    Parameters
    ----------
    whisker, pore : ndarray of bool, shape (rows, columns)
        Whisker and pore pixels (a pixel that is both counts as whisker).
    calibration : Calibration
    region : ndarray of bool, optional
        Analysed pixels (default all); its bounding box is the frame of the
        Miles-Lantuejoul correction.
    whiskers : tuple of Whisker, optional
        Already separated (:func:`separate_whiskers` of ``whisker``); else separated here.
    min_width_px, min_aspect : float
        As :func:`separate_whiskers`.
    densities : (float, float), optional
        Polymer and whisker densities in g/cm³ (:func:`semscan.config.parse_densities`).

    Returns
    -------
    WhiskerResult

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.calibration import Calibration
    >>> w = np.zeros((50, 100), bool); w[10:16, 20:80] = True
    >>> pore = np.zeros_like(w); pore[30:40, :] = True
    >>> res = measure_whiskers(w, pore, calibration=Calibration(0.1, "user", ""),
    ...                        densities=(1.0, 3.0))
    >>> res.count, round(float(res.lengths()[0]), 3), round(float(res.widths()[0]), 3)
    (1, 6.0, 0.6)
    >>> round(res.area_fraction, 4), round(res.matrix_porosity, 4)
    (0.072, 0.2155)
    """
    whisker = np.asarray(whisker, bool)
    pore = np.asarray(pore, bool)
    reg = np.ones(whisker.shape, bool) if region is None else np.asarray(region, bool)
    if reg.shape != whisker.shape or pore.shape != whisker.shape:
        raise MeasurementError(
            f"whisker {whisker.shape}, pore {pore.shape} and region {reg.shape} masks must "
            "have one shape"
        )
    pore = pore & ~whisker
    n = int(reg.sum())
    if n == 0:
        raise MeasurementError("the analysed region is empty; nothing to measure")
    if whiskers is None:
        whiskers, _ = separate_whiskers(whisker, region=reg, min_width_px=min_width_px,
                                        min_aspect=min_aspect)
    n_w = int((whisker & reg).sum())
    n_p = int((pore & reg).sum())
    n_poly = n - n_w - n_p
    complete = [w for w in whiskers if not w.touches_edge]
    rows_any = np.flatnonzero(reg.any(axis=1))
    cols_any = np.flatnonzero(reg.any(axis=0))
    frame = (float(rows_any[-1] - rows_any[0] + 1), float(cols_any[-1] - cols_any[0] + 1))
    scale = float(calibration.scale)
    if complete:
        L = np.array([w.length_px for w in complete])
        wts = miles_lantuejoul_weight(L, np.array([w.width_px for w in complete]),
                                      np.array([w.angle_deg for w in complete]), frame)
        ml = float(np.sum(wts * L) / np.sum(wts)) * scale if wts.sum() > 0 else math.nan
    else:
        ml = math.nan
    wf = math.nan
    if densities is not None:
        wf = weight_fraction(n_w / n, n_poly / n, polymer_density=densities[0],
                             whisker_density=densities[1])
    return WhiskerResult(
        whiskers=tuple(whiskers),
        unit=calibration.unit,
        scale=scale,
        area_fraction=n_w / n,
        polymer_fraction=n_poly / n,
        pore_fraction=n_p / n,
        matrix_porosity=n_p / (n_p + n_poly) if n_p + n_poly else math.nan,
        length_ml_mean=ml,
        densities=densities,
        weight_fraction=wf,
    )
