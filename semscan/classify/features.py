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

import numpy as np

from semscan._morphology import component_areas, within
from semscan.calibration import Calibration
from semscan.classify._mask_stats import (
    MIN_SIDE,
    TARGET_PX,
    block_mean_masks,
    boundary_convexity,
    components,
    correlation_features,
    euler,
    filled_features,
    granulometry,
    grey_features,
    interface_densities,
    shape_stats,
    skeleton_stats,
    weighted_cv,
    weighted_quantile,
)
from semscan.classify.feature_table import (
    FEATURE_DESCRIPTIONS,
    FEATURE_NAMES,
    FEATURE_UNITS,
    GRANULOMETRY_NAMES,
)
from semscan.classify.perspective import rectify_if_steady
from semscan.errors import MeasurementError

__all__ = [
    "FEATURE_DESCRIPTIONS",
    "FEATURE_NAMES",
    "FEATURE_UNITS",
    "StructureFeatures",
    "structure_features",
]



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
    return checked_features(pore, solid, domain, grey, calibration=calibration,
                            rectify=rectify)


def checked_features(
    pore: np.ndarray,
    solid: np.ndarray,
    domain: np.ndarray,
    grey: np.ndarray,
    *,
    calibration: Calibration,
    rectify: bool = True,
) -> StructureFeatures:
    """:func:`structure_features` of inputs that :func:`checked_inputs` returned.

    Parameters
    ----------
    pore, solid, domain, grey : ndarray
        As :func:`checked_inputs` returns them (or slices of them: a field of a checked
        segmentation is itself checked), with at least 256 domain pixels.
    calibration : Calibration
    rectify : bool

    Returns
    -------
    StructureFeatures
        The same values as :func:`structure_features` of the same masks.
    """
    n_domain = int(np.count_nonzero(domain))
    phi = float(np.count_nonzero(pore)) / n_domain
    scale_ratio, rectified = 1.0, False
    if rectify:
        trend, (pore, solid, domain, grey) = rectify_if_steady(pore, solid, domain, grey)
        scale_ratio, rectified = trend.ratio, trend.is_steady
        if rectified:
            n_domain = int(np.count_nonzero(domain))
            phi = float(np.count_nonzero(pore)) / max(n_domain, 1)
    grey_values = grey_features(grey, pore, solid, domain)

    pl = interface_densities(pore, domain)
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
    factor = max(1, int(finest / TARGET_PX))
    factor = max(1, min(factor, min(pore.shape) // MIN_SIDE))
    if factor > 1:
        # a full domain block-averages to all 1s: the same masks without averaging it
        pore, solid, domain = block_mean_masks(pore, None if domain.all() else domain,
                                               factor)
        period_px = period / factor
    else:
        period_px = period
    area = float(np.count_nonzero(domain))
    scale2 = period_px**2 / area

    values: dict[str, float] = {"porosity": phi, "log_intercept_ratio": log_ratio,
                                "anisotropy": anisotropy, **grey_values}
    p_lcf, p_n, p_sizes = components(pore)
    solid_labels = component_areas(solid) if solid.any() else None
    s_lcf, s_n, _ = components(solid, labelled=solid_labels)
    values["pore_largest_component_fraction"] = p_lcf
    values["solid_largest_component_fraction"] = s_lcf
    values["pore_component_density"] = p_n * scale2
    values["solid_component_density"] = s_n * scale2
    p_euler = euler(pore)
    values["euler_density"] = p_euler * scale2
    values["pore_component_size_cv"] = weighted_cv(np.sqrt(p_sizes), p_sizes)

    ps, pc, pa = shape_stats(pore)
    ss, sc, _ = shape_stats(solid)
    values.update(pore_solidity_aw=ps, pore_circularity_aw=pc, pore_aspect_aw=pa,
                  solid_solidity_aw=ss, solid_circularity_aw=sc)

    fine, coarse = boundary_convexity(pore, solid, domain, period_px)
    values["boundary_convexity_fine"] = fine
    values["boundary_convexity_coarse"] = coarse

    s_branch, s_cv, s_neck, _, _ = skeleton_stats(solid, period_px)
    values["solid_branch_density"] = s_branch * scale2
    values["solid_ligament_width_cv"] = s_cv
    values["solid_neck_ratio"] = s_neck
    _, _, _, p_len, p_radii = skeleton_stats(pore, period_px)
    values["pore_skeleton_density"] = p_len * period_px / area
    if p_radii.size:
        # Weight each medial point by its diameter (~ the pore area it stands for), so
        # that specks of segmentation noise do not dominate, as in a pixel-averaged
        # local thickness.
        mean = float(np.average(p_radii, weights=p_radii))
        sd = math.sqrt(float(np.average((p_radii - mean) ** 2, weights=p_radii)))
        values["pore_size_cv"] = sd / mean
        values["pore_size_p99_over_mean"] = weighted_quantile(p_radii, p_radii, 0.99) / mean
        values["pore_size_max_over_mean"] = float(p_radii.max()) / mean
    else:
        values["pore_size_cv"] = 0.0
        values["pore_size_p99_over_mean"] = values["pore_size_max_over_mean"] = 1.0

    values.update(correlation_features(pore, domain, phi, period_px))
    if pl_mean > 0 and 0 < phi < 1:
        values.update(granulometry(pore, solid, l_pore / factor, l_solid / factor))
        values.update(filled_features(pore, solid, domain, min(l_pore, l_solid) / factor,
                                       period_px, solid_labels=solid_labels,
                                       pore_parts=(p_lcf, p_n, p_euler, p_radii)))
    else:
        values.update(dict.fromkeys(GRANULOMETRY_NAMES, 0.0))
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
    n_domain = int(np.count_nonzero(domain))
    if n_domain < 256:
        raise MeasurementError(
            f"the analysed region holds {n_domain} pixels; structure features need at "
            "least 16x16; check the segmentation or the region"
        )
    pore, solid = within(pore, domain), within(solid, domain)
    if grey is None:
        grey = solid.astype(np.float32)
    grey = np.asarray(grey, np.float32)
    if grey.shape != pore.shape:
        raise MeasurementError(f"grey image shape {grey.shape} differs from the masks "
                               f"{pore.shape}")
    return pore, solid, domain, grey
