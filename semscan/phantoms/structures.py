"""Random masks of the five structure classes, for the structure classifier's training data.

Each builder takes a random generator and a shape and returns ``(pore, params, texture)``:
the pore mask, its structure parameters (JSON-ready, with ``'variant'`` and
``'feature_size_px'``) and an optional grey texture to add to the rendered image.
:func:`semscan.classify.training_data.generate` picks a builder by class, draws the view
(foreshortening, perspective) and renders the mask; the recipes of the classes are in its
module docstring.

Examples
--------
>>> import numpy as np
>>> pore, params, texture = STRUCTURE_BUILDERS["cellular"](np.random.default_rng(0), (96, 96))
>>> pore.shape, params["variant"] in ("voronoi", "packed", "holes", "macrovoids")
((96, 96), True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
from scipy import ndimage as ndi
from scipy.spatial import cKDTree

from semscan._morphology import disc

__all__ = [
    "STRUCTURE_BUILDERS",
    "Builder",
    "Built",
    "draw_discs",
    "gaussian_field",
    "log_uniform",
]

Built = tuple[np.ndarray, dict[str, Any], "np.ndarray | None"]
"""What a builder returns: the pore mask, its parameters and an optional grey texture."""
Builder = Callable[[np.random.Generator, tuple[int, int]], Built]


def log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    """A number drawn log-uniformly from [lo, hi]."""
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _bandpass_field(
    rng: np.random.Generator, shape: tuple[int, int], wavelength: float, rel_width: float,
    stretch: float = 1.0, angle: float = 0.0, *, section: bool = False,
) -> np.ndarray:
    """Random field with a ring spectrum at ``1/wavelength`` (spinodal-like).

    With ``section=True`` the field is a *planar section of a 3-D field* whose power
    spectrum is a spherical shell at ``1/wavelength`` (Cahn's model of spinodal
    decomposition): a plane through it sees the shell's projection, ``S2(k) =
    integral of S3(sqrt(k^2 + kz^2)) dkz``, which keeps the peak but adds the longer
    wavelengths of obliquely cut waves. This is what an SEM image of a 3-D bicontinuous
    structure shows: below ~50 % porosity its pores look like separate, irregular,
    branched holes although they all connect in 3-D.
    """
    noise = rng.standard_normal(shape)
    ky = np.fft.fftfreq(shape[0])[:, None]
    kx = np.fft.rfftfreq(shape[1])[None, :]
    c, s = math.cos(angle), math.sin(angle)
    ku = (c * kx + s * ky) * stretch
    kv = -s * kx + c * ky
    k = np.hypot(ku, kv)
    k0 = 1.0 / wavelength
    width = rel_width * k0
    if section:
        kk = np.linspace(0.0, float(k.max()) + 1e-9, 1024)
        kz = np.linspace(0.0, k0 + 4 * width, 512)
        q = np.hypot(kk[:, None], kz[None, :])
        power = np.trapezoid(np.exp(-(((q - k0) / width) ** 2)), kz, axis=1)
        filt = np.sqrt(np.interp(k, kk, power))
    else:
        filt = np.exp(-0.5 * ((k - k0) / width) ** 2)
    field_ = np.fft.irfft2(np.fft.rfft2(noise) * filt, s=shape)
    return field_ / (field_.std() + 1e-12)


def gaussian_field(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """White noise smoothed by a periodic Gaussian of ``sigma`` px, scaled to unit std."""
    f = ndi.gaussian_filter(rng.standard_normal(shape), sigma, mode="wrap")
    return f / (f.std() + 1e-12)


def _threshold_at(field_: np.ndarray, porosity: float) -> np.ndarray:
    return field_ < np.quantile(field_, porosity)


def _relaxed_packing(
    rng: np.random.Generator,
    shape: tuple[int, int],
    mean_radius: float,
    cv: float,
    area_fraction: float,
    overlap: float,
    iterations: int = 40,
) -> tuple[np.ndarray, np.ndarray]:
    """Disc centres and radii of a relaxed random packing (pairs pushed apart)."""
    rows, cols = shape
    pad = 2 * mean_radius
    area = (rows + 2 * pad) * (cols + 2 * pad)
    sigma = math.sqrt(math.log(1 + cv**2))
    mean_area = math.pi * mean_radius**2 * (1 + cv**2)
    n = max(1, int(area_fraction * area / mean_area))
    if cv > 0:
        radii = mean_radius * rng.lognormal(-0.5 * sigma**2, sigma, size=n)
    else:
        radii = np.full(n, mean_radius)
    radii = np.clip(radii, 1.5, 6 * mean_radius)
    pts = np.column_stack(
        [rng.uniform(-pad, rows + pad, n), rng.uniform(-pad, cols + pad, n)]
    )
    reach = 2 * radii.max()
    for _ in range(iterations):
        tree = cKDTree(pts)
        pairs = tree.query_pairs(reach, output_type="ndarray")
        if len(pairs) == 0:
            break
        i, j = pairs[:, 0], pairs[:, 1]
        d = pts[j] - pts[i]
        dist = np.hypot(d[:, 0], d[:, 1]) + 1e-9
        target = (radii[i] + radii[j]) * (1.0 - overlap)
        push = np.clip(target - dist, 0, None)
        if push.max() < 0.05:
            break
        move = (0.5 * push / dist)[:, None] * d
        delta = np.zeros_like(pts)
        np.add.at(delta, i, -move)
        np.add.at(delta, j, move)
        pts += delta
    return pts, radii


def draw_discs(
    shape: tuple[int, int], centres: np.ndarray, radii: np.ndarray,
    aspect: np.ndarray | None = None, angle_deg: np.ndarray | None = None,
) -> np.ndarray:
    """Union of discs (or ellipses) drawn with sub-pixel precision."""
    canvas = np.zeros(shape, np.uint8)
    shift = 4
    scale = 1 << shift
    for k, ((r, c), rad) in enumerate(zip(centres, radii, strict=True)):
        if r < -2 * rad or c < -2 * rad or r > shape[0] + 2 * rad or c > shape[1] + 2 * rad:
            continue
        centre = (round(c * scale), round(r * scale))
        if aspect is None:
            cv2.circle(canvas, centre, round(rad * scale), 1, -1, cv2.LINE_8, shift)
        else:
            a = rad * math.sqrt(aspect[k])
            b = rad / math.sqrt(aspect[k])
            ang = float(angle_deg[k]) if angle_deg is not None else 0.0
            cv2.ellipse(
                canvas, centre, (round(a * scale), round(b * scale)), ang, 0, 360, 1, -1,
                cv2.LINE_8, shift,
            )
    return canvas.astype(bool)


def _closing(mask: np.ndarray, radius: float) -> np.ndarray:
    if radius < 0.75:
        return mask
    r = round(radius)
    padded = np.pad(mask.astype(np.uint8), r + 1, mode="reflect")
    out = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, disc(radius, rule="opencv"))
    return out[r + 1 : -r - 1, r + 1 : -r - 1].astype(bool)


def _opening(mask: np.ndarray, radius: float) -> np.ndarray:
    return ~_closing(~mask, radius)


def _percolation(rng: np.random.Generator, shape: tuple[int, int]) -> Built:
    # A spinodal structure has one characteristic wavelength: a band-pass field. Most
    # images are planar sections of a 3-D shell-spectrum field (what the SEM sees of a 3-D
    # bicontinuous structure: below ~50 % porosity separate-looking, branched holes that
    # connect in 3-D); the rest are 2-D ring-spectrum fields, worm-like at any porosity.
    # Both keep the pore-size spread narrow, as the class requires. (A low-pass Gaussian
    # field, tried before, has a broad spectrum: its pore sizes spread like 'coarse'.)
    size = log_uniform(rng, 5.0, 40.0)  # mean pore width, px
    porosity = float(rng.uniform(0.30, 0.85))
    variant = str(rng.choice(["section", "ring"], p=[0.6, 0.4]))
    stretch = float(rng.uniform(1.0, 1.25))
    angle = float(rng.uniform(0, math.pi))
    rel_width = float(rng.uniform(0.15, 0.5))
    f = _bandpass_field(rng, shape, 2.2 * size, rel_width, stretch, angle,
                        section=variant == "section")
    pore = _threshold_at(f, porosity)
    params = {"variant": variant, "feature_size_px": round(size, 2), "porosity": porosity,
              "ring_width": round(rel_width, 3)}
    return pore, params, None


def _coarse(rng: np.random.Generator, shape: tuple[int, int]) -> Built:
    # Two band-pass fields 4-8x apart in scale: a percolating structure whose pore sizes
    # spread over two scales. (Discrete macrovoids in a matrix are cellular: METHODS.md 8,
    # issue 18; they are the cellular class's 'macrovoids' variant.)
    size = log_uniform(rng, 5.0, 24.0)
    porosity = float(rng.uniform(0.35, 0.85))
    ratio = float(rng.uniform(4.0, 8.0))
    fine = _bandpass_field(rng, shape, 2.2 * size, float(rng.uniform(0.2, 0.5)))
    big = _bandpass_field(rng, shape, 2.2 * size * ratio, float(rng.uniform(0.3, 0.6)))
    weight = float(rng.uniform(1.1, 2.0))  # below ~1 the coarse scale barely shows
    pore = _threshold_at(fine + weight * big, porosity)
    params: dict[str, Any] = {
        "variant": "two-scale", "weight": weight, "feature_size_px": round(size, 2),
        "scale_ratio": ratio, "porosity": float(pore.mean()),
    }
    return pore, params, None


def _tapered_void(
    shape: tuple[int, int], centre: tuple[float, float], length: float, width: float,
    angle: float, taper: float,
) -> tuple[tuple[slice, slice], np.ndarray]:
    """A finger or teardrop void: width ``width * u**taper * sqrt(1 - u**6)``-like profile
    along its axis (narrow tip at u = 0, round end at u = 1), as a mask on its bounding box."""
    half = 0.5 * length + width
    r0, c0 = centre
    rs = slice(max(0, int(r0 - half)), min(shape[0], int(r0 + half) + 2))
    cs = slice(max(0, int(c0 - half)), min(shape[1], int(c0 + half) + 2))
    if rs.start >= rs.stop or cs.start >= cs.stop:
        return (rs, cs), np.zeros((0, 0), bool)
    rr, cc = np.mgrid[rs, cs]
    dr, dc = rr - r0, cc - c0
    ca, sa = math.cos(angle), math.sin(angle)
    u = (dr * ca + dc * sa) / length + 0.5
    v = -dr * sa + dc * ca
    uu = np.clip(u, 0.0, 1.0)
    grid = np.linspace(0.0, 1.0, 201)
    norm = float(np.max(grid**taper * np.sqrt(np.clip(1 - grid**6, 0, None))))
    w = width / norm * uu**taper * np.sqrt(np.clip(1 - uu**6, 0, None))
    return (rs, cs), (np.abs(v) <= w / 2) & (u >= 0) & (u <= 1)


def _macrovoid_section(rng: np.random.Generator, shape: tuple[int, int]) -> Built:
    """Cellular: large voids (round, oval, teardrop or finger) in a continuous matrix that
    is dense or a fine sponge, as in a phase-inversion membrane's section."""
    fine = log_uniform(rng, 4.0, 16.0)  # sponge pore scale, px
    matrix = float(rng.choice([0.0, rng.uniform(0.1, 0.45)], p=[0.3, 0.7]))
    pore = (_threshold_at(_bandpass_field(rng, shape, 2.2 * fine, float(rng.uniform(0.2, 0.5))),
                          matrix) if matrix > 0 else np.zeros(shape, bool))
    shape_kind = str(rng.choice(["oval", "teardrop", "finger"], p=[0.3, 0.35, 0.35]))
    width = float(rng.uniform(4.0, 10.0)) * fine  # void width, px
    if shape_kind == "oval":
        aspect = (1.0, 2.0)
    elif shape_kind == "teardrop":
        aspect = (1.5, 3.5)
    else:
        aspect = (3.0, 7.0)
    width = min(width, 0.45 * min(shape) / (1 if shape_kind == "oval" else aspect[0] / 1.5))
    width = max(width, 12.0)
    direction = float(rng.uniform(0, math.pi))
    jitter = float(rng.uniform(0.0, 0.35))  # rad; oval voids take random directions
    taper = {"oval": 0.5, "teardrop": float(rng.uniform(0.6, 1.2)),
             "finger": float(rng.uniform(0.2, 0.6))}[shape_kind]
    target = float(rng.uniform(0.12, 0.4))
    gap = max(3.0, 0.5 * fine)
    voids = np.zeros(shape, bool)
    keep_out = np.zeros(shape, bool)
    area = 0.0
    for _ in range(400):
        if area >= target * voids.size:
            break
        w = width * float(rng.uniform(0.6, 1.3))
        length = w * float(rng.uniform(*aspect))
        ang = (float(rng.uniform(0, math.pi)) if shape_kind == "oval"
               else direction + float(rng.normal(0, jitter)))
        centre = (float(rng.uniform(0, shape[0])), float(rng.uniform(0, shape[1])))
        t = taper if shape_kind != "oval" else 0.5
        (rs, cs), m = _tapered_void(shape, centre, length, w, ang, t)
        if shape_kind == "oval":
            m = None
            one = draw_discs(shape, np.array([centre]), np.array([0.5 * math.sqrt(w * length)]),
                             np.array([length / w]), np.array([math.degrees(ang)]))
            if (one & keep_out).any():
                continue
            voids |= one
            area += float(one.sum())
            keep_out |= cv2.dilate(one.astype(np.uint8), disc(gap, rule="opencv")) > 0
            continue
        if not m.any() or (m & keep_out[rs, cs]).any():
            continue
        voids[rs, cs] |= m
        area += float(m.sum())
        keep_out |= cv2.dilate(voids.astype(np.uint8), disc(gap, rule="opencv")) > 0
    pore |= voids
    params: dict[str, Any] = {
        "variant": "macrovoids", "void_shape": shape_kind, "matrix_porosity": round(matrix, 3),
        "feature_size_px": round(width, 2), "thinnest_px": round(max(2.5, fine), 2),
        "matrix_scale_px": round(fine, 2), "void_fraction": round(float(voids.mean()), 4),
    }
    return pore, params, None


def _spherical_particle(rng: np.random.Generator, shape: tuple[int, int]) -> Built:
    diameter = log_uniform(rng, 7.0, 48.0)
    cv = float(rng.choice([0.0, 0.1, 0.2, 0.35]))
    solid_fraction = float(rng.uniform(0.6, 0.85))  # nominal; overlaps lower the cover
    overlap = float(rng.uniform(0.0, 0.2))
    centres, radii = _relaxed_packing(rng, shape, diameter / 2, cv, solid_fraction, overlap)
    solid = draw_discs(shape, centres, radii)
    neck = float(rng.uniform(0.05, 0.3)) * diameter / 2
    solid = _closing(solid, neck)
    params = {
        "variant": "relaxed-packing", "feature_size_px": round(diameter, 2), "size_cv": cv,
        "overlap": overlap, "neck_radius_px": round(neck, 2),
        "porosity": float(1 - solid.mean()),
    }
    return ~solid, params, None


def _cellular(rng: np.random.Generator, shape: tuple[int, int]) -> Built:
    variant = str(rng.choice(["voronoi", "packed", "holes", "macrovoids"],
                             p=[0.3, 0.27, 0.18, 0.25]))
    if variant == "macrovoids":
        pore, params, texture = _macrovoid_section(rng, shape)
        params["porosity"] = float(pore.mean())
        return pore, params, texture
    rows, cols = shape
    if variant == "voronoi":
        cell = log_uniform(rng, 9.0, 60.0)
        n = max(4, int((rows + 2 * cell) * (cols + 2 * cell) / (0.87 * cell**2)))
        pts = np.column_stack(
            [rng.uniform(-cell, rows + cell, n), rng.uniform(-cell, cols + cell, n)]
        )
        if rng.random() < 0.7:  # relax towards regular cells
            pts, _ = _relaxed_packing_points(rng, pts, cell * float(rng.uniform(0.6, 0.9)))
        # walls of >= 3 px: thinner ones vanish under the render's blur (up to 1.8 px)
        wall = max(3.0, cell * float(rng.uniform(0.06, 0.3)))
        yy, xx = np.mgrid[0:rows, 0:cols]
        d, _ = cKDTree(pts).query(np.column_stack([yy.ravel(), xx.ravel()]), k=2)
        gap = (d[:, 1] - d[:, 0]).reshape(shape)
        pore = gap > wall
        pore = _opening(pore, cell * float(rng.uniform(0.0, 0.25)))
        if rng.random() < 0.35:  # windows between neighbouring cells
            pore |= _windows(rng, shape, pts, cell, wall)
        params: dict[str, Any] = {"cell_px": round(cell, 2), "wall_px": round(wall, 2),
                                  "thinnest_px": round(wall, 2)}
        size = cell
    else:
        size = log_uniform(rng, 8.0, 50.0)
        if variant == "packed":
            cv = float(rng.uniform(0.0, 0.3))
            # cells stay closed, with walls of >= 3 px between neighbours (thinner ones
            # vanish under the blur); openings come as windows
            min_gap = max(0.02, 3.0 / size)
            gap = float(rng.uniform(min_gap, min_gap + 0.18))
            fraction = float(rng.uniform(0.4, max(0.42, min(0.75, 0.8 / (1 + gap) ** 2))))
        else:
            fraction = float(rng.uniform(0.12, 0.35))
            cv = float(rng.uniform(0.2, 0.6))
            gap = float(rng.uniform(max(0.1, 3.0 / size), 0.6))
        centres, radii = _relaxed_packing(rng, shape, size / 2, cv, fraction * (1 + gap), -gap)
        n = len(radii)
        aspect_max = float(rng.uniform(1.0, 1.7))
        aligned = rng.random() < 0.4
        angles = (
            np.full(n, rng.uniform(0, 180)) if aligned else rng.uniform(0, 180, n)
        )
        pore = draw_discs(shape, centres, radii, rng.uniform(1.0, aspect_max, n), angles)
        params = {"fraction": fraction, "size_cv": cv, "gap": gap, "aspect_max": aspect_max,
                  "thinnest_px": round(gap * size, 2)}
        if variant == "packed" and rng.random() < 0.3:
            pore |= _windows(rng, shape, centres, size, 0.1 * size)
    params.update({"variant": variant, "feature_size_px": round(size, 2),
                   "porosity": float(pore.mean())})
    return pore, params, None


def _relaxed_packing_points(
    rng: np.random.Generator, pts: np.ndarray, min_dist: float
) -> tuple[np.ndarray, None]:
    for _ in range(30):
        pairs = cKDTree(pts).query_pairs(min_dist, output_type="ndarray")
        if len(pairs) == 0:
            break
        i, j = pairs[:, 0], pairs[:, 1]
        d = pts[j] - pts[i]
        dist = np.hypot(d[:, 0], d[:, 1]) + 1e-9
        move = (0.5 * (min_dist - dist) / dist)[:, None] * d
        delta = np.zeros_like(pts)
        np.add.at(delta, i, -move)
        np.add.at(delta, j, move)
        pts = pts + delta
    return pts, None


def _windows(
    rng: np.random.Generator, shape: tuple[int, int], pts: np.ndarray, cell: float, wall: float
) -> np.ndarray:
    pairs = cKDTree(pts).query_pairs(1.3 * cell, output_type="ndarray")
    if len(pairs) == 0:
        return np.zeros(shape, bool)
    keep = rng.random(len(pairs)) < rng.uniform(0.1, 0.4)
    pairs = pairs[keep]
    mid = 0.5 * (pts[pairs[:, 0]] + pts[pairs[:, 1]])
    radii = np.maximum(wall * 0.8, cell * rng.uniform(0.08, 0.2, len(mid)))
    return draw_discs(shape, mid, radii)


def _non_porous(rng: np.random.Generator, shape: tuple[int, int]) -> Built:
    variant = str(rng.choice(["flat", "wrinkled", "cracked", "grainy"], p=[0.25, 0.3, 0.25, 0.2]))
    pore = np.zeros(shape, bool)
    texture = None
    n_pits = int(rng.integers(0, 25))
    if n_pits:
        centres = np.column_stack(
            [rng.uniform(0, shape[0], n_pits), rng.uniform(0, shape[1], n_pits)]
        )
        pore |= draw_discs(shape, centres, rng.uniform(1.0, 3.0, n_pits))
    scale = log_uniform(rng, 4.0, 40.0)
    if variant == "cracked":
        for _ in range(int(rng.integers(1, 4))):
            pore |= _crack(rng, shape, float(rng.uniform(1.5, 6.0)))
    elif variant == "wrinkled":
        # Folded film: sharp bright ridges (1 - |field|) over broad dark valleys, shaded.
        h = 1.0 - np.abs(gaussian_field(rng, shape, scale))
        h = ndi.gaussian_filter(h, 0.15 * scale)
        gy, gx = np.gradient(h)
        ang = rng.uniform(0, 2 * math.pi)
        shade = math.cos(ang) * gx + math.sin(ang) * gy
        shade = shade / (shade.std() + 1e-12)
        height = (h - h.mean()) / (h.std() + 1e-12)
        texture = float(rng.uniform(0.02, 0.3)) * shade + float(rng.uniform(0.0, 0.25)) * height
    elif variant == "grainy":
        g = gaussian_field(rng, shape, 0.5 * scale)
        texture = float(rng.uniform(0.01, 0.06)) * g
    params = {"variant": variant, "feature_size_px": round(scale, 2), "n_pits": n_pits,
              "porosity": float(pore.mean())}
    return pore, params, None if texture is None else texture.astype(np.float32)


def _crack(rng: np.random.Generator, shape: tuple[int, int], width: float) -> np.ndarray:
    rows, cols = shape
    canvas = np.zeros(shape, np.uint8)
    p = np.array([rng.uniform(0, rows), rng.uniform(0, cols)])
    heading = rng.uniform(0, 2 * math.pi)
    step = max(rows, cols) / 40
    pts = [p.copy()]
    for _ in range(60):
        heading += rng.normal(0, 0.25)
        p = p + step * np.array([math.sin(heading), math.cos(heading)])
        pts.append(p.copy())
    poly = np.array([[round(q[1]), round(q[0])] for q in pts], np.int32)
    cv2.polylines(canvas, [poly], False, 1, max(1, round(width)))
    return canvas.astype(bool)


STRUCTURE_BUILDERS: dict[str, Builder] = {
    "percolation": _percolation,
    "spherical-particle": _spherical_particle,
    "cellular": _cellular,
    "non-porous": _non_porous,
    "coarse": _coarse,
}
