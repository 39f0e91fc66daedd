"""The segmentation verdict's local means of the normalised grey, in bounded memory.

:mod:`semscan.segment.verdict` judges a segmentation by signals of its grey image; the
heavy ones are local means over a phase (:func:`_masked_mean`, coarse for a large sigma)
and the median local step between the phases' means (:func:`_local_step`, made strip by
strip so that no full-size mean is held). The normalised grey is made on demand, band by
band (:class:`_Normalised`, :func:`_bands`). Private to the verdict; the same operations
in the same order as the full-size forms, so the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from semscan._ndimage import block_mean, coarse_factor
from semscan._tiled import median_f32, row_bands, upsample_strips

_BAND_HALO = 12  # rows: the sigma-2 blur reaches 8, the sigma-1 blur and Sobel 4 + 1
_BAND_PIXELS = 1 << 18  # a band's filter temporaries: a few MB, a few % of a 2 Mpx image
_STRIP_PIXELS = 1 << 17  # column strips of the coarse means (a few float32 and int32 each)


def _bands(rows: int, cols: int) -> Iterator[tuple[int, int, int, int]]:
    """Row bands ``(r0, r1, a, b)`` of about :data:`_BAND_PIXELS` with a
    :data:`_BAND_HALO` (:func:`semscan._tiled.row_bands`)."""
    return row_bands(rows, cols, halo=_BAND_HALO, pixels=_BAND_PIXELS)


@dataclass(frozen=True, eq=False)
class _Normalised:
    """The grey normalised to its 1-99 % range over the valid pixels, made on demand.

    ``rows(a, b)`` is rows ``a:b`` of ``clip((img - lo) / (hi - lo), -0.5, 1.5)`` (0 off
    ``valid``) in float32: elementwise, so rows made band by band are those of the whole
    image, and no full-size normalised copy is kept."""

    img: np.ndarray
    valid: np.ndarray
    lo: float
    hi: float

    @property
    def shape(self) -> tuple[int, int]:
        return self.img.shape  # type: ignore[return-value]

    def rows(self, a: int, b: int) -> np.ndarray:
        # (img - lo) / (hi - lo) clipped, in place in float32 (the same operations)
        g0 = np.subtract(self.img[a:b], self.lo, dtype=np.float32)
        np.divide(g0, self.hi - self.lo, out=g0)
        np.clip(g0, -0.5, 1.5, out=g0)
        np.copyto(g0, 0.0, where=~self.valid[a:b])
        return g0


def _masked_mean(g: _Normalised | np.ndarray, w: np.ndarray, sigma: float) -> np.ndarray:
    """Local mean of ``g`` (an array or the normalised grey) over ``w`` (reflecting border;
    >= 32 samples a side when coarse).

    :func:`~semscan._ndimage.masked_blur`'s operations in the same order, with at most two
    full-size float32 arrays alive (its temporaries are freed or reused in place; when
    coarse, the product and the weight are block-averaged one after the other)."""
    rows, cols = g.shape
    small = _masked_mean_small(g, w, sigma)
    if small is not None:
        num_small, den_small = small
        num = cv2.resize(num_small, (cols, rows), interpolation=cv2.INTER_LINEAR)
        den = cv2.resize(den_small, (cols, rows), interpolation=cv2.INTER_LINEAR)
        np.maximum(den, 1e-6, out=den)
        np.divide(num, den, out=num)
        return num
    num = _product(g, w)
    wf = np.asarray(w, np.float32)
    cv2.GaussianBlur(num, (0, 0), sigma, dst=num, borderType=cv2.BORDER_REFLECT)
    den = wf.copy() if wf is w else wf  # a bool weight was converted: blur it in place
    del wf
    cv2.GaussianBlur(den, (0, 0), sigma, dst=den, borderType=cv2.BORDER_REFLECT)
    np.maximum(den, 1e-6, out=den)
    return np.divide(num, den, out=num)


def _product(g: _Normalised | np.ndarray, w: np.ndarray) -> np.ndarray:
    """``x * w`` (w cast to float32, as a float32 copy of it would be), band by band."""
    rows, cols = g.shape
    num = np.empty((rows, cols), np.float32)
    for r0, r1, _, _ in _bands(rows, cols):
        x = g.rows(r0, r1) if isinstance(g, _Normalised) else g[r0:r1]
        np.multiply(x, w[r0:r1], dtype=np.float32, out=num[r0:r1])
    return num


def _masked_mean_small(
    g: _Normalised | np.ndarray, w: np.ndarray, sigma: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """The blurred block means of ``x * w`` and ``w`` that :func:`_masked_mean` resizes to
    the full size when it works coarse (None when it does not)."""
    factor = coarse_factor(sigma, g.shape, min_side=32)
    if factor <= 1:
        return None
    # the product block-averaged, then the weight: one full-size float32 at a time
    num = _product(g, w)
    num_small = block_mean(num, factor, partial="spread")
    del num
    wf = np.asarray(w, np.float32)
    den_small = block_mean(wf, factor, partial="spread")
    del wf
    num_small = cv2.GaussianBlur(num_small, (0, 0), sigma / factor,
                                 borderType=cv2.BORDER_REFLECT)
    den_small = cv2.GaussianBlur(den_small, (0, 0), sigma / factor,
                                 borderType=cv2.BORDER_REFLECT)
    return num_small, den_small


def _local_step(
    g: _Normalised, s: np.ndarray, p: np.ndarray, valid: np.ndarray, sigma: float
) -> float:
    """``median(|_masked_mean(g, s, sigma) - _masked_mean(g, p, sigma)|[valid])`` (NumPy's
    float32 median), the two local means made strip by strip when coarse
    (:func:`~semscan._tiled.upsample_strips`, OpenCV's own values) and only their
    difference at the valid pixels kept: the same number without two full-size float32
    maps and their two resized weights. (The median is of the values, whatever their
    order.)"""
    small_s = _masked_mean_small(g, s, sigma)
    if small_s is None:
        ms = _masked_mean(g, s, sigma)
        mp = _masked_mean(g, p, sigma)
        np.subtract(ms, mp, out=ms)
        del mp
        np.abs(ms, out=ms)
        return median_f32(ms[valid])  # float(np.median(...)) of the float32 values
    small_p = _masked_mean_small(g, p, sigma)
    assert small_p is not None
    shape = g.shape
    out = np.empty(int(np.count_nonzero(valid)), np.float32)
    every = out.size == valid.size  # every pixel: each strip's values written in place
    whole = out.reshape(shape) if every else None
    pos = 0
    strips = zip(*(upsample_strips(x, shape, pixels=_STRIP_PIXELS)
                   for x in (*small_s, *small_p)), strict=True)
    for (c0, c1, ms), (_, _, den_s), (_, _, mp), (_, _, den_p) in strips:
        np.maximum(den_s, 1e-6, out=den_s)
        np.divide(ms, den_s, out=ms)
        np.maximum(den_p, 1e-6, out=den_p)
        np.divide(mp, den_p, out=mp)
        np.subtract(ms, mp, out=ms)
        if whole is not None:
            np.abs(ms, out=whole[:, c0:c1])
            continue
        np.abs(ms, out=ms)
        sel = ms[valid[:, c0:c1]]
        out[pos : pos + sel.size] = sel
        pos += sel.size
    return median_f32(out)  # float(np.median(out)) of the float32 values


def _local_mean_at(g: _Normalised, w: np.ndarray, sigma: float) -> np.ndarray:
    """``_masked_mean(g, w, sigma)[w]`` for a mask ``w``: the local mean at the masked
    pixels in raster order, made strip by strip when coarse (each strip's values written
    at their raster positions), so the same array without the full-size mean and its
    resized weight."""
    small = _masked_mean_small(g, w, sigma)
    if small is None:
        return _masked_mean(g, w, sigma)[w]
    rows, cols = g.shape
    strips = zip(*(upsample_strips(x, (rows, cols), pixels=_STRIP_PIXELS) for x in small),
                 strict=True)
    if w.all():  # every pixel, in raster order: each strip written in place
        whole = np.empty((rows, cols), np.float32)
        for (c0, c1, num), (_, _, den) in strips:
            np.maximum(den, 1e-6, out=den)
            np.divide(num, den, out=whole[:, c0:c1])
        return whole.ravel()
    per_row = np.count_nonzero(w, axis=1)
    at = np.zeros(rows, np.int64)  # raster position of each row's next selected pixel
    np.cumsum(per_row[:-1], out=at[1:])
    out = np.empty(int(per_row.sum()), np.float32)
    itype = np.int32 if out.size < 2**31 else np.int64
    for (c0, c1, num), (_, _, den) in strips:
        np.maximum(den, 1e-6, out=den)
        np.divide(num, den, out=num)
        ws = w[:, c0:c1]
        pos = np.cumsum(ws, axis=1, dtype=itype)  # 1, 2, ... along each strip row
        last = pos[:, -1].astype(np.int64)
        pos += (at - 1).astype(itype)[:, None]  # the raster positions
        out[pos[ws]] = num[ws]
        at += last
    return out
