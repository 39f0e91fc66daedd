"""Cross-section views: the film, its thickness, depth profile, surface layers, laminar coefficient.

Implements METHODS.md sections 4 (cross-sectional pore laminar coefficient) and 6 (surface
layer and thickness), and provides the interior pore size used by section 5.

Modules: :mod:`~.film` (the specimen band, its surfaces and direction), :mod:`~.frame` (film
coordinates and the :class:`FilmFrame`), :mod:`~.thickness`, :mod:`~.profile` (depth profile
and surface layers), :mod:`~.laminar` (kappa and its resolution bias) and :mod:`~.analyze`
(all of them in one call, :func:`analyze_cross_section`).

Where the source documents leave room, semscan chose:

- **Film detection.** The specimen is where the image has texture at a scale of a few pore
  sizes (local grey-level standard deviation smoothed over ~1.5 characteristic feature
  lengths), so that a dark vacuum or a uniform grey embedding is found without relying on
  a single pixel's grey. Its band is then found at a scale larger than the pores: the
  *solid* pixels (grey departing from the background's level by more than half the solid's
  contrast) are counted in a Gaussian window of ``sigma = 2`` feature lengths (pore plus
  solid intercept, measured inside the specimen), and the band is where that solid fraction
  exceeds half its value inside the film. Pores that open onto the surface, even merged
  into clusters wider than the pores, never reach the background there (a fractured film
  has open surface pores, which are dark like a vacuum).
- **Film direction.** A total-least-squares line through the pixels of each visible band
  edge gives a first direction; the final one is a robust total-least-squares line
  (points beyond 3 robust SD dropped) through each refined surface curve, the curves then
  being re-expressed in that frame. Edges are weighted by their length. With no edge visible
  it is the user's ``film_direction_deg`` or the image rows, and ``direction_source`` says
  which. A user direction does not override visible edges (a warning is raised when they
  disagree by more than 5°).
- **Surfaces as curves.** The film direction defines along (``x'``) and normal (``y'``)
  coordinates. In bins along ``x'`` a first estimate is the 35 % quantile (outer side) of
  the band edge's ``y'``. It is refined on the solid's outer envelope: in each 1-px column
  of the film frame, the first solid pixel coming from outside (within 1.5 sigma of the
  first estimate); the surface is the ``q``-quantile of those positions over ~8 feature lengths
  along the film, ``q = phi / 4`` (``phi`` the film's solid fraction, ``q`` in
  [0.05, 0.25]), minus half a pixel. A line along the surface cuts the solid in a fraction
  ``phi`` of its length however many pores open there, so the curve does not dip into open
  pores, and a fractured, wavy surface is still followed. The specimen mask is the band
  trimmed to the curves.
- **Thickness** is measured along the mean film normal, ``bottom(x') - top(x')``, at
  ``n_thickness_positions`` equally spaced positions where both edges are visible.
- **Measurements in the film frame.** Masks are resampled (nearest pixel, which is an
  isometry of the sampling used by angled lines in METHODS.md 1) into a frame whose rows run
  along the film, so that lines along and through the film are rows and columns and the
  50-line window can hug the film (:class:`FilmFrame`, built once per analysis). Lines and
  chords of the stored intercept results are in that frame; :meth:`FilmFrame.frame_to_image`
  maps them back.
- **Depth profile.** Bands of height ``band_um`` at increasing distance from each surface
  (along the normal, from the curved surface); pixels belong to the nearer surface. In each
  band the mean pore intercept along the film uses one line per film-frame row.
- **Interior value** is the median of the band values in the central half of the thickness
  (one edge visible: beyond a third of the visible depth).
- **Surface layer.** Band 0 departs from the interior value by more than ``skin_tolerance``
  (relative); the layer extends while consecutive bands depart in the same sense. ``'skin'``
  when the layer's pores are smaller, ``'open'`` when larger, else ``'none'``.
"""

from __future__ import annotations

from semscan.measure.cross_section.analyze import CrossSectionResult, analyze_cross_section
from semscan.measure.cross_section.film import DirectionSource, FilmGeometry, detect_film
from semscan.measure.cross_section.frame import (
    FilmFrame,
    film_coordinates,
    film_frame,
    film_grid,
    image_coordinates,
)
from semscan.measure.cross_section.laminar import Laminar, laminar_coefficient
from semscan.measure.cross_section.profile import (
    BandValue,
    DepthProfile,
    SurfaceLayer,
    depth_profile,
)
from semscan.measure.cross_section.thickness import Thickness, measure_thickness

__all__ = [
    "BandValue",
    "CrossSectionResult",
    "DepthProfile",
    "DirectionSource",
    "FilmFrame",
    "FilmGeometry",
    "Laminar",
    "SurfaceLayer",
    "Thickness",
    "analyze_cross_section",
    "depth_profile",
    "detect_film",
    "film_coordinates",
    "film_frame",
    "film_grid",
    "image_coordinates",
    "laminar_coefficient",
    "measure_thickness",
]
