"""Exact-geometry test structures with closed-form stereology.

- :func:`stripes`: parallel bands of known pore and solid widths at any angle.
- :func:`boolean_discs`: a Boolean model of discs (Poisson germs, fixed radius).
- :func:`boolean_ellipses`: a Boolean model of aligned ellipses.

Closed forms for the Boolean model with germ intensity λ (per px²) and grain G:
the grains' union covers ``1 - exp(-λ A(G))`` of the plane; along a direction v the
complement's chords are exponential with mean ``1 / (λ w(v))``, where ``w(v)`` is the
width of G perpendicular to v (``2r`` for a disc), because a segment of length l in the
complement must avoid ``λ (A(G) + l w)`` germs. Chords of the two phases alternate, so
the number of chords of either phase per unit line length is
``p λ w`` (p = complement area fraction) and the mean chord of the union is
``(1 - p) / (p λ w)``; equivalently the boundary-point density is ``P_L = 2 p λ w``
(``4 r λ p`` for discs, giving ``L_A = (π/2) P_L = 2 π r λ p``) and the mean chord of a phase
X is ``A_A(X) / (P_L / 2)``.

Germs are drawn in the image enlarged by the grain's half-extent, so the image has no
edge effect. A pixel belongs to a grain when its centre does (closed grain).

This is the one generator of Boolean discs and ellipses: the film phantoms
(:mod:`semscan.phantoms.films`) draw their pores with :func:`boolean_ellipses` too, with
``germ_window='padded'``, the germ window they were made with (see :data:`GermWindow`).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from semscan.errors import ConfigError
from semscan.measure._lines import unit_vectors

__all__ = [
    "GermWindow",
    "boolean_disc_chord_mean",
    "boolean_disc_digital_chord_mean",
    "boolean_disc_porosity",
    "boolean_discs",
    "boolean_ellipse_chord_mean",
    "boolean_ellipses",
    "stripes",
]

Phase = Literal["complement", "grains"]

GermWindow = Literal["pixel-edges", "padded"]
"""Where the Poisson germs are drawn (both windows hold every germ whose grain reaches a
pixel centre, so neither has an edge effect; a seed gives a different, equally valid
realisation in each).

``'pixel-edges'``
    The pixels' outer edges ``[-0.5, n - 0.5]`` enlarged by the grain's half-extent
    ``max(a, b)`` on each side (the surface phantoms and the bundled surface sample).
``'padded'``
    ``[0, n]`` enlarged by ``ceil(max(a, b)) + 1`` px on each side (the film phantoms of
    :mod:`semscan.phantoms.films` and the bundled cross-section sample).
"""


def _check_shape(shape: tuple[int, int]) -> tuple[int, int]:
    if len(shape) != 2 or min(shape) < 1:
        raise ConfigError(f"shape must be (rows, cols) with positive sizes, got {shape!r}")
    return int(shape[0]), int(shape[1])


def _positive(value: float, name: str) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ConfigError(f"{name} must be a finite positive number, got {value!r}")
    return float(value)


def stripes(
    shape: tuple[int, int],
    *,
    pore_width_px: float,
    solid_width_px: float,
    angle_deg: float = 0.0,
    offset_px: float = 0.0,
) -> np.ndarray:
    """Parallel pore stripes crossed at right angles by lines at ``angle_deg``.

    Parameters
    ----------
    shape : (rows, cols)
        Image shape.
    pore_width_px, solid_width_px : float
        Widths (px) of the pore and solid bands measured along ``angle_deg``.
    angle_deg : float
        Direction across the stripes (0 = along rows: vertical bands; 90: horizontal bands),
        same convention as :func:`semscan.measure.intercept_method`.
    offset_px : float
        Phase shift of the pattern along ``angle_deg``.

    Returns
    -------
    (rows, cols) bool array
        True in the pore bands. A pixel is pore when its centre's coordinate
        ``s = -r sin a + c cos a`` satisfies ``(s - offset) mod period < pore_width``; at
        0 and 90 degrees with integer widths every chord across a band is exactly
        ``pore_width_px`` samples.

    Examples
    --------
    >>> stripes((2, 8), pore_width_px=2, solid_width_px=2).astype(int)
    array([[1, 1, 0, 0, 1, 1, 0, 0],
           [1, 1, 0, 0, 1, 1, 0, 0]])
    """
    h, w = _check_shape(shape)
    wp = _positive(pore_width_px, "pore_width_px")
    period = wp + _positive(solid_width_px, "solid_width_px")
    ur, uc, _, _ = unit_vectors(angle_deg)
    r = np.arange(h, dtype=float)[:, None]
    c = np.arange(w, dtype=float)[None, :]
    s = r * ur + c * uc - offset_px
    return np.mod(s, period) < wp


def _paint(
    shape: tuple[int, int],
    centres: np.ndarray,
    reach: float,
    inside,  # callable (dr, dc) -> bool
) -> np.ndarray:
    h, w = shape
    mask = np.zeros((h, w), dtype=bool)
    k = math.ceil(reach) + 1
    dr, dc = np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1), indexing="ij")
    dr = dr.ravel()
    dc = dc.ravel()
    chunk = max(1, 4_000_000 // dr.size)
    for i in range(0, len(centres), chunk):
        g = centres[i : i + chunk]
        base_r = np.rint(g[:, 0]).astype(np.int64)
        base_c = np.rint(g[:, 1]).astype(np.int64)
        rows = base_r[:, None] + dr[None, :]
        cols = base_c[:, None] + dc[None, :]
        sel = inside(rows - g[:, 0:1], cols - g[:, 1:2])
        sel &= (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
        mask[rows[sel], cols[sel]] = True
    return mask


def _germs(
    shape: tuple[int, int],
    intensity: float,
    reach: float,
    seed: int,
    window: GermWindow = "pixel-edges",
) -> np.ndarray:
    """Poisson germs (rows of ``(r, c)``) in the image enlarged as :data:`GermWindow` says."""
    h, w = shape
    rng = np.random.default_rng(seed)
    if window == "pixel-edges":
        margin: float = reach
        lo, r_hi, c_hi = -margin - 0.5, h - 0.5 + margin, w - 0.5 + margin
    elif window == "padded":
        margin = math.ceil(reach) + 1
        lo, r_hi, c_hi = -margin, h + margin, w + margin
    else:
        raise ConfigError(f"germ_window must be 'pixel-edges' or 'padded', got {window!r}")
    area = (h + 2 * margin) * (w + 2 * margin)
    n = rng.poisson(intensity * area)
    r = rng.uniform(lo, r_hi, n)
    c = rng.uniform(lo, c_hi, n)
    return np.stack([r, c], axis=1)


def boolean_discs(
    shape: tuple[int, int], *, intensity_per_px2: float, radius_px: float, seed: int = 0
) -> np.ndarray:
    """Boolean model of discs: the union of discs of radius r at Poisson germs.

    Parameters
    ----------
    shape : (rows, cols)
        Image shape.
    intensity_per_px2 : float
        Germ intensity λ (germs per px²).
    radius_px : float
        Disc radius r (px).
    seed : int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    (rows, cols) bool array
        True inside the union of discs (the grains). Its expected area fraction is
        ``1 - exp(-λ π r²)``; use ``~mask`` as the pore phase for pores *between* grains
        (:func:`boolean_disc_porosity` with ``pores='complement'``) or ``mask`` itself for
        overlapping circular pores (``pores='grains'``).

    Examples
    --------
    >>> m = boolean_discs((64, 64), intensity_per_px2=0.002, radius_px=5, seed=1)
    >>> m.shape, m.dtype
    ((64, 64), dtype('bool'))
    """
    shp = _check_shape(shape)
    lam = _positive(intensity_per_px2, "intensity_per_px2")
    rad = _positive(radius_px, "radius_px")
    germs = _germs(shp, lam, rad, seed)
    r2 = rad * rad
    return _paint(shp, germs, rad, lambda a, b: a * a + b * b <= r2)


def boolean_ellipses(
    shape: tuple[int, int],
    *,
    intensity_per_px2: float,
    a_px: float,
    b_px: float,
    angle_deg: float = 0.0,
    seed: int = 0,
    germ_window: GermWindow = "pixel-edges",
) -> np.ndarray:
    """Boolean model of aligned ellipses (semi-axes a along ``angle_deg``, b across).

    The structure is an affine stretch of a Boolean model of discs, so chord means along
    the a-axis and the b-axis are in the exact ratio ``a / b`` (for both phases), see
    :func:`boolean_ellipse_chord_mean`.

    Parameters
    ----------
    shape : (rows, cols)
        Image shape.
    intensity_per_px2 : float
        Germ intensity λ (ellipse centres per px²; centres also fall outside the image).
    a_px, b_px : float
        Semi-axes (px) along ``angle_deg`` and across it.
    angle_deg : float
        Direction of the a-axis, counter-clockwise as displayed (0 = along the rows), the
        convention of :func:`semscan.measure.intercept_method`.
    seed : int
        Seed of ``numpy.random.default_rng``.
    germ_window : {'pixel-edges', 'padded'}
        Where the germs are drawn (:data:`GermWindow`).

    Returns
    -------
    (rows, cols) bool array
        True inside the union of ellipses; expected area fraction ``1 - exp(-λ π a b)``.

    Raises
    ------
    ConfigError
        If a semi-axis or the intensity is not a finite positive number.

    Examples
    --------
    >>> m = boolean_ellipses((32, 48), intensity_per_px2=0.003, a_px=6, b_px=2, seed=2)
    >>> m.shape
    (32, 48)
    """
    shp = _check_shape(shape)
    lam = _positive(intensity_per_px2, "intensity_per_px2")
    if not all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in (a_px, b_px)):
        raise ConfigError(
            f"ellipse semi-axes must be finite positive numbers (px), got a_px={a_px!r}, "
            f"b_px={b_px!r}"
        )
    a, b = float(a_px), float(b_px)
    ur, uc, nr, nc = unit_vectors(angle_deg)
    germs = _germs(shp, lam, max(a, b), seed, germ_window)

    def inside(dr: np.ndarray, dc: np.ndarray) -> np.ndarray:
        along = (dr * ur + dc * uc) / a
        across = (dr * nr + dc * nc) / b
        return along * along + across * across <= 1.0

    return _paint(shp, germs, max(a, b), inside)


def boolean_disc_porosity(
    intensity_per_px2: float, radius_px: float, *, pores: Phase = "complement"
) -> float:
    """Expected pore area fraction of :func:`boolean_discs`.

    ``exp(-λ π r²)`` for pores between the discs (``'complement'``), ``1 - exp(-λ π r²)``
    when the discs are the pores (``'grains'``).

    Examples
    --------
    >>> round(boolean_disc_porosity(0.001, 10.0), 4)
    0.7304
    """
    p = math.exp(-intensity_per_px2 * math.pi * radius_px**2)
    return p if pores == "complement" else 1.0 - p


def boolean_ellipse_chord_mean(
    intensity_per_px2: float,
    a_px: float,
    b_px: float,
    direction_deg: float = 0.0,
    *,
    phase: Phase = "complement",
) -> float:
    """Expected chord mean (px) of a Boolean model of ellipses along a direction.

    ``direction_deg`` is measured from the ellipses' a-axis. The ellipse's width
    perpendicular to the direction is ``w = 2 sqrt(a² sin² φ + b² cos² φ)``; the complement's
    chords are exponential with mean ``1 / (λ w)`` and the grains' mean chord is
    ``(1 - p) / (p λ w)`` with ``p = exp(-λ π a b)``.

    Examples
    --------
    >>> lam = 0.001
    >>> along = boolean_ellipse_chord_mean(lam, 6, 2, 0.0)
    >>> across = boolean_ellipse_chord_mean(lam, 6, 2, 90.0)
    >>> round(along / across, 6)
    3.0
    """
    phi = math.radians(direction_deg)
    width = 2.0 * math.sqrt((a_px * math.sin(phi)) ** 2 + (b_px * math.cos(phi)) ** 2)
    p = math.exp(-intensity_per_px2 * math.pi * a_px * b_px)
    void = 1.0 / (intensity_per_px2 * width)
    return void if phase == "complement" else (1.0 - p) / p * void


def boolean_disc_chord_mean(
    intensity_per_px2: float, radius_px: float, *, phase: Phase = "complement"
) -> float:
    """Expected chord mean (px) of :func:`boolean_discs` in any direction.

    ``1 / (2 r λ)`` for the complement (exponential chords), ``(1 - p) / (p 2 r λ)`` for
    the discs' union, with ``p = exp(-λ π r²)``.

    Examples
    --------
    >>> round(boolean_disc_chord_mean(0.001, 10.0), 3)
    50.0
    """
    return boolean_ellipse_chord_mean(
        intensity_per_px2, radius_px, radius_px, 0.0, phase=phase
    )


def boolean_disc_digital_chord_mean(
    intensity_per_px2: float, radius_px: float, *, phase: Phase = "complement"
) -> float:
    """Expected run length (px) of :func:`boolean_discs` sampled along rows or columns.

    Pixel sampling at unit steps misses chords shorter than a pixel and so lengthens the
    mean run by about half a pixel relative to :func:`boolean_disc_chord_mean`. The exact
    expectation for unit-step samples (ratio of the expected phase samples to the expected
    runs per sample) is ``P(X) / (p - q)``, with ``p = exp(-λ π r²)`` the complement's
    fraction, ``q = exp(-λ A₂)`` the probability that two samples 1 px apart are both in
    the complement and ``A₂ = 2 π r² - lens(1)`` the area of two discs 1 px apart
    (``lens(d) = 2 r² acos(d / 2r) - (d / 2) sqrt(4 r² - d²)``).

    Examples
    --------
    >>> lam, r = 0.001, 10.0
    >>> digital = boolean_disc_digital_chord_mean(lam, r)
    >>> round(digital - boolean_disc_chord_mean(lam, r), 2)
    0.52
    """
    lam = _positive(intensity_per_px2, "intensity_per_px2")
    r = _positive(radius_px, "radius_px")
    if r < 0.5:
        raise ConfigError(f"radius_px must be >= 0.5 px for the digital formula, got {r!r}")
    lens = 2 * r * r * math.acos(1 / (2 * r)) - 0.5 * math.sqrt(4 * r * r - 1)
    p = math.exp(-lam * math.pi * r * r)
    q = math.exp(-lam * (2 * math.pi * r * r - lens))
    frac = p if phase == "complement" else 1.0 - p
    return frac / (p - q)
