"""Synthetic training structures for the structure classifier (METHODS.md 8).

Each generator draws random structure parameters from a seed, builds a pore mask of one
of the five classes, and renders it as an SEM-like secondary-electron image with random
:class:`~semscan.phantoms.render.RenderParams` (contrast, edge brightening, pore-back, blur,
noise, gradient). The classifier is trained on *segmentations of these images*, not on the
ideal masks, so that it meets the flaws of real segmentations (see
:func:`segment_for_training`).

Classes and recipes
-------------------
``'percolation'``
    Spinodal-like bicontinuous structure: a planar section of a 3-D random field with a
    shell spectrum (60 %) or a 2-D ring-spectrum field (40 %), width 15-50 % of the
    wavelength, thresholded at a porosity of 30-85 %.
``'spherical-particle'``
    Relaxed random packing of discs (several size spreads, some sintering overlap) as the
    solid, closed morphologically to form necks; the pores are the complement.
``'cellular'``
    Closed or nearly closed cells in a continuous solid: Voronoi foams with walls of varied
    thickness and rounded corners, packed disc/ellipse foams, or round/oval holes in a
    sheet; some with windows between neighbouring cells.
``'non-porous'``
    A solid surface, flat, wrinkled (shading added to the image), grainy or cracked, with
    at most a few tiny pits.
``'coarse'``
    Percolation-like with a wide pore-size spread: two band-pass fields at scales 3-8x
    apart, or a percolating structure with large macrovoids.

Feature sizes run from about 5 to 50 px so that the classifier sees every magnification.
A training sample is the segmentation of an image of the training size; with
``canvas_scale`` it is instead a field of that size cut from the segmentation of a larger
canvas (:func:`training_field`), as an analysis cuts fields from the segmentation of a
whole micrograph.

What a real micrograph adds, and the renders therefore add too: 30 % of the porous images
foreshortened along the rows (tilted views); 30 % of the cellular and spherical-particle
images seen in perspective, features shrinking to 1/1.5-1/4 towards the top (a tilted
fracture or surface); 40 % of the cellular images with depth-shaded pores (bright sloping
cell walls, dark only in the middle, so that thresholding finds the cell floors smaller
than the cells); 30 % of all images with dust particles and their shadows; noise up to
0.5 of the pore-solid contrast (the segmentation then smooths with a Gaussian).

Examples
--------
>>> s = generate("cellular", seed=3, shape=(128, 128))
>>> s.image.shape, s.pore_mask.dtype.name, s.structure_class
((128, 128), 'bool', 'cellular')
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, get_args

import cv2
import numpy as np
from scipy import ndimage as ndi
from scipy.spatial import cKDTree

from semscan.errors import ConfigError
from semscan.phantoms.render import RenderParams, render_sem

__all__ = [
    "CANVAS_SCALE",
    "CLASSES",
    "StructureClassName",
    "SyntheticSample",
    "TrainingSegmentation",
    "checked_canvas_scale",
    "generate",
    "random_render_params",
    "segment_for_training",
    "training_field",
]

logger = logging.getLogger(__name__)

StructureClassName = Literal[
    "percolation", "spherical-particle", "cellular", "non-porous", "coarse"
]
CLASSES: tuple[str, ...] = get_args(StructureClassName)


@dataclass(frozen=True, eq=False)
class SyntheticSample:
    """One rendered synthetic structure.

    Attributes
    ----------
    image : ndarray of float32, shape (rows, columns)
        SEM-like grey image in [0, 1], pores dark.
    pore_mask : ndarray of bool, shape (rows, columns)
        The ideal pore mask the image was rendered from.
    structure_class : str
        One of :data:`CLASSES`.
    seed : int
        The seed that reproduces this sample.
    params : dict
        Structure and render parameters (JSON-ready), including ``'variant'`` and
        ``'feature_size_px'``.
    """

    image: np.ndarray
    pore_mask: np.ndarray
    structure_class: str
    seed: int
    params: dict[str, Any] = field(default_factory=dict)


def generate(
    structure_class: StructureClassName, *, seed: int, shape: tuple[int, int] = (512, 512)
) -> SyntheticSample:
    """Generate and render one random structure of the given class.

    Parameters
    ----------
    structure_class : {'percolation', 'spherical-particle', 'cellular', 'non-porous', 'coarse'}
        The class to generate.
    seed : int
        Seed of every random choice (structure, render parameters, noise).
    shape : tuple of int
        (rows, columns) of the image, each >= 32.

    Returns
    -------
    SyntheticSample

    Raises
    ------
    ConfigError
        If the class is not one of :data:`CLASSES` or the shape is too small.

    Examples
    --------
    >>> s = generate("percolation", seed=0, shape=(96, 96))
    >>> bool(0.2 < s.pore_mask.mean() < 0.9)
    True
    """
    index = _class_index(structure_class)
    shape = (int(shape[0]), int(shape[1]))
    if min(shape) < 32:
        raise ConfigError(f"synthetic images need at least 32x32 pixels, got {shape}")
    rng = np.random.default_rng([int(seed), index])
    builder = _BUILDERS[structure_class]
    squeeze = 1.0
    if structure_class != "non-porous" and rng.random() < 0.3:
        # Tilted view: the structure is foreshortened along the rows.
        squeeze = float(rng.uniform(1.2, 2.5))
        tall = (math.ceil(shape[0] * squeeze), shape[1])
        pore, params, texture = builder(rng, tall)
        # Foreshortening thins the walls that run along the rows: keep them >= 2.5 px, or
        # the image shows no structure of this class (crop the tall mask to less squeeze).
        thinnest = float(params.get("thinnest_px", 0.5 * params["feature_size_px"]))
        squeeze = min(squeeze, max(1.0, thinnest / 2.5))
        pore = pore[: math.ceil(shape[0] * squeeze)]
        pore = cv2.resize(
            pore.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_AREA
        ) >= 0.5
    elif structure_class in _PERSPECTIVE_CLASSES and rng.random() < 0.3:
        pore, params, texture = _perspective_view(rng, builder, shape)
    else:
        pore, params, texture = builder(rng, shape)
    params["foreshortening"] = round(squeeze, 3)
    render = random_render_params(rng)
    if structure_class == "cellular" and rng.random() < 0.4:
        # Pores seen as cavities: bright sloping walls at the rim, dark only in the middle.
        render = dataclasses.replace(
            render,
            rim_gain=float(rng.uniform(0.3, 0.9)),
            rim_px=float(rng.uniform(0.08, 0.45)) * float(params["feature_size_px"]),
        )
    image = render_sem(pore, seed=int(rng.integers(2**31)), params=render)
    if rng.random() < 0.7:  # grain / charging texture inside both phases, as in real SEM
        grain = _gaussian_field(rng, shape, float(rng.uniform(0.7, 3.0)))
        amp = float(rng.uniform(0.05, 0.45)) * (render.solid_level - render.pore_level)
        texture = amp * grain if texture is None else texture + amp * grain
    if texture is not None:
        image = _fit_grey_range(image + texture)
    if rng.random() < 0.3:  # dust: bright particles with a shadow, on any specimen
        image = _add_dust(rng, image, float(params["feature_size_px"]), render.solid_level)
        params["dust"] = True
    params = {**params, "render": {k: round(float(v), 4) for k, v in vars(render).items()}}
    return SyntheticSample(image, pore, structure_class, int(seed), params)


def random_render_params(rng: np.random.Generator) -> RenderParams:
    """Random SEM look: grey levels, edge brightening, pore-back, blur, noise, gradient.

    The noise is kept below 0.5 of the pore-solid contrast, so that the image stays
    segmentable (a worse image is no example of any class); above about 0.3 the
    segmentation's ``denoise='auto'`` switches to a Gaussian, as it does on noisy
    micrographs.
    """
    pore_level = rng.uniform(0.02, 0.3)
    contrast = rng.uniform(0.2, 0.6)
    return RenderParams(
        pore_level=float(pore_level),
        solid_level=float(pore_level + contrast),
        edge_gain=float(rng.uniform(0.0, 0.45)),
        edge_width_px=float(rng.uniform(0.8, 3.0)),
        pore_back=float(rng.uniform(0.0, 0.45)),
        blur_px=float(rng.uniform(0.3, 1.8)),
        noise=float(rng.uniform(0.01, min(0.2, 0.5 * contrast))),
        gradient=float(rng.uniform(0.0, 0.25)),
    )


class TrainingSegmentation(NamedTuple):
    """What :func:`segment_for_training` returns: the masks and the grey they came from."""

    pore: np.ndarray
    solid: np.ndarray
    grey: np.ndarray


def segment_for_training(image: np.ndarray) -> TrainingSegmentation:
    """Segment a rendered image as an analysis would.

    Uses :func:`semscan.segment.segment_micrograph` (method ``'auto'``) when it is
    available, and otherwise a private fallback (median filter, background flattening,
    Otsu threshold, a bimodality check, removal of specks).

    Parameters
    ----------
    image : ndarray of float, shape (rows, columns)
        Grey image in [0, 1], pores dark.

    Returns
    -------
    TrainingSegmentation
        ``pore`` and ``solid`` boolean masks and ``grey``, the image they were
        thresholded from (the segmentation's ``contrast_grey``), as the pipeline passes
        them to :func:`~semscan.classify.features.structure_features`.
    """
    seg = _real_segmenter()
    image = np.asarray(image, np.float32)
    if seg is not None:
        from semscan.micrograph import Micrograph

        result = seg(Micrograph.from_array(image))
        grey = result.contrast_grey if result.contrast_grey is not None else image
        return TrainingSegmentation(np.asarray(result.pore, bool),
                                    np.asarray(result.solid, bool),
                                    np.asarray(grey, np.float32))
    pore, solid = _fallback_segment(image)
    return TrainingSegmentation(pore, solid, image)


def segmenter_name() -> str:
    """Which segmentation :func:`segment_for_training` uses (recorded in the model card)."""
    if _real_segmenter() is not None:
        return "semscan.segment.segment_micrograph(method='auto')"
    return "semscan.classify.training_data._fallback_segment (median, flatten, Otsu)"


# Canvas side over field side of a training sample (see training_field). The shipped model
# is trained on field-size images; (1, 2) was tried and not shipped (training_field Notes).
CANVAS_SCALE: tuple[float, float] = (1.0, 1.0)


def checked_canvas_scale(
    canvas_scale: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """``canvas_scale`` as (low, high) floats (default :data:`CANVAS_SCALE`).

    Raises
    ------
    ConfigError
        Unless ``1 <= low <= high``.
    """
    lo, hi = (float(v) for v in (CANVAS_SCALE if canvas_scale is None else canvas_scale))
    if not 1.0 <= lo <= hi:
        raise ConfigError(f"canvas_scale must be (low, high) with 1 <= low <= high, got "
                          f"{canvas_scale!r}")
    return lo, hi


def training_field(
    structure_class: StructureClassName,
    *,
    seed: int,
    shape: tuple[int, int] = (512, 512),
    canvas_scale: tuple[float, float] = CANVAS_SCALE,
) -> TrainingSegmentation:
    """One training field: a structure rendered on a larger canvas, segmented whole, cut.

    An analysis segments the whole micrograph and classifies fields of the training size
    cut from that segmentation (:func:`~semscan.classify.fields.classify_fields`). The
    segmentation depends on the image size: the background is flattened over 1/8 of the
    short side and ``method='auto'`` judges uneven phase levels over a 4 x 4 tile grid. So
    a training field is made the same way: the structure is rendered on a canvas whose
    side is ``shape`` times a factor drawn log-uniformly from ``canvas_scale``, segmented
    as a whole with :func:`segment_for_training`, and a field of ``shape`` is cut from it
    at a random position.

    Parameters
    ----------
    structure_class : str
        One of :data:`CLASSES`.
    seed : int
        Seed of the structure, its rendering, the canvas size and the field position.
    shape : tuple of int
        (rows, columns) of the field, each >= 32.
    canvas_scale : tuple of float
        (low, high) canvas side over field side, 1 <= low <= high. ``(1, 1)`` segments
        an image of exactly ``shape``, as the shipped model was trained.

    Returns
    -------
    TrainingSegmentation
        The field's masks and grey.

    Raises
    ------
    ConfigError
        If the class, shape or canvas scale is invalid.

    Notes
    -----
    Why: ``wrinkled_film_fei16.tif`` segmented whole (884 x 1024 px) gets Otsu at porosity
    0.64, while its 512 px crops get Sauvola at 0.43-0.46, and crumpled-sheet renders
    (``semscan/synth/sheet.py``, since removed) shift the same way (all Otsu, porosity
    0.49-0.64, on 1024 px canvases against 0.35-0.63 and a quarter Sauvola on 512 px
    ones). A model trained on field-size images never sees the segmentations that the
    fields of a larger micrograph have.

    The default is ``(1, 1)``, the recipe of the shipped model. A model trained with
    ``(1, 2)`` (fields of 512 px from canvases of 512-1024 px, the short sides of most
    SEM frames once the data bar is cut), with crumpled sheets as a fifth of the
    non-porous class, scored 94.0 % on its held-out seed (cellular 90 %) and 95.5 % on
    seed 2, 200 per class, canvases alike. It was not shipped (models/README.md). The
    data cost about 2.2 times the pixels of field-size images.

    Examples
    --------
    >>> f = training_field("percolation", seed=1, shape=(64, 64))
    >>> f.pore.shape, f.grey.shape
    ((64, 64), (64, 64))
    """
    lo, hi = checked_canvas_scale(canvas_scale)
    rows, cols = (int(shape[0]), int(shape[1]))
    rng = np.random.default_rng([int(seed), _class_index(structure_class), 1])
    factor = _log_uniform(rng, lo, hi) if hi > lo else lo
    canvas = (max(rows, round(rows * factor)), max(cols, round(cols * factor)))
    sample = generate(structure_class, seed=seed, shape=canvas)
    seg = segment_for_training(sample.image)
    r0 = int(rng.integers(0, canvas[0] - rows + 1))
    c0 = int(rng.integers(0, canvas[1] - cols + 1))
    cut = (slice(r0, r0 + rows), slice(c0, c0 + cols))
    return TrainingSegmentation(seg.pore[cut], seg.solid[cut], seg.grey[cut])


def _real_segmenter() -> Any:
    try:
        from semscan.segment import segment_micrograph
    except ImportError:
        return None
    return segment_micrograph


def _fallback_segment(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from skimage.filters import threshold_otsu

    img = ndi.median_filter(image, size=3)
    background = ndi.gaussian_filter(img, sigma=max(img.shape) / 8)
    flat = img - background
    t = threshold_otsu(flat)
    lo, hi = flat[flat <= t], flat[flat > t]
    noise = 1.4826 * np.median(np.abs(np.diff(image, axis=1))) / math.sqrt(2)
    if lo.size == 0 or hi.size == 0 or (hi.mean() - lo.mean()) < 1.2 * noise:
        return np.zeros(image.shape, bool), np.ones(image.shape, bool)
    pore = flat <= t
    pore = _remove_small(pore, 4)
    solid = _remove_small(~pore, 4)
    pore = ~solid
    return pore, solid


def _remove_small(mask: np.ndarray, min_px: int) -> np.ndarray:
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_px
    keep[0] = False
    return keep[labels]


# ----------------------------------------------------------------------------- helpers
def _class_index(structure_class: str) -> int:
    if structure_class not in CLASSES:
        raise ConfigError(
            f"unknown structure class {structure_class!r}; valid classes: {', '.join(CLASSES)}"
        )
    return CLASSES.index(structure_class)


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
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


def _gaussian_field(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
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


def _draw_discs(
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


def _disk(radius: float) -> np.ndarray:
    r = max(1, round(radius))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def _closing(mask: np.ndarray, radius: float) -> np.ndarray:
    if radius < 0.75:
        return mask
    r = round(radius)
    padded = np.pad(mask.astype(np.uint8), r + 1, mode="reflect")
    out = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, _disk(radius))
    return out[r + 1 : -r - 1, r + 1 : -r - 1].astype(bool)


def _opening(mask: np.ndarray, radius: float) -> np.ndarray:
    return ~_closing(~mask, radius)


# ----------------------------------------------------------------------------- builders
Built = tuple[np.ndarray, dict[str, Any], "np.ndarray | None"]


def _percolation(rng: np.random.Generator, shape: tuple[int, int]) -> Built:
    # A spinodal structure has one characteristic wavelength: a band-pass field. Most
    # images are planar sections of a 3-D shell-spectrum field (what the SEM sees of a 3-D
    # bicontinuous structure: below ~50 % porosity separate-looking, branched holes that
    # connect in 3-D); the rest are 2-D ring-spectrum fields, worm-like at any porosity.
    # Both keep the pore-size spread narrow, as the class requires. (A low-pass Gaussian
    # field, tried before, has a broad spectrum: its pore sizes spread like 'coarse'.)
    size = _log_uniform(rng, 5.0, 40.0)  # mean pore width, px
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
    size = _log_uniform(rng, 5.0, 24.0)
    porosity = float(rng.uniform(0.35, 0.85))
    variant = str(rng.choice(["two-scale", "macrovoids"], p=[0.55, 0.45]))
    ratio = float(rng.uniform(4.0, 8.0))
    if variant == "two-scale":
        fine = _bandpass_field(rng, shape, 2.2 * size, float(rng.uniform(0.2, 0.5)))
        big = _bandpass_field(rng, shape, 2.2 * size * ratio, float(rng.uniform(0.3, 0.6)))
        weight = float(rng.uniform(1.1, 2.0))  # below ~1 the coarse scale barely shows
        pore = _threshold_at(fine + weight * big, porosity)
        params: dict[str, Any] = {"weight": weight}
    else:
        fine = _bandpass_field(rng, shape, 2.2 * size, float(rng.uniform(0.2, 0.5)))
        void_fraction = float(rng.uniform(0.12, 0.35))
        radius = 0.5 * size * ratio
        centres, radii = _relaxed_packing(
            rng, shape, radius, float(rng.uniform(0.2, 0.5)), void_fraction, 0.0, 10
        )
        n = len(radii)
        voids = _draw_discs(
            shape, centres, radii, rng.uniform(1.0, 1.8, n), rng.uniform(0, 180, n)
        )
        voids = _opening(voids | (_gaussian_field(rng, shape, radius) > 2.5), 1)
        base = max(0.25, porosity - void_fraction)
        pore = _threshold_at(fine, base) | voids
        params = {"void_fraction": void_fraction}
    params.update(
        {"variant": variant, "feature_size_px": round(size, 2), "scale_ratio": ratio,
         "porosity": float(pore.mean())}
    )
    return pore, params, None


def _spherical_particle(rng: np.random.Generator, shape: tuple[int, int]) -> Built:
    diameter = _log_uniform(rng, 7.0, 48.0)
    cv = float(rng.choice([0.0, 0.1, 0.2, 0.35]))
    solid_fraction = float(rng.uniform(0.6, 0.85))  # nominal; overlaps lower the cover
    overlap = float(rng.uniform(0.0, 0.2))
    centres, radii = _relaxed_packing(rng, shape, diameter / 2, cv, solid_fraction, overlap)
    solid = _draw_discs(shape, centres, radii)
    neck = float(rng.uniform(0.05, 0.3)) * diameter / 2
    solid = _closing(solid, neck)
    params = {
        "variant": "relaxed-packing", "feature_size_px": round(diameter, 2), "size_cv": cv,
        "overlap": overlap, "neck_radius_px": round(neck, 2),
        "porosity": float(1 - solid.mean()),
    }
    return ~solid, params, None


def _cellular(rng: np.random.Generator, shape: tuple[int, int]) -> Built:
    variant = str(rng.choice(["voronoi", "packed", "holes"], p=[0.4, 0.35, 0.25]))
    rows, cols = shape
    if variant == "voronoi":
        cell = _log_uniform(rng, 9.0, 60.0)
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
        size = _log_uniform(rng, 8.0, 50.0)
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
        pore = _draw_discs(shape, centres, radii, rng.uniform(1.0, aspect_max, n), angles)
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
    return _draw_discs(shape, mid, radii)


def _non_porous(rng: np.random.Generator, shape: tuple[int, int]) -> Built:
    variant = str(rng.choice(["flat", "wrinkled", "cracked", "grainy"], p=[0.25, 0.3, 0.25, 0.2]))
    pore = np.zeros(shape, bool)
    texture = None
    n_pits = int(rng.integers(0, 25))
    if n_pits:
        centres = np.column_stack(
            [rng.uniform(0, shape[0], n_pits), rng.uniform(0, shape[1], n_pits)]
        )
        pore |= _draw_discs(shape, centres, rng.uniform(1.0, 3.0, n_pits))
    scale = _log_uniform(rng, 4.0, 40.0)
    if variant == "cracked":
        for _ in range(int(rng.integers(1, 4))):
            pore |= _crack(rng, shape, float(rng.uniform(1.5, 6.0)))
    elif variant == "wrinkled":
        # Folded film: sharp bright ridges (1 - |field|) over broad dark valleys, shaded.
        h = 1.0 - np.abs(_gaussian_field(rng, shape, scale))
        h = ndi.gaussian_filter(h, 0.15 * scale)
        gy, gx = np.gradient(h)
        ang = rng.uniform(0, 2 * math.pi)
        shade = math.cos(ang) * gx + math.sin(ang) * gy
        shade = shade / (shade.std() + 1e-12)
        height = (h - h.mean()) / (h.std() + 1e-12)
        texture = float(rng.uniform(0.02, 0.3)) * shade + float(rng.uniform(0.0, 0.25)) * height
    elif variant == "grainy":
        g = _gaussian_field(rng, shape, 0.5 * scale)
        texture = float(rng.uniform(0.01, 0.06)) * g
    params = {"variant": variant, "feature_size_px": round(scale, 2), "n_pits": n_pits,
              "porosity": float(pore.mean())}
    return pore, params, None if texture is None else texture.astype(np.float32)


# Classes also drawn in perspective (see _perspective_view). Not percolation and coarse:
# their difference is the pore-size spread, which a perspective view widens.
_PERSPECTIVE_CLASSES = ("cellular", "spherical-particle")


def _perspective_view(
    rng: np.random.Generator, builder: Any, shape: tuple[int, int]
) -> Built:
    """A structure seen obliquely, as in a tilted view of a film's surface or fracture.

    Features shrink steadily towards the top of the image, to 1/1.5-1/4 of their size
    at the bottom (the magnification falls with distance from the lens), so that pore
    sizes spread over the field without any spread in the structure itself.
    """
    rows, cols = shape
    ratio = float(rng.uniform(1.5, 4.0))
    r = np.arange(rows, dtype=np.float64) + 0.5
    scale = 1.0 + (ratio - 1.0) * (1.0 - r / rows)  # source px per image px on row r
    src_rows = np.cumsum(scale) - 0.5 * scale
    height, width = math.ceil(src_rows[-1] + 1.0), math.ceil(cols * ratio)
    pore, params, texture = builder(rng, (height, width))
    c = np.arange(cols, dtype=np.float64) + 0.5 - cols / 2
    map_x = (width / 2 + c[None, :] * scale[:, None] - 0.5).astype(np.float32)
    map_y = np.repeat(src_rows[:, None], cols, axis=1).astype(np.float32)
    warped = cv2.remap(pore.astype(np.float32), map_x, map_y, interpolation=cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_REFLECT)
    pore = warped >= 0.5
    params = {**params, "perspective": round(ratio, 3), "porosity": float(pore.mean())}
    return pore, params, texture


def _add_dust(
    rng: np.random.Generator, image: np.ndarray, feature_px: float, solid_level: float
) -> np.ndarray:
    """Put 1-6 dust particles on the image: bright, rounded blobs 1-5 feature sizes across
    (at most 1/6 of the short side) that hide what lies under them, each with a dark shadow
    on the side away from the detector, as contamination looks in an SE image. The
    classifier must not read a particle or its shadow as structure."""
    rows, cols = image.shape
    yy, xx = np.mgrid[0:rows, 0:cols]
    out = image.astype(np.float64)
    ang = rng.uniform(0, 2 * math.pi)
    for _ in range(int(rng.integers(1, 7))):
        r = min(max(3.0, 0.5 * feature_px * float(rng.uniform(1.0, 5.0))), min(rows, cols) / 12)
        cy, cx = rng.uniform(0, rows), rng.uniform(0, cols)
        sy, sx = cy + 0.8 * r * math.sin(ang), cx + 0.8 * r * math.cos(ang)
        shadow = np.exp(-((np.hypot(yy - sy, xx - sx) / (1.3 * r)) ** 2))
        out *= 1.0 - float(rng.uniform(0.3, 0.6)) * shadow
        d = np.hypot(yy - cy, xx - cx) / r
        cover = np.clip((1.0 - d) * r / 1.5, 0.0, 1.0)  # ~1.5 px soft edge
        level = min(1.0, solid_level * float(rng.uniform(1.1, 1.6)))
        grey = level * (0.75 + 0.25 * np.clip(1.0 - d**2, 0, None) ** 0.5)
        out = (1.0 - cover) * out + cover * grey
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _fit_grey_range(image: np.ndarray) -> np.ndarray:
    """Clip to [0, 1], after a linear rescale when more than 0.1 % of the pixels fall
    outside: a microscopist sets brightness and contrast so that the image does not
    saturate."""
    lo, hi = (float(v) for v in np.percentile(image, [0.1, 99.9]))
    if (lo < 0.0 or hi > 1.0) and hi > lo:
        new_lo, new_hi = max(lo, 0.01), min(hi, 0.99)
        image = new_lo + (image - lo) * ((new_hi - new_lo) / (hi - lo))
    return np.clip(image, 0.0, 1.0).astype(np.float32)


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


_BUILDERS = {
    "percolation": _percolation,
    "spherical-particle": _spherical_particle,
    "cellular": _cellular,
    "non-porous": _non_porous,
    "coarse": _coarse,
}
