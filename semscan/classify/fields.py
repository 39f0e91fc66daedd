"""Classify a large image in fields of the size the model was trained on (METHODS.md 8).

The structure model learns from synthetic fields of one size (512 x 512 px for the shipped
model, ``model.training["image_shape"]``). Several of its features depend on how many
structure periods a field holds, not only on the structure: the largest-component
fractions fall as a field holds more periods of a network whose thin links the
segmentation breaks here and there, and counts and spreads sample more of the rare large
pores. A 1536 x 1024 micrograph is a field three times wider and twice as tall as any the
model has seen. :func:`classify_fields` therefore cuts the analysed region into fields of
about the training size, classifies each, and averages their class probabilities
(weighted by analysed area), so that the model is asked only the question it was trained
to answer, and several independent looks at the same structure vote.

Measured on the real micrographs in ``../shared/data/real``
(``tests/classify/test_real.py``): ``retic_skan_fei.tif`` (1536 x 1024 px of a fine
network) read percolation 0.64 in six fields against 0.52 (uncertain, threshold 0.54) as
one field with the fourth model, and 0.58-0.64 at field sizes from 384 to 768 px; the
shipped (fifth) model gives 0.59 in six fields and 0.44, at its threshold 0.44, as one
field. The other images keep their class. A synthetic training render is one field, so
the model and its held-out accuracy do not depend on it.

Oblique views are rectified over the *whole* region first
(:mod:`semscan.classify.perspective`), because a trend is only measurable over the whole
field; the fields are then cut from the rectified masks.

Examples
--------
>>> import numpy as np
>>> from semscan.calibration import UNCALIBRATED
>>> yy, xx = np.mgrid[0:1024, 0:1536]
>>> pore = ((yy % 40) - 20) ** 2 + ((xx % 40) - 20) ** 2 < 144   # round holes in a sheet
>>> c = classify_fields(pore, ~pore, calibration=UNCALIBRATED)
>>> c.label, c.n_fields, c.field_agreement
('cellular', 6, 1.0)
"""

from __future__ import annotations

import hashlib

import numpy as np

from semscan.calibration import Calibration
from semscan.classify.features import checked_features, checked_inputs
from semscan.classify.model_file import StructureModel, default_model
from semscan.classify.perspective import rectify_if_steady
from semscan.classify.predict import (
    StructureClass,
    attributions,
    checked_threshold,
    feature_vector,
    make_class,
)

__all__ = ["DEFAULT_FIELD_PX", "MIN_FIELD_FILL", "classify_fields", "field_slices"]

DEFAULT_FIELD_PX = 512
"""Field side in px for a model whose file does not record its training image shape."""

MIN_FIELD_FILL = 0.25
"""A field is classified when at least this fraction of it is analysed region (a
cross-section's film fills only part of the fields at its edges)."""


def field_slices(
    region: np.ndarray, *, field_px: int
) -> list[tuple[slice, slice]]:
    """Cut the bounding box of ``region`` into a grid of fields of about ``field_px``.

    The box is divided into ``max(1, round(side / field_px))`` equal parts along each
    axis, so fields are between 2/3 and 3/2 of ``field_px`` on a side (or the whole side,
    when it is shorter than 3/2 ``field_px``).

    Parameters
    ----------
    region : ndarray of bool, shape (rows, columns)
        The analysed pixels.
    field_px : int
        Wanted field side in px (> 0).

    Returns
    -------
    list of (slice, slice)
        Row-major; empty when ``region`` is empty.

    Examples
    --------
    >>> import numpy as np
    >>> [(s.start, s.stop) for s, _ in field_slices(np.ones((1000, 300), bool), field_px=512)]
    [(0, 500), (500, 1000)]
    """
    if field_px <= 0:
        raise ValueError(f"field_px must be > 0, got {field_px}")
    rows = np.flatnonzero(region.any(axis=1))
    cols = np.flatnonzero(region.any(axis=0))
    if rows.size == 0:
        return []
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    ny = max(1, round((r1 - r0) / field_px))
    nx = max(1, round((c1 - c0) / field_px))
    rb = np.linspace(r0, r1, ny + 1).round().astype(int)
    cb = np.linspace(c0, c1, nx + 1).round().astype(int)
    return [
        (slice(int(rb[i]), int(rb[i + 1])), slice(int(cb[j]), int(cb[j + 1])))
        for i in range(ny)
        for j in range(nx)
    ]


def classify_fields(
    pore: np.ndarray,
    solid: np.ndarray,
    *,
    calibration: Calibration,
    region: np.ndarray | None = None,
    grey: np.ndarray | None = None,
    model: StructureModel | None = None,
    confidence_threshold: float | None = None,
    field_px: int | None = None,
    rectify: bool = True,
    feature_cache: dict[bytes, np.ndarray] | None = None,
) -> StructureClass:
    """Structure class of a segmentation, from fields of the model's training size.

    Parameters
    ----------
    pore, solid : ndarray of bool, shape (rows, columns)
        The segmentation (disjoint).
    calibration : Calibration
        Pixel size (the features are scale-free; it labels nothing here but is checked).
    region : ndarray of bool, optional
        Analysed pixels (default: ``pore | solid``).
    grey : ndarray, optional
        The grey image the masks were thresholded from (the grey features).
    model : StructureModel, optional
        Default: the shipped model.
    confidence_threshold : float, optional
        Below it the label is 'uncertain'; default: the model's own.
    field_px : int, optional
        Field side in px; default: the smaller side of the model's training images
        (:data:`DEFAULT_FIELD_PX` when the file does not say). A value at least as large
        as the image classifies it as one field.
    rectify : bool
        Undo a steady change of scale over the whole region first (an oblique view;
        :mod:`semscan.classify.perspective`).
    feature_cache : dict, optional
        Feature vectors of fields seen before, by a digest of the field's masks, grey
        image, place and the model (filled here): a re-measure after a local edit computes
        again only the fields the edit touched; the same vectors, so the same class.

    Returns
    -------
    StructureClass
        Probabilities are the area-weighted mean of the fields'; the reasons are the three
        features whose replacement by the training median lowers the chosen class's
        probability most, averaged over the fields, each with its area-weighted mean value;
        ``n_fields`` and ``field_agreement`` say how many fields voted and how many of them
        (by area) had the same most probable class.

    Raises
    ------
    MeasurementError
        If the masks are not 2-D, equal in shape and disjoint, or the region holds fewer
        than 16 x 16 pixels.
    ModelError
        If the model does not match the features.

    Notes
    -----
    A rectified region is classified as one field. Its far side is magnified up to 4x, and
    fields cut from there hold only magnified, blurred structure: in
    ``membrane_cells_hitachi.bmp`` (fourth model) the three far-side fields of nine read
    spherical-particle or percolation at about 0.3 while the six near ones read cellular
    0.49-0.74, and the area-weighted mean fell to cellular 0.46 (0.54 when weighted by
    the source pixels each field holds), against 0.78 for the rectified region as one
    field, where the well-resolved near side carries the features.

    Fields with less than :data:`MIN_FIELD_FILL` of their area in the region are skipped;
    when every field is, the region's bounding box is classified as one field. Averaging
    the probabilities (not the features) keeps each field's features those of a field of
    the training size, which is the point.
    """
    model = model or default_model()
    threshold = checked_threshold(model, confidence_threshold)
    pore, solid, domain, grey = checked_inputs(pore, solid, region=region, grey=grey)
    if field_px is None:
        shape = model.training.get("image_shape") or (DEFAULT_FIELD_PX,)
        field_px = int(min(shape))

    scale_ratio, rectified = 1.0, False
    if rectify:
        trend, (pore, solid, domain, grey) = rectify_if_steady(pore, solid, domain, grey)
        scale_ratio, rectified = trend.ratio, trend.is_steady
        if rectified:
            field_px = max(domain.shape)  # one field: see Notes

    fields = [
        sl for sl in field_slices(domain, field_px=field_px)
        if np.count_nonzero(domain[sl]) >= max(256, MIN_FIELD_FILL * domain[sl].size)
    ]
    if not fields:
        fields = field_slices(domain, field_px=max(domain.shape))
    weights, xs = [], []
    for sl in fields:
        key = x = None
        if feature_cache is not None:
            key = _field_digest(sl, model, pore[sl], solid[sl], domain[sl], grey[sl])
            x = feature_cache.get(key)
        if x is None:
            # a field of the checked masks is checked: no second check per field
            f = checked_features(
                *(np.ascontiguousarray(a[sl]) for a in (pore, solid, domain, grey)),
                calibration=calibration, rectify=False)
            x = feature_vector(f, model)
            if feature_cache is not None and key is not None:
                feature_cache[key] = x
        xs.append(x)
        weights.append(float(np.count_nonzero(domain[sl])))
    ps, drops = attributions(np.asarray(xs), model)  # one forest batch for every field
    area = np.asarray(weights)
    w = area / area.sum()
    p = np.tensordot(w, np.asarray(ps), axes=1)
    top = int(np.argmax(p))
    agreement = float(area[np.asarray(ps).argmax(axis=1) == top].sum() / area.sum())
    return make_class(
        p, np.tensordot(w, np.asarray(drops), axes=1), np.tensordot(w, np.asarray(xs), axes=1),
        model=model, confidence_threshold=threshold, scale_ratio=scale_ratio,
        rectified=rectified, n_fields=len(fields), field_agreement=agreement,
    )


def _field_digest(sl: tuple[slice, slice], model: StructureModel, *arrays: np.ndarray) -> bytes:
    """What a field's feature vector depends on: its place, the model, its pixels."""
    h = hashlib.blake2b(digest_size=20)
    h.update(repr((sl, id(model), *(a.shape for a in arrays))).encode())
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(np.packbits(a).tobytes() if a.dtype == bool else a.tobytes())
    return h.digest()
