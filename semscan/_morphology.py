"""The private mask kit: one function per low-level Boolean-mask job, used by every layer.

Disc kernels, distance transforms and the disc morphology built on them, connected-component
areas, small-object removal and thinning to a skeleton. The grey-level jobs (blur,
histogram, Otsu) are in :mod:`semscan._ndimage`.

As in the image kit, a variant that some caller's results depend on is a keyword:
``disc(..., rule=)`` is semscan's Euclidean disc (``dy**2 + dx**2 <= r**2 + 0.25``) or
OpenCV's ``MORPH_ELLIPSE``; ``distance_transform(..., metric=)`` is exact Euclidean,
OpenCV's 3 x 3 or 5 x 5 approximation, or taxicab, and its ``outside=`` says whether the
image border is background. Masks are NumPy Boolean arrays, computed by OpenCV; results
are new arrays.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import math
import os
import sys
from collections.abc import Callable
from typing import Literal, get_args

import cv2
import numpy as np

from semscan._options import check_choice

__all__ = [
    "ONE_RADIUS_MAX",
    "component_areas",
    "dilate_disc",
    "disc",
    "distance_transform",
    "erode_disc",
    "exact_distance",
    "exact_distance_update",
    "grow_cross",
    "label_components",
    "labels_and_areas",
    "open_disc",
    "remove_small",
    "skeletonize",
    "within",
]

Metric = Literal["euclidean", "euclidean_3x3", "euclidean_5x5", "taxicab"]
_METRICS = {
    "euclidean": (cv2.DIST_L2, cv2.DIST_MASK_PRECISE),
    "euclidean_3x3": (cv2.DIST_L2, 3),
    "euclidean_5x5": (cv2.DIST_L2, 5),
    "taxicab": (cv2.DIST_L1, 3),
}
DiscRule = Literal["euclidean", "opencv"]


def disc(radius: float, *, rule: DiscRule = "euclidean") -> np.ndarray:
    """A disc-shaped structuring element (uint8, 1 inside).

    Parameters
    ----------
    radius : float
        In px.
    rule : {'euclidean', 'opencv'}
        ``'euclidean'``: the pixels whose centre lies within ``radius + `` about a quarter
        pixel (``dy**2 + dx**2 <= radius**2 + 0.25``), side ``2 ceil(radius) + 1``;
        ``'opencv'``: OpenCV's ``MORPH_ELLIPSE`` of side ``2 r + 1`` with
        ``r = max(1, round(radius))``.

    Returns
    -------
    ndarray of uint8, shape (side, side)

    Examples
    --------
    >>> disc(1.0).tolist()
    [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    >>> int(disc(2.0).sum()), int(disc(2.0, rule="opencv").sum())
    (13, 17)
    """
    check_choice("rule", rule, get_args(DiscRule))
    if rule == "opencv":
        r = max(1, round(radius))
        return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    n = math.ceil(radius)
    yy, xx = np.mgrid[-n : n + 1, -n : n + 1]
    return ((yy**2 + xx**2) <= radius * radius + 0.25).astype(np.uint8)


def distance_transform(
    mask: np.ndarray,
    *,
    metric: Metric = "euclidean",
    outside: Literal["far", "background"] = "far",
) -> np.ndarray:
    """Distance (px, float32) of each True pixel to the nearest False pixel; 0 on False.

    Parameters
    ----------
    mask : ndarray of bool, shape (rows, columns)
    metric : {'euclidean', 'euclidean_3x3', 'euclidean_5x5', 'taxicab'}
        ``'euclidean'``: exact (OpenCV ``DIST_MASK_PRECISE``); ``'euclidean_3x3'`` and
        ``'euclidean_5x5'``: OpenCV's chamfer approximations (3 x 3 steps 0.955 and 1.3693;
        5 x 5 steps 1, 1.4 and 2.1969 for a knight's move); ``'taxicab'``: 4-connected steps.
    outside : {'far', 'background'}
        ``'far'``: the image border does not limit the distance (OpenCV's rule);
        ``'background'``: the pixels just outside the image count as False.

    Returns
    -------
    distance : ndarray of float32, shape (rows, columns)
        In px between pixel centres; 0 on the False pixels. The exact (``'euclidean'``)
        map is a view of rows a few pixels longer (:func:`_exact_transform`).

    Examples
    --------
    >>> import numpy as np
    >>> m = np.ones((1, 5), bool); m[0, 0] = False
    >>> distance_transform(m).tolist()
    [[0.0, 1.0, 2.0, 3.0, 4.0]]
    >>> distance_transform(m, metric="taxicab", outside="background").tolist()
    [[0.0, 1.0, 1.0, 1.0, 1.0]]
    """
    check_choice("metric", metric, tuple(_METRICS))
    check_choice("outside", outside, ("far", "background"))
    kind, size = _METRICS[metric]
    if metric == "euclidean" and np.ndim(mask) == 2 and np.size(mask) > 0:
        return _correctly_rounded(_exact_transform(mask, background=outside == "background"))
    m = np.asarray(mask)
    # a bool mask read as its bytes (OpenCV does not write its input), else a uint8 copy
    m = m.view(np.uint8) if m.dtype == np.bool_ and m.flags.c_contiguous else m.astype(np.uint8)
    if outside == "background":
        d = cv2.distanceTransform(np.pad(m, 1), kind, size)[1:-1, 1:-1]
    else:
        d = cv2.distanceTransform(m, kind, size)
    if metric == "euclidean":
        d = _correctly_rounded(d)
    return d


_ROUNDED_BELOW = 512.0  # px; below it OpenCV's float32 distance pins its integer square


def _row_length(cols: int) -> int:
    """The row length of :func:`_exact_transform`'s copy: ``cols`` or more, 16 times an odd
    number, so that the float32 rows of a column lie 64 bytes times an odd number apart."""
    return 16 * (-(-cols // 16) | 1)


def _exact_transform(mask: np.ndarray, *, background: bool) -> np.ndarray:
    """OpenCV's exact Euclidean transform of ``mask`` (nonzero True) on a copy whose rows
    are :func:`_row_length` long, the view of the mask's pixels (not contiguous when the
    rows were lengthened).

    OpenCV walks down every column; in an image a power of two pixels wide (1024, 2048,
    4096, as SEMs write them) the rows of a column fall into a few cache sets, and the
    walk costs 1.35x (1024 px wide) to 1.5x (4096 px) as much per pixel as in an image
    1000 or 4000 px wide. The added columns are True: they hold no False pixel, so no
    distance changes (nearest False pixels and the integer squared distances are the
    same; :func:`_correctly_rounded` then gives the same floats). ``background`` frames
    the mask with False, as ``np.pad(mask, 1)`` does, inside the added columns.
    """
    rows, cols = np.shape(mask)
    e = 1 if background else 0
    h, w = rows + 2 * e, cols + 2 * e
    src = np.empty((h, _row_length(w)), np.uint8)
    np.copyto(src[e : e + rows, e : e + cols], mask, casting="unsafe")  # as .astype(uint8)
    src[:, w:] = 1
    if e:
        src[0, :w] = src[-1, :w] = 0
        src[:, 0] = src[:, w - 1] = 0
    d = cv2.distanceTransform(src, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return d[e : e + rows, e : e + cols]


def exact_distance(mask: np.ndarray) -> np.ndarray:
    """Euclidean distance (px, float32) to the nearest False pixel, correctly rounded.

    The same distances as :func:`distance_transform` (``'far'`` border), but each value is
    the float32 nearest to ``sqrt(n)`` for the integer squared distance ``n``, so the map
    does not depend on OpenCV's thread count (its single-thread path is off by an ulp on
    some pixels); :func:`distance_transform` with ``metric='euclidean'`` gives the same.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.ones((3, 3), bool); m[0, 0] = False
    >>> exact_distance(m)[2, 2] == np.float32(np.sqrt(8.0))
    np.True_
    """
    return distance_transform(mask)


def exact_distance_update(
    mask: np.ndarray, previous_mask: np.ndarray, previous: np.ndarray
) -> np.ndarray:
    """:func:`exact_distance` of ``mask``, given that of ``previous_mask`` (``previous``):
    computed again only near the pixels that changed; the same values.

    A pixel's distance is that of its nearest False pixel. Outside the changed pixels' box
    ``B`` grown by ``R`` (more than every previous distance), a pixel's previous nearest
    False pixel is closer than any pixel of ``B``, so unchanged and still the nearest: its
    distance stays. Inside, the distance is that of a crop reaching a margin ``M`` beyond
    (where the image does not end first), which is exact wherever it is below ``M``: a
    closer False pixel outside the crop cannot exist (OpenCV's exact transform on the crop
    sees a subset of the False pixels, the border counting as far, so it can only be
    larger). When a value reaches ``M`` the margin is doubled, up to the whole image.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.ones((60, 80), bool); m[::7, ::9] = False
    >>> e = m.copy(); e[20:30, 30:50] = False; e[22:28, 32:48] = True
    >>> bool((exact_distance_update(e, m, exact_distance(m)) == exact_distance(e)).all())
    True
    """
    mask = np.asarray(mask, bool)
    if previous_mask.shape != mask.shape:
        return exact_distance(mask)
    changed = mask != previous_mask
    rr = np.flatnonzero(changed.any(axis=1))
    if rr.size == 0:
        return previous
    cc = np.flatnonzero(changed.any(axis=0))
    h, w = mask.shape
    reach = math.ceil(float(previous.max())) + 1 if previous.size else 1
    a0, a1 = max(int(rr[0]) - reach, 0), min(int(rr[-1]) + 1 + reach, h)
    b0, b1 = max(int(cc[0]) - reach, 0), min(int(cc[-1]) + 1 + reach, w)
    margin = reach + 1
    while True:
        r0, r1 = max(a0 - margin, 0), min(a1 + margin, h)
        c0, c1 = max(b0 - margin, 0), min(b1 + margin, w)
        if (r1 - r0) * (c1 - c0) > 0.6 * h * w:
            return exact_distance(mask)
        sub = exact_distance(mask[r0:r1, c0:c1])[a0 - r0 : a1 - r0, b0 - c0 : b1 - c0]
        cut = r0 > 0 or r1 < h or c0 > 0 or c1 < w  # a crop edge inside the image
        if not cut or float(sub.max()) < margin:
            out = previous.copy()
            out[a0:a1, b0:b1] = sub
            return out
        margin *= 2


def _correctly_rounded(d: np.ndarray) -> np.ndarray:
    """OpenCV's exact distances as the float32 nearest to ``sqrt(n)``, ``n`` the integer
    squared distance: its parallel transform rounds the root differently with the number
    of threads (one ulp on ~5 % of the pixels). Below 512 px ``d * d`` in float32 is within
    0.2 of ``n`` (< 2**18, exact in float32) and float32 sqrt is correctly rounded; beyond,
    ``n`` is recovered in float64 (its root rounded to float32 is the same: double
    rounding is innocuous for sqrt from binary64 to binary32)."""
    if d.size and float(d.max()) >= _ROUNDED_BELOW:
        return np.sqrt(np.rint(np.square(d, dtype=np.float64))).astype(np.float32)
    np.multiply(d, d, out=d)
    np.rint(d, out=d)
    return np.sqrt(d, out=d)


def dilate_disc(mask: np.ndarray, radius: float) -> np.ndarray:
    """Dilation by a Euclidean disc of ``radius`` px (pixels within ``radius`` of a True
    pixel): up to 20 px by OpenCV's dilation with the matching kernel
    (:func:`_distance_disc`), beyond via the exact distance transform (whose cost does not
    grow with the radius); the same pixels either way.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.zeros((1, 7), bool); m[0, 3] = True
    >>> dilate_disc(m, 2.0).astype(int).tolist()
    [[0, 1, 1, 1, 1, 1, 0]]
    """
    if not mask.any():
        return mask.copy()
    if _by_kernel(mask, radius):
        return cv2.dilate(np.ascontiguousarray(mask).view(np.uint8), _distance_disc(float(radius)),
                          borderType=cv2.BORDER_CONSTANT, borderValue=0).view(bool)
    return distance_transform(~mask) <= radius


def erode_disc(mask: np.ndarray, radius: float) -> np.ndarray:
    """Erosion by a Euclidean disc of ``radius`` px (True pixels farther than ``radius``
    from every False pixel; the image border does not erode): up to 20 px by OpenCV's
    erosion with the matching kernel, beyond via the exact distance transform; the same
    pixels either way.

    Examples
    --------
    >>> import numpy as np
    >>> square = np.pad(np.ones((5, 5), bool), 2)
    >>> int(erode_disc(square, 1.0).sum()), int(erode_disc(square, 2.0).sum())
    (9, 1)
    """
    if mask.all():
        return mask.copy()
    if _by_kernel(mask, radius):
        return cv2.erode(np.ascontiguousarray(mask).view(np.uint8), _distance_disc(float(radius)),
                         borderType=cv2.BORDER_CONSTANT, borderValue=1).view(bool)
    return _farther_than(mask, radius)


# pixels of a band of :func:`_farther_than`: a 1 Mpx image in four bands (at most 1.5x
# the rows with the halo, whose rows are at most a quarter of a band's, 2 on each side)
_BAND_PIXELS = 1 << 18


def _farther_than(mask: np.ndarray, radius: float) -> np.ndarray:
    """``distance_transform(mask) > radius``, in bands of rows with a halo of
    ``floor(radius) + 1`` rows: a pixel's nearest False pixel, when within ``radius``, is
    within the halo, so its band's distance is the whole image's; when farther, the
    band's (over fewer False pixels) is farther too. The same pixels without the full-size
    float32 map and OpenCV's exact transform's buffers (about 18 B/px on the whole image).
    """
    mask = np.asarray(mask)
    if mask.ndim != 2 or not math.isfinite(radius) or radius < 0:
        return distance_transform(mask) > radius
    rows, cols = mask.shape
    halo = math.floor(radius) + 1
    step = max(64, 4 * halo, _BAND_PIXELS // max(cols, 1))
    if step >= rows:
        return distance_transform(mask) > radius
    out = np.empty(mask.shape, bool)
    for r0 in range(0, rows, step):
        r1 = min(rows, r0 + step)
        a, b = max(0, r0 - halo), min(rows, r1 + halo)
        np.greater(distance_transform(mask[a:b])[r0 - a : r1 - a], radius, out=out[r0:r1])
    return out


def _by_kernel(mask: np.ndarray, radius: float) -> bool:
    """Whether one erosion or dilation by ``radius`` goes by OpenCV with
    :func:`_distance_disc` (the same pixels as the distance transform's rule, see
    :func:`open_disc`): a 2-D bool mask and ``0 <= radius <=`` :data:`ONE_RADIUS_MAX`."""
    return (mask.dtype == np.bool_ and mask.ndim == 2 and mask.size > 0
            and 0.0 <= radius <= ONE_RADIUS_MAX)


def grow_cross(mask: np.ndarray) -> np.ndarray:
    """Pixels of ``mask`` or 4-adjacent to one, nothing beyond the array.

    :func:`scipy.ndimage.binary_dilation` with its default cross, by four shifts.

    Examples
    --------
    >>> m = np.zeros((3, 4), bool)
    >>> m[0, 0] = True
    >>> grow_cross(m).astype(int).tolist()
    [[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    """
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    return out


def open_disc(mask: np.ndarray, radius: float) -> np.ndarray:
    """Opening by a Euclidean disc of ``radius`` px: removes what a disc cannot fit in.

    The pixels of ``dilate_disc(erode_disc(mask, radius), radius)``; up to 12 px by
    OpenCV's erosion and dilation with the matching kernel (several times faster), beyond
    by the two distance transforms (whose cost does not grow with the radius).

    Examples
    --------
    >>> import numpy as np
    >>> m = np.zeros((9, 9), bool); m[1:8, 1:8] = True; m[0, 0] = True
    >>> int(open_disc(m, 1.0).sum())
    45
    """
    if radius < 0 or radius > _MORPH_RADIUS_MAX or mask.all() or not mask.any():
        return dilate_disc(erode_disc(mask, radius), radius)
    kern = _distance_disc(float(radius))
    m = np.ascontiguousarray(mask, dtype=bool).view(np.uint8)
    eroded = cv2.erode(m, kern, borderType=cv2.BORDER_CONSTANT, borderValue=1)
    if not eroded.any():
        return np.zeros(mask.shape, bool)
    return cv2.dilate(eroded, kern, borderType=cv2.BORDER_CONSTANT, borderValue=0).view(bool)


_MORPH_RADIUS_MAX = 12.0  # px: beyond it two distance transforms are cheaper than the kernel
# px: one erosion or dilation by the kernel costs about as much as one distance transform
# at ~26 px (1 Mpx, one core: 15.5 against 17.3 ms; 3.5 against 18 ms at 12 px)
ONE_RADIUS_MAX = 20.0
"""px: :func:`dilate_disc` and :func:`erode_disc` go by OpenCV's morphology up to this
radius, beyond by the exact distance transform (the same pixels either way)."""


@functools.lru_cache(maxsize=64)
def _distance_disc(radius: float) -> np.ndarray:
    """Offsets at most ``radius`` px away as :func:`distance_transform` measures it (the
    float32 root of the integer squared distance), so that erosion and dilation by it
    give the pixels of :func:`erode_disc` and :func:`dilate_disc`."""
    n = math.floor(radius)
    yy, xx = np.mgrid[-n : n + 1, -n : n + 1]
    root = np.sqrt((yy * yy + xx * xx).astype(np.float64)).astype(np.float32)
    kern = (root <= radius).astype(np.uint8)
    kern.setflags(write=False)
    return kern


def component_areas(
    mask: np.ndarray, *, connectivity: Literal[4, 8] = 8
) -> tuple[np.ndarray, np.ndarray]:
    """Labels (int32, 0 = background) and the area (px) of each label of a Boolean mask.

    Examples
    --------
    >>> import numpy as np
    >>> labels, areas = component_areas(np.array([[1, 0, 1, 1]], bool))
    >>> labels.tolist(), areas.tolist()
    ([[1, 0, 2, 2]], [1, 1, 2])
    """
    m = np.ascontiguousarray(mask, dtype=bool).view(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=connectivity,
                                                           ltype=cv2.CV_32S)
    return labels, stats[:, cv2.CC_STAT_AREA]


def label_components(
    mask: np.ndarray, *, connectivity: Literal[4, 8] = 4
) -> tuple[np.ndarray, int]:
    """The connected components of a Boolean mask as :func:`scipy.ndimage.label` returns
    them (int32 labels 1..n, 0 off the mask, and n; 4-connected as its default), by OpenCV
    (several times faster), but numbered in OpenCV's order, not necessarily the raster order
    of their first pixels: for callers whose results do not depend on the numbering.

    Examples
    --------
    >>> import numpy as np
    >>> lab, n = label_components(np.array([[1, 0, 1], [0, 1, 1]], bool))
    >>> n, int(lab[0, 0] != lab[0, 2]), int(lab[0, 2] == lab[1, 1])
    (2, 1, 1)
    """
    m = np.ascontiguousarray(mask, dtype=bool).view(np.uint8)
    n, labels = cv2.connectedComponents(m, connectivity=connectivity, ltype=cv2.CV_32S)
    return labels, int(n) - 1


def remove_small(
    mask: np.ndarray, min_area: float, *, connectivity: Literal[4, 8] = 8,
    labelled: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """``mask`` without its connected components smaller than ``min_area`` px.

    Returns ``mask`` itself (not a copy) when nothing is removed. ``labelled``: the labels
    (0 off the mask) and areas of ``mask``'s components at ``connectivity``, e.g.
    :func:`component_areas`, when the caller has them already (the same pixels).

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([[1, 0, 1, 1, 1]], bool)
    >>> remove_small(m, 2).astype(int).tolist()
    [[0, 0, 1, 1, 1]]
    """
    if not mask.any():
        return mask
    labels, areas = labelled or labels_and_areas(mask, connectivity)
    small = areas < min_area
    small[0] = False  # background label
    if not small.any():
        return mask
    keep = ~small
    keep[0] = False  # off the mask: mask & ~small[labels], by one gather
    # indexing, not np.take: take converts the uint16 labels to intp whole (8 B/px more);
    # indexing converts them in buffered chunks (measured 9.0 against 1.0 B/px)
    return keep[labels]


def within(mask: np.ndarray, region: np.ndarray) -> np.ndarray:
    """``mask & region``, or ``mask`` itself when it lies inside ``region`` (a
    segmentation's masks do): the same pixels, and no second full-size mask held.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([True, False, True])
    >>> within(m, np.ones(3, bool)) is m, within(m, np.array([True, True, False])).tolist()
    (True, [True, False, False])
    """
    inside = mask & region
    return mask if np.array_equal(inside, mask) else inside


def labels_and_areas(
    mask: np.ndarray, connectivity: Literal[4, 8]
) -> tuple[np.ndarray, np.ndarray]:
    """The components of ``mask`` (OpenCV's labels, uint16 when they fit) and each label's
    pixel count: the labels alone and a histogram of them, about twice as fast as OpenCV's
    statistics (the same components, so the same pixels for :func:`remove_small`)."""
    m = np.ascontiguousarray(mask, dtype=bool).view(np.uint8)
    try:
        n, labels = cv2.connectedComponents(m, connectivity=connectivity, ltype=cv2.CV_16U)
    except cv2.error:  # more than 65535 components
        n, labels = cv2.connectedComponents(m, connectivity=connectivity, ltype=cv2.CV_32S)
        # counted in row bands: np.bincount converts its input to intp whole (8 B/px more)
        areas = np.zeros(n, np.int64)
        step = max(1, (1 << 20) // max(labels.shape[1], 1))
        for r0 in range(0, labels.shape[0], step):
            areas += np.bincount(labels[r0:r0 + step].ravel(), minlength=n)
        return labels, areas
    areas = np.zeros(n, np.int64)
    step = max(1, ((1 << 24) - 1) // max(labels.shape[1], 1))  # float32 counts exact
    for r0 in range(0, labels.shape[0], step):
        areas += cv2.calcHist([labels[r0:r0 + step]], [0], None, [n],
                              [0, n]).ravel().astype(np.int64)
    return labels, areas


def skeletonize(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a 2-D mask: ``skimage.morphology.skeletonize(mask)``.

    The same pixels as scikit-image's (its compiled thinning, called as it calls it),
    without importing ``skimage.morphology``: that package imports all of its modules and
    SciPy's ``spatial``, ``sparse`` and ``linalg`` with them, 0.08-0.11 s of CPU, the
    largest first-call cost of a one-image ``semscan analyze``.

    Parameters
    ----------
    mask : (M, N) array_like
        Non-zero is foreground.

    Returns
    -------
    ndarray of bool
        The one-pixel-wide skeleton, shape ``(M, N)``.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.zeros((5, 9), bool)
    >>> m[1:4, 1:8] = True
    >>> skeletonize(m).astype(int).sum(axis=0).tolist()
    [0, 1, 1, 1, 1, 1, 1, 0, 0]
    """
    image = np.asarray(mask)
    if image.ndim != 2:
        raise ValueError(f"skeletonize needs a 2-D mask, got {image.ndim}-D: pass one plane")
    return _zhang_thinning()(image.astype(bool, order="C", copy=False))


@functools.cache
def _zhang_thinning() -> Callable[[np.ndarray], np.ndarray]:
    """scikit-image's compiled Zhang-Suen thinning, loaded without its package's imports.

    The extension is loaded from its file and registered under its own name, so that a
    later ``import skimage.morphology`` uses this module instead of loading it again.
    Any surprise in the installed scikit-image (a moved or renamed module) falls back to
    the public ``skimage.morphology.skeletonize``, which gives the same pixels.
    """
    name = "skimage.morphology._skeletonize_various_cy"
    try:
        module = sys.modules.get(name)
        if module is None:
            top = importlib.util.find_spec("skimage")
            folder = os.path.join(next(iter(top.submodule_search_locations)), "morphology")
            path = next(
                p for p in (os.path.join(folder, "_skeletonize_various_cy" + suffix)
                            for suffix in importlib.machinery.EXTENSION_SUFFIXES)
                if os.path.exists(p)
            )
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
        return module._fast_skeletonize
    except Exception:  # any surprise: the public function, the same pixels
        from skimage.morphology import skeletonize as public

        return public
