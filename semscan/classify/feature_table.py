"""Names, units and definitions of the structure features, in the model's order.

The order of :data:`FEATURE_NAMES` is the order of
:attr:`~semscan.classify.features.StructureFeatures.values` and of a model file's
``feature_names``; a model trained with other names or another order is refused.

Examples
--------
>>> FEATURE_NAMES[0], FEATURE_UNITS["euler_density"]
('porosity', '1/L^2')
"""

from __future__ import annotations

__all__ = ["FEATURE_DESCRIPTIONS", "FEATURE_NAMES", "FEATURE_UNITS", "GRANULOMETRY_NAMES"]

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
    # The same pore features after the solid specks are counted as pore.
    **{
        f"filled_{name}": (unit, f"{name} after filling the solid specks into the pore")
        for name, unit in (("pore_largest_component_fraction", "1"),
                           ("pore_component_density", "1/L^2"), ("euler_density", "1/L^2"),
                           ("pore_size_cv", "1"), ("pore_size_p99_over_mean", "1"))
    },
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

GRANULOMETRY_NAMES: tuple[str, ...] = tuple(n for n in FEATURE_NAMES if "_opening_" in n)
"""The ``*_opening_*`` features, pore then solid, diameters 0.5, 1, 1.5, 2.5 intercepts."""
