"""The depth profile of a cross-section and its surface layers (METHODS.md 6).

Bands of height ``band_um`` at increasing distance from each surface (along the normal,
from the curved surface); pixels belong to the nearer surface. In each band the mean pore
intercept along the film uses one line per film-frame row. The interior value is the median
of the band values in the central half of the thickness (one edge visible: beyond a third of
the visible depth). A surface layer: band 0 departs from the interior value by more than
``skin_tolerance`` (relative); the layer extends while consecutive bands depart in the same
sense. ``'skin'`` when the layer's pores are smaller, ``'open'`` when larger, else ``'none'``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from semscan.calibration import Calibration
from semscan.errors import ConfigError
from semscan.measure.cross_section._memo import memoised
from semscan.measure.cross_section.film import FilmGeometry
from semscan.measure.cross_section.frame import FilmFrame, _frame_intercept, _resolve_frame
from semscan.measure.intercept import InterceptResult
from semscan.measure.paired import pooled_intercept

__all__ = ["BandValue", "DepthProfile", "SurfaceLayer", "depth_profile"]


@dataclass(frozen=True)
class BandValue:
    """Mean pore intercept along the film in one band parallel to a surface.

    Attributes
    ----------
    depth_from_um, depth_to_um : float
        Distance of the band from its surface along the normal (µm, or px when the
        profile's ``unit`` is ``'px'``).
    mean_um : float
        Mean pore intercept along the film (µm or px; NaN when the band holds no pore).
    n_intercepts : int
    """

    depth_from_um: float
    depth_to_um: float
    mean_um: float
    n_intercepts: int


@dataclass(frozen=True)
class SurfaceLayer:
    """A surface layer detected in the depth profile (METHODS.md 6).

    Attributes
    ----------
    kind : {'skin', 'open', 'none'}
        Denser (smaller pores), more open (larger pores) than the interior, or no layer.
    thickness_um : float
        In µm, or px when the profile's ``unit`` is ``'px'`` (0 for ``'none'``; NaN when the
        surface is not visible).
    d_layer_um : float
        Mean pore intercept along the film in the layer (pooled over its bands; the first
        band's when no layer was found), µm or px.
    ratio_to_interior : float
        ``d_layer_um`` / interior value.
    n_bands : int
    """

    kind: Literal["skin", "open", "none"]
    thickness_um: float
    d_layer_um: float
    ratio_to_interior: float
    n_bands: int


_NO_LAYER = SurfaceLayer("none", float("nan"), float("nan"), float("nan"), 0)


@dataclass(frozen=True, eq=False)
class DepthProfile:
    """Band values from each surface, the interior value and the surface layers.

    Attributes
    ----------
    band_um : float
        Band height (µm, or px when ``unit`` is ``'px'``).
    top, bottom : tuple of BandValue
        The bands from each surface, outermost first (empty when it is not visible).
    interior_um : float
        The interior value (µm or px; NaN when no band is deep enough).
    layer_top, layer_bottom : SurfaceLayer
    unit : str
        ``'µm'``, or ``'px'`` when the image is uncalibrated.
    results_top, results_bottom : tuple of InterceptResult
        Each band's intercept measurement (lines and chords in the film frame).
    warnings : tuple of str
    """

    band_um: float
    top: tuple[BandValue, ...]
    bottom: tuple[BandValue, ...]
    interior_um: float
    layer_top: SurfaceLayer
    layer_bottom: SurfaceLayer
    unit: str
    results_top: tuple[InterceptResult, ...] = field(default=(), repr=False)
    results_bottom: tuple[InterceptResult, ...] = field(default=(), repr=False)
    warnings: tuple[str, ...] = ()


def _band_px(band_um: float, calibration: Calibration, feature_px: float,
             notes: list[str]) -> float:
    if band_um <= 0:
        raise ConfigError(f"band_um must be > 0, got {band_um}")
    if calibration.is_calibrated:
        px = calibration.to_px(band_um)
        if px < 1.0:
            notes.append(f"band_um={band_um} is {px:.2f} px; bands of 1 px are used")
            px = 1.0
        return px
    px = float(max(2, round(feature_px)))
    notes.append(f"uncalibrated image: depth-profile bands of {px:.0f} px (one feature length)")
    return px


def depth_profile(
    pore: np.ndarray,
    film: FilmGeometry,
    *,
    calibration: Calibration,
    excluded: np.ndarray | None = None,
    band_um: float = 0.1,
    skin_tolerance: float = 0.25,
    seed: int = 0,
    frame: FilmFrame | None = None,
    cache: dict[str, Any] | None = None,
) -> DepthProfile:
    """Pore intercept along the film in bands parallel to each surface; surface layers.

    METHODS.md 6. Bands of height ``band_um`` by distance (along the mean normal) from each
    visible surface; each pixel belongs to the nearer surface. In a band, one line per
    film-frame row, at the film direction (the dense variant of METHODS.md 1,
    ``window_um='full'`` on the band). See the module docstring for the interior value and
    the layer rule.

    Parameters
    ----------
    pore : ndarray of bool, shape (rows, columns)
    film : FilmGeometry
        From :func:`~semscan.measure.cross_section.detect_film` on the same image.
    calibration : Calibration
    excluded : ndarray of bool, optional
        Pixels left out (data bar ...).
    band_um : float
        Band height in µm (uncalibrated: one feature length, in px).
    skin_tolerance : float
        Relative departure from the interior value that makes a surface layer.
    seed : int
    frame : FilmFrame, optional
        The film frame of ``pore``, ``film`` and ``excluded``
        (:func:`~semscan.measure.cross_section.film_frame`), when already built.
    cache : dict, optional
        Kept between measurements of edits of one image
        (:mod:`~semscan.measure.cross_section._memo`): a band whose pores and pixels did not
        change gives the intercepts measured before.

    Returns
    -------
    DepthProfile

    Raises
    ------
    ConfigError
        On ``band_um <= 0`` or ``skin_tolerance <= 0``.
    MeasurementError
        If ``frame`` was built for another film or image shape.

    Examples
    --------
    >>> from semscan.calibration import Calibration
    >>> from semscan.measure.cross_section import detect_film
    >>> from semscan.phantoms.films import synthetic_cross_section
    >>> cal = Calibration(0.01, "user")
    >>> pore, spec, _ = synthetic_cross_section((300, 400), thickness_px=160, a_px=8, b_px=4,
    ...                                         seed=0)
    >>> film = detect_film((~pore & spec).astype(float), calibration=cal)
    >>> prof = depth_profile(pore, film, calibration=cal, band_um=0.1)
    >>> prof.unit, round(prof.band_um, 2)
    ('µm', 0.1)
    """
    if not 0 < skin_tolerance:
        raise ConfigError(f"skin_tolerance must be > 0, got {skin_tolerance}")
    notes: list[str] = []
    fr = _resolve_frame(film, pore, excluded, frame)
    h = _band_px(band_um, calibration, film.feature_px, notes)
    scale = calibration.scale
    both = film.has_top and film.has_bottom
    profiles: dict[str, list[BandValue]] = {"top": [], "bottom": []}
    results: dict[str, list[InterceptResult]] = {"top": [], "bottom": []}
    # only the frame rows holding specimen can hold a band (rows are offset by f0)
    rows_valid = np.flatnonzero(fr.valid.any(axis=1))
    f0, f1 = (int(rows_valid[0]), int(rows_valid[-1]) + 1) if rows_valid.size else (0, 0)
    for side in ("top", "bottom"):
        if not (film.has_top if side == "top" else film.has_bottom):
            continue
        d = (fr.depth_top_px if side == "top" else fr.depth_bottom_px)[f0:f1]
        other = (fr.depth_bottom_px if side == "top" else fr.depth_top_px)[f0:f1]
        mine = fr.valid[f0:f1] & (d >= 0) & ((d <= other) if both else True)
        if side == "bottom" and both:
            mine &= d < other  # ties go to the top
        if not mine.any():
            continue
        kidx = np.full(d.shape, -1, np.int64)
        kidx[mine] = np.floor(d[mine] / h).astype(np.int64)
        nb = int(kidx.max()) + 1
        # each film-frame row holds the bands between its smallest and largest index
        big = np.iinfo(np.int64).max
        rmin = np.where(mine, kidx, big).min(axis=1)
        rmax = kidx.max(axis=1)
        for k in range(nb):
            rr = np.flatnonzero((rmin <= k) & (rmax >= k))
            if rr.size == 0:
                continue
            r0, r1 = int(rr[0]), int(rr[-1]) + 1
            band = kidx[r0:r1] == k
            if np.count_nonzero(band) < 4:
                continue
            rr = np.flatnonzero(band.any(axis=1))
            cc = np.flatnonzero(band.any(axis=0))
            n_lines = int(rr[-1] - rr[0] + 1)
            if n_lines < 4 or cc[-1] - cc[0] + 1 < 4:
                continue  # below the intercept method's 4 x 4 px minimum window
            c0, c1 = int(cc[0]), int(cc[-1]) + 1
            res = _frame_intercept(
                fr.pore[f0 + r0 : f0 + r1, c0:c1], [], calibration=calibration,
                region=band[:, c0:c1], n_lines=n_lines, angle_deg=0.0, window_um="full",
                min_voids_per_line=0, seed=seed, cache=cache,
            )
            res = _shift_result(res, f0 + r0, c0)
            profiles[side].append(
                BandValue(k * h * scale, (k + 1) * h * scale, float(res.mean),
                          int(res.n_intercepts))
            )
            results[side].append(res)
    # interior value: central half of the thickness (or beyond a third of the visible depth)
    central: list[float] = []
    for side in ("top", "bottom"):
        prof = profiles[side]
        if not prof:
            continue
        deepest = prof[-1].depth_to_um
        start = 0.5 * deepest if both else deepest / 3.0
        central += [b.mean_um for b in prof
                    if b.depth_from_um >= start and math.isfinite(b.mean_um)]
    interior = float(np.median(central)) if central else float("nan")
    layers = {
        side: _layer(profiles[side], results[side], interior, skin_tolerance)
        if profiles[side] else _NO_LAYER
        for side in ("top", "bottom")
    }
    return DepthProfile(
        h * scale, tuple(profiles["top"]), tuple(profiles["bottom"]), interior,
        layers["top"], layers["bottom"], calibration.unit,
        tuple(results["top"]), tuple(results["bottom"]), tuple(notes),
    )


def _shift_result(res: InterceptResult, dr: int, dc: int) -> InterceptResult:
    """An intercept result measured on a crop, with its coordinates in the full frame."""
    ch = res.chords
    chords = dataclasses.replace(ch, r0=ch.r0 + dr, c0=ch.c0 + dc, r1=ch.r1 + dr,
                                 c1=ch.c1 + dc)
    w = res.window_px
    lines = tuple((a + dr, b + dc, c + dr, e + dc) for a, b, c, e in res.lines)
    return dataclasses.replace(res, chords=chords, lines=lines,
                               window_px=(w[0] + dr, w[1] + dc, w[2], w[3]))


def _layer(
    prof: list[BandValue], res: list[InterceptResult], interior: float, tol: float
) -> SurfaceLayer:
    if not prof or not math.isfinite(interior) or interior <= 0:
        return _NO_LAYER
    dev0 = prof[0].mean_um / interior - 1.0 if math.isfinite(prof[0].mean_um) else 0.0
    if abs(dev0) <= tol:
        d0 = prof[0].mean_um
        return SurfaceLayer("none", 0.0, d0, d0 / interior, 0)
    sign = 1.0 if dev0 > 0 else -1.0
    n = 0
    for b in prof:
        dev = b.mean_um / interior - 1.0 if math.isfinite(b.mean_um) else 0.0
        if abs(dev) > tol and dev * sign > 0:
            n += 1
        else:
            break
    n = min(n, max(len(prof) - 1, 1))
    d_layer = pooled_intercept(res[:n]).mean
    return SurfaceLayer("open" if sign > 0 else "skin", prof[n - 1].depth_to_um, d_layer,
                        d_layer / interior, n)


def layer_profile(fr: FilmFrame, region: np.ndarray, upper: np.ndarray,
                  calibration: Calibration, band_um: float, seed: int,
                  cache: dict[str, Any] | None = None) -> tuple[BandValue, ...]:
    """Mean pore intercept along the film in bands below a layer's upper boundary
    (:func:`~semscan.measure.cross_section.layers.find_layers`: each layer's profile).

    Each band is measured on the bounding box of its pixels (found within the rows whose
    band indices span it, as :func:`~semscan.measure.cross_section.depth_profile` does);
    with a ``cache``, the bands of the same region and boundary, and a band whose pixels
    and pores did not change, are those measured before.
    """
    if band_um <= 0:
        raise ConfigError(f"band_um must be > 0, got {band_um}")
    h = max(1.0, calibration.to_px(band_um)) if calibration.is_calibrated else 10.0
    scale = calibration.scale
    out = []
    bands = memoised(cache, "layer_bands", (region, upper), (h, fr.y0_px),
                     lambda: _layer_bands(fr.y0_px, region, upper, h))
    for k, r0, r1, c0, c1, band in bands:
        res = _frame_intercept(fr.pore[r0:r1, c0:c1], [], calibration=calibration,
                               region=band, n_lines=r1 - r0, angle_deg=0.0,
                               window_um="full", min_voids_per_line=0, seed=seed, cache=cache)
        out.append(BandValue(k * h * scale, (k + 1) * h * scale, float(res.mean),
                             int(res.n_intercepts)))
    return tuple(out)


def _layer_bands(y0_px: float, region: np.ndarray, upper: np.ndarray,
                 h: float) -> list[tuple[int, int, int, int, int, np.ndarray]]:
    """Each band ``k`` of ``h`` px below ``upper`` in ``region``: ``(k, r0, r1, c0, c1,
    band)``, the bounding box of its pixels in the frame and its pixels there (bands of
    fewer than 4 pixels, rows or columns left out)."""
    rows = np.flatnonzero(region.any(axis=1))
    if rows.size == 0:
        return []
    f0, f1 = int(rows[0]), int(rows[-1]) + 1  # the region's rows; indices below from f0
    ys = y0_px + np.arange(f0, f1, dtype=float)
    depth = ys[:, None] - upper[None, :]
    region = region[f0:f1]
    kidx = np.where(region, np.floor(depth / h), -1).astype(np.int64)
    rmin = np.where(region, kidx, np.iinfo(np.int64).max).min(axis=1)
    rmax = kidx.max(axis=1)
    out = []
    for k in range(int(kidx.max()) + 1):
        slab = np.flatnonzero((rmin <= k) & (rmax >= k))  # the rows that may hold band k
        if slab.size == 0:
            continue
        s0 = int(slab[0])
        band_slab = kidx[s0 : int(slab[-1]) + 1] == k
        rr = np.flatnonzero(band_slab.any(axis=1))
        cc = np.flatnonzero(band_slab.any(axis=0))
        if rr.size < 1 or cc.size < 4 or np.count_nonzero(band_slab) < 4:
            continue
        r0, r1, c0, c1 = s0 + int(rr[0]), s0 + int(rr[-1]) + 1, int(cc[0]), int(cc[-1]) + 1
        if r1 - r0 < 4:
            continue
        out.append((k, f0 + r0, f0 + r1, c0, c1, band_slab[r0 - s0 : r1 - s0, c0:c1]))
    return out
