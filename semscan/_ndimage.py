"""The private image kit: one function per low-level grey-level job, used by every layer.

Gaussian blur (exact or on a block-averaged copy), block means, the 256-bin histogram and
Otsu's threshold, and the percentile stretch. The Boolean-mask jobs (disc kernels,
distance transforms, disc morphology, connected components and small-object removal) are
in :mod:`semscan._morphology`.

Where two parts of semscan did the same job with different numbers (a border rule, a
tie-break), both behaviours are kept behind one explicit keyword, so that results do not
change and the difference is visible at the call site:

* ``blur(..., border=)``: ``'reflect'`` (``cba|abcd|dcb``, segmentation), ``'reflect101'``
  (``dcb|abcd|cba``, OpenCV's default), ``'replicate'`` (``aaa|abcd|ddd``, cross-sections
  and the linear-intercept smoothing);
* ``blur(..., factor=)`` with :func:`coarse_factor`: blur a block-averaged copy for large
  sigmas (the film detector keeps >= 64 samples a side, the segmentation verdict >= 32);
* ``otsu(..., flavour=)``: ``'plateau'`` (semscan's 256-bin histogram, the middle of a
  plateau of equal scores: an empty gap between two modes is cut in its middle) or
  ``'skimage'`` (scikit-image's ``threshold_otsu``: its own histogram, the first bin of a
  plateau).

All functions take NumPy arrays and return new arrays; OpenCV does the work.
"""

from __future__ import annotations

from typing import Literal, get_args

import cv2
import numpy as np

from semscan._options import check_choice
from semscan.errors import ConfigError

__all__ = [
    "block_mean",
    "blur",
    "coarse_factor",
    "histogram",
    "masked_blur",
    "otsu",
    "otsu_of_histogram",
    "stretch",
]

Border = Literal["reflect", "reflect101", "replicate"]
_BORDERS = {
    "reflect": cv2.BORDER_REFLECT,
    "reflect101": cv2.BORDER_REFLECT_101,
    "replicate": cv2.BORDER_REPLICATE,
}
OtsuFlavour = Literal["plateau", "skimage"]
Plateau = Literal["middle", "first"]
#: (counts, bin centres) of :func:`histogram`.
Histogram = tuple[np.ndarray, np.ndarray]
#: Bins of semscan's grey-level histograms.
NBINS = 256


def block_mean(
    x: np.ndarray,
    factor: int,
    *,
    partial: Literal["drop", "spread"] = "drop",
    engine: Literal["opencv", "numpy"] = "opencv",
) -> np.ndarray:
    """Means over ``factor x factor`` blocks (OpenCV area resampling).

    Parameters
    ----------
    x : ndarray, shape (rows, columns)
        float32 or float64 values (OpenCV keeps the dtype).
    factor : int
        Block side in px, >= 1.
    partial : {'drop', 'spread'}
        ``'drop'``: the last partial row and column of blocks are dropped, so every output
        pixel is the mean of exactly ``factor**2`` pixels; ``'spread'``: the whole image is
        resampled to ``(rows // factor, columns // factor)``, so the partial blocks are
        spread over their neighbours. An image smaller than one block (or ``factor`` 1) is
        always resampled whole.
    engine : {'opencv', 'numpy'}
        ``'numpy'``: the float32 mean of each block by ``reshape`` (``partial='drop'`` only,
        on an image of at least one block a side); it differs from OpenCV's in the last bit
        (about 6e-8), which decides ties of a mask's block fractions at 0.5.

    Returns
    -------
    ndarray, shape (max(1, rows // factor), max(1, columns // factor))

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(16, dtype=np.float32).reshape(4, 4)
    >>> block_mean(x, 2).tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    >>> block_mean(np.ones((5, 5), np.float32), 2).shape
    (2, 2)
    """
    check_choice("partial", partial, ("drop", "spread"))
    check_choice("engine", engine, ("opencv", "numpy"))
    rows, cols = x.shape
    r, c = max(1, rows // factor), max(1, cols // factor)
    if engine == "numpy":
        if partial != "drop" or rows < factor or cols < factor:
            raise ConfigError(f"block_mean(engine='numpy') needs partial='drop' and blocks "
                              f"that fit: got partial={partial!r}, factor {factor} for shape "
                              f"{x.shape}; use engine='opencv'")
        m = x[: r * factor, : c * factor].astype(np.float32)
        return m.reshape(r, factor, c, factor).mean(axis=(1, 3))
    if partial == "spread" or factor == 1 or rows < factor or cols < factor:
        return cv2.resize(x, (c, r), interpolation=cv2.INTER_AREA)
    # an exact integer scale takes OpenCV's fast area-averaging path
    return cv2.resize(x[: r * factor, : c * factor], (c, r), interpolation=cv2.INTER_AREA)


def coarse_factor(
    sigma: float,
    shape: tuple[int, ...],
    *,
    min_side: int = 64,
    sigma_per_factor: float = 4.0,
    from_sigma: float = 8.0,
) -> int:
    """Block size for blurring a downsampled copy: ``floor(sigma / sigma_per_factor)``,
    at most ``min(shape) // min_side`` (so that >= ``min_side`` samples remain a side),
    1 below ``from_sigma`` px.

    A sigma of 4 px or more on the coarse grid keeps the low-pass within a few per cent of
    the full-resolution blur, at a fraction of the cost.

    Examples
    --------
    >>> coarse_factor(20.0, (1000, 1000)), coarse_factor(20.0, (100, 1000))
    (5, 1)
    >>> coarse_factor(20.0, (100, 1000), min_side=32), coarse_factor(6.0, (1000, 1000))
    (3, 1)
    """
    if sigma < from_sigma:
        return 1
    return max(1, min(int(sigma // sigma_per_factor), min(shape[:2]) // min_side))


def blur(
    x: np.ndarray,
    sigma: float,
    *,
    border: Border = "reflect",
    factor: int = 1,
    dtype: type | None = np.float32,
) -> np.ndarray:
    """Gaussian blur of a 2-D array.

    Parameters
    ----------
    x : ndarray, shape (rows, columns)
    sigma : float
        Standard deviation in px (of the full-resolution image).
    border : {'reflect', 'reflect101', 'replicate'}
        How the image is continued past its edge: ``'reflect'`` ``cba|abcd|dcb``,
        ``'reflect101'`` ``dcb|abcd|cba`` (OpenCV's default), ``'replicate'``
        ``aaa|abcd|ddd``.
    factor : int
        1: the exact blur. > 1: the image is block-averaged by ``factor``
        (:func:`block_mean` with ``partial='spread'``), blurred with ``sigma / factor`` and
        bilinearly upsampled (see :func:`coarse_factor`).
    dtype : numpy dtype or None
        The array is converted to it first (float32 by default); None keeps ``x``'s dtype.

    Returns
    -------
    ndarray, same shape as ``x``

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((9, 9), np.float32); x[4, 4] = 1.0
    >>> y = blur(x, 1.0)
    >>> round(float(y.sum()), 4), round(float(y[4, 4]), 4)
    (1.0, 0.1592)
    >>> ramp = np.tile(np.arange(8, dtype=np.float32), (8, 1))
    >>> [round(float(blur(ramp, 1.0, border=b)[0, 0]), 3) for b in ("reflect", "replicate")]
    [0.427, 0.364]
    """
    check_choice("border", border, tuple(_BORDERS))
    b = _BORDERS[border]
    if dtype is not None:
        x = np.ascontiguousarray(x, dtype=dtype)
    if factor > 1:
        rows, cols = x.shape
        small = block_mean(x, factor, partial="spread")
        small = cv2.GaussianBlur(small, (0, 0), sigma / factor, borderType=b)
        return cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR)
    return cv2.GaussianBlur(x, (0, 0), sigma, borderType=b)


def masked_blur(
    values: np.ndarray,
    weight: np.ndarray,
    sigma: float,
    *,
    border: Border = "reflect",
    factor: int = 1,
) -> np.ndarray:
    """Normalised Gaussian convolution: ``blur(values * w) / max(blur(w), 1e-6)``.

    The local weighted mean of ``values`` where ``weight`` (e.g. a Boolean mask of the
    pixels that count) is > 0; pixels with no weight nearby get 0.

    Parameters
    ----------
    values, weight : ndarray, shape (rows, columns)
    sigma, border, factor
        As in :func:`blur`.

    Returns
    -------
    mean : ndarray of float32, shape (rows, columns)
        In the unit of ``values``.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.tile(np.array([1.0, 5.0], np.float32), (8, 4))
    >>> w = np.tile(np.array([True, False]), (8, 4))
    >>> np.allclose(masked_blur(v, w, 2.0), 1.0)
    True
    """
    w = np.asarray(weight, np.float32)
    num = blur(values * w, sigma, border=border, factor=factor)
    den = blur(w, sigma, border=border, factor=factor)
    return num / np.maximum(den, 1e-6)


def histogram(
    values: np.ndarray, *, mask: np.ndarray | None = None, bins: int = NBINS
) -> Histogram | None:
    """Histogram of the (masked) grey levels over their own range (OpenCV, float32).

    The bins span ``[min, max + 1e-6 (max - min))``, so the maximum falls in the last bin.

    Parameters
    ----------
    values : ndarray, shape (rows, columns) or (n,)
        Converted to float32.
    mask : ndarray of bool, optional
        Same shape as ``values``: the pixels that count. None counts all.
    bins : int
        Number of bins.

    Returns
    -------
    (counts, centers) : ndarrays of float64, shape (bins,), or None
        None when the mask selects nothing or the selected values span less than 1e-6.

    Examples
    --------
    >>> import numpy as np
    >>> counts, centers = histogram(np.array([0.0, 0.0, 1.0], np.float32), bins=4)
    >>> counts.tolist(), [round(float(c), 3) for c in centers]
    ([2.0, 0.0, 0.0, 1.0], [0.125, 0.375, 0.625, 0.875])
    >>> histogram(np.ones(5, np.float32)) is None
    True
    """
    img = np.ascontiguousarray(values, dtype=np.float32)
    m = None
    if mask is not None:
        mask = np.ascontiguousarray(mask, dtype=bool)
        if not mask.any():
            return None
        if not mask.all():
            m = mask.view(np.uint8)
    lo, hi, _, _ = cv2.minMaxLoc(img, m)
    if hi - lo < 1e-6:
        return None
    top = hi + (hi - lo) * 1e-6
    counts = cv2.calcHist([img], [0], m, [bins], [lo, top]).ravel().astype(np.float64)
    centers = lo + (np.arange(bins) + 0.5) * (top - lo) / bins
    return counts, centers


def otsu_of_histogram(
    counts: np.ndarray, centers: np.ndarray, *, plateau: Plateau = "middle"
) -> float:
    """Otsu's threshold of a histogram: the bin centre that maximises the between-class
    variance.

    Parameters
    ----------
    counts, centers : ndarray, shape (bins,)
    plateau : {'middle', 'first'}
        When several consecutive thresholds score the same (within 1e-9 relative: an empty
        gap between two modes), ``'middle'`` takes the middle of that plateau (semscan),
        ``'first'`` its first bin (as scikit-image's ``threshold_otsu``).

    Returns
    -------
    threshold : float
        A bin centre, or the mean of two: class 1 is the bins up to it.

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.array([5.0, 0, 0, 0, 5]); centers = np.arange(5.0)
    >>> otsu_of_histogram(counts, centers), otsu_of_histogram(counts, centers, plateau="first")
    (1.5, 0.0)
    """
    check_choice("plateau", plateau, ("middle", "first"))
    w1 = np.cumsum(counts)
    w2 = np.cumsum(counts[::-1])[::-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        m1 = np.cumsum(counts * centers) / w1
        m2 = (np.cumsum((counts * centers)[::-1]) / w2[::-1])[::-1]
        var = w1[:-1] * w2[1:] * (m1[:-1] - m2[1:]) ** 2
    var = np.nan_to_num(var, nan=-1.0)
    best = int(np.argmax(var))
    end = best
    if plateau == "middle":
        while end + 1 < var.size and var[end + 1] >= var[best] * (1 - 1e-9):
            end += 1
    return float(0.5 * (centers[best] + centers[end]))


def otsu(
    values: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    flavour: OtsuFlavour = "plateau",
) -> float:
    """Otsu's global threshold of the (masked) values.

    Parameters
    ----------
    values : ndarray
        Grey levels (an image, or the selected values).
    mask : ndarray of bool, optional
        Same shape as ``values``: the pixels that count.
    flavour : {'plateau', 'skimage'}
        ``'plateau'``: :func:`otsu_of_histogram` (middle of a plateau) of the 256-bin
        :func:`histogram` (float32); segmentation and preprocessing use it. A constant
        selection gives its value, an empty one 0.0. ``'skimage'``: scikit-image's
        ``threshold_otsu`` of the finite values (its 256-bin float64 histogram, the first
        bin of a plateau); the cross-section film detector uses it. A constant selection
        gives its mean, an empty one 0.0. The two differ by up to about one bin width.

    Returns
    -------
    threshold : float
        In the unit of ``values``; a pixel is above it or not.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.1] * 50 + [0.9] * 50, np.float32)
    >>> round(otsu(x), 3), round(otsu(x, flavour="skimage"), 3)
    (0.498, 0.102)
    """
    check_choice("flavour", flavour, get_args(OtsuFlavour))
    if flavour == "skimage":
        from skimage.filters import threshold_otsu

        vals = np.asarray(values) if mask is None else np.asarray(values)[mask]
        finite = np.isfinite(vals)
        if not finite.all():  # else no copy of the values (all of them)
            vals = vals[finite]
        del finite
        if vals.size == 0 or np.ptp(vals) < 1e-12:
            return float(vals.mean()) if vals.size else 0.0
        # threshold_otsu(vals) from the histogram it makes (np.histogram of 256 bins over
        # the values' range: its first and last bins are not empty, so none is trimmed),
        # without its flattened copy of the values
        counts, edges = np.histogram(vals.ravel(), bins=256)
        return float(threshold_otsu(hist=(counts, (edges[:-1] + edges[1:]) / 2.0)))
    hist = histogram(values, mask=mask)
    if hist is None:
        sel = np.asarray(values, np.float32)
        sel = sel if mask is None else sel[np.asarray(mask, bool)]
        return float(sel.min()) if sel.size else 0.0
    return otsu_of_histogram(*hist)


def stretch(img: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Grey levels mapped so that the valid pixels' 1st and 99th percentiles go to 0 and 1,
    clipped to [-0.5, 1.5]; zeros for an empty or constant selection.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(0.0, 1.0, 101)
    >>> [round(float(v), 3) for v in stretch(x, np.ones(101, bool))[[0, 50, 100]]]
    [-0.01, 0.5, 1.01]
    """
    vals = img[valid]
    if vals.size == 0:
        return np.zeros_like(img)
    lo, hi = np.percentile(vals, [1, 99])
    if hi - lo < 1e-9:
        return np.zeros_like(img)
    return np.clip((img - lo) / (hi - lo), -0.5, 1.5)
