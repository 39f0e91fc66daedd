"""Film detection (METHODS.md 0 and 6): the specimen band, its surfaces and the film direction.

See :mod:`semscan.measure.cross_section` for the choices (texture scale, band, direction,
surface curves).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from scipy import ndimage as ndi

from semscan._morphology import (
    dilate_disc,
    disc,
    distance_transform,
    label_components,
)
from semscan._ndimage import otsu
from semscan.calibration import Calibration
from semscan.errors import MeasurementError
from semscan.measure.cross_section._texture import (
    _as_image,
    _coarse_background,
    _eroded_textured,
    _feature_length_px,
    _fill_holes,
    _grey_median,
    _masked_gauss,
)
from semscan.measure.cross_section.frame import film_coordinates, film_grid, image_coordinates

__all__ = ["DirectionSource", "FilmGeometry", "detect_film"]

DirectionSource = Literal["edges", "user", "default rows"]
_ENVELOPE_Q = 0.25  # surface: this fraction of the solid fraction, as a column quantile
_SAME_LEVEL = 0.15  # flat regions this close in grey (of the 1-99 % range) are one background


def _tls_direction(rows: np.ndarray, cols: np.ndarray) -> tuple[float, float]:
    """Direction (deg, CCW as displayed, in (-90, 90]) and RMS residual of a TLS line."""
    pts = np.column_stack([cols - cols.mean(), -(rows - rows.mean())])
    cov = pts.T @ pts / max(len(pts), 1)
    evals, evecs = np.linalg.eigh(cov)
    v = evecs[:, -1]
    ang = math.degrees(math.atan2(v[1], v[0]))
    ang = (ang + 90.0) % 180.0 - 90.0
    if ang <= -90.0:
        ang += 180.0
    return ang, float(math.sqrt(max(evals[0], 0.0)))


@dataclass(frozen=True, eq=False)
class FilmGeometry:
    """The specimen band of a cross-section and its two surfaces.

    Film coordinates (pixels, :func:`~semscan.measure.cross_section.film_coordinates`):
    ``x' = c cos t - r sin t`` along the film and ``y' = c sin t + r cos t`` along its
    normal, ``t = direction_deg``, origin at pixel (0, 0).
    The *top* surface is the one with the smaller ``y'`` (the upper one when ``t = 0``).

    Attributes
    ----------
    specimen : ndarray of bool, shape (rows, columns)
        The film (True), as opposed to background, embedding or excluded pixels.
    direction_deg : float
        Film-plane direction, counter-clockwise as displayed, in (-90, 90].
    direction_source : {'edges', 'user', 'default rows'}
    edges_visible : int
        0, 1 or 2.
    positions_px : ndarray of float, shape (n,)
        ``x'`` of the positions where the edge curves are sampled.
    top_px, bottom_px : ndarray of float, shape (n,)
        ``y'`` of the top / bottom surface at each position (NaN where not visible).
    edge_residual_px : tuple of float
        RMS distance of each visible edge's pixels from its straight fit (waviness).
    feature_px : float
        Characteristic feature length used for the texture scale (pixels).
    texture_ratio : float
        Background texture over specimen texture (1.0 when no background was found).
    warnings : tuple of str
    """

    specimen: np.ndarray
    direction_deg: float
    direction_source: DirectionSource
    edges_visible: int
    positions_px: np.ndarray
    top_px: np.ndarray
    bottom_px: np.ndarray
    edge_residual_px: tuple[float, ...] = ()
    feature_px: float = 0.0
    texture_ratio: float = 1.0
    warnings: tuple[str, ...] = ()

    @property
    def has_top(self) -> bool:
        """True when the top surface is visible."""
        return bool(np.isfinite(self.top_px).any())

    @property
    def has_bottom(self) -> bool:
        """True when the bottom surface is visible."""
        return bool(np.isfinite(self.bottom_px).any())

    def to_image(
        self, x: np.ndarray | float, y: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Map film coordinates ``(x', y')`` (pixels) to image ``(row, column)``."""
        return image_coordinates(x, y, self.direction_deg)

    def to_film(
        self, rows: np.ndarray | float, cols: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Map image ``(row, column)`` to film coordinates ``(x', y')`` (pixels)."""
        return film_coordinates(np.asarray(rows, float), np.asarray(cols, float),
                                self.direction_deg)

    def top_at(self, x: np.ndarray) -> np.ndarray:
        """``y'`` of the top surface at ``x'`` (interpolated; NaN when not visible)."""
        return _interp_curve(self.positions_px, self.top_px, x)

    def bottom_at(self, x: np.ndarray) -> np.ndarray:
        """``y'`` of the bottom surface at ``x'`` (interpolated; NaN when not visible)."""
        return _interp_curve(self.positions_px, self.bottom_px, x)


def _interp_curve(pos: np.ndarray, vals: np.ndarray, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, float)
    ok = np.isfinite(vals)
    if not ok.any():
        return np.full(x.shape, np.nan)
    return np.interp(x, pos[ok], vals[ok])


def detect_film(
    image: np.ndarray,
    *,
    calibration: Calibration,
    excluded: np.ndarray | None = None,
    pore: np.ndarray | None = None,
    film_direction_deg: float | None = None,
) -> FilmGeometry:
    """Find the specimen band of a cross-section, its surfaces and the film direction.

    METHODS.md 0 and 6: the film-plane direction comes from the specimen's edges when they
    are visible, else from the user, else the image rows. See the module docstring for the
    operational choices (texture scale, edge refinement, curve sampling).

    Parameters
    ----------
    image : ndarray, shape (rows, columns)
        Grey image (any range).
    calibration : Calibration
        Only recorded; detection works in pixels.
    excluded : ndarray of bool, optional
        Pixels that are not specimen (data bar ...); never part of the film.
    pore : ndarray of bool, optional
        Pore mask, used to estimate the feature size.
    film_direction_deg : float, optional
        Direction to use when no edge is visible (default: rows).

    Returns
    -------
    FilmGeometry

    Raises
    ------
    MeasurementError
        If the image is not 2-D or the masks' shapes differ from it.

    Examples
    --------
    >>> from semscan.calibration import UNCALIBRATED
    >>> from semscan.phantoms.films import synthetic_cross_section
    >>> pore, spec, _ = synthetic_cross_section((160, 200), thickness_px=80, a_px=6, b_px=3,
    ...                                         tilt_deg=10, seed=0)
    >>> film = detect_film((~pore & spec).astype(float), calibration=UNCALIBRATED)
    >>> film.edges_visible, film.direction_source, abs(film.direction_deg - 10) < 1.5
    (2, 'edges', True)
    """
    del calibration  # detection is done in pixels
    img = _as_image(image)
    if pore is not None and np.asarray(pore).shape != img.shape:
        raise MeasurementError(
            f"pore mask shape {np.asarray(pore).shape} differs from image {img.shape}"
        )
    notes: list[str] = []
    bgc = _coarse_background(img, excluded, pore)
    valid = bgc.valid
    if not bgc.found:
        ang = 0.0 if film_direction_deg is None else float(film_direction_deg)
        src: DirectionSource = "default rows" if film_direction_deg is None else "user"
        notes.append(
            "no film edge visible: the film fills the field; direction from "
            + ("the image rows (default)" if src == "default rows" else "the user")
        )
        xs, _ = film_coordinates(*np.nonzero(valid), ang) if valid.any() else (np.zeros(1), None)
        pos = np.linspace(xs.min(), xs.max(), 16)
        nan = np.full(pos.shape, np.nan)
        return FilmGeometry(valid.copy(), ang, src, 0, pos, nan, nan.copy(), (), bgc.feature_px,
                            bgc.texture_ratio, tuple(notes))

    g = bgc.g
    # --- the solid phase: pixels whose grey departs from the background's level by more than
    # half the solid's contrast (and by far more than the background's noise)
    coarse_spec = valid & ~bgc.background
    # the background eroded by sigma 4-connected steps (the image border erodes too)
    core = distance_transform(bgc.background, metric="taxicab",
                              outside="background") > max(1, int(bgc.sigma_px))
    if np.count_nonzero(core) < 50:
        core = bgc.background
    level, spread, nearest = _background_level(g, bgc.background, core)
    dev = np.abs(g - level)
    dev_spec = dev[coarse_spec]
    hi = float(np.quantile(dev_spec, 0.95))
    contrast = float(np.median(dev_spec[dev_spec >= 0.5 * hi])) if hi > 0 else 0.0
    solid = valid & (dev > np.maximum(np.maximum(4.0 * spread, 0.08), 0.5 * contrast))
    # the texture of the textured specimen: a dense layer (flat, solid) has no transitions
    textured = bgc.textured  # (coarse_spec less the dense layers)
    assert textured is not None  # found
    feat = _feature_length_px(g, textured, solid)
    # --- the specimen band at a scale larger than the pores: the solid's area fraction,
    # smoothed over ~2 feature lengths, above half its value inside the film. Pores that
    # open onto the surface (even merged into clusters) do not reach the background there.
    sigma_c = float(np.clip(2.0 * feat, 3.0, max(3.0, min(img.shape) / 8.0)))
    # (a dense layer's solid, known from its grey, is left out of the average: blurred into
    # a thin vacuum beside it, it would carry the band across)
    frac = _masked_gauss(solid.astype(np.float32),
                         valid if bgc.dense is None else valid & ~bgc.dense, sigma_c)
    inner = _eroded_textured(bgc, 2.0 * sigma_c)
    if np.count_nonzero(inner) < 100:
        inner = textured
    phi = _grey_median(frac[inner])  # (a float32 map widened: np.median, faster)
    if nearest is not None:
        # flat regions of different greys (a vacuum above a grey protective layer, a dark
        # substrate below): one phase of the specimen may have a layer's grey, so that only
        # the other departs from it and the solid fraction changes from one side of the
        # film to the other; the texture split is the band
        band = coarse_spec.copy()
    else:
        band = valid & (frac > 0.5 * phi) if phi > 0.02 else coarse_spec.copy()
    if bgc.dense is not None:
        # a dense layer: the flat region and, across the textured band its grey step leaves
        # (3 texture scales), its solid pixels, up to the step itself
        near = dilate_disc(bgc.dense, 3.0 * bgc.sigma_px + 2.0) & ~bgc.dense & valid
        band = (band & ~near) | (near & solid) | bgc.dense
    band = _fill_holes(band) & valid
    lab, n = label_components(band)  # (the numbering does not matter below)
    if n == 0:
        raise MeasurementError("no specimen found in the cross-section image")
    overlap = np.bincount(lab[coarse_spec], minlength=n + 1)
    overlap[0] = 0
    # ... and at least a quarter of the thickest one's thickness: a strip of noisy vacuum
    # left between an excluded (saturated) area and a protective layer is no specimen
    depth = _label_maximum(distance_transform(band), lab, n)
    keep = (overlap >= 0.05 * overlap.max()) & (depth >= 0.25 * depth[overlap > 0].max())
    if nearest is not None:
        # ... nor is the step between two flat regions of different greys (a vacuum and a
        # protective layer), textured only by the step: each side has its neighbour's grey
        held = ndi.mean(solid, lab, index=np.arange(n + 1))
        keep &= held >= 0.25 * np.max(held[keep], initial=0.0)
    keep[0] = False
    band = keep[lab]
    background = valid & ~band

    # --- edges: band pixels next to a background component that touches the border.
    # Pixels near excluded ones (a rotated canvas, a data bar, blank areas) are never film
    # edges.
    near_excluded = dilate_disc(~valid, 3.0) if not valid.all() else None
    blab, nb = ndi.label(background if near_excluded is None else background & ~near_excluded)
    edge_sets: list[tuple[np.ndarray, np.ndarray]] = []
    min_edge = max(10, int(0.05 * max(img.shape)))
    bsizes = np.bincount(blab.ravel(), minlength=nb + 1)
    n_valid = np.count_nonzero(valid)
    for k in np.nonzero(bsizes >= 0.005 * n_valid)[0]:
        if k == 0:
            continue
        comp = blab == k
        e = band & (cv2.dilate(comp.view(np.uint8), disc(1.0)) > 0)  # by the 3 x 3 cross
        if near_excluded is not None:
            e &= ~near_excluded
        r, c = np.nonzero(e)
        if len(r) >= min_edge:
            edge_sets.append((r.astype(float), c.astype(float)))
    if not edge_sets:
        ang = 0.0 if film_direction_deg is None else float(film_direction_deg)
        src = "default rows" if film_direction_deg is None else "user"
        notes.append("background found but no usable film edge; direction from "
                     + ("the image rows (default)" if src == "default rows" else "the user"))
        xs, _ = film_coordinates(*np.nonzero(band), ang)
        pos = np.linspace(xs.min(), xs.max(), 16)
        nan = np.full(pos.shape, np.nan)
        return FilmGeometry(band, ang, src, 0, pos, nan, nan.copy(), (), feat,
                            bgc.texture_ratio, tuple(notes))
    edge_sets.sort(key=lambda rc: -len(rc[0]))
    # one background component may carry both edges (a film ending inside the field)
    if len(edge_sets) == 1:
        r, c = edge_sets[0]
        a0, _ = _tls_direction(r, c)
        _, yy = film_coordinates(r, c, a0)
        t = otsu(yy, flavour="skimage")
        lo, hi_ = yy < t, yy >= t
        if lo.sum() >= min_edge and hi_.sum() >= min_edge:
            gap = yy[hi_].mean() - yy[lo].mean()
            within = math.sqrt(0.5 * (yy[lo].var() + yy[hi_].var()))
            if gap > 6.0 * max(within, 1.0) and gap > 4.0 * feat:
                edge_sets = [(r[lo], c[lo]), (r[hi_], c[hi_])]
    edge_sets = edge_sets[:2]
    fits = [_tls_direction(r, c) for r, c in edge_sets]
    ang = _mean_direction(fits, [len(r) for r, _ in edge_sets])
    # --- surfaces: refine each edge on the solid-fraction profile along the normal, then
    # the direction from the refined curves (refined again if it moved by > 0.5 degree)
    new = ang
    for _ in range(3):
        ang = new
        curves = _surface_curves(solid, valid, band, edge_sets, ang, feat, sigma_c, phi)
        pts = [(r, c) for _, r, c in curves.image_points if len(r) >= 3]
        if len(pts) != len(edge_sets):
            new = ang
            break
        fits = [_robust_tls_direction(r, c) for r, c in pts]
        new = _mean_direction(fits, [len(r) for r, _ in pts])
        if abs(((new - ang) + 90.0) % 180.0 - 90.0) <= 0.5:
            break  # else far from the estimate: refine again in the new frame
    top, bottom, pos = curves.top, curves.bottom, curves.positions
    xg, yg = curves.grid
    if abs(((new - ang) + 90.0) % 180.0 - 90.0) >= 0.01:
        # the refined direction differs by a fraction of a degree: re-express the
        # curves in its frame
        ang = new
        top, bottom = np.full(pos.shape, np.nan), np.full(pos.shape, np.nan)
        for is_top, r, c in curves.image_points:
            if len(r) < 2:
                continue
            xn, yn = film_coordinates(r, c, ang)
            order = np.argsort(xn)
            out = top if is_top else bottom
            out[:] = np.interp(pos, xn[order], yn[order], left=np.nan, right=np.nan)
        xg, yg = film_grid(img.shape, ang)
    if len(fits) == 2 and abs(((fits[0][0] - fits[1][0]) + 90) % 180 - 90) > 10:
        notes.append(
            f"the two film edges are not parallel ({fits[0][0]:.1f}° and {fits[1][0]:.1f}°); "
            "the film direction is their mean"
        )
    if film_direction_deg is not None:
        diff = abs((float(film_direction_deg) - ang + 90.0) % 180.0 - 90.0)
        if diff > 5.0:
            notes.append(
                f"the given film direction {film_direction_deg:.1f}° differs by {diff:.1f}° "
                f"from the visible edges ({ang:.1f}°); the edges are used"
            )
    # the specimen: the band, trimmed to the surface curves where they are visible
    specimen = valid.copy()
    if np.isfinite(top).any():
        specimen &= yg >= _interp_curve(pos, top, xg).astype(np.float32)
    if np.isfinite(bottom).any():
        specimen &= yg <= _interp_curve(pos, bottom, xg).astype(np.float32)
    specimen &= dilate_disc(band, sigma_c)
    n_edges = int(np.isfinite(top).any()) + int(np.isfinite(bottom).any())
    resid = tuple(f[1] for f in fits)
    return FilmGeometry(specimen, float(ang), "edges", n_edges, pos, top, bottom, resid, feat,
                        bgc.texture_ratio, tuple(notes))


def _inverted_cdf(x: np.ndarray, q: float) -> float:
    """``np.quantile(x, q, method='inverted_cdf')`` of a non-empty 1-D float array without
    NaN: the same order statistic (NumPy's virtual index ``n q - 1``, rounded up where it
    has a fractional part, clipped to the array), by one partition."""
    n = x.size
    vi = n * q - 1.0
    lo = math.floor(vi)
    k = min(max(lo + 1 if vi - lo > 0 else lo, 0), n - 1)
    return float(np.partition(x, k)[k])


def _label_maximum(values: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """``ndi.maximum(values, labels, index=np.arange(n + 1))`` for ``values >= 0`` that are 0
    on label 0: the same float32 numbers, by one unbuffered pass over the labelled pixels
    (SciPy's sorts every pixel by label)."""
    out = np.zeros(n + 1, values.dtype)
    inside = labels > 0
    np.maximum.at(out, labels[inside], values[inside])
    return out


def _background_level(
    g: np.ndarray, background: np.ndarray, core: np.ndarray
) -> tuple[float | np.ndarray, float | np.ndarray, np.ndarray | None]:
    """Grey level (median) and noise (SD) of the background beside each pixel, and which
    background region is nearest to each pixel (None when they are pooled).

    Flat regions of about one grey (within :data:`_SAME_LEVEL` of the normalised range: a
    vacuum, or a vacuum above and below) are pooled into one level and noise. Regions of
    different greys (a vacuum above a grey protective or embedding layer, a darker substrate
    below) each keep their own, measured on their core (``core``, the background eroded),
    and every pixel is compared with the region nearest to it: pooled, a dark vacuum and a
    grey layer give a level between the two and a "noise" as large as their difference,
    from which no specimen pixel departs.
    """
    lab, n = label_components(background)  # (any numbering: per-region values)
    pooled = _grey_median(g[core]), float(np.std(g[core])), None
    if n <= 1:
        return pooled
    levels = np.empty(n + 1)
    spreads = np.empty(n + 1)
    for k, sl in enumerate(ndi.find_objects(lab), start=1):
        comp = lab[sl] == k
        inner = comp & core[sl]
        vals = g[sl][inner] if np.count_nonzero(inner) >= 50 else g[sl][comp]
        levels[k], spreads[k] = _grey_median(vals), float(np.std(vals))
    if np.ptp(levels[1:]) <= _SAME_LEVEL:
        return pooled
    _, (ir, ic) = ndi.distance_transform_edt(lab == 0, return_indices=True)
    nearest = lab[ir, ic]
    return levels[nearest], spreads[nearest], nearest


def _robust_tls_direction(rows: np.ndarray, cols: np.ndarray) -> tuple[float, float]:
    """:func:`_tls_direction` after dropping points far from a first fit (> 3 robust SD)."""
    ang, _ = _tls_direction(rows, cols)
    _, res = film_coordinates(rows, cols, ang)
    res = res - np.median(res)
    mad = 1.4826 * float(np.median(np.abs(res)))
    keep = np.abs(res) <= max(3.0 * mad, 1.0)
    if np.count_nonzero(keep) >= max(3, len(rows) // 2):
        return _tls_direction(rows[keep], cols[keep])
    return _tls_direction(rows, cols)


def _despike(vals: np.ndarray) -> np.ndarray:
    """Replace values far (> 3 robust SD, >= 2 px) from their 5-bin running median."""
    ok = np.isfinite(vals)
    if np.count_nonzero(ok) < 5:
        return vals
    v = vals[ok]
    med = ndi.median_filter(v, size=5, mode="nearest")
    dev = v - med
    mad = 1.4826 * float(np.median(np.abs(dev)))
    bad = np.abs(dev) > max(3.0 * mad, 2.0)
    v = np.where(bad, med, v)
    out = vals.copy()
    out[ok] = v
    return out


def _mean_direction(fits: list[tuple[float, float]], weights: list[int]) -> float:
    """Weighted mean of line directions (deg, in (-90, 90]) on the doubled-angle circle."""
    w = np.asarray(weights, float)
    dbl = np.deg2rad(2.0 * np.array([f[0] for f in fits]))
    ang = 0.5 * math.degrees(math.atan2((w * np.sin(dbl)).sum(), (w * np.cos(dbl)).sum()))
    ang = (ang + 90.0) % 180.0 - 90.0
    if ang <= -90.0:
        ang += 180.0
    return ang


@dataclass(frozen=True, eq=False)
class _Curves:
    positions: np.ndarray
    top: np.ndarray
    bottom: np.ndarray
    image_points: tuple[tuple[bool, np.ndarray, np.ndarray], ...]  # (top?, rows, cols)
    grid: tuple[np.ndarray, np.ndarray]  # x', y' of every pixel (float32)


def _surface_curves(
    solid: np.ndarray,
    valid: np.ndarray,
    band: np.ndarray,
    edge_sets: list[tuple[np.ndarray, np.ndarray]],
    ang: float,
    feat: float,
    sigma_c: float,
    phi: float,
) -> _Curves:
    """Top and bottom surface curves in film coordinates (see the module docstring).

    A first estimate per bin along ``x'`` comes from the band's edge pixels (35 % quantile
    on the outer side). Each is then refined on the solid's outer envelope: the first solid
    pixel of each 1-px column of the film frame coming from outside (within ``1.5 sigma_c``
    of the first estimate), and per bin the ``q``-quantile (``q = phi / 4`` in
    [0.05, 0.25]) of those positions over ~8 feature lengths along the film, half a pixel
    outwards. A line along the surface meets solid over a fraction ``phi`` of its length
    whether or not pores open there, so the curve does not dip into open pores.
    """
    xg, yg = film_grid(solid.shape, ang)
    xb_all = xg[band]
    x_lo, x_hi = float(xb_all.min()), float(xb_all.max())
    bin_w = max(feat, (x_hi - x_lo) / 64.0, 4.0)
    nbins = max(1, math.ceil((x_hi - x_lo) / bin_w))
    step = (x_hi - x_lo + 1e-6) / nbins
    pos = x_lo + step * (np.arange(nbins) + 0.5)
    spec_mid = float(yg[band].mean())
    coarse: list[tuple[bool, np.ndarray]] = []
    for r, c in edge_sets:
        ex, ey = film_coordinates(r, c, ang)
        is_top = float(ey.mean()) < spec_mid
        idx = np.clip(((ex - x_lo) / step).astype(np.int64), 0, nbins - 1)
        cur = np.full(nbins, np.nan)
        order = np.argsort(idx, kind="stable")
        counts = np.bincount(idx, minlength=nbins)
        starts = np.concatenate([[0], np.cumsum(counts)])
        ey_sorted = ey[order]
        for b in np.nonzero(counts >= max(3, int(0.3 * bin_w)))[0]:
            sel = ey_sorted[starts[b]:starts[b + 1]]
            cur[b] = (np.quantile(sel, 0.35) - 0.5) if is_top else (np.quantile(sel, 0.65) + 0.5)
        coarse.append((is_top, cur))
    # refine: the first solid pixel of each 1-px column of the film frame, inwards from
    # `reach` outside the first estimate; the surface is the q-quantile of those positions
    # over a window along the film
    ncol = math.ceil(x_hi - x_lo) + 1
    col_x = x_lo + np.arange(ncol) + 0.5
    reach = round(1.5 * sigma_c) + 3
    q = float(np.clip(_ENVELOPE_Q * phi, 0.02, _ENVELOPE_Q))
    half_w = 0.5 * max(bin_w, min(8.0 * feat, (x_hi - x_lo) / 4.0))
    top = np.full(nbins, np.nan)
    bottom = np.full(nbins, np.nan)
    for is_top, cur in coarse:
        out = top if is_top else bottom
        okb = np.isfinite(cur)
        out[okb] = cur[okb]
        if not okb.any():
            continue
        sgn = 1.0 if is_top else -1.0
        ref = float(np.median(cur[okb]))
        c_col = np.interp(col_x, pos[okb], cur[okb])
        # the valid pixels (raster order) in the columns; only those within the first
        # estimate's range +- reach (+ 1 for the interpolation's rounding) can be near it,
        # and they are taken in the same order: the same minima as over all of them
        box = (yg >= float(cur[okb].min()) - reach - 1.0) & (yg <= float(cur[okb].max())
                                                            + reach + 1.0)
        box &= valid
        vy, vs = yg[box], solid[box]
        col = np.floor(xg[box] - np.float32(x_lo)).astype(np.int64)
        inc = (col >= 0) & (col < ncol)
        col, vy, vs = col[inc], vy[inc], vs[inc]
        rel = sgn * (vy - c_col[col])  # inwards from the first estimate
        near = np.abs(rel) <= reach
        depth = sgn * (vy - ref)  # inwards from a straight reference
        hit = np.full(ncol, np.inf)
        np.minimum.at(hit, col[near & vs], depth[near & vs])
        # a column counts where it is seen from well outside the first estimate, through
        # background, to its first solid pixel (not where the image border or an excluded
        # area cuts the surface off)
        first = np.full(ncol, np.inf)
        np.minimum.at(first, col[near], rel[near])
        seen = (first <= -0.5 * reach) & (first + sgn * (c_col - ref) <= hit - 3.0)
        for b in np.nonzero(okb)[0]:
            c0 = max(0, math.floor(pos[b] - half_w - x_lo))
            c1 = min(ncol, math.ceil(pos[b] + half_w - x_lo))
            h = hit[c0:c1][seen[c0:c1]]
            if h.size < 0.5 * (c1 - c0):
                out[b] = np.nan
                continue
            d = _inverted_cdf(h, q)
            if math.isfinite(d):
                out[b] = ref + sgn * (d - 0.5)
    top, bottom = _despike(top), _despike(bottom)
    pts = []
    for is_top, cur in coarse:
        vals = top if is_top else bottom
        okb = np.isfinite(cur) & np.isfinite(vals)
        pts.append((is_top, *image_coordinates(pos[okb], vals[okb], ang)))
    return _Curves(pos, top, bottom, tuple(pts), (xg, yg))


