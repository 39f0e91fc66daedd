"""Synthetic cross-sections of porous films with exactly known geometry.

A film of thickness ``thickness_px`` (measured perpendicular to its plane) crosses the image
at an angle ``tilt_deg`` (counter-clockwise as displayed, 0 = along the rows), optionally with
a sinusoidal waviness of both surfaces (the same shift for both, so that the thickness
measured along the mean film normal is ``thickness_px`` everywhere). The pores are a Boolean
model of aligned ellipses (:func:`semscan.phantoms.geometry.boolean_ellipses`: Poisson
centres, semi-axes ``a_px`` along the film and ``b_px`` through it, rotated with the film):
for such a model the chords of either phase along a direction have a mean proportional to
1 / (the grains' breadth perpendicular to that direction), so the mean pore intercept
along the film over the one through it is exactly ``a_px / b_px`` in expectation (the
laminar coefficient of METHODS.md 4).

An optional surface layer (``skin_px`` thick, at the top surface by default) holds the same
model with both semi-axes scaled by ``skin_scale`` and the intensity raised by
``1 / skin_scale**2`` so the porosity stays the same: its mean intercepts are ``skin_scale``
times the interior's.

Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from semscan._ndimage import block_mean
from semscan.errors import ConfigError
from semscan.phantoms.geometry import boolean_ellipses
from semscan.phantoms.render import RenderParams, render_sem

__all__ = ["film_coordinates", "imaged_cross_section", "render_cross_section",
           "synthetic_cross_section"]


def film_coordinates(
    shape: tuple[int, int], angle_deg: float, *, center: tuple[float, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of every pixel along (``x'``) and across (``y'``) a direction.

    Parameters
    ----------
    shape : (rows, columns)
    angle_deg : float
        Film direction, counter-clockwise as displayed, 0 = along the rows.
    center : (row, column), optional
        Origin; default the image centre.

    Returns
    -------
    x, y : ndarray of float, shape ``shape``
        ``x' = c cos t - r sin t`` (along), ``y' = c sin t + r cos t`` (across, growing
        downwards for ``t = 0``), relative to ``center``.

    Examples
    --------
    >>> x, y = film_coordinates((3, 3), 0.0)
    >>> float(x[1, 2]), float(y[2, 1])
    (1.0, 1.0)
    """
    rows, cols = shape
    r0, c0 = center if center is not None else ((rows - 1) / 2.0, (cols - 1) / 2.0)
    rr, cc = np.mgrid[0:rows, 0:cols].astype(np.float64)
    rr -= r0
    cc -= c0
    t = math.radians(angle_deg)
    return cc * math.cos(t) - rr * math.sin(t), cc * math.sin(t) + rr * math.cos(t)


def synthetic_cross_section(
    shape: tuple[int, int],
    *,
    thickness_px: float,
    a_px: float,
    b_px: float,
    porosity: float | None = 0.5,
    intensity_per_px2: float | None = None,
    tilt_deg: float = 0.0,
    waviness_px: float = 0.0,
    wave_period_px: float | None = None,
    offset_px: float = 0.0,
    skin_px: float = 0.0,
    skin_scale: float = 0.4,
    skin_side: Literal["top", "bottom", "both"] = "top",
    background: Literal["dark", "embedding"] = "dark",
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, dict[str, object]]:
    """A film cross-section with Boolean-model elliptic pores and exactly known geometry.

    Parameters
    ----------
    shape : (rows, columns)
    thickness_px : float
        Film thickness perpendicular to its (mean) plane, in pixels.
    a_px, b_px : float
        Pore semi-axes along the film and through it (pixels).
    porosity : float, optional
        Target pore fraction inside the film (sets the intensity); ignored when
        ``intensity_per_px2`` is given.
    intensity_per_px2 : float, optional
        Ellipse centres per pixel².
    tilt_deg : float
        Film direction, counter-clockwise as displayed.
    waviness_px, wave_period_px : float
        Amplitude and period (default: half the image width) of a sinusoidal shift of both
        surfaces along the film normal.
    offset_px : float
        Shift of the film's mid-plane from the image centre along the normal (pixels).
    skin_px, skin_scale, skin_side
        Surface layer thickness, the scale of its pores relative to the interior's, and the
        surface(s) that carry it.
    background : {'dark', 'embedding'}
        Recorded in ``truth`` and used by :func:`render_cross_section`.
    seed : int

    Returns
    -------
    pore : ndarray of bool
        Pores inside the film (False outside it).
    specimen : ndarray of bool
        The film.
    truth : dict
        ``thickness_px``, ``direction_deg``, ``kappa`` (= a/b), ``porosity``,
        ``intercept_along_px`` and ``intercept_through_px`` (expected mean pore chords of
        the continuous model in the interior), ``skin_px``, ``skin_side``,
        ``skin_intercept_along_px``, ``intensity_per_px2``, ``background``.

    Examples
    --------
    >>> pore, spec, truth = synthetic_cross_section(
    ...     (128, 160), thickness_px=60, a_px=6, b_px=3, seed=1)
    >>> truth["kappa"], bool(spec[64, 80]), bool(spec[5, 80])
    (2.0, True, False)
    """
    if thickness_px <= 0:
        raise ConfigError(f"thickness_px must be > 0, got {thickness_px}")
    if intensity_per_px2 is None:
        if porosity is None or not 0.0 < porosity < 1.0:
            raise ConfigError(f"porosity must be in (0, 1), got {porosity}")
        intensity_per_px2 = -math.log(1.0 - porosity) / (math.pi * a_px * b_px)
    if not 0.0 < skin_scale <= 1.0 and skin_px > 0:
        raise ConfigError(f"skin_scale must be in (0, 1], got {skin_scale}")
    if skin_side not in ("top", "bottom", "both"):
        raise ConfigError(f"skin_side must be one of 'top', 'bottom', 'both', got {skin_side!r}")
    p = 1.0 - math.exp(-intensity_per_px2 * math.pi * a_px * b_px)
    x, y = film_coordinates(shape, tilt_deg)
    period = wave_period_px if wave_period_px else shape[1] / 2.0
    wave = waviness_px * np.sin(2.0 * math.pi * x / period) if waviness_px else 0.0
    depth_top = y - (offset_px - thickness_px / 2.0 + wave)
    depth_bottom = (offset_px + thickness_px / 2.0 + wave) - y
    specimen = (depth_top >= 0) & (depth_bottom > 0)
    pore = boolean_ellipses(
        shape, intensity_per_px2=intensity_per_px2, a_px=a_px, b_px=b_px,
        angle_deg=tilt_deg, seed=seed, germ_window="padded",
    )
    if skin_px > 0:
        skin_field = boolean_ellipses(
            shape,
            intensity_per_px2=intensity_per_px2 / skin_scale**2,
            a_px=a_px * skin_scale,
            b_px=b_px * skin_scale,
            angle_deg=tilt_deg,
            seed=seed + 7919,
            germ_window="padded",
        )
        in_skin = np.zeros(shape, bool)
        if skin_side in ("top", "both"):
            in_skin |= depth_top < skin_px
        if skin_side in ("bottom", "both"):
            in_skin |= depth_bottom <= skin_px
        pore = np.where(in_skin, skin_field, pore)
    pore &= specimen
    along = p / (intensity_per_px2 * (1.0 - p) * 2.0 * b_px)
    through = p / (intensity_per_px2 * (1.0 - p) * 2.0 * a_px)
    truth: dict[str, object] = {
        "thickness_px": float(thickness_px),
        "direction_deg": float(tilt_deg),
        "kappa": float(a_px / b_px),
        "porosity": p,
        "intercept_along_px": along,
        "intercept_through_px": through,
        "skin_px": float(skin_px),
        "skin_side": skin_side if skin_px > 0 else "none",
        "skin_intercept_along_px": along * skin_scale,
        "intensity_per_px2": intensity_per_px2,
        "waviness_px": float(waviness_px),
        "background": background,
    }
    return pore, specimen, truth


def render_cross_section(
    pore: np.ndarray,
    specimen: np.ndarray,
    *,
    background: Literal["dark", "embedding"] = "dark",
    seed: int,
    params: object | None = None,
) -> np.ndarray:
    """Render a synthetic cross-section as an SEM-like image.

    The film is rendered with :func:`semscan.phantoms.render.render_sem`; outside it the
    background is either vacuum (``'dark'``: a dark, nearly flat level with noise) or an
    embedding resin (``'embedding'``: a uniform mid grey with noise).

    Parameters
    ----------
    pore, specimen : ndarray of bool
    background : {'dark', 'embedding'}
    seed : int
    params : RenderParams, optional

    Returns
    -------
    ndarray of float32 in [0, 1]

    Examples
    --------
    >>> pore, spec, _ = synthetic_cross_section((96, 96), thickness_px=40, a_px=5, b_px=3,
    ...                                         seed=0)
    >>> img = render_cross_section(pore, spec, seed=0)
    >>> img.shape, bool(img[48, 48] > img[2, 2]) or bool(pore[48, 48])
    ((96, 96), True)
    """
    p = params if isinstance(params, RenderParams) else RenderParams()
    specimen = np.asarray(specimen, bool)
    # The background is rendered as "pore" (dark, with pore-back texture) for a vacuum, then
    # replaced by a flat level so that it carries only noise.
    film = render_sem(np.asarray(pore, bool) | ~specimen, seed=seed, params=p)
    rng = np.random.default_rng(seed + 1)
    if background == "dark":
        level = p.pore_level * 0.6
    elif background == "embedding":
        level = 0.5 * (p.pore_level + p.solid_level)
    else:
        raise ConfigError(f"background must be 'dark' or 'embedding', got {background!r}")
    bg = level + rng.normal(0.0, p.noise, specimen.shape)
    out = np.where(specimen, film, bg)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def imaged_cross_section(
    shape: tuple[int, int],
    *,
    supersample: int = 3,
    render_seed: int = 0,
    noise: float = 0.03,
    background: Literal["dark", "embedding"] = "dark",
    seed: int = 0,
    clean: bool = False,
    pore_back: float = 0.25,
    **geometry: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, object]]:
    """A synthetic cross-section *imaged* like a microscope does: area-sampled pixels.

    :func:`synthetic_cross_section` point-samples the continuous model, so a tilted film's
    pores carry the pixel grid's staircase in the mask itself. A microscope integrates the
    signal over each pixel instead. This renders the model at ``supersample`` times the
    resolution (:func:`render_cross_section`, noise-free), averages it down to ``shape``
    (OpenCV ``INTER_AREA``) and adds the noise at the final resolution, so the image of a
    tilted film is what a tilted specimen would give.

    Parameters
    ----------
    shape : (rows, columns)
        Final image size.
    supersample : int
        Oversampling factor of the rendering.
    render_seed : int
        Seed of the rendering and the noise.
    noise : float
        Standard deviation of the final-resolution noise.
    pore_back : float
        Strength of the sub-surface walls rendered inside pores (see
        :class:`~semscan.phantoms.render.RenderParams`).
    clean : bool
        Image the model without SEM flaws (pores 0, solid 1, no edge brightening, blur,
        pore-back or noise): the grey level is then the pixel's solid area fraction, and a
        threshold at 0.5 reproduces the model without any segmentation bias.
    background : {'dark', 'embedding'}
        Outside the film.
    seed : int
        Seed of the Boolean model.
    **geometry
        The keyword arguments of :func:`synthetic_cross_section` in final-resolution
        pixels (``thickness_px``, ``a_px``, ``b_px``, ``tilt_deg``, ``porosity`` ...).

    Returns
    -------
    image : ndarray of float32
        The SEM-like image.
    pore, specimen : ndarray of bool
        Area fraction >= 0.5 of the supersampled masks (for reference).
    truth : dict
        As :func:`synthetic_cross_section`, lengths in final pixels.

    Examples
    --------
    >>> img, pore, spec, truth = imaged_cross_section(
    ...     (64, 80), thickness_px=30, a_px=6, b_px=3, tilt_deg=10, seed=1, supersample=2)
    >>> img.shape, truth["kappa"]
    ((64, 80), 2.0)
    """

    s = int(supersample)
    if s < 1:
        raise ConfigError(f"supersample must be >= 1, got {supersample}")
    scaled = dict(geometry)
    for key in ("thickness_px", "a_px", "b_px", "waviness_px", "wave_period_px", "offset_px",
                "skin_px"):
        if scaled.get(key) is not None:
            scaled[key] = float(scaled[key]) * s
    if scaled.get("intensity_per_px2") is not None:
        scaled["intensity_per_px2"] = float(scaled["intensity_per_px2"]) / (s * s)
    big = (shape[0] * s, shape[1] * s)
    pore, spec, truth = synthetic_cross_section(big, background=background, seed=seed, **scaled)
    if clean:
        params = RenderParams(pore_level=0.0, solid_level=1.0, edge_gain=0.0, pore_back=0.0,
                              blur_px=0.0, noise=0.0, gradient=0.0)
        noise = 0.0
    else:
        params = RenderParams(noise=0.0, gradient=0.0, blur_px=0.8 * s, edge_width_px=1.5 * s,
                              pore_back=pore_back)
    hi = render_cross_section(pore, spec, background=background, seed=render_seed, params=params)
    image = block_mean(hi, s)  # each final pixel integrates its s x s samples
    rng = np.random.default_rng(render_seed + 7)
    image = np.clip(image + rng.normal(0.0, noise, image.shape), 0.0, 1.0).astype(np.float32)
    small_pore = block_mean(pore.astype(np.float32), s) >= 0.5
    small_spec = block_mean(spec.astype(np.float32), s) >= 0.5
    out = dict(truth)
    for key, value in truth.items():
        if key.endswith("_px") and isinstance(value, (int, float)):
            out[key] = float(value) / s
    if isinstance(truth.get("intensity_per_px2"), (int, float)):
        out["intensity_per_px2"] = float(truth["intensity_per_px2"]) * s * s
    out["supersample"] = s
    return image, small_pore, small_spec, out
