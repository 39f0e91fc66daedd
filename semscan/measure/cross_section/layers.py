"""Layers of a laminated film in a cross-section: their interfaces and each layer's structure.

A laminated separator (the meta-aramid separator claims: a polymetaphenylene
isophthalamide porous layer on a heat-melting thermoplastic porous layer) shows, inside the
film band, layers of different structure one above the other. semscan finds the
interfaces between them as curves, like the film surfaces (one depth ``y'`` per position
along the film), and measures each layer as METHODS.md 2, 4 and 6 measure the film.

The source documents do not say how a layer is recognised; semscan chose:

- **Structure across the depth.** In the film frame (rows along the film), three local
  quantities per row: the areal porosity, and the boundary crossings per unit length along
  and through the film (``P_L``; the mean pore intercept is ``2 porosity / P_L``, METHODS.md
  1 and 4), summed over blocks of columns ``max(6 feature lengths, 1/12 of the film's
  length)`` wide (quarter-overlapping), not smoothed across the depth (a step fit on a
  blurred, non-linear quantity is biased). A change of porosity, of pore size or of
  anisotropy (kappa) changes at least one of them; the grey level is not used (the masks
  carry the structure).
- **Interfaces.** In each block the rows between the surfaces are cut into ``K``
  segments of least squared deviation (exact dynamic programming) of the three quantities,
  in units of the steps that make a layer (porosity / :data:`POROSITY_STEP`, ``P_L`` /
  (``SIZE_STEP - 1`` of its block mean)), then each weighted by the inverse of its spread inside the
  segments so found (a second pass, so that the quantity that changes most cleanly
  decides); segments are at least :func:`min_layer_px` thick. An interface
  is the curve through the blocks' cuts (cuts farther than ``max(min_layer_px / 4, 5
  robust SD)`` from a running median of five blocks dropped, then a 1-2-1 smoothing, linear
  between block centres, flat beyond the outermost ones); for one cut, a second pass with
  each block's columns shifted along that first curve, so that a wave inside a block does
  not blur the step.
- **How many layers** (``layers='auto'``): interfaces are added one at a time, each the
  best single cut (as above, ``K = 2``) of one of the layers found so far, while the two
  parts of the layer it cuts differ in structure: in porosity by at least
  :data:`POROSITY_STEP` (absolute) or in mean pore intercept along or through the film by
  a factor of at least :data:`SIZE_STEP`, and by at least 3 standard errors of that
  change (from its spread over 8 stretches along the film); at most :data:`MAX_LAYERS`
  layers. A surface layer
  (METHODS.md 6) thinner than the thinnest layer is part of its outer layer and left out of
  those bands, so a skinned single-layer film is one layer. ``layers=N`` cuts the film into
  ``N`` layers without that test; ``layer_depths_um`` gives the interfaces (depths below the
  top surface, parallel to it) instead of finding them.
- **Each layer**, between its two boundaries (surface or interface): thickness at
  ``n_thickness_positions`` positions (the film's rule, METHODS.md 6); on its core (half a
  mean pore-plus-wall intercept through the film left out next to each interface, where
  the curve's few pixels of uncertainty would mix the two structures): areal porosity,
  the 50-line pore intercepts along and through the film and the resolution bias
  (:func:`~semscan.measure.cross_section.laminar.laminar_in_region`, METHODS.md 4, on the
  layer's region, ``window_um='full'``), kappa from every row and column
  (:func:`dense_kappa`: 50 lines on a layer a few pores thick spread it by +-9 %), and its
  depth profile (bands of ``band_um`` below its upper boundary, the mean pore intercept
  along the film in each, as METHODS.md 6 does from a surface).
- **Interface roughness**: Ra (mean absolute deviation) and RMS of the interface's depth
  about its least-squares straight line along the film, in µm; with ``interface_floor=N``
  also the detector's own noise floor on this image (``N`` self-spliced surrogates with a
  straight interface, :mod:`~semscan.measure.cross_section._floor`), the roughness
  corrected for it in quadrature, and a warning when the RMS is at most
  :data:`~semscan.measure.cross_section._floor.FLAG_RATIO` times the floor.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from semscan.calibration import Calibration, unit_suffix
from semscan.errors import ConfigError
from semscan.measure.cross_section._floor import FLAG_RATIO, corrected, interface_floor
from semscan.measure.cross_section._layer_stats import dense_kappa, porosity_ci
from semscan.measure.cross_section.film import FilmGeometry
from semscan.measure.cross_section.frame import FilmFrame
from semscan.measure.cross_section.interfaces import (
    MAX_LAYERS,
    MIN_LAYER_FRACTION,
    POROSITY_STEP,
    SIZE_STEP,
    LayersOption,
    _column_counts,
    _contrast,
    _counts,
    _Film,
    _keep_out,
    _search,
    min_layer_px,
)
from semscan.measure.cross_section.laminar import (
    Laminar,
    laminar_in_region,
    porosity_resolution_warning,
)
from semscan.measure.cross_section.profile import BandValue, DepthProfile, layer_profile
from semscan.measure.cross_section.thickness import Thickness, layer_thickness

__all__ = ["MAX_LAYERS", "MIN_LAYER_FRACTION", "OFF", "POROSITY_STEP", "SIZE_STEP", "Interface",
           "Layer", "Layers", "LayersOption", "dense_kappa", "find_layers", "min_layer_px",
           "parse_layers"]

@dataclass(frozen=True, eq=False)
class Interface:
    """An interface between two layers, as a curve in film coordinates.

    Attributes
    ----------
    positions_px : ndarray of float, shape (n,)
        ``x'`` of the positions (those of :attr:`FilmGeometry.positions_px`).
    depth_px : ndarray of float, shape (n,)
        ``y'`` of the interface at each position (film coordinates, px; NaN where unknown).
    mean_depth_um : float
        Mean depth below the top surface along the normal (µm, or px when uncalibrated).
    ra_um, rms_um : float
        Roughness: mean absolute and root-mean-square deviation of the depth about its
        least-squares line (µm or px).
    source : {'auto', 'given'}
        Found in the image, or given by the user (``layer_depths_um``).
    porosity_step, along_ratio, through_ratio : float
        Across the interface (band below over band above): porosity difference and the
        ratios of the mean pore intercepts along and through the film.
    floor_rms_um, floor_ra_um : float
        The detector's noise floor on this image: RMS (in quadrature) and mean Ra of its
        error on self-spliced surrogates with a straight interface (NaN unless asked for,
        ``interface_floor``, and for given interfaces).
    ra_corrected_um, rms_corrected_um : float
        ``RMS_c = sqrt(max(0, RMS^2 - floor^2))``, ``Ra_c = Ra RMS_c / RMS``
        (:func:`~semscan.measure.cross_section._floor.corrected`).
    """

    positions_px: np.ndarray
    depth_px: np.ndarray
    mean_depth_um: float
    ra_um: float
    rms_um: float
    source: Literal["auto", "given"]
    porosity_step: float = float("nan")
    along_ratio: float = float("nan")
    through_ratio: float = float("nan")
    floor_rms_um: float = float("nan")
    floor_ra_um: float = float("nan")
    ra_corrected_um: float = float("nan")
    rms_corrected_um: float = float("nan")

    @property
    def below_floor(self) -> bool:
        """The RMS is at most ``FLAG_RATIO`` times the floor (False when no floor)."""
        return bool(self.rms_um <= FLAG_RATIO * self.floor_rms_um)

    def at(self, x: np.ndarray) -> np.ndarray:
        """``y'`` of the interface at ``x'`` (interpolated, flat beyond its ends)."""
        ok = np.isfinite(self.depth_px)
        return np.interp(np.asarray(x, float), self.positions_px[ok], self.depth_px[ok])


@dataclass(frozen=True, eq=False)
class Layer:
    """One layer of a laminated film, numbered from the top surface (1 = top).

    Lengths in µm, or px when ``unit`` is ``'px'``.

    Attributes
    ----------
    index : int
    thickness : Thickness
        At the film's thickness positions, between the layer's two boundaries.
    porosity : float
        Areal porosity of the layer (METHODS.md 2).
    porosity_ci95 : tuple of float
        Its 95 % interval from the spread over 8 stretches along the film (t-interval).
    area_um2 : float
        Area of the layer in the image (µm², or px²).
    laminar : Laminar
        ``along`` / ``through`` (the 50-line pore intercepts), ``kappa`` and its interval.
    profile : tuple of BandValue
        Bands of ``band_um`` below the layer's upper boundary.
    unit : str
    structure : str
        The layer's structure class (METHODS.md 8) on its region, set by the pipeline when
        classification is on ('' when not classified).
    structure_confidence : float
        The class's probability (NaN when not classified).
    porosity_warning : str
        Set when the layer's pores are at the resolution limit and its porosity is a lower
        bound (:func:`~semscan.measure.cross_section.laminar.porosity_resolution_warning`).
    """

    index: int
    thickness: Thickness
    porosity: float
    porosity_ci95: tuple[float, float]
    area_um2: float
    laminar: Laminar
    profile: tuple[BandValue, ...]
    unit: str
    structure: str = ""
    structure_confidence: float = float("nan")
    porosity_warning: str = ""

    @property
    def d_along_um(self) -> float:
        """Mean pore intercept along the film (50-line method)."""
        return float(self.laminar.along.mean)

    @property
    def d_through_um(self) -> float:
        """Mean pore intercept through the film (50-line method)."""
        return float(self.laminar.through.mean)

    def to_dict(self) -> dict[str, object]:
        """One row of ``layers.csv`` (without the file columns); lengths ``_um`` or ``_px``."""
        u = unit_suffix(self.unit)
        lam, th = self.laminar, self.thickness
        a_lo, a_hi = lam.along.ci95
        t_lo, t_hi = lam.through.ci95
        return {
            "layer": self.index,
            f"thickness_mean_{u}": th.mean_um,
            f"thickness_sd_{u}": th.sd_um,
            "thickness_n": len(th.values_um),
            f"thickness_values_{u}": ";".join(f"{v:.6g}" for v in th.values_um),
            "areal_porosity": self.porosity,
            "areal_porosity_ci95_low": self.porosity_ci95[0],
            "areal_porosity_ci95_high": self.porosity_ci95[1],
            "porosity_warning": self.porosity_warning,
            f"d_along_{u}": self.d_along_um,
            f"d_along_ci95_low_{u}": float(a_lo),
            f"d_along_ci95_high_{u}": float(a_hi),
            "d_along_n_intercepts": int(lam.along.n_intercepts),
            f"d_through_{u}": self.d_through_um,
            f"d_through_ci95_low_{u}": float(t_lo),
            f"d_through_ci95_high_{u}": float(t_hi),
            "d_through_n_intercepts": int(lam.through.n_intercepts),
            "kappa": lam.kappa,
            "kappa_ci95_low": lam.ci95[0],
            "kappa_ci95_high": lam.ci95[1],
            "kappa_resolution_bias": lam.resolution_bias,
            "aspect_ratio": lam.aspect_ratio,
            f"profile_d_along_{u}": ";".join(f"{b.mean_um:.6g}" for b in self.profile),
            "structure_class": self.structure,
            "structure_confidence": self.structure_confidence,
        }


@dataclass(frozen=True, eq=False)
class Layers:
    """The layers of a cross-section and the interfaces between them.

    Attributes
    ----------
    mode : str
        ``'off'``, ``'auto'``, ``'N'`` (a number of layers asked for) or ``'given'``.
    interfaces : tuple of Interface
        Top first; ``len(layers) - 1`` of them.
    layers : tuple of Layer
        Top first (empty when ``mode`` is ``'off'`` or the film could not be layered).
    min_layer_um : float
        The thinnest layer looked for (:func:`min_layer_px`), µm or px.
    unit : str
    warnings : tuple of str
    """

    mode: str
    interfaces: tuple[Interface, ...]
    layers: tuple[Layer, ...]
    min_layer_um: float
    unit: str
    warnings: tuple[str, ...] = ()

    @property
    def n_layers(self) -> int:
        """Number of layers measured (0 when off)."""
        return len(self.layers)

    def to_dict(self) -> dict[str, object]:
        """Columns of the image row, prefixed ``xs_``: the count, interfaces, each layer's key
        numbers joined by ``;`` (top first)."""
        u = unit_suffix(self.unit)

        def joined(values: Any) -> str:
            return ";".join(f"{float(v):.6g}" for v in values)

        return {
            "xs_layers_mode": self.mode,
            "xs_n_layers": self.n_layers,
            f"xs_interface_depth_{u}": joined(i.mean_depth_um for i in self.interfaces),
            f"xs_interface_ra_{u}": joined(i.ra_um for i in self.interfaces),
            f"xs_interface_rms_{u}": joined(i.rms_um for i in self.interfaces),
            f"xs_layer_thickness_{u}": joined(la.thickness.mean_um for la in self.layers),
            "xs_layer_porosity": joined(la.porosity for la in self.layers),
            f"xs_layer_d_along_{u}": joined(la.d_along_um for la in self.layers),
            "xs_layer_kappa": joined(la.laminar.kappa for la in self.layers),
            # the noise floor (interface_floor), after the older keys
            f"xs_interface_floor_rms_{u}": joined(i.floor_rms_um for i in self.interfaces),
            f"xs_interface_ra_corrected_{u}": joined(i.ra_corrected_um
                                                     for i in self.interfaces),
            f"xs_interface_rms_corrected_{u}": joined(i.rms_corrected_um
                                                      for i in self.interfaces),
        }

    def layer_masks(self, film: FilmGeometry) -> list[np.ndarray]:
        """Each layer's pixels in the image the film was found on (bool, top layer first):
        the specimen between the layer's two boundaries, the whole layer (no margin)."""
        from semscan.measure.cross_section.frame import film_grid

        x, y = film_grid(film.specimen.shape, film.direction_deg)
        xf = x.ravel().astype(float)
        bounds = [film.top_at(xf), *(i.at(xf) for i in self.interfaces), film.bottom_at(xf)]
        yf = y.ravel()
        out = []
        for k in range(len(self.layers)):
            m = (yf >= bounds[k]) & (yf < bounds[k + 1])
            out.append(m.reshape(film.specimen.shape) & film.specimen)
        return out

    def rows(self) -> list[dict[str, object]]:
        """One row per layer (``layers.csv``), with the interface above / below it."""
        u = unit_suffix(self.unit)
        out = []
        for k, layer in enumerate(self.layers):
            row = layer.to_dict()
            above = self.interfaces[k - 1] if k > 0 else None
            below = self.interfaces[k] if k < len(self.interfaces) else None
            row["n_layers"] = self.n_layers
            row["layers_mode"] = self.mode
            row[f"interface_below_depth_{u}"] = (below.mean_depth_um if below else float("nan"))
            row[f"interface_below_ra_{u}"] = below.ra_um if below else float("nan")
            row[f"interface_below_rms_{u}"] = below.rms_um if below else float("nan")
            nan = float("nan")
            row[f"interface_below_floor_rms_{u}"] = below.floor_rms_um if below else nan
            row[f"interface_below_ra_corrected_{u}"] = below.ra_corrected_um if below else nan
            row[f"interface_below_rms_corrected_{u}"] = (below.rms_corrected_um if below
                                                        else nan)
            row["interface_below_under_floor"] = below.below_floor if below else False
            row["interface_above_source"] = above.source if above else ""
            out.append(row)
        return out


OFF = Layers("off", (), (), float("nan"), "µm")


def parse_layers(value: object) -> LayersOption:
    """``'auto'``, ``'off'`` or a number of layers from 1 to 20 (``[cross_section] layers``).

    Raises
    ------
    ConfigError
        On anything else.

    Examples
    --------
    >>> parse_layers("auto"), parse_layers(2), parse_layers("3")
    ('auto', 2, 3)
    """
    if value in ("auto", "off"):
        return value  # type: ignore[return-value]
    try:
        n = int(str(value))
    except ValueError:
        n = 0
    if isinstance(value, bool) or not 1 <= n <= 20 or str(n) != str(value).strip():
        raise ConfigError(
            f"layers must be 'auto', 'off' or a number of layers from 1 to 20, got {value!r}"
        )
    return n


def _roughness(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    ok = np.isfinite(y)
    if ok.sum() < 3:
        return float("nan"), float("nan")
    xo, yo = x[ok], y[ok]
    dev = yo - np.polyval(np.polyfit(xo, yo, 1), xo)
    return float(np.mean(np.abs(dev))), float(np.sqrt(np.mean(dev * dev)))


def _interface(film: FilmGeometry, curve: np.ndarray, source: Literal["auto", "given"],
               scale: float) -> Interface:
    pos = film.positions_px
    depth = curve - film.top_at(pos)
    ra, rms = _roughness(pos, curve)
    return Interface(pos.copy(), curve, float(np.nanmean(depth)) * scale, ra * scale,
                     rms * scale, source)


def find_layers(
    fr: FilmFrame,
    film: FilmGeometry,
    *,
    calibration: Calibration,
    layers: LayersOption = "auto",
    layer_depths_um: tuple[float, ...] = (),
    profile: DepthProfile | None = None,
    band_um: float = 0.1,
    n_thickness_positions: int = 9,
    n_lines: int = 50,
    seed: int = 0,
    interface_floor: int = 0,
    cache: dict[str, Any] | None = None,
) -> Layers:
    """Find the layers of a film cross-section and measure each one (module docstring).

    Parameters
    ----------
    fr : FilmFrame
        The film frame of the section (:func:`~semscan.measure.cross_section.film_frame`).
    film : FilmGeometry
        The film it was built for; both surfaces must be visible.
    calibration : Calibration
    layers : 'auto', 'off' or int
        Find the number of layers, measure none, or cut the film into that many.
    layer_depths_um : tuple of float
        Interfaces given by the user: depths below the top surface (µm, px when
        uncalibrated), measured along the normal; overrides ``layers``.
    profile : DepthProfile, optional
        The film's depth profile: its surface layers thinner than the thinnest layer are
        left out of the interface test.
    band_um : float
        Band height of each layer's depth profile.
    n_thickness_positions, n_lines, seed : int
        As for the film (METHODS.md 1, 6); ``seed`` also seeds the floor's surrogates.
    interface_floor : int
        Surrogates for each found interface's noise floor
        (:func:`~semscan.measure.cross_section._floor.interface_floor`; 0: none, the floor
        columns NaN). Each costs about one interface search (~40 ms CPU on a 1200 px film).
    cache : dict, optional
        Kept between measurements of edits of one image
        (:mod:`~semscan.measure.cross_section._memo`): the search's blocks, the layers'
        profile bands and laminar measurements whose pixels did not change are those
        measured before. The layers are those found without it.

    Returns
    -------
    Layers
        ``mode='off'`` and no layer when ``layers='off'``; one layer (the whole film) when
        no interface is found; none when the film's two surfaces are not both visible
        (with a warning unless ``layers='auto'``).

    Raises
    ------
    ConfigError
        On a bad ``layers`` value, or given depths outside the film.

    Examples
    --------
    >>> from semscan.calibration import Calibration
    >>> from semscan.measure.cross_section import detect_film, film_frame
    >>> from semscan.phantoms.layers import two_layer_cross_section
    >>> cal = Calibration(0.01, "user")
    >>> pore, spec, truth = two_layer_cross_section((560, 1000), thickness_px=400, seed=5)
    >>> film = detect_film((spec & ~pore).astype(float), calibration=cal, pore=pore)
    >>> res = find_layers(film_frame(film, pore), film, calibration=cal)
    >>> depth = res.interfaces[0].mean_depth_um          # truth: 2.0 µm, 2 % of 4 µm
    >>> res.n_layers, abs(depth - 2.0) <= 0.02 * 4.0
    (2, True)
    """
    mode_value = parse_layers(layers)
    unit, scale = calibration.unit, calibration.scale
    if mode_value == "off" and not layer_depths_um:
        return Layers("off", (), (), float("nan"), unit)
    notes: list[str] = []
    mode = "given" if layer_depths_um else str(mode_value)
    if film.edges_visible < 2:
        if mode != "auto":  # asked for: say why there is none
            notes.append(f"{film.edges_visible} film edge(s) visible: layers need both "
                         "surfaces; no layer measured")
        return Layers(mode, (), (), float("nan"), unit, tuple(notes))
    ny, nx = fr.shape
    xs = fr.x0_px + np.arange(nx, dtype=float)
    ys = fr.y0_px + np.arange(ny, dtype=float)
    top, bottom = film.top_at(xs), film.bottom_at(xs)
    inside = fr.valid & (fr.depth_top_px >= 0) & (fr.depth_bottom_px >= 0)
    f = _Film(inside, top, bottom, ys, xs)
    c = _counts(fr, inside)
    both = np.isfinite(film.bottom_px) & np.isfinite(film.top_px)
    if not both.any():  # both surfaces seen, but never at one position along the film
        if mode != "auto":
            notes.append("the two film surfaces are not seen at any common position: no "
                         "thickness, so no layer measured")
        return Layers(mode, (), (), float("nan"), unit, tuple(notes))
    thick_px = float(np.median(film.bottom_px[both] - film.top_px[both]))
    s_all = {k: float(np.count_nonzero(v)) for k, v in c.items()}
    feat_t = 2.0 * s_all["nt"] / s_all["xt"] if s_all["xt"] > 0 else thick_px
    m_px = min_layer_px(thick_px, feat_t)
    keep = _keep_out(profile, m_px, calibration)
    cum = _column_counts(c)
    curves: list[np.ndarray] = []
    if layer_depths_um:
        depths = sorted(float(d) for d in layer_depths_um)
        for d in depths:
            d_px = calibration.to_px(d)
            if not 0 < d_px < thick_px:
                raise ConfigError(
                    f"layer depth {d} {unit} is not inside the film (thickness "
                    f"{thick_px * scale:.4g} {unit}); give depths below the top surface"
                )
        curves = [film.top_at(xs) + calibration.to_px(d) for d in depths]
    else:
        curves = _search(c, f, mode_value, m_px, film, keep, scale, notes, cum=cum,
                         cache=cache)
    pos = film.positions_px
    on_pos = [np.interp(pos, xs, cv) for cv in curves]
    source: Literal["auto", "given"] = "given" if layer_depths_um else "auto"
    interfaces = []
    bounds = [top + keep[0], *curves, bottom - keep[1]]
    searched = [top, *curves, bottom]  # each cut was searched between its neighbours
    for k, cv in enumerate(on_pos):
        itf = _interface(film, cv, source, scale)
        dp, ra, rt, _ = _contrast(c, f, bounds[k], curves[k], bounds[k + 2], cum)
        itf = Interface(itf.positions_px, itf.depth_px, itf.mean_depth_um, itf.ra_um,
                        itf.rms_um, source, dp, ra, rt)
        if interface_floor > 0 and source == "auto":
            itf = _with_floor(itf, fr, f, searched[k], curves[k], searched[k + 2], film,
                              m_px=m_px, margin_px=0.5 * feat_t, n=interface_floor,
                              seed=seed, scale=scale)
            if itf.below_floor:
                notes.append(f"interface {k + 1}: roughness RMS {itf.rms_um:.3g} {unit} "
                             f"is below the detection floor ({itf.floor_rms_um:.3g} {unit}: "
                             f"it is at most {FLAG_RATIO:g} x the interface search's own "
                             "RMS error on this image's layers); not a roughness")
        interfaces.append(itf)
    bounds_pos = [film.top_at(pos), *on_pos, film.bottom_at(pos)]
    result_layers = []
    # each layer is measured on its core: half a pore-plus-wall intercept through the film
    # is left out on each side of an interface, where the curve's uncertainty (a few px)
    # would mix the two structures
    margin = 0.5 * feat_t
    bounds = [top, *curves, bottom]
    for k in range(len(bounds) - 1):
        lo = bounds[k] + (margin if k > 0 else 0.0)
        hi = bounds[k + 1] - (margin if k + 1 < len(bounds) - 1 else 0.0)
        region = inside & (ys[:, None] >= lo[None, :]) & (ys[:, None] < hi[None, :])
        result_layers.append(_measure_layer(
            fr, region, k + 1, bounds[k], film, bounds_pos[k], bounds_pos[k + 1],
            calibration=calibration, band_um=band_um, n_positions=n_thickness_positions,
            n_lines=n_lines, seed=seed, cache=cache))
    if len(result_layers) > 1:  # one layer is the film, whose own kappa already warns
        notes += [f"layer {la.index}: {w}" for la in result_layers
                  for w in (*la.laminar.warnings, la.porosity_warning) if w]
    return Layers(mode, tuple(interfaces), tuple(result_layers), m_px * scale, unit,
                  tuple(dict.fromkeys(notes)))


def _with_floor(itf: Interface, fr: FilmFrame, f: _Film, upper: np.ndarray,
                curve: np.ndarray, lower: np.ndarray, film: FilmGeometry, *, m_px: float,
                margin_px: float, n: int, seed: int, scale: float) -> Interface:
    """``itf`` with its noise floor and floor-corrected roughness (µm)."""
    fl = interface_floor(fr.pore, f, upper, curve, lower, film.positions_px, m_px=m_px,
                         feature_px=film.feature_px, margin_px=margin_px, n=n, seed=seed)
    ra_c, rms_c = corrected(itf.ra_um / scale, itf.rms_um / scale, fl)
    return dataclasses.replace(itf, floor_rms_um=fl.rms_px * scale,
                               floor_ra_um=fl.ra_px * scale, ra_corrected_um=ra_c * scale,
                               rms_corrected_um=rms_c * scale)


def _measure_layer(
    fr: FilmFrame,
    region: np.ndarray,
    index: int,
    upper: np.ndarray,
    film: FilmGeometry,
    upper_pos: np.ndarray,
    lower_pos: np.ndarray,
    *,
    calibration: Calibration,
    band_um: float,
    n_positions: int,
    n_lines: int,
    seed: int,
    cache: dict[str, Any] | None = None,
) -> Layer:
    unit, scale = calibration.unit, calibration.scale
    n_valid = int(np.count_nonzero(region))
    porosity = float(np.count_nonzero(fr.pore & region)) / n_valid if n_valid else float("nan")
    lam = laminar_in_region(fr.pore, region, calibration=calibration, n_lines=n_lines,
                            seed=seed, cache=cache)
    kappa, kci = dense_kappa(fr.pore, region)
    if math.isfinite(kappa):
        lam = dataclasses.replace(lam, kappa=kappa, ci95=kci)
    thick = layer_thickness(film, upper_pos, lower_pos, calibration, n_positions)
    prof = layer_profile(fr, region, upper, calibration, band_um, seed, cache)
    px = calibration.to_px
    note = porosity_resolution_warning(porosity, along_px=px(float(lam.along.mean)),
                                       through_px=px(float(lam.through.mean)))
    return Layer(index, thick, porosity, porosity_ci(fr.pore, region), n_valid * scale * scale,
                 lam, prof, unit, porosity_warning=note or "")
