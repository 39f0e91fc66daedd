"""Synthetic training structures for the structure classifier (METHODS.md 8).

Each generator draws random structure parameters from a seed, builds a pore mask of one
of the five classes (:mod:`semscan.phantoms.structures`), and renders it as an SEM-like
secondary-electron image with random :class:`~semscan.phantoms.render.RenderParams`
(contrast, edge brightening, pore-back, blur, noise, gradient). The classifier is trained
on *segmentations of these images*, not on the ideal masks, so that it meets the flaws of
real segmentations (see :func:`segment_for_training`).

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
    sheet; some with windows between neighbouring cells; or (25 %) a membrane section:
    separate macrovoids (oval, teardrop or finger, 4-10x the matrix scale, aligned but
    for the ovals) in a dense matrix or a fine sponge (METHODS.md 8: a continuous matrix
    with macrovoids is cellular, issue 18).
``'non-porous'``
    A solid surface, flat, wrinkled (shading added to the image), grainy or cracked, with
    at most a few tiny pits.
``'coarse'``
    Percolation-like with a wide pore-size spread: two band-pass fields at scales 4-8x
    apart. (Until 2026-12-02 also a percolating structure with large macrovoids; those
    are now the cellular class's 'macrovoids' variant.)

Feature sizes run from about 5 to 50 px so that the classifier sees every magnification.
A training example is the segmentation of an image of the training size; with
``canvas_scale`` it is instead a field of that size cut from the segmentation of a larger
canvas (:func:`training_field`), as an analysis cuts fields from the segmentation of a
whole micrograph.

What a real micrograph adds, and the renders therefore add too: 30 % of the porous images
foreshortened along the rows (tilted views); 30 % of the cellular and spherical-particle
images seen in perspective, features shrinking to 1/1.5-1/4 towards the top (a tilted
fracture or surface); 40 % of the cellular images other than the macrovoid sections with
depth-shaded pores (bright sloping cell walls, dark only in the middle, so that
thresholding finds the cell floors smaller than the cells); 30 % of all images with dust
particles and their shadows; noise up to 0.5 of the pore-solid contrast (the segmentation
then smooths with a Gaussian).

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
from typing import Any, NamedTuple

import cv2
import numpy as np

from semscan.classify.classes import StructureClassName
from semscan.classify.classes import class_index as _class_index
from semscan.errors import ConfigError
from semscan.micrograph import Micrograph
from semscan.phantoms.render import RenderParams, render_sem
from semscan.phantoms.structures import (
    STRUCTURE_BUILDERS,
    Builder,
    Built,
    gaussian_field,
    log_uniform,
)
from semscan.segment import segment_micrograph

__all__ = [
    "CANVAS_SCALE",
    "SyntheticImage",
    "TrainingSegmentation",
    "checked_canvas_scale",
    "generate",
    "random_render_params",
    "segment_for_training",
    "training_field",
]

logger = logging.getLogger(__name__)

@dataclass(frozen=True, eq=False)
class SyntheticImage:
    """One rendered synthetic structure.

    Attributes
    ----------
    image : ndarray of float32, shape (rows, columns)
        SEM-like grey image in [0, 1], pores dark.
    pore_mask : ndarray of bool, shape (rows, columns)
        The ideal pore mask the image was rendered from.
    structure_class : str
        One of :data:`~semscan.classify.classes.CLASSES`.
    seed : int
        The seed that reproduces this image.
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
) -> SyntheticImage:
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
    SyntheticImage

    Raises
    ------
    ConfigError
        If the class is not one of :data:`~semscan.classify.classes.CLASSES` or the shape
        is too small.

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
    builder = STRUCTURE_BUILDERS[structure_class]
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
    if (structure_class == "cellular" and params.get("variant") != "macrovoids"
            and rng.random() < 0.4):
        # Pores seen as cavities: bright sloping walls at the rim, dark only in the middle.
        render = dataclasses.replace(
            render,
            rim_gain=float(rng.uniform(0.3, 0.9)),
            rim_px=float(rng.uniform(0.08, 0.45)) * float(params["feature_size_px"]),
        )
    image = render_sem(pore, seed=int(rng.integers(2**31)), params=render)
    if rng.random() < 0.7:  # grain / charging texture inside both phases, as in real SEM
        grain = gaussian_field(rng, shape, float(rng.uniform(0.7, 3.0)))
        amp = float(rng.uniform(0.05, 0.45)) * (render.solid_level - render.pore_level)
        texture = amp * grain if texture is None else texture + amp * grain
    if texture is not None:
        image = _fit_grey_range(image + texture)
    if rng.random() < 0.3:  # dust: bright particles with a shadow, on any specimen
        image = _add_dust(rng, image, float(params["feature_size_px"]), render.solid_level)
        params["dust"] = True
    params = {**params, "render": {k: round(float(v), 4) for k, v in vars(render).items()}}
    return SyntheticImage(image, pore, structure_class, int(seed), params)


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

    Uses :func:`semscan.segment.segment_micrograph` (method ``'auto'``), as an analysis
    does.

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
    image = np.asarray(image, np.float32)
    result = segment_micrograph(Micrograph.from_array(image))
    grey = result.contrast_grey if result.contrast_grey is not None else image
    return TrainingSegmentation(np.asarray(result.pore, bool),
                                np.asarray(result.solid, bool),
                                np.asarray(grey, np.float32))


def segmenter_name() -> str:
    """Which segmentation :func:`segment_for_training` uses (recorded in the model card)."""
    return "semscan.segment.segment_micrograph(method='auto')"


# Canvas side over field side of a training field (see training_field). The shipped model
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
        One of :data:`~semscan.classify.classes.CLASSES`.
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
    factor = log_uniform(rng, lo, hi) if hi > lo else lo
    canvas = (max(rows, round(rows * factor)), max(cols, round(cols * factor)))
    rendered = generate(structure_class, seed=seed, shape=canvas)
    seg = segment_for_training(rendered.image)
    r0 = int(rng.integers(0, canvas[0] - rows + 1))
    c0 = int(rng.integers(0, canvas[1] - cols + 1))
    cut = (slice(r0, r0 + rows), slice(c0, c0 + cols))
    return TrainingSegmentation(seg.pore[cut], seg.solid[cut], seg.grey[cut])


# Classes also drawn in perspective (see _perspective_view). Not percolation and coarse:
# their difference is the pore-size spread, which a perspective view widens.
_PERSPECTIVE_CLASSES = ("cellular", "spherical-particle")


def _perspective_view(
    rng: np.random.Generator, builder: Builder, shape: tuple[int, int]
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
