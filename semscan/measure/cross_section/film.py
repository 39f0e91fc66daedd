"""Cross-section views: the film, its thickness, depth profile, surface layers, laminar coefficient.

Implements METHODS.md sections 4 (cross-sectional pore laminar coefficient) and 6 (surface
layer and thickness), and provides the interior pore size used by section 5.

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
  50-line window can hug the film. Lines and chords of the stored intercept results are in
  that frame; :meth:`FilmGeometry.to_image` maps film-frame coordinates back.
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

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy import ndimage as ndi

from semscan import __version__
from semscan.calibration import Calibration, unit_suffix
from semscan.errors import ConfigError, MeasurementError

if TYPE_CHECKING:
    from semscan.measure.intercept import InterceptResult

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

DirectionSource = Literal["edges", "user", "default rows"]
_ANTI_ALIAS_SIGMA = 1.0
_ENVELOPE_Q = 0.25  # surface: this fraction of the solid fraction, as a column quantile


# --------------------------------------------------------------------------- helpers
def _as_image(image: np.ndarray) -> np.ndarray:
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2:
        raise MeasurementError(f"a cross-section image must be 2-D, got shape {img.shape}")
    return img


def _normalise(img: np.ndarray, valid: np.ndarray) -> np.ndarray:
    vals = img[valid]
    if vals.size == 0:
        return np.zeros_like(img)
    lo, hi = np.percentile(vals, [1, 99])
    if hi - lo < 1e-9:
        return np.zeros_like(img)
    return np.clip((img - lo) / (hi - lo), -0.5, 1.5)


def _blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur (edge-replicating border, float32), downsampled for large sigma.

    For ``sigma >= 8`` px the image is box-averaged by ``f = floor(sigma / 4)`` (at most
    ``min(shape) // 64``, so that >= 64 samples remain) with ``cv2.INTER_AREA``, blurred with
    ``sigma / f`` and bilinearly upsampled: the same low-pass to within a few per cent of
    the field, at a fraction of the cost.
    """
    import cv2

    x = np.ascontiguousarray(x, dtype=np.float32)
    rows, cols = x.shape
    f = min(int(sigma // 4), min(rows, cols) // 64) if sigma >= 8.0 else 1
    if f > 1:
        small = cv2.resize(x, (max(1, cols // f), max(1, rows // f)),
                           interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), sigma / f, borderType=cv2.BORDER_REPLICATE)
        return cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR)
    return cv2.GaussianBlur(x, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)


def _masked_gauss(values: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    w = np.asarray(weight, np.float32)
    num = _blur(values * w, sigma)
    den = _blur(w, sigma)
    return (num / np.maximum(den, 1e-6)).astype(np.float64)


def _local_std(g: np.ndarray, valid: np.ndarray, sigma: float) -> np.ndarray:
    w = valid.astype(np.float32)
    m = _masked_gauss(g, w, sigma)
    m2 = _masked_gauss(g * g, w, sigma)
    return np.sqrt(np.clip(m2 - m * m, 0.0, None))


def _otsu(values: np.ndarray) -> float:
    from skimage.filters import threshold_otsu

    values = values[np.isfinite(values)]
    if values.size == 0 or np.ptp(values) < 1e-12:
        return float(values.mean()) if values.size else 0.0
    return float(threshold_otsu(values))


def _feature_length_px(
    g: np.ndarray, valid: np.ndarray, pore: np.ndarray | None, *, textured: bool = False
) -> float:
    """Characteristic feature length: pixels per phase transition along rows and columns.

    ``textured=True`` counts only the 32 x 32 tiles whose transition density is at least a
    fifth of the 90th percentile's, so that a flat background (vacuum, embedding) does not
    lengthen the specimen's feature length.
    """
    if pore is not None:
        b = np.asarray(pore, bool)
    else:
        b = g > _otsu(g[valid])
    both_r = valid[:, 1:] & valid[:, :-1]
    both_c = valid[1:, :] & valid[:-1, :]
    tr_map = (b[:, 1:] != b[:, :-1]) & both_r
    tc_map = (b[1:, :] != b[:-1, :]) & both_c
    tile = 32
    rows, cols = g.shape
    if textured and rows >= 2 * tile and cols >= 2 * tile:
        nr, nc = (rows - 1) // tile, (cols - 1) // tile

        def tiles(m: np.ndarray) -> np.ndarray:
            m = m[: nr * tile, : nc * tile].reshape(nr, tile, nc, tile)
            return m.sum(axis=(1, 3), dtype=np.int64)

        t_tr = tiles(tr_map) + tiles(tc_map)
        t_n = tiles(both_r) + tiles(both_c)
        dens = t_tr / np.maximum(t_n, 1)
        sel = (t_n > 0) & (dens >= 0.2 * np.quantile(dens[t_n > 0], 0.9))
        if sel.any() and t_tr[sel].sum() > 0:
            length = t_n[sel].sum() / t_tr[sel].sum()
            return float(np.clip(length, 2.0, max(2.0, min(g.shape) / 10.0)))
    tr = np.count_nonzero(tr_map)
    tc = np.count_nonzero(tc_map)
    n = np.count_nonzero(both_r) + np.count_nonzero(both_c)
    length = n / max(tr + tc, 1)
    return float(np.clip(length, 2.0, max(2.0, min(g.shape) / 10.0)))


@dataclass(frozen=True)
class _Background:
    """Coarse split of an image into textured specimen and flat background."""

    background: np.ndarray  # bool, flat regions touching the border
    texture_ratio: float  # median texture of background / of specimen (1 if none)
    background_fraction: float
    feature_px: float
    sigma_px: float
    g: np.ndarray  # normalised, lightly smoothed image
    valid: np.ndarray
    found: bool
    reason: str


def _coarse_background(
    image: np.ndarray, excluded: np.ndarray | None, pore: np.ndarray | None
) -> _Background:
    img = _as_image(image)
    valid = np.ones(img.shape, bool) if excluded is None else ~np.asarray(excluded, bool)
    if excluded is not None and np.asarray(excluded).shape != img.shape:
        raise MeasurementError(
            f"excluded mask shape {np.asarray(excluded).shape} differs from image {img.shape}"
        )
    g = _blur(_normalise(img, valid), 1.0).astype(np.float64)
    if np.count_nonzero(valid) < 64 or np.ptp(g[valid]) < 1e-6:
        return _Background(np.zeros(img.shape, bool), 1.0, 0.0, 2.0, 3.0, g, valid, False,
                           "constant or empty image: no texture to tell specimen from background")
    feat = _feature_length_px(g, valid, pore, textured=True)
    sigma = float(np.clip(feat, 3.0, max(3.0, min(img.shape) / 8.0)))
    tex = _local_std(g, valid, sigma)
    thr = _otsu(tex[valid])
    low = (tex < thr) & valid
    # only flat regions of some size that touch the image border (or the excluded area)
    low = _open(low, max(1.0, sigma / 2.0))
    lab, n = ndi.label(low)
    border = np.zeros(img.shape, bool)
    border[[0, -1], :] = True
    border[:, [0, -1]] = True
    border |= ndi.binary_dilation(~valid, iterations=1)
    keep = np.zeros(n + 1, bool)
    if n:
        touching = np.unique(lab[border & (lab > 0)])
        sizes = np.bincount(lab.ravel(), minlength=n + 1)
        min_size = 0.01 * np.count_nonzero(valid)
        keep[touching] = True
        keep &= sizes >= min_size
        keep[0] = False
    bg = keep[lab]
    n_valid = max(np.count_nonzero(valid), 1)
    frac = np.count_nonzero(bg) / n_valid
    spec = valid & ~bg
    if frac == 0 or np.count_nonzero(spec) == 0:
        return _Background(bg, 1.0, float(frac), feat, sigma, g, valid, False,
                           "texture is similar everywhere (no flat region at the border)")
    ratio = float(np.median(tex[bg]) / max(np.median(tex[spec]), 1e-9))
    spec_frac = np.count_nonzero(spec) / n_valid
    # A flat region that covers most of the field is more likely a smooth specimen with a
    # textured defect (a crack, a particle) than the vacuum beside a thin film: the less
    # of the field the "specimen" covers, the flatter the background must be (35 % of the
    # specimen's texture when the specimen covers >= 40 % of the field, proportionally
    # less below; a vacuum or embedding background keeps < 10 %).
    max_ratio = 0.35 * min(1.0, spec_frac / 0.4)
    found = ratio < max_ratio and frac >= 0.02 and spec_frac >= 0.1
    if found:
        reason = (f"flat region at the border ({100 * frac:.0f}% of the field) with "
                  f"{100 * ratio:.0f}% of the specimen's texture")
    else:
        reason = (f"no flat background: the flattest border region ({100 * frac:.0f}% of the "
                  f"field) keeps {100 * ratio:.0f}% of the texture (< {100 * max_ratio:.0f}% "
                  "needed)")
    return _Background(bg if found else np.zeros(img.shape, bool), ratio, float(frac), feat,
                       sigma, g, valid, found, reason)


def _edt(mask: np.ndarray) -> np.ndarray:
    """Exact Euclidean distance of each True pixel to the nearest False one (cv2)."""
    import cv2

    return cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def _dilate(mask: np.ndarray, r: float) -> np.ndarray:
    if not mask.any():
        return mask.copy()
    return _edt(~mask) <= r


def _erode(mask: np.ndarray, r: float) -> np.ndarray:
    if mask.all():
        return mask.copy()
    return _edt(mask) > r


def _erode_l1(mask: np.ndarray, n: int) -> np.ndarray:
    """``ndi.binary_erosion(mask, iterations=n)`` (4-connected, outside = False), fast."""
    import cv2

    big = np.pad(mask, 1).astype(np.uint8)
    d = cv2.distanceTransform(big, cv2.DIST_L1, 3)[1:-1, 1:-1]
    return d > n


def _open(mask: np.ndarray, r: float) -> np.ndarray:
    """Opening by a disc of radius ``r`` (Euclidean distance transforms, fast for large r)."""
    return _dilate(_erode(mask, r), r)


_CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8)


def _dilate_cross(mask: np.ndarray) -> np.ndarray:
    """``ndi.binary_dilation(mask)`` (3 x 3 cross), fast."""
    import cv2

    return cv2.dilate(mask.astype(np.uint8), _CROSS) > 0


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """``ndi.binary_fill_holes`` (4-connected background) by labelling, fast."""
    lab, n = ndi.label(~mask)
    if n == 0:
        return mask.copy()
    border = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    outside = np.zeros(n + 1, bool)
    outside[border] = True
    outside[0] = False
    return ~outside[lab]


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


def _film_xy(rows: np.ndarray, cols: np.ndarray, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    t = math.radians(angle_deg)
    return cols * math.cos(t) - rows * math.sin(t), cols * math.sin(t) + rows * math.cos(t)


# --------------------------------------------------------------------------- film geometry
@dataclass(frozen=True, eq=False)
class FilmGeometry:
    """The specimen band of a cross-section and its two surfaces.

    Film coordinates (pixels): ``x' = c cos t - r sin t`` along the film and
    ``y' = c sin t + r cos t`` along its normal, ``t = direction_deg``, origin at pixel (0, 0).
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

    def to_image(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple[Any, Any]:
        """Map film coordinates ``(x', y')`` (pixels) to image ``(row, column)``."""
        t = math.radians(self.direction_deg)
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        return -x * math.sin(t) + y * math.cos(t), x * math.cos(t) + y * math.sin(t)

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
    >>> from semscan.synth.cross_section import synthetic_cross_section
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
        xs, _ = _film_xy(*np.nonzero(valid), ang) if valid.any() else (np.zeros(1), None)
        pos = np.linspace(xs.min(), xs.max(), 16)
        nan = np.full(pos.shape, np.nan)
        return FilmGeometry(valid.copy(), ang, src, 0, pos, nan, nan.copy(), (), bgc.feature_px,
                            bgc.texture_ratio, tuple(notes))

    g = bgc.g
    # --- the solid phase: pixels whose grey departs from the background's level by more than
    # half the solid's contrast (and by far more than the background's noise)
    coarse_spec = valid & ~bgc.background
    core = _erode_l1(bgc.background, max(1, int(bgc.sigma_px)))
    if np.count_nonzero(core) < 50:
        core = bgc.background
    level = float(np.median(g[core]))
    spread = float(np.std(g[core]))
    dev = np.abs(g - level)
    dev_spec = dev[coarse_spec]
    hi = float(np.quantile(dev_spec, 0.95))
    contrast = float(np.median(dev_spec[dev_spec >= 0.5 * hi])) if hi > 0 else 0.0
    solid = valid & (dev > max(4.0 * spread, 0.08, 0.5 * contrast))
    feat = _feature_length_px(g, coarse_spec, solid)
    # --- the specimen band at a scale larger than the pores: the solid's area fraction,
    # smoothed over ~2 feature lengths, above half its value inside the film. Pores that
    # open onto the surface (even merged into clusters) do not reach the background there.
    sigma_c = float(np.clip(2.0 * feat, 3.0, max(3.0, min(img.shape) / 8.0)))
    frac = _masked_gauss(solid.astype(np.float32), valid, sigma_c)
    inner = _erode(coarse_spec, 2.0 * sigma_c)
    if np.count_nonzero(inner) < 100:
        inner = coarse_spec
    phi = float(np.median(frac[inner]))
    band = valid & (frac > 0.5 * phi) if phi > 0.02 else coarse_spec.copy()
    band = _fill_holes(band) & valid
    lab, n = ndi.label(band)
    if n == 0:
        raise MeasurementError("no specimen found in the cross-section image")
    overlap = np.bincount(lab[coarse_spec], minlength=n + 1)
    overlap[0] = 0
    keep = overlap >= 0.05 * overlap.max()
    band = keep[lab]
    background = valid & ~band

    # --- edges: band pixels next to a background component that touches the border.
    # Pixels near excluded ones (a rotated canvas, a data bar, blank areas) are never film
    # edges.
    near_excluded = _dilate(~valid, 3.0) if not valid.all() else None
    blab, nb = ndi.label(background if near_excluded is None else background & ~near_excluded)
    edge_sets: list[tuple[np.ndarray, np.ndarray]] = []
    min_edge = max(10, int(0.05 * max(img.shape)))
    bsizes = np.bincount(blab.ravel(), minlength=nb + 1)
    n_valid = np.count_nonzero(valid)
    for k in np.nonzero(bsizes >= 0.005 * n_valid)[0]:
        if k == 0:
            continue
        comp = blab == k
        e = band & _dilate_cross(comp)
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
        xs, _ = _film_xy(*np.nonzero(band), ang)
        pos = np.linspace(xs.min(), xs.max(), 16)
        nan = np.full(pos.shape, np.nan)
        return FilmGeometry(band, ang, src, 0, pos, nan, nan.copy(), (), feat,
                            bgc.texture_ratio, tuple(notes))
    edge_sets.sort(key=lambda rc: -len(rc[0]))
    # one background component may carry both edges (a film ending inside the field)
    if len(edge_sets) == 1:
        r, c = edge_sets[0]
        a0, _ = _tls_direction(r, c)
        _, yy = _film_xy(r, c, a0)
        t = _otsu(yy)
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
            xn, yn = _film_xy(r, c, ang)
            order = np.argsort(xn)
            out = top if is_top else bottom
            out[:] = np.interp(pos, xn[order], yn[order], left=np.nan, right=np.nan)
        xg, yg = _film_grid(img.shape, ang)
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
    specimen &= _dilate(band, sigma_c)
    n_edges = int(np.isfinite(top).any()) + int(np.isfinite(bottom).any())
    resid = tuple(f[1] for f in fits)
    return FilmGeometry(specimen, float(ang), "edges", n_edges, pos, top, bottom, resid, feat,
                        bgc.texture_ratio, tuple(notes))


def _robust_tls_direction(rows: np.ndarray, cols: np.ndarray) -> tuple[float, float]:
    """:func:`_tls_direction` after dropping points far from a first fit (> 3 robust SD)."""
    ang, _ = _tls_direction(rows, cols)
    t = math.radians(ang)
    res = cols * math.sin(t) + rows * math.cos(t)
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


def _film_grid(shape: tuple[int, ...], angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Film coordinates ``x', y'`` of every pixel (float32), by broadcasting."""
    t = math.radians(angle_deg)
    r = np.arange(shape[0], dtype=np.float32)[:, None]
    c = np.arange(shape[1], dtype=np.float32)[None, :]
    return (c * np.float32(math.cos(t)) - r * np.float32(math.sin(t)),
            c * np.float32(math.sin(t)) + r * np.float32(math.cos(t)))


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
    xg, yg = _film_grid(solid.shape, ang)
    xb_all = xg[band]
    x_lo, x_hi = float(xb_all.min()), float(xb_all.max())
    bin_w = max(feat, (x_hi - x_lo) / 64.0, 4.0)
    nbins = max(1, math.ceil((x_hi - x_lo) / bin_w))
    step = (x_hi - x_lo + 1e-6) / nbins
    pos = x_lo + step * (np.arange(nbins) + 0.5)
    spec_mid = float(yg[band].mean())
    coarse: list[tuple[bool, np.ndarray]] = []
    for r, c in edge_sets:
        ex, ey = _film_xy(r, c, ang)
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
    vx, vy, vs = xg[valid], yg[valid], solid[valid]
    ncol = math.ceil(x_hi - x_lo) + 1
    col = np.floor(vx - np.float32(x_lo)).astype(np.int64)
    inc = (col >= 0) & (col < ncol)
    col, vy, vs = col[inc], vy[inc], vs[inc]
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
            d = float(np.quantile(h, q, method="inverted_cdf"))
            if math.isfinite(d):
                out[b] = ref + sgn * (d - 0.5)
    top, bottom = _despike(top), _despike(bottom)
    pts = []
    t = math.radians(ang)
    for is_top, cur in coarse:
        vals = top if is_top else bottom
        okb = np.isfinite(cur) & np.isfinite(vals)
        x, y = pos[okb], vals[okb]
        pts.append((is_top, -x * math.sin(t) + y * math.cos(t),
                    x * math.cos(t) + y * math.sin(t)))
    return _Curves(pos, top, bottom, tuple(pts), (xg, yg))


# --------------------------------------------------------------------------- thickness
@dataclass(frozen=True)
class Thickness:
    """Film thickness along the mean film normal (METHODS.md 6).

    Attributes
    ----------
    mean, sd : float
        In ``unit`` (NaN when fewer than two edges are visible).
    values : tuple of float
        Each position's thickness in ``unit``.
    segments : tuple of (row0, col0, row1, col1)
        The measured segments in image pixels (top point to bottom point), for overlays.
    unit : str
    """

    mean: float
    sd: float
    values: tuple[float, ...]
    segments: tuple[tuple[float, float, float, float], ...]
    unit: str


def measure_thickness(
    film: FilmGeometry, *, calibration: Calibration, n_positions: int = 9
) -> Thickness:
    """Film thickness at ``n_positions`` equally spaced positions (METHODS.md 6).

    The patent's item (4) asks for >= 5 positions; semscan measures along the mean film
    normal between the two surface curves, at positions spread evenly over the stretch where
    both surfaces are visible.

    Raises
    ------
    ConfigError
        If ``n_positions < 5``.

    Examples
    --------
    >>> from semscan.calibration import Calibration
    >>> from semscan.synth.cross_section import synthetic_cross_section
    >>> pore, spec, _ = synthetic_cross_section((160, 200), thickness_px=80, a_px=6, b_px=3,
    ...                                         seed=0)
    >>> film = detect_film((~pore & spec).astype(float), calibration=Calibration(0.01, "user"))
    >>> th = measure_thickness(film, calibration=Calibration(0.01, "user"))
    >>> round(th.mean, 1), len(th.values)
    (0.8, 9)
    """
    if n_positions < 5:
        raise ConfigError(
            f"n_thickness_positions must be >= 5 (patent item (4)), got {n_positions}"
        )
    unit = calibration.unit
    both = np.isfinite(film.top_px) & np.isfinite(film.bottom_px)
    if film.edges_visible < 2 or not both.any():
        return Thickness(float("nan"), float("nan"), (), (), unit)
    p = film.positions_px[both]
    lo, hi = float(p.min()), float(p.max())
    xs = lo + (hi - lo) * (np.arange(n_positions) + 0.5) / n_positions if hi > lo else (
        np.full(n_positions, lo))
    top = film.top_at(xs)
    bot = film.bottom_at(xs)
    vals = (bot - top) * calibration.scale
    r0, c0 = film.to_image(xs, top)
    r1, c1 = film.to_image(xs, bot)
    segs = tuple(
        (float(a), float(b), float(c), float(d)) for a, b, c, d in zip(r0, c0, r1, c1, strict=True)
    )
    sd = float(np.std(vals, ddof=1)) if len(vals) > 1 else float("nan")
    return Thickness(float(np.mean(vals)), sd, tuple(float(v) for v in vals), segs, unit)


# --------------------------------------------------------------------------- film frame
@dataclass(frozen=True, eq=False)
class _Frame:
    pore: np.ndarray
    valid: np.ndarray  # specimen & not excluded, in the film frame
    depth_top: np.ndarray  # px; +inf where the top surface is not visible
    depth_bottom: np.ndarray
    x0: float
    y0: float


def _film_frame(
    film: FilmGeometry, pore: np.ndarray, excluded: np.ndarray | None
) -> _Frame:
    rows, cols = pore.shape
    t = film.direction_deg
    cr = np.array([0, 0, rows - 1, rows - 1], float)
    cc = np.array([0, cols - 1, 0, cols - 1], float)
    xc, yc = _film_xy(cr, cc, t)
    x0, x1 = math.floor(xc.min()), math.ceil(xc.max())
    y0, y1 = math.floor(yc.min()), math.ceil(yc.max())
    xs = np.arange(x0, x1 + 1, dtype=float)
    ys = np.arange(y0, y1 + 1, dtype=float)
    valid_src = film.specimen.copy()
    if excluded is not None:
        valid_src &= ~np.asarray(excluded, bool)
    if t == 0.0:
        pore_f = np.asarray(pore, bool).copy()
        valid_f = valid_src
    else:
        yy, xx = np.meshgrid(ys, xs, indexing="ij")
        r, c = film.to_image(xx, yy)
        coords = np.stack([r, c])
        # Nearest-pixel resampling of a staircase boundary nearly parallel to the lines
        # splits runs (aliasing); a light smoothing before linear interpolation and a
        # threshold at one half keeps the areas and straightens the stairs.
        # Within 2 degrees of the rows the plain nearest pixel is used (smoothing would
        # merge thin walls and lengthen the through-film chords).
        if abs(t) <= 2.0:
            pore_f = ndi.map_coordinates(np.asarray(pore, np.uint8), coords, order=0) > 0
        else:
            soft = ndi.gaussian_filter(np.asarray(pore, np.float32), _ANTI_ALIAS_SIGMA)
            pore_f = ndi.map_coordinates(soft, coords, order=1, cval=0.0) >= 0.5
        valid_f = ndi.map_coordinates(valid_src.astype(np.uint8), coords, order=0, cval=0) > 0
    top = film.top_at(xs) if film.has_top else np.full(xs.shape, -np.inf)
    bot = film.bottom_at(xs) if film.has_bottom else np.full(xs.shape, np.inf)
    d_top = ys[:, None] - top[None, :]
    d_bot = bot[None, :] - ys[:, None]
    return _Frame(pore_f & valid_f, valid_f, d_top, d_bot, float(x0), float(y0))


def _quiet_intercept(mask: np.ndarray, notes: list[str], **kw: Any) -> InterceptResult:
    from semscan.measure.intercept import intercept_method

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = intercept_method(mask, **kw)
    for w in caught:
        notes.append(str(w.message))
    return res


# --------------------------------------------------------------------------- depth profile
@dataclass(frozen=True)
class BandValue:
    """Mean pore intercept along the film in one band parallel to a surface.

    Attributes
    ----------
    depth_from, depth_to : float
        Distance of the band from its surface along the normal (``unit``).
    mean : float
        Mean pore intercept along the film (``unit``; NaN when the band holds no pore).
    n_intercepts : int
    """

    depth_from: float
    depth_to: float
    mean: float
    n_intercepts: int


@dataclass(frozen=True)
class SurfaceLayer:
    """A surface layer detected in the depth profile (METHODS.md 6).

    Attributes
    ----------
    kind : {'skin', 'open', 'none'}
        Denser (smaller pores), more open (larger pores) than the interior, or no layer.
    thickness : float
        In ``unit`` (0 for ``'none'``; NaN when the surface is not visible).
    d_layer : float
        Mean pore intercept along the film in the layer (pooled over its bands; the first
        band's when no layer was found), ``unit``.
    ratio_to_interior : float
        ``d_layer`` / interior value.
    n_bands : int
    """

    kind: Literal["skin", "open", "none"]
    thickness: float
    d_layer: float
    ratio_to_interior: float
    n_bands: int


_NO_LAYER = SurfaceLayer("none", float("nan"), float("nan"), float("nan"), 0)


@dataclass(frozen=True, eq=False)
class DepthProfile:
    """Band values from each surface, the interior value and the surface layers."""

    band: float
    top: tuple[BandValue, ...]
    bottom: tuple[BandValue, ...]
    interior: float
    layer_top: SurfaceLayer
    layer_bottom: SurfaceLayer
    unit: str
    results_top: tuple[Any, ...] = field(default=(), repr=False)
    results_bottom: tuple[Any, ...] = field(default=(), repr=False)


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
    _frame: _Frame | None = None,
    _notes: list[str] | None = None,
) -> DepthProfile:
    """Pore intercept along the film in bands parallel to each surface; surface layers.

    METHODS.md 6. Bands of height ``band_um`` by distance (along the mean normal) from each
    visible surface; each pixel belongs to the nearer surface. In a band, one line per
    film-frame row, at the film direction (the dense variant of METHODS.md 1,
    ``window_um='full'`` on the band). See the module docstring for the interior value and
    the layer rule.

    Returns
    -------
    DepthProfile

    Examples
    --------
    >>> from semscan.calibration import Calibration
    >>> from semscan.synth.cross_section import synthetic_cross_section
    >>> cal = Calibration(0.01, "user")
    >>> pore, spec, _ = synthetic_cross_section((300, 400), thickness_px=160, a_px=8, b_px=4,
    ...                                         seed=0)
    >>> film = detect_film((~pore & spec).astype(float), calibration=cal)
    >>> prof = depth_profile(pore, film, calibration=cal, band_um=0.1)
    >>> prof.unit, round(prof.band, 2)
    ('µm', 0.1)
    """
    if not 0 < skin_tolerance:
        raise ConfigError(f"skin_tolerance must be > 0, got {skin_tolerance}")
    notes = _notes if _notes is not None else []
    pore = np.asarray(pore, bool)
    fr = _frame if _frame is not None else _film_frame(film, pore, excluded)
    h = _band_px(band_um, calibration, film.feature_px, notes)
    scale = calibration.scale
    both = film.has_top and film.has_bottom
    profiles: dict[str, list[BandValue]] = {"top": [], "bottom": []}
    results: dict[str, list[Any]] = {"top": [], "bottom": []}
    for side in ("top", "bottom"):
        if not (film.has_top if side == "top" else film.has_bottom):
            continue
        d = fr.depth_top if side == "top" else fr.depth_bottom
        other = fr.depth_bottom if side == "top" else fr.depth_top
        mine = fr.valid & (d >= 0) & ((d <= other) if both else True)
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
            res = _quiet_intercept(
                fr.pore[r0:r1, c0:c1], [], calibration=calibration, region=band[:, c0:c1],
                n_lines=n_lines, angle_deg=0.0, window_um="full", min_voids_per_line=0,
                seed=seed,
            )
            res = _shift_result(res, r0, c0)
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
        deepest = prof[-1].depth_to
        start = 0.5 * deepest if both else deepest / 3.0
        central += [b.mean for b in prof if b.depth_from >= start and math.isfinite(b.mean)]
    interior = float(np.median(central)) if central else float("nan")
    layers = {
        side: _layer(profiles[side], results[side], interior, skin_tolerance)
        if profiles[side] else _NO_LAYER
        for side in ("top", "bottom")
    }
    return DepthProfile(
        h * scale, tuple(profiles["top"]), tuple(profiles["bottom"]), interior,
        layers["top"], layers["bottom"], calibration.unit,
        tuple(results["top"]), tuple(results["bottom"]),
    )


def _shift_result(res: Any, dr: int, dc: int) -> Any:
    """An intercept result measured on a crop, with its coordinates in the full frame."""
    import dataclasses

    ch = res.chords
    chords = dataclasses.replace(ch, r0=ch.r0 + dr, c0=ch.c0 + dc, r1=ch.r1 + dr,
                                 c1=ch.c1 + dc)
    w = res.window_px
    lines = tuple((a + dr, b + dc, c + dr, e + dc) for a, b, c, e in res.lines)
    return dataclasses.replace(res, chords=chords, lines=lines,
                               window_px=(w[0] + dr, w[1] + dc, w[2], w[3]))


def _layer(prof: list[BandValue], res: list[Any], interior: float, tol: float) -> SurfaceLayer:
    from semscan.measure.paired import pooled_intercept

    if not prof or not math.isfinite(interior) or interior <= 0:
        return _NO_LAYER
    dev0 = prof[0].mean / interior - 1.0 if math.isfinite(prof[0].mean) else 0.0
    if abs(dev0) <= tol:
        d0 = prof[0].mean
        return SurfaceLayer("none", 0.0, d0, d0 / interior, 0)
    sign = 1.0 if dev0 > 0 else -1.0
    n = 0
    for b in prof:
        dev = b.mean / interior - 1.0 if math.isfinite(b.mean) else 0.0
        if abs(dev) > tol and dev * sign > 0:
            n += 1
        else:
            break
    n = min(n, max(len(prof) - 1, 1))
    d_layer = pooled_intercept(res[:n]).mean
    return SurfaceLayer("open" if sign > 0 else "skin", prof[n - 1].depth_to, d_layer,
                        d_layer / interior, n)


# --------------------------------------------------------------------------- laminar
@dataclass(frozen=True, eq=False)
class Laminar:
    """Laminar coefficient (METHODS.md 4) and the ellipse aspect ratio."""

    kappa: float
    ci95: tuple[float, float]
    along: Any
    through: Any
    aspect_ratio: float
    n_aspect_pores: int
    resolution_bias: float = float("nan")


def laminar_coefficient(
    pore: np.ndarray,
    film: FilmGeometry,
    *,
    calibration: Calibration,
    excluded: np.ndarray | None = None,
    exclude_top_um: float = 0.0,
    exclude_bottom_um: float = 0.0,
    n_lines: int = 50,
    seed: int = 0,
    _frame: _Frame | None = None,
    _notes: list[str] | None = None,
) -> Laminar:
    """Cross-sectional pore laminar coefficient ``kappa`` (METHODS.md 4).

    The meta-aramid film patent claims "a cross-sectional pore laminar coefficient of 2.5 or
    greater" but neither it nor the other source documents define the quantity. semscan
    defines ``kappa = mean pore intercept along the film plane / mean pore intercept through
    the thickness``, each by the ``n_lines``-line method of METHODS.md 1 (half-count
    estimator, ``window_um='full'``) on the film interior (the film minus
    ``exclude_top_um`` / ``exclude_bottom_um`` at each surface), with lines parallel and
    perpendicular to the detected film plane. The 95 % interval combines both intervals by
    the delta method on ``log kappa`` (along and through lines are independent samples).

    Also reported: the area-weighted mean aspect ratio (major / minor axis of the
    moments-equivalent ellipse, ``skimage.measure.regionprops``) of interior pores whose
    major axis lies within 30° of the film plane and which do not touch the interior's
    border; it equals a/b only for separate elliptic pores.

    At the resolution limit the pixel grid and the blur lose the crossings of the thinnest
    walls and pore slivers, most of them through the film, so kappa of thin flat pores reads
    low: ``resolution_bias`` is the expected relative bias
    (:func:`semscan.measure.cross_section.laminar.film_kappa_bias`), and a note is added when it exceeds
    3 %.

    Examples
    --------
    >>> from semscan.calibration import UNCALIBRATED
    >>> from semscan.synth.cross_section import synthetic_cross_section
    >>> pore, spec, _ = synthetic_cross_section((300, 400), thickness_px=200, a_px=8, b_px=4,
    ...                                         seed=0)
    >>> film = detect_film((~pore & spec).astype(float), calibration=UNCALIBRATED)
    >>> lam = laminar_coefficient(pore, film, calibration=UNCALIBRATED)
    >>> 1.6 < lam.kappa < 2.4
    True
    """
    notes = _notes if _notes is not None else []
    pore = np.asarray(pore, bool)
    fr = _frame if _frame is not None else _film_frame(film, pore, excluded)
    et = calibration.to_px(exclude_top_um) if exclude_top_um else 0.0
    eb = calibration.to_px(exclude_bottom_um) if exclude_bottom_um else 0.0
    interior = fr.valid & (fr.depth_top >= et) & (fr.depth_bottom >= eb)
    if not interior.any():
        raise MeasurementError(
            "the film interior is empty after excluding the surface bands "
            f"({exclude_top_um} and {exclude_bottom_um} {calibration.unit}); "
            "reduce skin_exclusion_um"
        )
    kw: dict[str, Any] = dict(calibration=calibration, region=interior, n_lines=n_lines,
                              window_um="full", seed=seed)
    along = _quiet_intercept(fr.pore, notes, angle_deg=0.0, **kw)
    through = _quiet_intercept(fr.pore, notes, angle_deg=90.0, **kw)
    ka, kt = float(along.mean), float(through.mean)
    if math.isfinite(ka) and math.isfinite(kt) and kt > 0 and ka > 0:
        kappa = ka / kt
        se = math.sqrt(_rel_se(along) ** 2 + _rel_se(through) ** 2)
        ci = (kappa * math.exp(-1.96 * se), kappa * math.exp(1.96 * se))
    else:
        kappa, ci = float("nan"), (float("nan"), float("nan"))
        notes.append("no pore intercepts in the film interior: laminar coefficient undefined")
    ar, n_ar = _aspect_ratio(fr.pore & interior, interior)
    bias = float("nan")
    if math.isfinite(kappa):
        from semscan.measure.cross_section.laminar import film_kappa_bias

        bias, note = film_kappa_bias(fr.pore, interior, along=along, through=through,
                                     calibration=calibration, n_lines=n_lines, seed=seed)
        if note:
            notes.append(note)
    return Laminar(kappa, ci, along, through, ar, n_ar, bias)


def _rel_se(res: Any) -> float:
    lo, hi = res.ci95
    if not (math.isfinite(lo) and math.isfinite(hi)) or res.mean <= 0:
        return float("nan")
    return (hi - lo) / (2 * 1.96 * res.mean)


def _aspect_ratio(pore_int: np.ndarray, interior: np.ndarray) -> tuple[float, int]:
    from skimage.measure import label, regionprops

    lab = label(pore_int, connectivity=1)
    if lab.max() == 0:
        return float("nan"), 0
    touching = np.unique(lab[ndi.binary_dilation(~interior) & (lab > 0)])
    num = den = 0.0
    n = 0
    bad = set(touching.tolist())
    for rp in regionprops(lab):
        if rp.label in bad or rp.area < 5 or rp.axis_minor_length <= 0:
            continue
        # orientation: angle between the row axis and the major axis; film = columns
        if abs(rp.orientation) < math.radians(60.0):
            continue
        num += rp.area * rp.axis_major_length / rp.axis_minor_length
        den += rp.area
        n += 1
    return (num / den if den else float("nan")), n


# --------------------------------------------------------------------------- analysis
@dataclass(frozen=True, eq=False)
class CrossSectionResult:
    """Everything measured on one cross-section (METHODS.md 4, 5, 6).

    Lengths are in ``unit`` (µm, or px when uncalibrated). ``along`` / ``through`` are the
    intercept results of the laminar coefficient (their lines and chords are in the film
    frame; see :meth:`FilmGeometry.to_image`).

    Attributes
    ----------
    film : FilmGeometry
    thickness : Thickness
    profile : DepthProfile
    layer_top, layer_bottom : SurfaceLayer
    exclude_top, exclude_bottom : float
        Bands left out of the interior at each surface (``unit``).
    kappa : float
    kappa_ci95 : tuple of float
    kappa_resolution_bias : float
        Expected relative bias of ``kappa`` from features lost at the resolution limit
        (negative: reads low; :mod:`semscan.measure.cross_section.laminar`). A warning is added beyond 3 %.
    along, through : InterceptResult
    aspect_ratio : float
    n_aspect_pores : int
    interior_d : float
        Mean pore intercept along the film in the interior (METHODS.md 5's d_internal).
    interior_d_ci95 : tuple of float
    surface_ratio_top, surface_ratio_bottom : float
        Single-image surface-layer d over interior d.
    unit : str
    semscan_version : str
    warnings : tuple of str
    """

    film: FilmGeometry
    thickness: Thickness
    profile: DepthProfile
    layer_top: SurfaceLayer
    layer_bottom: SurfaceLayer
    exclude_top: float
    exclude_bottom: float
    kappa: float
    kappa_ci95: tuple[float, float]
    along: Any
    through: Any
    aspect_ratio: float
    n_aspect_pores: int
    interior_d: float
    interior_d_ci95: tuple[float, float]
    surface_ratio_top: float
    surface_ratio_bottom: float
    unit: str
    semscan_version: str = __version__
    warnings: tuple[str, ...] = ()
    kappa_resolution_bias: float = float("nan")

    def to_dict(self) -> dict[str, object]:
        """Flat row, every key prefixed ``xs_``; lengths suffixed ``_um`` (or ``_px``)."""
        u = unit_suffix(self.unit)
        f = self.film
        return {
            "xs_film_direction_deg": f.direction_deg,
            "xs_direction_source": f.direction_source,
            "xs_edges_visible": f.edges_visible,
            f"xs_thickness_mean_{u}": self.thickness.mean,
            f"xs_thickness_sd_{u}": self.thickness.sd,
            "xs_thickness_n": len(self.thickness.values),
            f"xs_thickness_values_{u}": ";".join(f"{v:.6g}" for v in self.thickness.values),
            f"xs_band_{u}": self.profile.band,
            f"xs_profile_interior_{u}": self.profile.interior,
            "xs_layer_top_kind": self.layer_top.kind,
            f"xs_layer_top_thickness_{u}": self.layer_top.thickness,
            f"xs_layer_top_d_{u}": self.layer_top.d_layer,
            "xs_layer_bottom_kind": self.layer_bottom.kind,
            f"xs_layer_bottom_thickness_{u}": self.layer_bottom.thickness,
            f"xs_layer_bottom_d_{u}": self.layer_bottom.d_layer,
            f"xs_exclude_top_{u}": self.exclude_top,
            f"xs_exclude_bottom_{u}": self.exclude_bottom,
            "xs_kappa": self.kappa,
            "xs_kappa_ci95_low": self.kappa_ci95[0],
            "xs_kappa_ci95_high": self.kappa_ci95[1],
            "xs_kappa_resolution_bias": self.kappa_resolution_bias,
            f"xs_along_mean_{u}": float(self.along.mean),
            "xs_along_n_intercepts": int(self.along.n_intercepts),
            f"xs_through_mean_{u}": float(self.through.mean),
            "xs_through_n_intercepts": int(self.through.n_intercepts),
            "xs_aspect_ratio": self.aspect_ratio,
            "xs_aspect_n_pores": self.n_aspect_pores,
            f"xs_interior_d_{u}": self.interior_d,
            f"xs_interior_d_ci95_low_{u}": self.interior_d_ci95[0],
            f"xs_interior_d_ci95_high_{u}": self.interior_d_ci95[1],
            "xs_surface_ratio_top": self.surface_ratio_top,
            "xs_surface_ratio_bottom": self.surface_ratio_bottom,
            "xs_warnings": " | ".join(self.warnings),
        }


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
    n_lines: int = 50,
    seed: int = 0,
    film: FilmGeometry | None = None,
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
    n_lines : int
        Lines of the laminar coefficient's intercept measurements.
    seed : int
    film : FilmGeometry, optional
        A film found before (skips :func:`detect_film`).

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
    >>> from semscan.synth.cross_section import synthetic_cross_section
    >>> pore, spec, _ = synthetic_cross_section((240, 320), thickness_px=150, a_px=8, b_px=4,
    ...                                         seed=0)
    >>> res = analyze_cross_section(pore, spec & ~pore, (spec & ~pore).astype(float),
    ...                             calibration=Calibration(0.01, "user"))
    >>> round(res.thickness.mean, 1), res.to_dict()["xs_edges_visible"]
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
    notes: list[str] = []
    if film is None:
        film = detect_film(img, calibration=calibration, excluded=excluded, pore=pore,
                           film_direction_deg=film_direction_deg)
    notes.extend(film.warnings)
    thick = measure_thickness(film, calibration=calibration, n_positions=n_thickness_positions)
    if film.edges_visible < 2:
        notes.append(f"{film.edges_visible} film edge(s) visible: thickness not measured")
    fr = _film_frame(film, pore, excluded)
    prof = depth_profile(pore, film, calibration=calibration, band_um=band_um,
                         skin_tolerance=skin_tolerance, seed=seed, _frame=fr, _notes=notes)
    if skin_exclusion_um is None:
        ex_top = prof.layer_top.thickness if prof.layer_top.kind != "none" else 0.0
        ex_bot = prof.layer_bottom.thickness if prof.layer_bottom.kind != "none" else 0.0
    else:
        ex_top = ex_bot = float(skin_exclusion_um)
    lam = laminar_coefficient(pore, film, calibration=calibration, exclude_top_um=ex_top,
                              exclude_bottom_um=ex_bot, n_lines=n_lines, seed=seed,
                              _frame=fr, _notes=notes)
    interior_d = float(lam.along.mean)
    ratios = []
    for layer in (prof.layer_top, prof.layer_bottom):
        ok = math.isfinite(layer.d_layer) and interior_d > 0
        ratios.append(layer.d_layer / interior_d if ok else float("nan"))
    return CrossSectionResult(
        film=film,
        thickness=thick,
        profile=prof,
        layer_top=prof.layer_top,
        layer_bottom=prof.layer_bottom,
        exclude_top=float(ex_top),
        exclude_bottom=float(ex_bot),
        kappa=lam.kappa,
        kappa_ci95=lam.ci95,
        along=lam.along,
        through=lam.through,
        aspect_ratio=lam.aspect_ratio,
        n_aspect_pores=lam.n_aspect_pores,
        interior_d=interior_d,
        interior_d_ci95=tuple(float(v) for v in lam.along.ci95),  # type: ignore[arg-type]
        surface_ratio_top=ratios[0],
        surface_ratio_bottom=ratios[1],
        unit=calibration.unit,
        warnings=tuple(dict.fromkeys(notes)),
        kappa_resolution_bias=lam.resolution_bias,
    )
