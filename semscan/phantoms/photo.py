"""A photograph-like image that is not a micrograph (for the segmentation verdict's tests).

A "cat photo" made from smooth random fields and shapes: a soft background gradient, a few
large smoothly shaded bodies (a torso, a head, ears), fur-like texture (noise smeared along
a slowly turning direction), a few highlights and mild sensor noise. Its grey varies like
shading and texture, not like two phases, so a threshold cuts it into meaningless halves.
"""

from __future__ import annotations

import math

import numpy as np

from semscan._ndimage import blur

__all__ = ["photo_like_image"]


def _smooth_field(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    f = blur(rng.standard_normal(shape).astype(np.float32), sigma, border="reflect")
    return (f - f.mean()) / max(float(f.std()), 1e-9)


def photo_like_image(shape: tuple[int, int] = (384, 512), *, seed: int = 0) -> np.ndarray:
    """A photograph-like grey image in [0, 1] with no two-phase structure.

    Parameters
    ----------
    shape : (rows, columns)
    seed : int
        Fixed seed: the same image every time.

    Returns
    -------
    ndarray of float32, shape ``shape``

    Examples
    --------
    >>> img = photo_like_image((96, 128), seed=0)
    >>> img.shape, bool(0.0 <= img.min() and img.max() <= 1.0)
    ((96, 128), True)
    >>> bool(np.array_equal(img, photo_like_image((96, 128), seed=0)))
    True
    """
    import cv2

    rng = np.random.default_rng(seed)
    rows, cols = shape
    size = float(min(rows, cols))
    rr, cc = np.mgrid[0:rows, 0:cols].astype(np.float32)
    # background: a wall and a floor, lit from one side
    ang = rng.uniform(0, 2 * math.pi)
    img = 0.45 + 0.2 * ((cc * math.cos(ang) + rr * math.sin(ang)) / max(rows, cols))
    img = img + 0.05 * _smooth_field(rng, shape, size / 6)
    # fur: noise smeared along a slowly turning direction
    theta = math.pi * _smooth_field(rng, shape, size / 5)
    noise = rng.standard_normal(shape).astype(np.float32)
    fur = np.zeros(shape, np.float32)
    steps = 6
    for k in range(-steps, steps + 1):
        dx = (k * np.cos(theta)).astype(np.float32)
        dy = (k * np.sin(theta)).astype(np.float32)
        fur += cv2.remap(noise, cc + dx, rr + dy, cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REFLECT)
    fur /= max(float(fur.std()), 1e-9)
    # bodies: a torso, a head and two ears, each shaded like a lit curved surface
    cy, cx = rows * rng.uniform(0.5, 0.65), cols * rng.uniform(0.4, 0.6)
    parts = [(cy, cx, 0.32 * size, 0.22 * size, rng.uniform(-0.4, 0.4)),
             (cy - 0.3 * size, cx + 0.15 * size, 0.14 * size, 0.13 * size, 0.0)]
    hy, hx = parts[1][0], parts[1][1]
    parts += [(hy - 0.12 * size, hx - 0.08 * size, 0.05 * size, 0.04 * size, 0.3),
              (hy - 0.12 * size, hx + 0.08 * size, 0.05 * size, 0.04 * size, -0.3)]
    tone = rng.uniform(0.25, 0.7)
    light = np.array([math.cos(ang + 1.0), math.sin(ang + 1.0)])
    for py, px, a, b, rot in parts:
        y, x = rr - py, cc - px
        u = (x * math.cos(rot) + y * math.sin(rot)) / a
        v = (-x * math.sin(rot) + y * math.cos(rot)) / b
        d2 = u * u + v * v
        inside = np.clip((1.0 - d2) * 4.0, 0.0, 1.0)  # soft outline
        nz = np.sqrt(np.clip(1.0 - d2, 0.0, 1.0))
        shade = 0.55 + 0.35 * (u * light[0] + v * light[1]) * 0.7 + 0.3 * nz
        body = tone * shade + 0.06 * fur
        img = img * (1 - inside) + body * inside
    img = img + 0.02 * fur
    # two eyes' highlights and sensor noise
    for ex in (-0.05, 0.05):
        d = np.hypot(rr - (hy - 0.01 * size), cc - (hx + ex * size))
        img = img + 0.25 * np.exp(-(d / (0.012 * size)) ** 2)
    img = blur(img.astype(np.float32), 0.8, border="reflect101")
    img = img + 0.01 * rng.standard_normal(shape).astype(np.float32)
    return np.clip(img, 0.0, 1.0).astype(np.float32)
