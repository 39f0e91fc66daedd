"""A crumpled, folded sheet seen from above, as a secondary-electron (SE) image.

A thin film that wrinkles or crumples (a dried polymer skin, a graphene-oxide paper) is not
porous, yet its SEM image is full of dark areas: the valleys between folds and the parts
of the sheet hidden under overhanging folds. A height field ``z(x, y)`` cannot draw
those overhangs, so this module deforms a flat sheet in three dimensions and renders it
with a z-buffer:

1. A flat sheet with coordinates ``(u, v)`` is displaced by smooth random fields in x,
   y and z over two or three octaves. Where the lateral displacement changes faster than the
   coordinates themselves (a displacement gradient below -1), the map
   ``(u, v) -> (x, y)`` folds over itself: one part of the sheet lies over another.
2. Every sample of the sheet is splatted into the image, the highest one winning each
   pixel (a z-buffer). A sample covers a square as wide as the sheet is locally
   stretched, so that no gaps open where the sheet is stretched.
3. SE contrast: the yield rises with the secant of the angle between the surface normal
   and the beam (steep flanks and fold lines are bright; the normal comes from the 3-D
   surface, so a fold seen edge-on is a bright line); the side facing the detector is
   brighter; and the sheet is darker the deeper it lies below the local top of the
   relief (electrons from deep valleys and from under folds do not reach the detector).

The result has the sharp occluding edges of a real crumpled film, which a shaded height
field lacks (there every boundary is a soft shading contour).

Status: written to teach the structure classifier that a crumpled film is non-porous. It
is not in the shipped model's training data yet: as 20 % of the 'non-porous' class it
moved the real ``wrinkled_film_fei16`` only from coarse 0.87 to coarse 0.69 and cost
cellular held-out accuracy (see ``models/README.md``, "Tried after the fifth model").

Examples
--------
>>> import numpy as np
>>> t = folded_sheet(np.random.default_rng(0), (96, 96), wavelength_px=12.0)
>>> t.shape, bool(abs(t.mean()) < 1e-6), bool(abs(t.std() - 1.0) < 1e-6)
((96, 96), True, True)
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from scipy import ndimage as ndi

from semscan.errors import ConfigError

__all__ = ["folded_sheet"]


def folded_sheet(
    rng: np.random.Generator,
    shape: tuple[int, int],
    *,
    wavelength_px: float,
    folding: float | None = None,
    relief: float | None = None,
    depth_gain: float | None = None,
    secant_power: float | None = None,
    aspect: float | None = None,
    octaves: int | None = None,
) -> np.ndarray:
    """SE-like grey pattern of a crumpled sheet, zero mean and unit standard deviation.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of every random choice.
    shape : tuple of int
        (rows, columns) of the image.
    wavelength_px : float
        Correlation length of the coarsest folds in the image, in pixels (> 0).
    folding : float, optional
        Lateral displacement amplitude over the wavelength (the typical displacement
        gradient); above about 1 the sheet folds over itself in many places. Random in
        1.0-2.2 when omitted.
    relief : float, optional
        Vertical over lateral displacement. Random in 0.8-1.8 when omitted.
    depth_gain : float, optional
        How much darker the sheet is where it lies deep below the local top of the
        relief. Random in 2-5 when omitted.
    secant_power : float, optional
        Exponent of the secant law of SE yield (brightness of steep flanks). Random in
        0.8-2 when omitted.
    aspect : float, optional
        Fold length along one image axis over the other (>= 1; the axis is random): folds
        made by compression along one direction, or a tilted view. Random in 1-1.6 when
        omitted.
    octaves : int, optional
        Number of fold scales, each 2.2x finer and weaker (amplitude 0.3-0.55) than the
        last. 2 or 3 at random when omitted.

    Returns
    -------
    ndarray of float32, shape ``shape``
        Bright where the sheet is steep or high, dark in deep valleys and under folds;
        scale and offset it into grey levels.

    Raises
    ------
    ConfigError
        If ``wavelength_px`` is not positive.

    Notes
    -----
    The detector-side shading weight is random in 0-0.5, the secant-law yield is capped
    at a secant of 5 (a flank 78 degrees from the beam), and the result is smoothed by a
    0.6 px Gaussian (the beam).
    """
    rows, cols = (int(shape[0]), int(shape[1]))
    if wavelength_px <= 0:
        raise ConfigError(f"wavelength_px must be a positive length in px, got {wavelength_px}")
    fold = float(rng.uniform(1.0, 2.2)) if folding is None else float(folding)
    rel = float(rng.uniform(0.8, 1.8)) if relief is None else float(relief)
    kd = float(rng.uniform(2.0, 5.0)) if depth_gain is None else float(depth_gain)
    ps = float(rng.uniform(0.8, 2.0)) if secant_power is None else float(secant_power)
    asp = float(rng.uniform(1.0, 1.6)) if aspect is None else float(aspect)
    n_oct = int(rng.integers(2, 4)) if octaves is None else int(octaves)
    # (rows, columns) stretch of the fold length
    axes = (asp, 1.0) if rng.random() < 0.5 else (1.0, asp)

    x, y, z = _deformed_sheet(rng, (rows, cols), wavelength_px, fold, rel, axes, n_oct)
    secant, stretch = _secant_and_stretch(x, y, z)
    top, sec = _zbuffer(x, y, z, secant, stretch, (rows, cols))
    # Depth below the local top of the relief, in units of the relief's spread.
    size = int(2 * wavelength_px) | 1
    envelope = ndi.gaussian_filter(ndi.maximum_filter(top, size=size), wavelength_px / 2)
    depth = np.maximum(envelope - top, 0.0) / (float(top.std()) + 1e-12)
    gy, gx = np.gradient(ndi.gaussian_filter(top, 1.0))
    ang = float(rng.uniform(0.0, 2.0 * math.pi))
    facing = (math.cos(ang) * gx + math.sin(ang) * gy) / np.sqrt(1.0 + gx**2 + gy**2)
    bright = sec**ps
    t = (bright / (bright.std() + 1e-12) + float(rng.uniform(0.0, 0.5)) * facing
         - kd * (1.0 - np.exp(-depth / 0.5)) / 0.5)
    t = ndi.gaussian_filter(t, 0.6)
    return ((t - t.mean()) / (t.std() + 1e-12)).astype(np.float32)


def _deformed_sheet(
    rng: np.random.Generator, shape: tuple[int, int], wavelength_px: float, folding: float,
    relief: float, axes: tuple[float, float], octaves: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Image coordinates x, y (px) and height z (px) of the samples of a flat sheet, laid
    0.7 px apart over the view and a margin of 2.5 wavelengths, then displaced by smooth
    random fields (``octaves`` scales, each 2.2x finer and 0.3-0.55x weaker)."""
    rows, cols = shape
    step = 0.7
    margin = 2.5 * wavelength_px
    nu = int((cols + 2 * margin) / step) + 1
    nv = int((rows + 2 * margin) / step) + 1
    x = np.zeros((nv, nu), np.float32)
    y = np.zeros_like(x)
    z = np.zeros_like(x)
    sigma = wavelength_px / step  # correlation length in samples
    amp = 1.0
    for _ in range(octaves):
        a = folding * sigma * step * amp  # displacement amplitude in image px
        for arr, gain in ((x, a * axes[1]), (y, a * axes[0]), (z, relief * a)):
            arr += gain * _smooth_field(rng, (nv, nu), (sigma * axes[0], sigma * axes[1]))
        amp *= float(rng.uniform(0.3, 0.55))
        sigma /= 2.2
    x += (np.arange(nu, dtype=np.float32) * step - margin)[None, :]
    y += (np.arange(nv, dtype=np.float32) * step - margin)[:, None]
    return x, y, z


def _secant_and_stretch(
    x: np.ndarray, y: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Secant of the angle between each sample's surface normal and the beam (capped at
    5; the normal's sign does not matter, so a fold seen from its underside shades like
    its top), and the largest distance in px to a neighbouring sample (the splat size
    that leaves no gaps)."""
    xu, xv = np.gradient(x, axis=1), np.gradient(x, axis=0)
    yu, yv = np.gradient(y, axis=1), np.gradient(y, axis=0)
    zu, zv = np.gradient(z, axis=1), np.gradient(z, axis=0)
    nx, ny, nz = yu * zv - zu * yv, zu * xv - xu * zv, xu * yv - yu * xv
    cos_beam = np.abs(nz) / (np.sqrt(nx**2 + ny**2 + nz**2) + 1e-12)
    secant = np.minimum(1.0 / np.maximum(cos_beam, 1e-3), 5.0)
    stretch = np.sqrt(np.maximum(xu**2 + yu**2, xv**2 + yv**2))
    return secant, stretch


def _smooth_field(
    rng: np.random.Generator, shape: tuple[int, int], sigma: tuple[float, float]
) -> np.ndarray:
    """Gaussian random field of unit variance and correlation ``sigma`` samples (rows,
    columns), drawn on a grid ``min(sigma) / 3`` times coarser and interpolated (the
    field is smooth at that scale, and the filter costs 1/9 as much)."""
    f = max(1, int(min(sigma) / 3))
    coarse = (shape[0] // f + 2, shape[1] // f + 2)
    g = ndi.gaussian_filter(rng.standard_normal(coarse), (sigma[0] / f, sigma[1] / f),
                            mode="wrap")
    g = (g / (g.std() + 1e-12)).astype(np.float32)
    return cv2.resize(g, (coarse[1] * f, coarse[0] * f), interpolation=cv2.INTER_CUBIC)[
        : shape[0], : shape[1]
    ]


def _zbuffer(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, value: np.ndarray, stretch: np.ndarray,
    shape: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """Height and ``value`` of the highest sample on each pixel; pixels no sample
    reached take their nearest covered neighbour's."""
    rows, cols = shape
    zf, vf = z.ravel(), value.ravel()
    size = np.clip(np.ceil(stretch.ravel() * 1.1), 1, 6).astype(np.int64)
    keys, srcs = [], []
    for k in range(1, 7):
        sel = np.flatnonzero(size == k)
        if not len(sel):
            continue
        x0 = np.floor(x.ravel()[sel] - (k - 1) / 2).astype(np.int64)
        y0 = np.floor(y.ravel()[sel] - (k - 1) / 2).astype(np.int64)
        oy, ox = np.divmod(np.arange(k * k), k)
        xs, ys = (x0[:, None] + ox).ravel(), (y0[:, None] + oy).ravel()
        ok = (xs >= 0) & (xs < cols) & (ys >= 0) & (ys < rows)
        keys.append(ys[ok] * cols + xs[ok])
        srcs.append(np.repeat(sel, k * k)[ok])
    key, src = np.concatenate(keys), np.concatenate(srcs)
    order = np.lexsort((-zf[src], key))
    key, src = key[order], src[order]
    first = np.r_[True, key[1:] != key[:-1]]
    top = np.full(rows * cols, np.nan)
    val = np.full(rows * cols, np.nan)
    top[key[first]] = zf[src[first]]
    val[key[first]] = vf[src[first]]
    top, val = top.reshape(shape), val.reshape(shape)
    hole = np.isnan(top)
    if hole.all():
        return np.zeros(shape), np.ones(shape)
    if hole.any():
        idx = tuple(ndi.distance_transform_edt(hole, return_distances=False, return_indices=True))
        top, val = top[idx], val[idx]
    return top, val
