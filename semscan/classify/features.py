"""Scale-free structure features of a pore / solid segmentation (METHODS.md 8).

The structure classifier must work at any magnification and on uncalibrated images, so
every feature is dimensionless: a fraction, a shape ratio, a count per squared
characteristic length, or a ratio of two lengths. The characteristic length is the
*structure period* ``L = l_pore + l_solid``, the sum of the mean pore and solid intercept
lengths estimated stereologically from the interface density along rows, columns and both
diagonals (``l_phase = 2 * fraction / P_L``, METHODS.md 1).

The features are computed with private, fast implementations here rather than with
:mod:`semscan.measure`, so that the shipped model keeps its meaning if the measurement
functions gain options, and so that a 1024x1024 mask costs well under a second. Where
:mod:`semscan.measure` computes the named quantity exactly (local thickness, MIL rose),
the classifier uses a cheaper proxy with the same intent and says so in
:data:`FEATURE_DESCRIPTIONS`:

- pore-size spread uses the *medial-axis diameters* (twice the distance transform on the
  pore skeleton) instead of the local thickness;
- anisotropy uses the interface density in four directions (0, 45, 90, 135 degrees)
  instead of the full MIL rose.

Real segmentations carry fine speckle on top of large regions, which inflates counts and
size spreads. Two groups of features are robust to it by construction: the
*granulometry* (``*_opening_*``: the area fraction of each phase kept by morphological
openings with discs of 0.5-2.5 mean intercepts; speckle is the first thing an opening
removes) and the ``filled_*`` features (component, Euler and medial-axis features of the
pore phase after small solid specks are counted as pore).

Masks whose finest phase is coarser than about 6 px per mean intercept are block-averaged
down first (the features are scale-free, and this keeps the cost bounded).

Examples
--------
>>> import numpy as np
>>> from semscan.calibration import UNCALIBRATED
>>> yy, xx = np.mgrid[0:128, 0:128]
>>> pore = ((yy % 16) - 8) ** 2 + ((xx % 16) - 8) ** 2 < 25   # a grid of round holes
>>> f = structure_features(pore, ~pore, calibration=UNCALIBRATED)
>>> f.to_dict()["pore_largest_component_fraction"] < 0.05
True
>>> f.values.shape == (len(FEATURE_NAMES),)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage as ndi

from semscan.calibration import Calibration
from semscan.errors import MeasurementError

__all__ = [
    "FEATURE_DESCRIPTIONS",
    "FEATURE_NAMES",
    "FEATURE_UNITS",
    "StructureFeatures",
    "structure_features",
]

# name -> (unit, description). Units: "1" dimensionless; "1/L^2" a count per squared
# structure period L (L = mean pore intercept + mean solid intercept); "L" a length in
# units of L; "ln" a natural logarithm of a ratio.
_FEATURES: dict[str, tuple[str, str]] = {
    "porosity": ("1", "area fraction of pore in the analysed region"),
    "pore_largest_component_fraction": (
        "1", "area of the largest 8-connected pore component / total pore area"),
    "solid_largest_component_fraction": (
        "1", "area of the largest 8-connected solid component / total solid area"),
    "pore_component_density": ("1/L^2", "number of pore components per L^2 of region"),
    "solid_component_density": ("1/L^2", "number of solid components per L^2 of region"),
    "euler_density": (
        "1/L^2", "Euler number of the pore phase (8-connected) per L^2 of region"),
    "log_intercept_ratio": (
        "ln", "ln(mean pore intercept / mean solid intercept), intercepts from P_L"),
    "anisotropy": (
        "1", "1 - min/max of the interface density over 0, 45, 90, 135 degrees (MIL proxy)"),
    "pore_solidity_aw": (
        "1", "area-weighted mean solidity (area / convex-hull area) of pore components"),
    "pore_circularity_aw": (
        "1", "area-weighted mean circularity 4*pi*area/perimeter^2 of pore components"),
    "pore_aspect_aw": (
        "1", "area-weighted mean ellipse aspect (major/minor, from moments) of pore "
        "components"),
    "solid_solidity_aw": ("1", "area-weighted mean solidity of solid components"),
    "solid_circularity_aw": ("1", "area-weighted mean circularity of solid components"),
    "pore_component_size_cv": (
        "1", "coefficient of variation of the equivalent diameters of pore components "
        "(components >= 4 px, area-weighted)"),
    "boundary_convexity_fine": (
        "1", "mean over the interface of the local solid fraction in a Gaussian window "
        "(sigma = L/8) minus 0.5: > 0 where pores are convex cells, < 0 where solid "
        "particles are convex"),
    "boundary_convexity_coarse": ("1", "as boundary_convexity_fine with sigma = L/4"),
    "solid_branch_density": (
        "1/L^2", "branch points (>= 3 neighbours) of the solid skeleton per L^2"),
    "solid_ligament_width_cv": (
        "1", "coefficient of variation of the distance transform on the solid skeleton "
        "(ligament-width uniformity; high for particles joined at necks)"),
    "solid_neck_ratio": (
        "1", "10th / 90th percentile of the solid medial-axis radii (neck width relative "
        "to particle diameter)"),
    "pore_skeleton_density": ("1/L", "length of the pore skeleton per area, times L"),
    "pore_size_cv": (
        "1", "coefficient of variation of the pore medial-axis diameters (2 x distance "
        "transform on the pore skeleton, each weighted by itself, a local-thickness proxy)"),
    "pore_size_p99_over_mean": (
        "1", "weighted 99th percentile / weighted mean of the pore medial-axis diameters "
        "(pore-size spread)"),
    "pore_size_max_over_mean": (
        "1", "maximum / weighted mean of the pore medial-axis diameters (proxy of the "
        "local-thickness max/mean of METHODS.md 7)"),
    "corr_quarter_period": (
        "1", "normalised two-point autocovariance of the pore indicator "
        "(S2(r) - phi^2) / (phi - phi^2) at r = L/4"),
    "corr_half_period": ("1", "normalised two-point autocovariance at r = L/2"),
    "corr_one_period": ("1", "normalised two-point autocovariance at r = L"),
    "corr_minimum": ("1", "minimum of the normalised autocovariance for r <= 3 L"),
    "corr_first_zero": (
        "L", "first r (in units of L) where the normalised autocovariance falls to 0 "
        "(3 when it does not within 3 L)"),
    # Granulometry: what survives a morphological opening is set by the local width, not
    # by one-pixel segmentation speckle (speckle is what an opening removes first).
    **{
        f"{phase}_opening_{tag}": (
            "1", f"fraction of the {phase} area kept by an opening with a disc of diameter "
            f"{k} x the mean {phase} intercept (granulometry; 0 when the region is one phase)")
        for phase in ("pore", "solid")
        for tag, k in (("0_5", "0.5"), ("1", "1"), ("1_5", "1.5"), ("2_5", "2.5"))
    },
    "speckle_fraction": (
        "1", "fraction of the region in solid specks: solid components smaller than "
        "pi/16 x (finest mean intercept)^2 (at least 4 px), which the 'filled_' features "
        "count as pore"),
    "filled_pore_largest_component_fraction": (
        "1", "pore_largest_component_fraction after filling the solid specks into the pore"),
    "filled_pore_component_density": (
        "1/L^2", "pore_component_density after filling the solid specks into the pore"),
    "filled_euler_density": ("1/L^2", "euler_density after filling the solid specks"),
    "filled_pore_size_cv": ("1", "pore_size_cv after filling the solid specks"),
    "filled_pore_size_p99_over_mean": (
        "1", "pore_size_p99_over_mean after filling the solid specks"),
    # Grey-level features: what the eye uses to tell pores (dark, sharp-edged) from shading
    # on a textured solid (graded). Only the two whose values on real micrographs lie inside
    # the range of the synthetic renders are used: histogram separability, valley depth and
    # edge sharpness in px measure the render more than the structure (every real
    # micrograph tried has one broad histogram and softer edges than any render), so a
    # model trained on renders learnt "one broad histogram = non-porous" from them.
    "grey_boundary_gradient_ratio": (
        "1", "median grey gradient on the pore boundary / median over the region, clipped "
        "to 50 (pores have sharp edges, shading does not)"),
    "grey_pore_darkness": (
        "1", "mean pore grey above the 0.5th percentile / the 0.5-99.5th percentile range"),
}

FEATURE_NAMES: tuple[str, ...] = tuple(_FEATURES)
"""Names of the features, in the order of :attr:`StructureFeatures.values`."""
FEATURE_UNITS: dict[str, str] = {k: v[0] for k, v in _FEATURES.items()}
"""Unit of each feature: '1', '1/L^2', '1/L', 'L' (L = structure period) or 'ln'."""
FEATURE_DESCRIPTIONS: dict[str, str] = {k: v[1] for k, v in _FEATURES.items()}
"""One-line definition of each feature."""

_TARGET_PX = 6.0  # finest mean intercept after block averaging
_MIN_SIDE = 64


@dataclass(frozen=True, eq=False)
class StructureFeatures:
    """The structure features of one segmentation.

    Attributes
    ----------
    values : ndarray of float64, shape (n_features,)
        Feature values in the order of :data:`FEATURE_NAMES`; always finite.
    names : tuple of str
        :data:`FEATURE_NAMES`.
    period : float
        Structure period L = mean pore + mean solid intercept, in ``unit``
        (NaN when the region has no pore/solid interface, or when it was rectified: an
        oblique view has no single period).
    unit : str
        'µm' or 'px'.
    downsample : int
        Block-averaging factor used before the shape and skeleton features.
    scale_ratio : float
        Largest / smallest local pore size of the fitted trend over the region
        (:func:`semscan.classify.perspective.scale_trend`; 1 when none was fitted).
    rectified : bool
        True when the masks were resampled to one scale before the features (the trend
        was steady and at least 4x, :mod:`semscan.classify.perspective`).
    """

    values: np.ndarray
    names: tuple[str, ...] = FEATURE_NAMES
    period: float = math.nan
    unit: str = "px"
    downsample: int = 1
    scale_ratio: float = 1.0
    rectified: bool = False

    def to_dict(self) -> dict[str, float]:
        """``{feature name: value}`` in :data:`FEATURE_NAMES` order."""
        return {n: float(v) for n, v in zip(self.names, self.values, strict=True)}


def structure_features(
    pore: np.ndarray,
    solid: np.ndarray,
    *,
    calibration: Calibration,
    region: np.ndarray | None = None,
    grey: np.ndarray | None = None,
    rectify: bool = True,
) -> StructureFeatures:
    """Compute the scale-free structure features of a segmentation (METHODS.md 8).

    Parameters
    ----------
    pore, solid : ndarray of bool, shape (rows, columns)
        Pore and solid masks; pixels in neither (excluded) are left out. They must not
        overlap.
    calibration : Calibration
        Only used to report :attr:`StructureFeatures.period`; the features themselves
        are dimensionless, so uncalibrated images give the same values.
    region : ndarray of bool, optional
        Pixels to analyse (default: every pore or solid pixel).
    grey : ndarray of float, shape (rows, columns), optional
        The grey image the masks were thresholded from (the segmentation's
        ``contrast_grey``), for the ``grey_*`` features. Without it they take the values
        of an ideal two-level image (pore 0, solid 1), i.e. a perfectly separable
        micrograph; a classifier trained on real segmentations should be given it.

    Returns
    -------
    StructureFeatures

    Raises
    ------
    MeasurementError
        If the masks differ in shape, overlap, or the region holds fewer than 16x16 pixels.

    Notes
    -----
    METHODS.md 8 defines the classes in words only; the choice of features is semscan's
    (see :data:`FEATURE_DESCRIPTIONS`). An all-solid region gives porosity 0 and neutral
    values (0, or 1 for shape ratios) for every pore feature; an all-pore region the
    reverse.

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.calibration import UNCALIBRATED
    >>> solid = np.ones((64, 64), bool)
    >>> f = structure_features(~solid, solid, calibration=UNCALIBRATED)
    >>> f.to_dict()["porosity"], f.to_dict()["solid_largest_component_fraction"]
    (0.0, 1.0)
    """
    pore, solid, domain, grey = checked_inputs(pore, solid, region=region, grey=grey)
    n_domain = int(domain.sum())
    phi = float(pore.sum()) / n_domain
    scale_ratio, rectified = 1.0, False
    if rectify:
        from semscan.classify.perspective import rectify_if_steady

        trend, (pore, solid, domain, grey) = rectify_if_steady(pore, solid, domain, grey)
        scale_ratio, rectified = trend.ratio, trend.is_steady
        if rectified:
            n_domain = int(domain.sum())
            phi = float(pore.sum()) / max(n_domain, 1)
    grey_values = _grey_features(grey, pore, solid, domain)

    pl = _interface_densities(pore, domain)
    pl_mean = float(pl.mean())
    if pl_mean > 0:
        l_pore = 2 * phi / pl_mean
        l_solid = 2 * (1 - phi) / pl_mean
        period = l_pore + l_solid
    else:
        l_pore = l_solid = math.nan
        period = math.sqrt(n_domain)
    anisotropy = float(1 - pl.min() / pl.max()) if pl.max() > 0 else 0.0
    log_ratio = (
        math.log(l_pore / l_solid) if pl_mean > 0 and 0 < phi < 1 else (5.0 if phi else -5.0)
    )

    # Block-average fine-grained masks down; features are scale-free.
    finest = min(l_pore, l_solid) if pl_mean > 0 else 1.0
    factor = max(1, int(finest / _TARGET_PX))
    factor = max(1, min(factor, min(pore.shape) // _MIN_SIDE))
    if factor > 1:
        pore, solid, domain = _downsample(pore, domain, factor)
        period_px = period / factor
    else:
        period_px = period
    area = float(domain.sum())
    scale2 = period_px**2 / area

    values: dict[str, float] = {"porosity": phi, "log_intercept_ratio": log_ratio,
                                "anisotropy": anisotropy, **grey_values}
    p_lcf, p_n, p_sizes = _components(pore)
    s_lcf, s_n, _ = _components(solid)
    values["pore_largest_component_fraction"] = p_lcf
    values["solid_largest_component_fraction"] = s_lcf
    values["pore_component_density"] = p_n * scale2
    values["solid_component_density"] = s_n * scale2
    values["euler_density"] = _euler(pore) * scale2
    values["pore_component_size_cv"] = _weighted_cv(np.sqrt(p_sizes), p_sizes)

    ps, pc, pa = _shape_stats(pore)
    ss, sc, _ = _shape_stats(solid)
    values.update(pore_solidity_aw=ps, pore_circularity_aw=pc, pore_aspect_aw=pa,
                  solid_solidity_aw=ss, solid_circularity_aw=sc)

    fine, coarse = _boundary_convexity(pore, solid, domain, period_px)
    values["boundary_convexity_fine"] = fine
    values["boundary_convexity_coarse"] = coarse

    s_branch, s_cv, s_neck, _, _ = _skeleton_stats(solid, period_px)
    values["solid_branch_density"] = s_branch * scale2
    values["solid_ligament_width_cv"] = s_cv
    values["solid_neck_ratio"] = s_neck
    _, _, _, p_len, p_radii = _skeleton_stats(pore, period_px)
    values["pore_skeleton_density"] = p_len * period_px / area
    if p_radii.size:
        # Weight each medial point by its diameter (~ the pore area it stands for), so
        # that specks of segmentation noise do not dominate, as in a pixel-averaged
        # local thickness.
        mean = float(np.average(p_radii, weights=p_radii))
        sd = math.sqrt(float(np.average((p_radii - mean) ** 2, weights=p_radii)))
        values["pore_size_cv"] = sd / mean
        values["pore_size_p99_over_mean"] = _weighted_quantile(p_radii, p_radii, 0.99) / mean
        values["pore_size_max_over_mean"] = float(p_radii.max()) / mean
    else:
        values["pore_size_cv"] = 0.0
        values["pore_size_p99_over_mean"] = values["pore_size_max_over_mean"] = 1.0

    values.update(_correlation_features(pore, domain, phi, period_px))
    if pl_mean > 0 and 0 < phi < 1:
        values.update(_granulometry(pore, solid, l_pore / factor, l_solid / factor))
        values.update(_filled_features(pore, solid, domain, min(l_pore, l_solid) / factor,
                                       period_px))
    else:
        values.update(dict.fromkeys(_GRANULOMETRY_NAMES, 0.0))
        values.update(speckle_fraction=0.0, filled_pore_largest_component_fraction=0.0,
                      filled_pore_component_density=0.0, filled_euler_density=0.0,
                      filled_pore_size_cv=0.0, filled_pore_size_p99_over_mean=1.0)

    arr = np.array([values[n] for n in FEATURE_NAMES], np.float64)
    arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
    # A rectified field has no single period in the image's pixels.
    reported = calibration.to_um(period) if pl_mean > 0 and not rectified else math.nan
    return StructureFeatures(arr, FEATURE_NAMES, reported, calibration.unit, factor,
                             scale_ratio, rectified)


def checked_inputs(
    pore: np.ndarray,
    solid: np.ndarray,
    *,
    region: np.ndarray | None,
    grey: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check a segmentation for the features; return pore, solid, domain and grey.

    ``domain`` is ``(pore | solid) & region``; pore and solid are cut to it; ``grey``
    defaults to the ideal two-level image (solid 1, pore 0), as float32.

    Raises
    ------
    MeasurementError
        If the masks are not 2-D with equal shapes, overlap, the region or grey image has
        another shape, or the domain holds fewer than 16 x 16 pixels.
    """
    pore = np.asarray(pore, bool)
    solid = np.asarray(solid, bool)
    if pore.shape != solid.shape or pore.ndim != 2:
        raise MeasurementError(
            f"pore {pore.shape} and solid {solid.shape} masks must be 2-D with equal shapes"
        )
    if (pore & solid).any():
        raise MeasurementError(
            f"pore and solid masks overlap in {int((pore & solid).sum())} pixels; "
            "a pixel is either pore, solid or excluded"
        )
    domain = pore | solid
    if region is not None:
        region = np.asarray(region, bool)
        if region.shape != pore.shape:
            raise MeasurementError(
                f"region shape {region.shape} differs from the masks {pore.shape}"
            )
        domain &= region
    n_domain = int(domain.sum())
    if n_domain < 256:
        raise MeasurementError(
            f"the analysed region holds {n_domain} pixels; structure features need at "
            "least 16x16; check the segmentation or the region"
        )
    pore = pore & domain
    solid = solid & domain
    if grey is None:
        grey = solid.astype(np.float32)
    grey = np.asarray(grey, np.float32)
    if grey.shape != pore.shape:
        raise MeasurementError(f"grey image shape {grey.shape} differs from the masks "
                               f"{pore.shape}")
    return pore, solid, domain, grey


# ----------------------------------------------------------------------------- helpers
def _grey_features(
    grey: np.ndarray, pore: np.ndarray, solid: np.ndarray, domain: np.ndarray
) -> dict[str, float]:
    """The ``grey_*`` features (see :data:`FEATURE_DESCRIPTIONS`)."""
    g = grey[domain].astype(np.float64)
    lo, hi = (float(v) for v in np.percentile(g, [0.5, 99.5]))
    n_pore, n_solid = np.count_nonzero(pore), np.count_nonzero(solid)
    if n_pore < 16 or n_solid < 16 or hi - lo < 1e-9:
        # one phase (or a flat image): no boundary to judge
        return {"grey_boundary_gradient_ratio": 1.0,
                "grey_pore_darkness": 0.0 if n_solid < 16 else 1.0}
    mp = float(grey[pore].astype(np.float64).mean())
    # Edge contrast: gradient (sigma 1 px) on the pore's inner boundary against the region.
    grad = ndi.gaussian_gradient_magnitude(grey, 1.0)
    inner = cv2.erode(pore.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
    gb = grad[pore & ~inner]
    g_med = float(np.median(gb)) if gb.size else 0.0
    ratio = float(np.clip(g_med / max(float(np.median(grad[domain])), 1e-12), 0.0, 50.0))
    dark = float(np.clip((mp - lo) / (hi - lo), 0.0, 1.0))
    return {"grey_boundary_gradient_ratio": ratio, "grey_pore_darkness": dark}


def _interface_densities(pore: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """Phase changes per pixel length along rows, 45 deg, columns, 135 deg."""
    out = []
    for a, b, step in (
        ((slice(None), slice(None, -1)), (slice(None), slice(1, None)), 1.0),
        ((slice(None, -1), slice(None, -1)), (slice(1, None), slice(1, None)), math.sqrt(2)),
        ((slice(None, -1), slice(None)), (slice(1, None), slice(None)), 1.0),
        ((slice(None, -1), slice(1, None)), (slice(1, None), slice(None, -1)), math.sqrt(2)),
    ):
        valid = domain[a] & domain[b]
        n = int(valid.sum())
        changes = int(((pore[a] != pore[b]) & valid).sum())
        out.append(changes / (n * step) if n else 0.0)
    return np.array(out)


def _downsample(
    pore: np.ndarray, domain: np.ndarray, factor: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rows = (pore.shape[0] // factor) * factor
    cols = (pore.shape[1] // factor) * factor

    def block(m: np.ndarray) -> np.ndarray:
        m = m[:rows, :cols].astype(np.float32)
        return m.reshape(rows // factor, factor, cols // factor, factor).mean(axis=(1, 3))

    d = block(domain)
    p = block(pore)
    dom = d >= 0.5
    por = (p >= 0.5 * np.maximum(d, 1e-6)) & dom
    return por, dom & ~por, dom


def _components(mask: np.ndarray) -> tuple[float, int, np.ndarray]:
    """Largest-component fraction, number of components (>= 4 px), their areas."""
    if not mask.any():
        return 0.0, 0, np.zeros(0)
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    lcf = float(areas.max() / areas.sum())
    big = areas[areas >= 4]
    return lcf, len(big), big


def _euler(mask: np.ndarray) -> float:
    from skimage.measure import euler_number

    if not mask.any():
        return 0.0
    return float(euler_number(mask, connectivity=2))


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order])
    return float(x[order][min(np.searchsorted(cum, q * cum[-1]), len(x) - 1)])


def _weighted_cv(x: np.ndarray, w: np.ndarray) -> float:
    if x.size < 2 or w.sum() <= 0:
        return 0.0
    mean = float(np.average(x, weights=w))
    var = float(np.average((x - mean) ** 2, weights=w))
    return math.sqrt(var) / mean if mean > 0 else 0.0


def _shape_stats(mask: np.ndarray) -> tuple[float, float, float]:
    """Area-weighted solidity, circularity and ellipse aspect of the components."""
    if not mask.any():
        return 1.0, 1.0, 1.0
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    w_sum = sol = circ = asp = 0.0
    for c in contours:
        m = cv2.moments(c)
        area = m["m00"]
        if area < 4:
            continue
        hull = cv2.contourArea(cv2.convexHull(c))
        perim = cv2.arcLength(c, True)
        mu20, mu02, mu11 = m["mu20"] / area, m["mu02"] / area, m["mu11"] / area
        common = math.sqrt(max(((mu20 - mu02) / 2) ** 2 + mu11**2, 0.0))
        lam1 = (mu20 + mu02) / 2 + common
        lam2 = max((mu20 + mu02) / 2 - common, 1e-6)
        w_sum += area
        sol += area * min(1.0, area / max(hull, 1e-9))
        circ += area * min(1.0, 4 * math.pi * area / max(perim**2, 1e-9))
        asp += area * math.sqrt(lam1 / lam2)
    if w_sum == 0:
        return 1.0, 1.0, 1.0
    return sol / w_sum, circ / w_sum, min(asp / w_sum, 50.0)


def _boundary_convexity(
    pore: np.ndarray, solid: np.ndarray, domain: np.ndarray, period: float
) -> tuple[float, float]:
    if not pore.any() or not solid.any():
        return 0.0, 0.0
    k = np.ones((3, 3), np.uint8)
    near_solid = cv2.dilate(solid.astype(np.uint8), k).astype(bool)
    near_pore = cv2.dilate(pore.astype(np.uint8), k).astype(bool)
    interface = (pore & near_solid) | (solid & near_pore)
    if not interface.any():
        return 0.0, 0.0
    out = []
    full = bool(domain.all())
    dom = domain.astype(np.float32)
    sol = solid.astype(np.float32)
    for frac in (8.0, 4.0):
        sigma = max(0.7, period / frac)
        num = _blur(sol, sigma)
        den = _blur(dom, sigma) if not full else np.ones_like(num)
        local = num[interface] / np.maximum(den[interface], 1e-6)
        out.append(float(local.mean()) - 0.5)
    return out[0], out[1]


def _skeleton_stats(
    mask: np.ndarray, period: float
) -> tuple[float, float, float, float, np.ndarray]:
    """Branch points, radius CV, p10/p90 radius ratio, skeleton length, diameters.

    The skeleton is computed on a copy block-averaged so that this phase's mean width is
    about :data:`_TARGET_PX` (thinning costs time in proportion to the width); lengths and
    diameters are returned in pixels of ``mask``.
    """
    from skimage.morphology import skeletonize

    if mask.sum() < 4:
        return 0.0, 0.0, 1.0, 0.0, np.zeros(0)
    if mask.all():
        width = float(min(mask.shape))
    else:
        dist_full = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
        width = 4.0 * float(dist_full[mask].mean(dtype=np.float64))  # ~ mean intercept
    q = max(1, min(int(width / (2 * _TARGET_PX)), min(mask.shape) // _MIN_SIDE))
    if q > 1:
        small, _, _ = _downsample(mask, np.ones_like(mask), q)
    else:
        small = mask
    skel = skeletonize(small)
    if not skel.any():
        return 0.0, 0.0, 1.0, 0.0, np.zeros(0)
    dist = cv2.distanceTransform(small.astype(np.uint8), cv2.DIST_L2, 5).astype(np.float64)
    dist = np.minimum(dist, max(small.shape)) * q
    radii = dist[skel].astype(np.float64)
    nbrs = cv2.filter2D(skel.astype(np.uint8), -1, np.ones((3, 3), np.float32),
                        borderType=cv2.BORDER_CONSTANT)
    branch = (nbrs >= 4) & skel
    # Branch points come in small clusters; count clusters, not pixels.
    n_branch = float(ndi.label(branch, structure=np.ones((3, 3)))[1]) if branch.any() else 0.0
    mean = float(radii.mean())
    cv = float(radii.std() / mean) if mean > 0 else 0.0
    p10, p90 = np.percentile(radii, [10, 90])
    neck = float(p10 / p90) if p90 > 0 else 1.0
    return n_branch, cv, neck, float(skel.sum()) * q, 2 * radii


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; large sigmas are applied on a reduced copy and interpolated back."""
    q = int(sigma / 3)
    if q <= 1:
        return cv2.GaussianBlur(img, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    rows, cols = img.shape
    small = cv2.resize(img, (max(1, cols // q), max(1, rows // q)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / q, borderType=cv2.BORDER_REFLECT)
    return cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR)


def _correlation_features(
    pore: np.ndarray, domain: np.ndarray, phi: float, period: float
) -> dict[str, float]:
    names = ("corr_quarter_period", "corr_half_period", "corr_one_period")
    if phi <= 0 or phi >= 1 or not pore.any():
        return {**dict.fromkeys(names, 0.0), "corr_minimum": 0.0, "corr_first_zero": 3.0}
    rows, cols = pore.shape
    r_max = int(min(3 * period, min(rows, cols) / 4))
    r_max = max(r_max, 2)
    shape = (cv2.getOptimalDFTSize(rows + r_max), cv2.getOptimalDFTSize(cols + r_max))
    p = pore.astype(np.float64)
    m = domain.astype(np.float64)
    fp = np.fft.rfft2(p, s=shape)
    s2 = np.fft.irfft2(fp * np.conj(fp), s=shape)
    if domain.all():  # overlap counts of a full rectangle are known in closed form
        oy = np.clip(rows - np.abs(np.fft.fftfreq(shape[0], 1 / shape[0])), 0, None)
        ox = np.clip(cols - np.abs(np.fft.fftfreq(shape[1], 1 / shape[1])), 0, None)
        nn = oy[:, None] * ox[None, :]
    else:
        fm = np.fft.rfft2(m, s=shape)
        nn = np.fft.irfft2(fm * np.conj(fm), s=shape)
    # Radial average over |offset| <= r_max.
    dy = np.fft.fftfreq(shape[0], 1 / shape[0])
    dx = np.fft.fftfreq(shape[1], 1 / shape[1])
    rr = np.hypot(dy[:, None], dx[None, :])
    sel = (rr <= r_max) & (nn > 0.25 * nn[0, 0])
    rbin = np.rint(rr[sel]).astype(int)
    s2_sum = np.bincount(rbin, weights=s2[sel], minlength=r_max + 1)
    nn_sum = np.bincount(rbin, weights=nn[sel], minlength=r_max + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = s2_sum / nn_sum
    radius = np.arange(len(prob), dtype=np.float64)
    ok = np.isfinite(prob)
    radius, prob = radius[ok], prob[ok]
    c = (prob - phi**2) / (phi - phi**2)
    out = {
        name: float(np.interp(frac * period, radius, c))
        for name, frac in zip(names, (0.25, 0.5, 1.0), strict=True)
    }
    out["corr_minimum"] = float(c.min())
    below = np.nonzero(c <= 0)[0]
    out["corr_first_zero"] = float(radius[below[0]] / period) if below.size else 3.0
    return out


_GRANULOMETRY_NAMES = tuple(n for n in _FEATURES if "_opening_" in n)
_OPENING_DIAMETERS = (0.5, 1.0, 1.5, 2.5)  # in units of the phase's mean intercept


def _disc_kernel(radius: float) -> np.ndarray:
    n = math.ceil(radius)
    yy, xx = np.mgrid[-n:n + 1, -n:n + 1]
    return ((yy**2 + xx**2) <= radius * radius + 0.25).astype(np.uint8)


def _granulometry(
    pore: np.ndarray, solid: np.ndarray, l_pore: float, l_solid: float
) -> dict[str, float]:
    """Area fraction of each phase kept by openings with discs of diameter k x its intercept.

    Each phase is block-averaged so that its mean intercept is 8-16 px (bounded cost);
    radii below 0.75 px keep everything, radii are capped at 12 px.
    """
    out: dict[str, float] = {}
    for phase, mask, length in (("pore", pore, l_pore), ("solid", solid, l_solid)):
        q = max(1, min(int(length / 8.0), min(mask.shape) // 32))
        if q > 1:
            mask, _, _ = _downsample(mask, np.ones_like(mask), q)
            length = length / q
        area = max(int(mask.sum()), 1)
        m8 = mask.astype(np.uint8)
        for name, k in zip((f"{phase}_opening_0_5", f"{phase}_opening_1",
                            f"{phase}_opening_1_5", f"{phase}_opening_2_5"),
                           _OPENING_DIAMETERS, strict=True):
            radius = min(k * length / 2, 12.0)
            if radius < 0.75:
                out[name] = 1.0
                continue
            opened = cv2.morphologyEx(m8, cv2.MORPH_OPEN, _disc_kernel(radius),
                                      borderType=cv2.BORDER_REPLICATE)
            out[name] = float(opened.sum() / area)
    return out


def _filled_features(
    pore: np.ndarray, solid: np.ndarray, domain: np.ndarray, finest: float, period: float
) -> dict[str, float]:
    """Pore features after solid specks (small solid components) are counted as pore."""
    min_area = max(4.0, math.pi * finest**2 / 16)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(solid.astype(np.uint8),
                                                           connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    filled = domain & ~keep[labels]
    area = float(domain.sum())
    scale2 = period**2 / area
    lcf, n, _ = _components(filled)
    out = {
        "speckle_fraction": float((filled != pore).sum()) / area,
        "filled_pore_largest_component_fraction": lcf,
        "filled_pore_component_density": n * scale2,
        "filled_euler_density": _euler(filled) * scale2,
    }
    radii = _skeleton_stats(filled, period)[4]
    if radii.size:
        mean = float(np.average(radii, weights=radii))
        sd = math.sqrt(float(np.average((radii - mean) ** 2, weights=radii)))
        out["filled_pore_size_cv"] = sd / mean
        out["filled_pore_size_p99_over_mean"] = _weighted_quantile(radii, radii, 0.99) / mean
    else:
        out["filled_pore_size_cv"] = 0.0
        out["filled_pore_size_p99_over_mean"] = 1.0
    return out
