"""Render binary pore masks as SEM-like secondary-electron images.

The synthetic images that semscan ships (``data/``) and trains on look like the real
thing on purpose, so that segmentation meets the flaws of real micrographs: dark pores
with faint sub-surface walls ("pore-back"), bright walls with edge brightening, blur,
shot-like noise, a slow brightness gradient, and the instrument's data bar at the bottom.

Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

__all__ = ["RenderParams", "add_databar", "render_sem"]


@dataclass(frozen=True)
class RenderParams:
    """Grey levels and flaws of a rendered SEM image (all grey levels in [0, 1]).

    Attributes
    ----------
    pore_level, solid_level : float
        Mean grey of the pore and the solid phase.
    edge_gain : float
        Extra brightness of solid pixels at a pore edge (SE edge effect).
    edge_width_px : float
        Decay length of the edge brightening, in pixels.
    pore_back : float
        Strength (0..1 of the pore-solid contrast) of sub-surface walls seen inside pores.
    blur_px : float
        Gaussian blur sigma (probe size), in pixels.
    noise : float
        Standard deviation of the additive noise.
    gradient : float
        Peak-to-peak amplitude of the slow brightness gradient.
    rim_gain : float
        Depth shading of the pores (0..1 of the pore-solid contrast): a pore's sloping
        walls near its rim send out almost as many secondary electrons as the solid, its
        deep middle few. Pore pixels at distance ``d`` px from the solid get
        ``rim_gain * contrast * exp(-(d - 1) / rim_px)`` added, so thresholding finds
        pores smaller than they are, as on real micrographs of open cells and craters.
    rim_px : float
        Decay length of the depth shading, in pixels.
    """

    pore_level: float = 0.12
    solid_level: float = 0.58
    edge_gain: float = 0.3
    edge_width_px: float = 1.5
    pore_back: float = 0.25
    blur_px: float = 0.8
    noise: float = 0.05
    gradient: float = 0.12
    rim_gain: float = 0.0
    rim_px: float = 2.0


def render_sem(
    pore: np.ndarray, *, seed: int, params: RenderParams | None = None, pores: str = "dark",
    bright: np.ndarray | None = None, bright_level: float = 0.92,
) -> np.ndarray:
    """Render a pore mask as a secondary-electron-like grey image.

    Parameters
    ----------
    pore : ndarray of bool, shape (rows, columns)
        True where there is void.
    seed : int
        Seed of the noise, gradient and sub-surface texture.
    params : RenderParams, optional
        Grey levels and flaws; defaults to :class:`RenderParams()`.
    pores : {'dark', 'bright'}
        Grey level of the pores (``'bright'`` inverts the rendered image).
    bright : ndarray of bool, shape (rows, columns), optional
        A third phase brighter than the solid (inorganic whiskers,
        :mod:`semscan.phantoms.whiskers`), painted at ``bright_level`` before the blur.
    bright_level : float or ndarray
        Grey level of ``bright`` (an array: one per ``bright`` pixel, in mask order).

    Returns
    -------
    ndarray of float32, shape (rows, columns)
        Grey values in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((64, 64), bool); mask[20:40, 20:40] = True
    >>> img = render_sem(mask, seed=0)
    >>> img.dtype.name, bool(img[30, 30] < img[5, 5])
    ('float32', True)
    """
    p = params or RenderParams()
    pore = np.asarray(pore, bool)
    rng = np.random.default_rng(seed)
    rows, cols = pore.shape
    contrast = p.solid_level - p.pore_level

    img = np.where(pore, p.pore_level, p.solid_level).astype(np.float64)
    # Edge brightening on the solid side of every pore boundary.
    if p.edge_gain > 0 and pore.any() and (~pore).any():
        dist = ndi.distance_transform_edt(~pore)
        img += np.where(pore, 0.0, p.edge_gain * np.exp(-(dist - 1.0) / p.edge_width_px))
    # Pore-back: dim, blurred walls of a deeper layer seen through the pores.
    if p.pore_back > 0 and pore.any():
        deeper = ndi.gaussian_filter(rng.standard_normal(pore.shape), sigma=3.0)
        walls = np.clip(deeper / (deeper.std() + 1e-12), 0, None)
        walls = walls / (walls.max() + 1e-12)
        img += np.where(pore, p.pore_back * contrast * walls, 0.0)
    if p.rim_gain > 0 and pore.any() and (~pore).any():
        depth = ndi.distance_transform_edt(pore)
        rim = p.rim_gain * contrast * np.exp(-(depth - 1.0) / max(p.rim_px, 1e-3))
        img += np.where(pore, rim, 0.0)
    if bright is not None:
        img[np.asarray(bright, bool)] = bright_level
    if p.blur_px > 0:
        img = ndi.gaussian_filter(img, p.blur_px)
    if p.gradient > 0:
        yy, xx = np.mgrid[0:rows, 0:cols]
        angle = rng.uniform(0, 2 * np.pi)
        ramp = np.cos(angle) * xx / max(cols, 1) + np.sin(angle) * yy / max(rows, 1)
        ramp = (ramp - ramp.min()) / (np.ptp(ramp) + 1e-12) - 0.5
        img += p.gradient * ramp
    if p.noise > 0:
        img += rng.normal(0.0, p.noise, pore.shape)
    img = np.clip(img, 0.0, 1.0)
    if pores == "bright":
        img = 1.0 - img
    return img.astype(np.float32)


def add_databar(
    image: np.ndarray,
    *,
    height_px: int,
    text: str = "SEM  HV 5.00 kV  WD 5.0 mm  Mag 20 000 x",
    scale_bar_px: int | None = None,
    scale_label: str = "",
    style: str = "dark",
) -> np.ndarray:
    """Append an instrument-style data bar below an image.

    Parameters
    ----------
    image : ndarray of float, shape (rows, columns)
        Grey image in [0, 1].
    height_px : int
        Height of the bar in pixels.
    text : str
        Text written in the bar.
    scale_bar_px : int, optional
        Length of a drawn scale bar in pixels.
    scale_label : str
        Label written above the scale bar.
    style : {'dark', 'light'}
        Black bar with white text (FEI, Zeiss, Hitachi) or the reverse.

    Returns
    -------
    ndarray of float32, shape (rows + height_px, columns)

    Examples
    --------
    >>> import numpy as np
    >>> out = add_databar(np.full((64, 128), 0.5, np.float32), height_px=16)
    >>> out.shape
    (80, 128)
    """
    from PIL import Image, ImageDraw, ImageFont

    cols = image.shape[1]
    bg, fg = (0, 255) if style == "dark" else (255, 0)
    bar = Image.new("L", (cols, height_px), color=bg)
    draw = ImageDraw.Draw(bar)
    size = max(8, int(height_px * 0.35))
    try:
        font = ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has no scalable default font
        font = ImageFont.load_default()
    draw.text((max(4, cols // 80), max(2, height_px // 8)), text, fill=fg, font=font)
    if scale_bar_px:
        x1 = cols - max(8, cols // 40)
        x0 = x1 - int(scale_bar_px)
        y = int(height_px * 0.72)
        draw.rectangle([x0, y, x1, y + max(2, height_px // 12)], fill=fg)
        if scale_label:
            draw.text((x0, max(2, height_px // 8)), scale_label, fill=fg, font=font)
    bar_arr = np.asarray(bar, np.float32) / 255.0
    return np.vstack([np.asarray(image, np.float32), bar_arr])
