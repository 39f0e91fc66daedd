"""Areal porosity (METHODS.md section 2)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from semscan.errors import ConfigError
from semscan.measure.intercept import as_mask, check_region

__all__ = ["PorosityResult", "porosity"]


@dataclass(frozen=True)
class PorosityResult:
    """Areal void fraction of the analysed region.

    Attributes
    ----------
    porosity : float
        Pore pixels / analysed (non-excluded) pixels, a fraction in [0, 1].
    ci95 : (float, float)
        95% confidence interval from the variation between horizontal bands.
    n_pixels : int
        Analysed pixels.
    n_pore_pixels : int
        Pore pixels among them.
    n_bands : int
        Bands used for the CI.
    label : str
        ``'areal porosity'`` (an estimate of the volume porosity on isotropic sections).
    """

    porosity: float
    ci95: tuple[float, float]
    n_pixels: int
    n_pore_pixels: int
    n_bands: int
    label: str = "areal porosity"

    def to_dict(self, prefix: str = "") -> dict[str, Any]:
        """Flat row: ``areal_porosity``, ``areal_porosity_ci95_low`` ... (``prefix`` first)."""
        p = prefix
        return {
            f"{p}areal_porosity": self.porosity,
            f"{p}areal_porosity_ci95_low": self.ci95[0],
            f"{p}areal_porosity_ci95_high": self.ci95[1],
            f"{p}areal_porosity_n_pixels": self.n_pixels,
            f"{p}areal_porosity_n_pore_pixels": self.n_pore_pixels,
            f"{p}areal_porosity_n_bands": self.n_bands,
        }


def porosity(
    pore: np.ndarray, *, region: np.ndarray | None = None, n_lines: int = 50
) -> PorosityResult:
    """Areal porosity of a pore mask (METHODS.md 2).

    The porosity is the number of pore pixels over the number of analysed pixels (those in
    ``region``). METHODS.md does not fix its uncertainty; semscan groups the rows of the
    region's bounding box into ``n_lines`` horizontal bands of (nearly) equal height and
    uses the ratio-estimator standard error of ``sum(pore_i) / sum(analysed_i)`` over the
    bands with a Student t quantile (bands are correlated with their neighbours, so the
    CI is a guide, not an exact coverage). The CI is clipped to [0, 1]. The mask is a
    section, so the value is labelled "areal porosity".

    Parameters
    ----------
    pore : (H, W) bool array
        True in pores.
    region : (H, W) bool array, optional
        True where analysed (not excluded); default everywhere.
    n_lines : int
        Number of bands for the confidence interval (at most the number of rows).

    Returns
    -------
    PorosityResult

    Raises
    ------
    MeasurementError
        If the mask is not 2-D or is empty, or the region is empty or of another shape.

    Examples
    --------
    >>> import numpy as np
    >>> pore = np.zeros((10, 10), dtype=bool)
    >>> pore[:, :3] = True
    >>> res = porosity(pore)
    >>> res.porosity, res.ci95, res.label
    (0.3, (0.3, 0.3), 'areal porosity')
    """
    from semscan.errors import MeasurementError

    pore = as_mask(pore, "pore")
    reg = check_region(region, pore.shape)
    if pore.size == 0:
        raise MeasurementError(f"the pore mask is empty (shape {pore.shape}); nothing to measure")
    if isinstance(n_lines, bool) or not isinstance(n_lines, (int, np.integer)) or n_lines < 1:
        raise ConfigError(f"n_lines must be a positive integer, got {n_lines!r}")
    if reg is None:
        per_row_n = np.full(pore.shape[0], pore.shape[1], dtype=np.int64)
        per_row_p = np.count_nonzero(pore, axis=1)
    else:
        rows = np.flatnonzero(reg.any(axis=1))
        sub_p = pore[rows[0] : rows[-1] + 1]
        sub_r = reg[rows[0] : rows[-1] + 1]
        per_row_n = np.count_nonzero(sub_r, axis=1)
        per_row_p = np.count_nonzero(sub_p & sub_r, axis=1)
    n_px = int(per_row_n.sum())
    n_pore = int(per_row_p.sum())
    phi = n_pore / n_px
    n_bands = min(int(n_lines), per_row_n.size)
    bounds = np.linspace(0, per_row_n.size, n_bands + 1).round().astype(int)
    a = np.add.reduceat(per_row_p, bounds[:-1])
    n = np.add.reduceat(per_row_n, bounds[:-1])
    keep = n > 0
    a, n = a[keep].astype(float), n[keep].astype(float)
    m = a.size
    if m >= 2:
        from scipy.special import stdtrit

        se = math.sqrt(float(np.sum((a - phi * n) ** 2)) / (m * (m - 1))) / n.mean()
        half = float(stdtrit(m - 1, 0.975)) * se
        ci = (max(0.0, phi - half), min(1.0, phi + half))
    else:
        ci = (math.nan, math.nan)
    return PorosityResult(
        porosity=float(phi),
        ci95=(float(ci[0]), float(ci[1])),
        n_pixels=n_px,
        n_pore_pixels=n_pore,
        n_bands=int(m),
    )
