"""Cross-section views: the film, its thickness, depth profile, surface layers, laminar coefficient."""

from __future__ import annotations

from semscan.measure.cross_section.film import (
    BandValue,
    CrossSectionResult,
    FilmGeometry,
    SurfaceLayer,
    analyze_cross_section,
    depth_profile,
    detect_film,
    laminar_coefficient,
    measure_thickness,
)

__all__ = [
    "BandValue",
    "CrossSectionResult",
    "FilmGeometry",
    "SurfaceLayer",
    "analyze_cross_section",
    "depth_profile",
    "detect_film",
    "laminar_coefficient",
    "measure_thickness",
]
