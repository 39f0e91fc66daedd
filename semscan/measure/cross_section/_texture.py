"""The texture split of a cross-section: textured specimen versus flat background.

The first step of film detection (:func:`semscan.measure.cross_section.detect_film`) and of
the view detector (:mod:`semscan.measure.view`): the specimen is where the image has texture
at a scale of a few pore sizes (local grey-level standard deviation smoothed over ~1.5
characteristic feature lengths), so that a dark vacuum or a uniform grey embedding is found
without relying on a single pixel's grey.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from semscan.errors import MeasurementError


# --------------------------------------------------------------------------- helpers
def _as_image(image: np.ndarray) -> np.ndarray:
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2:
        raise MeasurementError(f"a cross-section image must be 2-D, got shape {img.shape}")
    return img


def _normalise(img: np.ndarray, valid: np.ndarray) -> np.ndarray:
    vals = img[valid]
    if vals.size == 0:
        return np.zeros_like(img)
    lo, hi = np.percentile(vals, [1, 99])
    if hi - lo < 1e-9:
        return np.zeros_like(img)
    return np.clip((img - lo) / (hi - lo), -0.5, 1.5)


def _blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur (edge-replicating border, float32), downsampled for large sigma.

    For ``sigma >= 8`` px the image is box-averaged by ``f = floor(sigma / 4)`` (at most
    ``min(shape) // 64``, so that >= 64 samples remain) with ``cv2.INTER_AREA``, blurred with
    ``sigma / f`` and bilinearly upsampled: the same low-pass to within a few per cent of
    the field, at a fraction of the cost.
    """
    import cv2

    x = np.ascontiguousarray(x, dtype=np.float32)
    rows, cols = x.shape
    f = min(int(sigma // 4), min(rows, cols) // 64) if sigma >= 8.0 else 1
    if f > 1:
        small = cv2.resize(x, (max(1, cols // f), max(1, rows // f)),
                           interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), sigma / f, borderType=cv2.BORDER_REPLICATE)
        return cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR)
    return cv2.GaussianBlur(x, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)


def _masked_gauss(values: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    w = np.asarray(weight, np.float32)
    num = _blur(values * w, sigma)
    den = _blur(w, sigma)
    return (num / np.maximum(den, 1e-6)).astype(np.float64)


def _local_std(g: np.ndarray, valid: np.ndarray, sigma: float) -> np.ndarray:
    w = valid.astype(np.float32)
    m = _masked_gauss(g, w, sigma)
    m2 = _masked_gauss(g * g, w, sigma)
    return np.sqrt(np.clip(m2 - m * m, 0.0, None))


def _otsu(values: np.ndarray) -> float:
    from skimage.filters import threshold_otsu

    values = values[np.isfinite(values)]
    if values.size == 0 or np.ptp(values) < 1e-12:
        return float(values.mean()) if values.size else 0.0
    return float(threshold_otsu(values))


def _feature_length_px(
    g: np.ndarray, valid: np.ndarray, pore: np.ndarray | None, *, textured: bool = False
) -> float:
    """Characteristic feature length: pixels per phase transition along rows and columns.

    ``textured=True`` counts only the 32 x 32 tiles whose transition density is at least a
    fifth of the 90th percentile's, so that a flat background (vacuum, embedding) does not
    lengthen the specimen's feature length.
    """
    if pore is not None:
        b = np.asarray(pore, bool)
    else:
        b = g > _otsu(g[valid])
    both_r = valid[:, 1:] & valid[:, :-1]
    both_c = valid[1:, :] & valid[:-1, :]
    tr_map = (b[:, 1:] != b[:, :-1]) & both_r
    tc_map = (b[1:, :] != b[:-1, :]) & both_c
    tile = 32
    rows, cols = g.shape
    if textured and rows >= 2 * tile and cols >= 2 * tile:
        nr, nc = (rows - 1) // tile, (cols - 1) // tile

        def tiles(m: np.ndarray) -> np.ndarray:
            m = m[: nr * tile, : nc * tile].reshape(nr, tile, nc, tile)
            return m.sum(axis=(1, 3), dtype=np.int64)

        t_tr = tiles(tr_map) + tiles(tc_map)
        t_n = tiles(both_r) + tiles(both_c)
        dens = t_tr / np.maximum(t_n, 1)
        sel = (t_n > 0) & (dens >= 0.2 * np.quantile(dens[t_n > 0], 0.9))
        if sel.any() and t_tr[sel].sum() > 0:
            length = t_n[sel].sum() / t_tr[sel].sum()
            return float(np.clip(length, 2.0, max(2.0, min(g.shape) / 10.0)))
    tr = np.count_nonzero(tr_map)
    tc = np.count_nonzero(tc_map)
    n = np.count_nonzero(both_r) + np.count_nonzero(both_c)
    length = n / max(tr + tc, 1)
    return float(np.clip(length, 2.0, max(2.0, min(g.shape) / 10.0)))


@dataclass(frozen=True)
class _Background:
    """Coarse split of an image into textured specimen and flat background."""

    background: np.ndarray  # bool, flat regions touching the border
    texture_ratio: float  # median texture of background / of specimen (1 if none)
    background_fraction: float
    feature_px: float
    sigma_px: float
    g: np.ndarray  # normalised, lightly smoothed image
    valid: np.ndarray
    found: bool
    reason: str


def _coarse_background(
    image: np.ndarray, excluded: np.ndarray | None, pore: np.ndarray | None
) -> _Background:
    img = _as_image(image)
    valid = np.ones(img.shape, bool) if excluded is None else ~np.asarray(excluded, bool)
    if excluded is not None and np.asarray(excluded).shape != img.shape:
        raise MeasurementError(
            f"excluded mask shape {np.asarray(excluded).shape} differs from image {img.shape}"
        )
    g = _blur(_normalise(img, valid), 1.0).astype(np.float64)
    if np.count_nonzero(valid) < 64 or np.ptp(g[valid]) < 1e-6:
        return _Background(np.zeros(img.shape, bool), 1.0, 0.0, 2.0, 3.0, g, valid, False,
                           "constant or empty image: no texture to tell specimen from background")
    feat = _feature_length_px(g, valid, pore, textured=True)
    sigma = float(np.clip(feat, 3.0, max(3.0, min(img.shape) / 8.0)))
    tex = _local_std(g, valid, sigma)
    thr = _otsu(tex[valid])
    low = (tex < thr) & valid
    # only flat regions of some size that touch the image border (or the excluded area)
    low = _open(low, max(1.0, sigma / 2.0))
    lab, n = ndi.label(low)
    border = np.zeros(img.shape, bool)
    border[[0, -1], :] = True
    border[:, [0, -1]] = True
    border |= ndi.binary_dilation(~valid, iterations=1)
    keep = np.zeros(n + 1, bool)
    if n:
        touching = np.unique(lab[border & (lab > 0)])
        sizes = np.bincount(lab.ravel(), minlength=n + 1)
        min_size = 0.01 * np.count_nonzero(valid)
        keep[touching] = True
        keep &= sizes >= min_size
        keep[0] = False
    bg = keep[lab]
    n_valid = max(np.count_nonzero(valid), 1)
    frac = np.count_nonzero(bg) / n_valid
    spec = valid & ~bg
    if frac == 0 or np.count_nonzero(spec) == 0:
        return _Background(bg, 1.0, float(frac), feat, sigma, g, valid, False,
                           "texture is similar everywhere (no flat region at the border)")
    ratio = float(np.median(tex[bg]) / max(np.median(tex[spec]), 1e-9))
    spec_frac = np.count_nonzero(spec) / n_valid
    # A flat region that covers most of the field is more likely a smooth specimen with a
    # textured defect (a crack, a particle) than the vacuum beside a thin film: the less
    # of the field the "specimen" covers, the flatter the background must be (35 % of the
    # specimen's texture when the specimen covers >= 40 % of the field, proportionally
    # less below; a vacuum or embedding background keeps < 10 %).
    max_ratio = 0.35 * min(1.0, spec_frac / 0.4)
    found = ratio < max_ratio and frac >= 0.02 and spec_frac >= 0.1
    if found:
        reason = (f"flat region at the border ({100 * frac:.0f}% of the field) with "
                  f"{100 * ratio:.0f}% of the specimen's texture")
    else:
        reason = (f"no flat background: the flattest border region ({100 * frac:.0f}% of the "
                  f"field) keeps {100 * ratio:.0f}% of the texture (< {100 * max_ratio:.0f}% "
                  "needed)")
    return _Background(bg if found else np.zeros(img.shape, bool), ratio, float(frac), feat,
                       sigma, g, valid, found, reason)


def _edt(mask: np.ndarray) -> np.ndarray:
    """Exact Euclidean distance of each True pixel to the nearest False one (cv2)."""
    import cv2

    return cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)


def _dilate(mask: np.ndarray, r: float) -> np.ndarray:
    if not mask.any():
        return mask.copy()
    return _edt(~mask) <= r


def _erode(mask: np.ndarray, r: float) -> np.ndarray:
    if mask.all():
        return mask.copy()
    return _edt(mask) > r


def _erode_l1(mask: np.ndarray, n: int) -> np.ndarray:
    """``ndi.binary_erosion(mask, iterations=n)`` (4-connected, outside = False), fast."""
    import cv2

    big = np.pad(mask, 1).astype(np.uint8)
    d = cv2.distanceTransform(big, cv2.DIST_L1, 3)[1:-1, 1:-1]
    return d > n


def _open(mask: np.ndarray, r: float) -> np.ndarray:
    """Opening by a disc of radius ``r`` (Euclidean distance transforms, fast for large r)."""
    return _dilate(_erode(mask, r), r)


_CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8)


def _dilate_cross(mask: np.ndarray) -> np.ndarray:
    """``ndi.binary_dilation(mask)`` (3 x 3 cross), fast."""
    import cv2

    return cv2.dilate(mask.astype(np.uint8), _CROSS) > 0


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """``ndi.binary_fill_holes`` (4-connected background) by labelling, fast."""
    lab, n = ndi.label(~mask)
    if n == 0:
        return mask.copy()
    border = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    outside = np.zeros(n + 1, bool)
    outside[border] = True
    outside[0] = False
    return ~outside[lab]

