"""Directional analysis: MIL rose and fabric tensor (METHODS.md section 3)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from semscan._choices import Sampling, WindowChoice
from semscan.calibration import Calibration
from semscan.errors import ConfigError
from semscan.measure.intercept import intercept_method, unit_suffix

__all__ = ["DirectionalResult", "mil_rose"]


@dataclass(frozen=True, eq=False)
class DirectionalResult:
    """MIL rose of a phase and its fitted fabric tensor.

    Attributes
    ----------
    angles_deg : (k,) float
        Line directions (0 = along rows, counter-clockwise as displayed).
    mil : (k,) float
        Mean intercept length at each angle, in :attr:`unit`.
    fabric : (2, 2) float
        Fabric tensor M (in 1/unit²) with ``1/MIL² = M11 c² + 2 M12 s c + M22 s²``, in
        (x = column, y = up) coordinates.
    eigenvalues : (2,) float
        Eigenvalues of M, ascending (the smallest belongs to the longest MIL).
    degree_of_anisotropy : float
        ``MIL_max / MIL_min = sqrt(λ_max / λ_min)`` of the fitted ellipse (NaN if the fit
        is not positive definite).
    principal_direction_deg : float
        Direction of the longest fitted MIL, in [0, 180).
    unit : str
        ``'µm'`` or ``'px'``.
    warnings : tuple of str
        Notes from the fit and the intercept measurements (deduplicated).
    """

    angles_deg: np.ndarray
    mil: np.ndarray
    fabric: np.ndarray
    eigenvalues: np.ndarray
    degree_of_anisotropy: float
    principal_direction_deg: float
    unit: str
    phase: str = "pore"
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self, prefix: str = "") -> dict[str, Any]:
        """Flat row; ``prefix=""`` uses ``f"{phase}_mil_"`` (e.g. ``pore_mil_da``)."""
        p = prefix or f"{self.phase}_mil_"
        u = unit_suffix(self.unit)
        row: dict[str, Any] = {
            f"{p}degree_of_anisotropy": self.degree_of_anisotropy,
            f"{p}principal_direction_deg": self.principal_direction_deg,
            f"{p}max_{u}": float(np.nanmax(self.mil)) if np.isfinite(self.mil).any() else math.nan,
            f"{p}min_{u}": float(np.nanmin(self.mil)) if np.isfinite(self.mil).any() else math.nan,
            f"{p}fabric_m11": float(self.fabric[0, 0]),
            f"{p}fabric_m12": float(self.fabric[0, 1]),
            f"{p}fabric_m22": float(self.fabric[1, 1]),
            f"{p}eigenvalue_1": float(self.eigenvalues[0]),
            f"{p}eigenvalue_2": float(self.eigenvalues[1]),
            f"{p}unit": self.unit,
        }
        for a, v in zip(self.angles_deg, self.mil, strict=True):
            row[f"{p}{a:g}deg_{u}"] = float(v)
        return row


def fit_fabric(angles_deg: np.ndarray, mil: np.ndarray) -> np.ndarray:
    """Least-squares fabric tensor from ``1/MIL²(θ)`` (Harrigan and Mann)."""
    ok = np.isfinite(mil) & (mil > 0)
    if ok.sum() < 3:
        return np.full((2, 2), np.nan)
    t = np.radians(np.asarray(angles_deg, dtype=float)[ok])
    c, s = np.cos(t), np.sin(t)
    design = np.stack([c * c, 2 * s * c, s * s], axis=1)
    coef, *_ = np.linalg.lstsq(design, 1.0 / mil[ok] ** 2, rcond=None)
    return np.array([[coef[0], coef[1]], [coef[1], coef[2]]])


def mil_rose(
    mask: np.ndarray,
    *,
    calibration: Calibration,
    region: np.ndarray | None = None,
    step_deg: float = 15.0,
    n_lines: int = 50,
    window_um: float | WindowChoice = "full",
    min_voids_per_line: int = 10,
    phase: str = "pore",
    sampling: Sampling = "linear",
) -> DirectionalResult:
    """MIL rose, fabric tensor, degree of anisotropy (METHODS.md 3).

    ``MIL(θ)`` is :func:`~semscan.measure.intercept_method`'s edge-corrected mean at each
    ``θ = 0, step, ..., < 180`` degrees, on the same window (``'full'`` by default, so
    every direction sees the same field). The fabric tensor M is the least-squares fit of
    ``1/MIL²(θ) = M11 cos²θ + 2 M12 sinθ cosθ + M22 sin²θ`` (Harrigan and Mann) with θ
    counter-clockwise from the image rows; the fitted MIL along an eigenvector is
    ``1/sqrt(λ)``, so ``DA = sqrt(λ_max/λ_min)`` and the principal direction is the
    eigenvector of the smallest eigenvalue. METHODS.md leaves the weighting of the fit
    open: semscan uses unweighted least squares over the angles with a finite MIL, and
    reads oblique lines with ``sampling='linear'`` (see
    :func:`~semscan.measure.intercept_method`): nearest-pixel reading fragments chords
    that run nearly parallel to a digitised boundary and flattens the rose.

    Parameters
    ----------
    mask : (H, W) bool array
        True in the phase measured.
    calibration : Calibration
        Pixel size.
    region : (H, W) bool array, optional
        True where measurable.
    step_deg : float
        Angular step; must divide into (0, 90].
    n_lines, window_um, min_voids_per_line, sampling
        Passed to :func:`~semscan.measure.intercept_method`.
    phase : str
        Label of the phase.

    Returns
    -------
    DirectionalResult

    Raises
    ------
    MeasurementError
        As :func:`~semscan.measure.intercept_method`.
    ConfigError
        If ``step_deg`` is not in (0, 90].

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.calibration import UNCALIBRATED
    >>> from semscan.phantoms.geometry import boolean_ellipses
    >>> m = ~boolean_ellipses((256, 256), intensity_per_px2=0.004, a_px=8, b_px=3, seed=0)
    >>> res = mil_rose(m, calibration=UNCALIBRATED, step_deg=30)
    >>> res.angles_deg.tolist()
    [0.0, 30.0, 60.0, 90.0, 120.0, 150.0]
    >>> bool(res.degree_of_anisotropy > 1.5), round(res.principal_direction_deg / 90) % 2
    (True, 0)
    """
    if isinstance(step_deg, bool) or not (0 < float(step_deg) <= 90):
        raise ConfigError(f"step_deg must be in (0, 90] degrees, got {step_deg!r}")
    angles = np.arange(0.0, 180.0 - 1e-9, float(step_deg))
    mil = np.empty(angles.size)
    notes: list[str] = []
    for i, a in enumerate(angles):
        res = intercept_method(
            mask,
            calibration=calibration,
            region=region,
            n_lines=n_lines,
            angle_deg=float(a),
            window_um=window_um,
            min_voids_per_line=min_voids_per_line,
            phase=phase,
            sampling=sampling,
        )
        mil[i] = res.mean
        notes.extend(f"{a:g} deg: {w}" for w in res.warnings)
    fabric = fit_fabric(angles, mil)
    if np.isfinite(fabric).all():
        evals, evecs = np.linalg.eigh(fabric)
        if evals[0] > 0:
            da = float(math.sqrt(evals[1] / evals[0]))
        else:
            da = math.nan
            notes.append("the fabric fit is not positive definite; DA undefined")
        vx, vy = evecs[:, 0]
        principal = float(math.degrees(math.atan2(vy, vx)) % 180.0)
        if principal >= 180.0 - 1e-9:
            principal = 0.0
    else:
        evals = np.full(2, np.nan)
        da = principal = math.nan
        notes.append("fewer than 3 directions with a finite MIL; no fabric tensor")
    return DirectionalResult(
        angles_deg=angles,
        mil=mil,
        fabric=fabric,
        eigenvalues=evals,
        degree_of_anisotropy=da,
        principal_direction_deg=principal,
        unit=calibration.unit,
        phase=phase,
        warnings=tuple(dict.fromkeys(notes)),
    )
