"""Flat regions of a micrograph that touch its border: vacuum, embedding, a blank margin.

:func:`flat_regions` splits the grey image into flat and textured parts as the
cross-section film detector does (:mod:`semscan.measure.cross_section._texture`: local
grey-level SD over about one feature length, cut by Otsu, opened), band by band in float32
(about 8 bytes per pixel; the statistics are those of the float64 values, see
:mod:`semscan._tiled`), and keeps the regions >= 1 % of the field that touch the image
border or the excluded area, with their textures and grey levels. It is the evidence
:func:`semscan.measure.view.detect_view` starts from (split from :mod:`semscan.measure.view`).

A flat region that the film detector takes as a dense layer of the specimen (a layer whose
pores closed, between the textured film and a darker vacuum and as bright as the film's
solid: :func:`~semscan.measure.cross_section._texture._dense_layers`) is specimen here
too, not a flat region; the textures are then over the textured specimen's, and each
flat region's is its local SD over its own pixels (a vacuum strip beside the layer's grey
step would otherwise keep 40-49 % of the texture).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from semscan._morphology import labels_and_areas, open_disc
from semscan._ndimage import coarse_factor, masked_blur
from semscan._tiled import (
    BAND_PIXELS,
    masked_percentiles,
    median,
    otsu_skimage,
    row_bands,
    tile_counts,
    upsample_rows,
)
from semscan.measure.cross_section._texture import _dense_layers, region_levels

__all__ = ["flat_regions"]


def flat_regions(
    img: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray, float, float] | None:
    """Flat regions touching the border (labelled), the textured rest, their textures and
    grey levels (of the normalised image).

    The same split as the cross-section film detector: local grey-level SD over about one
    feature length, cut by Otsu, opened, and only regions >= 1 % of the field that touch
    the image border or the excluded area; a dense layer of the specimen (see the module
    text) is specimen, not a region. Returns None for a constant or empty image.

    Memory: float32 maps (the normalised grey and the texture, about 8 bytes per pixel;
    12 when a dense layer is found, with the flat regions' own texture, and a few bool maps),
    filtered band by band; the statistics are those of the float64 values (see
    :mod:`semscan._tiled`). The only rounding to float32 is the texture's.
    """
    n_valid = int(np.count_nonzero(valid))
    if n_valid < 64:
        return None
    stretch_range = masked_percentiles(img, valid, (1, 99))
    g = _grey(img, stretch_range)
    lo, hi, _, _ = cv2.minMaxLoc(g, valid.view(np.uint8))
    if hi - lo < 1e-6:
        return None
    feat = _feature_length(g, valid)
    sigma = float(np.clip(feat, 3.0, max(3.0, min(img.shape) / 8.0)))
    tex = _local_std(g, valid, sigma)
    del g  # made again for the grey levels of the kept regions, once they are few
    low = tex < np.float64(otsu_skimage(tex, valid))
    low &= valid
    low = open_disc(low, max(1.0, sigma / 2.0))
    lab, sizes = _label4(low)
    del low
    n = len(sizes) - 1
    keep = np.zeros(n + 1, bool)
    keep[_border_labels(lab, valid)] = True
    keep &= sizes >= 0.01 * n_valid
    keep[0] = False
    k = int(keep.sum())
    # relabel the kept regions 1..k (>= 1 % of the field each: k <= 100, one byte), in
    # the raster order of their first pixels (scipy.ndimage.label's numbering)
    kept = np.flatnonzero(keep)
    first = _first_pixels(lab, kept)
    new = np.zeros(n + 1, np.uint8)
    new[kept[np.argsort(first, kind="stable")]] = np.arange(1, k + 1)
    small = np.empty(lab.shape, np.uint8)
    for r0, r1, _, _ in row_bands(*lab.shape):
        small[r0:r1] = new[lab[r0:r1]]
    del lab
    lab = small
    textured = valid & (lab == 0)
    if not k or not textured.any():
        return np.zeros(img.shape, np.int32), 0, textured, np.ones(1), np.zeros(1), 0.0, 1.0
    g = _grey(img, stretch_range)
    # a flat region between the textured specimen and a darker flat region, as bright as
    # the specimen's solid, is a dense (closed) layer of the specimen, as in the film
    # detector (:func:`~semscan.measure.cross_section._texture._dense_layers`)
    grey_levels = region_levels(g, lab, np.arange(1, k + 1)) if k >= 2 else None
    dense = _dense_layers(g, lab, np.r_[False, np.ones(k, bool)], textured, sigma,
                          levels=grey_levels)
    if dense.any():
        new = np.zeros(k + 1, np.uint8)
        rest = np.flatnonzero(~dense[1:]) + 1
        new[rest] = np.arange(1, len(rest) + 1)
        lab = new[lab]
        k = len(rest)
    bg = lab > 0
    spec = valid & ~bg
    if not k:
        return np.zeros(img.shape, np.int32), 0, spec, np.ones(1), np.zeros(1), 0.0, 1.0
    # texture of each over the textured specimen's (a dense layer, flat too, is specimen
    # but not the texture the background is compared with)
    ref = max(median(tex[textured]), 1e-9)
    textures, levels = np.ones(k + 1), np.zeros(k + 1)
    # beside a dense layer the background may be a thin strip (a vacuum over the film)
    # within the local SD's window of the layer's grey step, which is as high as the
    # specimen's phase contrast: its texture is then taken over its own pixels only
    own = _local_std(g, bg, sigma) if dense.any() else tex
    for i in range(1, k + 1):
        textures[i] = median(own[lab == i]) / ref
        # (the dense-layer test's levels when it relabelled nothing: the same medians)
        levels[i] = (grey_levels[0][i] if grey_levels is not None and not dense.any()
                     else median(g[lab == i]))
    bg_texture = median(own[bg]) / ref
    del tex, own
    return (lab, k, spec, textures, levels, float(np.count_nonzero(bg) / n_valid),
            float(bg_texture))


def _label4(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """4-connected components of ``mask`` (OpenCV's labels, uint16 when they fit) and the
    pixel count of each label (label 0 the background): the labels alone and a histogram
    of them, about four times as fast as OpenCV's statistics."""
    return labels_and_areas(mask, 4)


def _first_pixels(lab: np.ndarray, labels: np.ndarray) -> list[int]:
    """The flat (raster) index of the first pixel of each of ``labels`` (present in
    ``lab``), one comparison each: for the kept regions (>= 1 % of the field each, so at
    most 100; most often 1-3), ~0.1-0.3 ms a label on 1.5 Mpx."""
    return [int(np.argmax(lab == i)) for i in labels.tolist()]


def _grey(img: np.ndarray, stretch_range: list[float]) -> np.ndarray:
    """The image stretched from ``stretch_range`` (its valid pixels' 1 and 99 %
    percentiles) to [0, 1] in float64 arithmetic, as :func:`~semscan._ndimage.stretch`,
    as float32, blurred with sigma 1 (replicated border)."""
    lo, hi = stretch_range
    g = np.zeros(img.shape, np.float32)
    if hi - lo >= 1e-9:
        for r0, r1, _, _ in row_bands(*img.shape, pixels=BAND_PIXELS // 8):  # elementwise
            x = img[r0:r1].astype(np.float64)
            x -= lo
            x /= hi - lo
            g[r0:r1] = np.clip(x, -0.5, 1.5, out=x)
    return cv2.GaussianBlur(g, (0, 0), 1.0, dst=g, borderType=cv2.BORDER_REPLICATE)


def _feature_length(g: np.ndarray, valid: np.ndarray) -> float:
    """:func:`~semscan.measure.cross_section._texture._feature_length_px` with
    ``pore=None, textured=True`` (the same integer counts), band by band."""
    thr = np.float64(otsu_skimage(g, valid))
    rows, cols = g.shape
    tile = 32
    tiled = rows >= 2 * tile and cols >= 2 * tile
    nr, nc = (rows - 1) // tile, (cols - 1) // tile
    t_tr = np.zeros((max(nr, 0), max(nc, 0)), np.int64)
    t_n = np.zeros_like(t_tr)
    tr = n = 0
    for r0, r1, _, b_end in row_bands(rows, cols, halo=1, multiple=tile):
        b = g[r0:b_end] > thr
        v = valid[r0:b_end]
        m = r1 - r0
        k = min(r1, rows - 1) - r0  # vertical pairs (r, r + 1) starting in the band
        both_r = v[:m, 1:] & v[:m, :-1]
        tr_map = (b[:m, 1:] != b[:m, :-1]) & both_r
        both_c = v[1:k + 1] & v[:k]
        tc_map = (b[1:k + 1] != b[:k]) & both_c
        tr += np.count_nonzero(tr_map) + np.count_nonzero(tc_map)
        n += np.count_nonzero(both_r) + np.count_nonzero(both_c)
        hi = min(r1, nr * tile) - r0
        if tiled and hi > 0:
            def tiles(x: np.ndarray, hi: int = hi) -> np.ndarray:
                return tile_counts(x[:hi, : nc * tile], tile)

            t0 = r0 // tile
            t_tr[t0:t0 + hi // tile] = tiles(tr_map) + tiles(tc_map)
            t_n[t0:t0 + hi // tile] = tiles(both_r) + tiles(both_c)
    top = max(2.0, min(g.shape) / 10.0)
    if tiled:
        dens = t_tr / np.maximum(t_n, 1)
        sel = (t_n > 0) & (dens >= 0.2 * np.quantile(dens[t_n > 0], 0.9))
        if sel.any() and t_tr[sel].sum() > 0:
            return float(np.clip(t_n[sel].sum() / t_tr[sel].sum(), 2.0, top))
    return float(np.clip(n / max(tr, 1), 2.0, top))


def _local_std(g: np.ndarray, valid: np.ndarray, sigma: float) -> np.ndarray:
    """Local grey-level SD over the valid pixels (as the film detector's
    ``_texture._local_std``: masked Gaussian means of g and g^2, edge-replicating, on a
    block-averaged copy for sigma >= 8 px), band by band; float32."""
    rows, cols = g.shape
    factor = coarse_factor(sigma, g.shape)
    tex = None
    if factor == 1:
        tex = np.empty(g.shape, np.float32)
        halo = math.ceil(4.0 * sigma) + 2  # OpenCV's float kernel: radius <= 4 sigma + 1
        for r0, r1, a, b in row_bands(rows, cols, halo=halo):
            gb, wb = g[a:b], valid[a:b].astype(np.float32)
            m = masked_blur(gb, wb, sigma, border="replicate").astype(np.float64)
            m2 = masked_blur(gb * gb, wb, sigma, border="replicate").astype(np.float64)
            m2 -= np.multiply(m, m, out=m)
            del m
            np.clip(m2, 0.0, None, out=m2)
            tex[r0:r1] = np.sqrt(m2, out=m2)[r0 - a:r1 - a]
        return tex
    # coarse: the block means of g w, g^2 w and w from one full-size scratch, blurred small
    b = cv2.BORDER_REPLICATE
    r, c = max(1, rows // factor), max(1, cols // factor)
    scratch = np.empty(g.shape, np.float32)
    smalls = []
    for fill in ("w", "gw", "ggw"):
        if fill == "w":
            scratch[...] = valid
        elif fill == "gw":
            np.multiply(g, valid, out=scratch)
        else:
            np.multiply(g, g, out=scratch)
            scratch *= valid
        s = cv2.resize(scratch, (c, r), interpolation=cv2.INTER_AREA)
        smalls.append(cv2.GaussianBlur(s, (0, 0), sigma / factor, borderType=b))
    del scratch
    tex = np.empty(g.shape, np.float32)
    # small bands: each holds five band-size temporaries (two float64), about 36 bytes
    # per band pixel; every row is made alone (upsample_rows), so the band size changes
    # no value
    for r0, r1, _, _ in row_bands(rows, cols, pixels=BAND_PIXELS // 8):
        # (the same float32 / float64 operations as den = max(w, 1e-6), m = gw / den,
        # m2 = ggw / den, m2 - m * m, in place)
        den = upsample_rows(smalls[0], g.shape, r0, r1)
        np.maximum(den, np.float32(1e-6), out=den)
        up = upsample_rows(smalls[1], g.shape, r0, r1)
        m = np.divide(up, den, out=up).astype(np.float64)
        up = upsample_rows(smalls[2], g.shape, r0, r1)
        m2 = np.divide(up, den, out=up).astype(np.float64)
        del up, den
        m2 -= np.multiply(m, m, out=m)
        del m
        np.clip(m2, 0.0, None, out=m2)
        tex[r0:r1] = np.sqrt(m2, out=m2)
    return tex


def _border_labels(lab: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Labels (> 0) on the image border or next to (4-neighbour) or in the excluded area."""
    parts = [lab[0], lab[-1], lab[:, 0], lab[:, -1]]
    if not valid.all():
        near = cv2.dilate((~valid).view(np.uint8), _CROSS, borderType=cv2.BORDER_CONSTANT,
                          borderValue=0).view(bool)
        parts.append(lab[near])
    got = np.unique(np.concatenate(parts))
    return got[got > 0]


_CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8)
