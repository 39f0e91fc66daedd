"""The whole cross-section analysis: film, thickness, depth profile, laminar coefficient.

METHODS.md 4, 5 (the interior d) and 6, in one call and one result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from semscan import __version__
from semscan.calibration import Calibration, unit_suffix
from semscan.errors import ConfigError, MeasurementError
from semscan.measure.cross_section._memo import new_round
from semscan.measure.cross_section._texture import _as_image
from semscan.measure.cross_section.film import FilmGeometry, detect_film
from semscan.measure.cross_section.frame import film_frame
from semscan.measure.cross_section.laminar import Laminar, laminar_coefficient
from semscan.measure.cross_section.layers import OFF, Layers, LayersOption, find_layers
from semscan.measure.cross_section.profile import DepthProfile, SurfaceLayer, depth_profile
from semscan.measure.cross_section.thickness import Thickness, measure_thickness

__all__ = ["CrossSectionResult", "analyze_cross_section"]


@dataclass(frozen=True, eq=False)
class CrossSectionResult:
    """Everything measured on one cross-section (METHODS.md 4, 5, 6).

    Lengths are in µm, or px when ``unit`` is ``'px'`` (uncalibrated image). The parts are
    the results of the steps, held as they are: ``laminar.along`` / ``laminar.through`` are
    the intercept results of the laminar coefficient (their lines and chords are in the film
    frame; see :meth:`FilmFrame.frame_to_image`).

    Attributes
    ----------
    film : FilmGeometry
    thickness : Thickness
    profile : DepthProfile
        With the surface layers ``profile.layer_top`` / ``profile.layer_bottom``.
    laminar : Laminar
        ``kappa``, its interval and resolution bias, the aspect ratio, the along / through
        intercepts and the bands left out of the interior (``exclude_top_um`` ...).
    unit : str
    semscan_version : str
    warnings : tuple of str
        Of every step, in order, each once.
    layers : Layers
        The layers of a laminated film and their interfaces
        (:mod:`~semscan.measure.cross_section.layers`; ``mode='off'`` when not looked for).
    """

    film: FilmGeometry
    thickness: Thickness
    profile: DepthProfile
    laminar: Laminar
    unit: str
    semscan_version: str = __version__
    warnings: tuple[str, ...] = ()
    layers: Layers = OFF

    @property
    def interior_d_um(self) -> float:
        """Mean pore intercept along the film in the interior (METHODS.md 5's d_internal)."""
        return float(self.laminar.along.mean)

    @property
    def interior_d_ci95_um(self) -> tuple[float, float]:
        """95 % interval of :attr:`interior_d_um`."""
        lo, hi = self.laminar.along.ci95
        return float(lo), float(hi)

    @property
    def surface_ratio_top(self) -> float:
        """Single-image top surface-layer d over the interior d (NaN when undefined)."""
        return _ratio(self.profile.layer_top, self.interior_d_um)

    @property
    def surface_ratio_bottom(self) -> float:
        """Single-image bottom surface-layer d over the interior d (NaN when undefined)."""
        return _ratio(self.profile.layer_bottom, self.interior_d_um)

    def to_dict(self) -> dict[str, object]:
        """Flat row, every key prefixed ``xs_``; lengths suffixed ``_um`` (or ``_px``)."""
        u = unit_suffix(self.unit)
        f, th, prof, lam = self.film, self.thickness, self.profile, self.laminar
        top, bot = prof.layer_top, prof.layer_bottom
        ci = self.interior_d_ci95_um
        return {
            "xs_film_direction_deg": f.direction_deg,
            "xs_direction_source": f.direction_source,
            "xs_edges_visible": f.edges_visible,
            f"xs_thickness_mean_{u}": th.mean_um,
            f"xs_thickness_sd_{u}": th.sd_um,
            "xs_thickness_n": len(th.values_um),
            f"xs_thickness_values_{u}": ";".join(f"{v:.6g}" for v in th.values_um),
            f"xs_band_{u}": prof.band_um,
            f"xs_profile_interior_{u}": prof.interior_um,
            "xs_layer_top_kind": top.kind,
            f"xs_layer_top_thickness_{u}": top.thickness_um,
            f"xs_layer_top_d_{u}": top.d_layer_um,
            "xs_layer_bottom_kind": bot.kind,
            f"xs_layer_bottom_thickness_{u}": bot.thickness_um,
            f"xs_layer_bottom_d_{u}": bot.d_layer_um,
            f"xs_exclude_top_{u}": lam.exclude_top_um,
            f"xs_exclude_bottom_{u}": lam.exclude_bottom_um,
            "xs_kappa": lam.kappa,
            "xs_kappa_ci95_low": lam.ci95[0],
            "xs_kappa_ci95_high": lam.ci95[1],
            "xs_kappa_resolution_bias": lam.resolution_bias,
            f"xs_along_mean_{u}": float(lam.along.mean),
            "xs_along_n_intercepts": int(lam.along.n_intercepts),
            f"xs_through_mean_{u}": float(lam.through.mean),
            "xs_through_n_intercepts": int(lam.through.n_intercepts),
            "xs_aspect_ratio": lam.aspect_ratio,
            "xs_aspect_n_pores": lam.n_aspect_pores,
            f"xs_interior_d_{u}": self.interior_d_um,
            f"xs_interior_d_ci95_low_{u}": ci[0],
            f"xs_interior_d_ci95_high_{u}": ci[1],
            "xs_surface_ratio_top": self.surface_ratio_top,
            "xs_surface_ratio_bottom": self.surface_ratio_bottom,
            "xs_warnings": " | ".join(self.warnings),
            **self.layers.to_dict(),
        }


def _ratio(layer: SurfaceLayer, interior_d: float) -> float:
    ok = math.isfinite(layer.d_layer_um) and interior_d > 0
    return layer.d_layer_um / interior_d if ok else float("nan")


def analyze_cross_section(
    pore: np.ndarray,
    solid: np.ndarray | None,
    image: np.ndarray,
    *,
    calibration: Calibration,
    excluded: np.ndarray | None = None,
    film_direction_deg: float | None = None,
    band_um: float = 0.1,
    skin_tolerance: float = 0.25,
    skin_exclusion_um: float | None = None,
    n_thickness_positions: int = 9,
    layers: LayersOption = "auto",
    n_lines: int = 50,
    seed: int = 0,
    film: FilmGeometry | None = None,
    layer_depths_um: tuple[float, ...] = (),
    interface_floor: int = 0,
    cache: dict[str, Any] | None = None,
) -> CrossSectionResult:
    """Film, thickness, depth profile, surface layers and laminar coefficient of a section.

    METHODS.md 4 and 6 (and the interior d of 5). The options are those of
    :class:`semscan.config.CrossSectionConfig` (``view`` aside) plus the line count and seed
    of METHODS.md 1.

    Parameters
    ----------
    pore, solid : ndarray of bool, shape (rows, columns)
        Segmentation masks (``solid`` may be None; it is only checked for shape).
    image : ndarray, shape (rows, columns)
        The grey image, used to find the film.
    calibration : Calibration
    excluded : ndarray of bool, optional
    film_direction_deg, band_um, skin_tolerance, skin_exclusion_um, n_thickness_positions
        See :class:`~semscan.config.CrossSectionConfig`. ``skin_exclusion_um=None`` leaves
        the detected surface layers out of the interior.
    layers : 'auto', 'off' or int
        Layers of a laminated film (:func:`~semscan.measure.cross_section.layers.find_layers`):
        found, not looked for, or that many.
    n_lines : int
        Lines of the laminar coefficient's intercept measurements.
    seed : int
    film : FilmGeometry, optional
        A film found before (skips :func:`detect_film`).
    layer_depths_um : tuple of float
        Interfaces given by the user (depths below the top surface, µm); override ``layers``.
    interface_floor : int
        Surrogates for each found interface's noise floor (0: none;
        :func:`~semscan.measure.cross_section.layers.find_layers`).
    cache : dict, optional
        State kept between measurements of edits of one section on one ``film`` (a
        re-measure, :func:`semscan.pipeline.remeasure.remeasure`): the film frame's
        geometry, and each step's result under the content of the masks it read
        (:mod:`~semscan.measure.cross_section._memo`: depth-profile bands, layer-search
        blocks, laminar coefficients). The result is the one measured without it.

    Returns
    -------
    CrossSectionResult

    Raises
    ------
    MeasurementError
        On masks of another shape than the image, or an empty film interior.
    ConfigError
        On invalid options.

    Examples
    --------
    >>> from semscan.calibration import Calibration
    >>> from semscan.phantoms.films import synthetic_cross_section
    >>> pore, spec, _ = synthetic_cross_section((240, 320), thickness_px=150, a_px=8, b_px=4,
    ...                                         seed=0)
    >>> res = analyze_cross_section(pore, spec & ~pore, (spec & ~pore).astype(float),
    ...                             calibration=Calibration(0.01, "user"))
    >>> round(res.thickness.mean_um, 1), res.to_dict()["xs_edges_visible"]
    (1.5, 2)
    """
    pore = np.asarray(pore, bool)
    img = _as_image(image)
    for name, m in (("pore", pore), ("solid", solid), ("excluded", excluded)):
        if m is not None and np.asarray(m).shape != img.shape:
            raise MeasurementError(
                f"{name} mask shape {np.asarray(m).shape} differs from the image {img.shape}"
            )
    if n_thickness_positions < 5:
        raise ConfigError(
            f"n_thickness_positions must be >= 5 (patent item (4)), got {n_thickness_positions}"
        )
    if skin_exclusion_um is not None and skin_exclusion_um < 0:
        raise ConfigError(f"skin_exclusion_um must be >= 0 or None, got {skin_exclusion_um}")
    if film is None:
        film = detect_film(img, calibration=calibration, excluded=excluded, pore=pore,
                           film_direction_deg=film_direction_deg)
    thick = measure_thickness(film, calibration=calibration, n_positions=n_thickness_positions)
    edges_note = ([f"{film.edges_visible} film edge(s) visible: thickness not measured"]
                  if film.edges_visible < 2 else [])
    new_round(cache)
    frame = film_frame(film, pore, excluded=excluded, cache=cache)
    prof = depth_profile(pore, film, calibration=calibration, band_um=band_um,
                         skin_tolerance=skin_tolerance, seed=seed, frame=frame, cache=cache)
    if skin_exclusion_um is None:
        ex_top = prof.layer_top.thickness_um if prof.layer_top.kind != "none" else 0.0
        ex_bot = prof.layer_bottom.thickness_um if prof.layer_bottom.kind != "none" else 0.0
    else:
        ex_top = ex_bot = float(skin_exclusion_um)
    lam = laminar_coefficient(pore, film, calibration=calibration, exclude_top_um=ex_top,
                              exclude_bottom_um=ex_bot, n_lines=n_lines, seed=seed, frame=frame,
                              cache=cache)
    lay = find_layers(frame, film, calibration=calibration, layers=layers,
                      layer_depths_um=tuple(layer_depths_um), profile=prof, band_um=band_um,
                      n_thickness_positions=n_thickness_positions, n_lines=n_lines, seed=seed,
                      interface_floor=interface_floor, cache=cache)
    notes = (*film.warnings, *edges_note, *prof.warnings, *lam.warnings, *lay.warnings)
    return CrossSectionResult(film=film, thickness=thick, profile=prof, laminar=lam,
                              unit=calibration.unit, warnings=tuple(dict.fromkeys(notes)),
                              layers=lay)
