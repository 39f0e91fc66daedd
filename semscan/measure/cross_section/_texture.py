"""The texture split of a cross-section: textured specimen versus flat background.

The first step of film detection (:func:`semscan.measure.cross_section.detect_film`) and of
the view detector (:mod:`semscan.measure.view`): the specimen is where the image has texture
at a scale of a few pore sizes (local grey-level standard deviation smoothed over ~1.5
characteristic feature lengths), so that a dark vacuum or a uniform grey embedding is found
without relying on a single pixel's grey.

The image operations come from the private image kits :mod:`semscan._ndimage` and
:mod:`semscan._morphology`, with the cross-section's choices: Gaussian blurs continue the
image by replicating its edge (``border='replicate'``), large ones are computed on a
block-averaged copy (:func:`~semscan._ndimage.coarse_factor`), and Otsu's threshold is
scikit-image's (``flavour='skimage'``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from semscan._morphology import (
    ONE_RADIUS_MAX,
    dilate_disc,
    distance_transform,
    erode_disc,
    grow_cross,
    label_components,
    open_disc,
)
from semscan._ndimage import blur, coarse_factor, masked_blur, otsu, stretch
from semscan._tiled import median
from semscan.errors import MeasurementError


def _as_image(image: np.ndarray) -> np.ndarray:
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2:
        raise MeasurementError(f"a cross-section image must be 2-D, got shape {img.shape}")
    return img


def _grey_median(vals: np.ndarray) -> float:
    """``np.median(vals)`` of float64 values; when they are float32 numbers (the blurred
    grey ``g`` is a float32 image widened), the same number from their float32 copy by
    :func:`semscan._tiled.median` (NumPy's median of the float64 values, by the 16-bit
    histogram for a large non-negative selection)."""
    v32 = vals.astype(np.float32)
    if np.array_equal(v32, vals):
        return median(v32)
    return float(np.median(vals))


def _masked_gauss(values: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    """Local weighted mean, the cross-section way: edge-replicating border, and blurred on a
    block-averaged copy for ``sigma >= 8`` px (>= 64 samples a side); float64."""
    factor = coarse_factor(sigma, np.shape(values))
    return masked_blur(values, weight, sigma, border="replicate", factor=factor).astype(
        np.float64)


def _local_std(g: np.ndarray, valid: np.ndarray, sigma: float) -> np.ndarray:
    w = valid.astype(np.float32)
    m = _masked_gauss(g, w, sigma)
    m2 = _masked_gauss(g * g, w, sigma)
    return np.sqrt(np.clip(m2 - m * m, 0.0, None))


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
        b = g > otsu(g[valid], flavour="skimage")
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


def _local_feature_length_px(g: np.ndarray, valid: np.ndarray, *, tile: int = 32) -> float:
    """Characteristic feature length of the textured part, each tile cut at its own mean.

    Pixels per phase transition along rows and columns of the 32 x 32 tiles (wholly valid)
    whose grey-level SD is at least half the 90th percentile's, each binarised at its own
    mean grey. Unlike one global threshold (:func:`_feature_length_px`), this does not read
    the grey step between two large flat regions (a vacuum and a protective layer, say) as
    the phase contrast, which would make the feature length several times the pore size and
    blur a thin flat layer into the specimen's texture. Falls back on
    :func:`_feature_length_px` for images smaller than two tiles a side.
    """
    rows, cols = g.shape
    nr, nc = rows // tile, cols // tile
    if nr < 2 or nc < 2:
        return _feature_length_px(g, valid, None, textured=True)
    t = g[: nr * tile, : nc * tile].reshape(nr, tile, nc, tile)
    full = valid[: nr * tile, : nc * tile].reshape(nr, tile, nc, tile).all(axis=(1, 3))
    if not full.any():
        return _feature_length_px(g, valid, None, textured=True)
    sd = t.std(axis=(1, 3))
    sel = full & (sd >= 0.5 * np.quantile(sd[full], 0.9)) & (sd > 0)
    if not sel.any():
        return _feature_length_px(g, valid, None, textured=True)
    b = t[sel.nonzero()[0], :, sel.nonzero()[1], :]  # (tiles, tile, tile)
    b = b > b.mean(axis=(1, 2), keepdims=True)
    transitions = np.count_nonzero(b[:, :, 1:] != b[:, :, :-1]) + np.count_nonzero(
        b[:, 1:, :] != b[:, :-1, :])
    pairs = 2 * tile * (tile - 1) * b.shape[0]
    length = pairs / max(transitions, 1)
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
    dense: np.ndarray | None = None  # bool, flat regions taken as dense layers of the specimen
    # (the textured pixels, their exact distance map) when the dense-layer test made it
    textured_distance: tuple[np.ndarray, np.ndarray] | None = None


def _coarse_background(
    image: np.ndarray, excluded: np.ndarray | None, pore: np.ndarray | None
) -> _Background:
    img = _as_image(image)
    valid = np.ones(img.shape, bool) if excluded is None else ~np.asarray(excluded, bool)
    if excluded is not None and np.asarray(excluded).shape != img.shape:
        raise MeasurementError(
            f"excluded mask shape {np.asarray(excluded).shape} differs from image {img.shape}"
        )
    g = blur(stretch(img, valid), 1.0, border="replicate").astype(np.float64)
    if np.count_nonzero(valid) < 64 or np.ptp(g[valid]) < 1e-6:
        return _Background(np.zeros(img.shape, bool), 1.0, 0.0, 2.0, 3.0, g, valid, False,
                           "constant or empty image: no texture to tell specimen from background")
    # the texture scale from the grey image itself, tile by tile: a first segmentation (`pore`)
    # that reads a flat layer as one phase would stretch it to the layer's size
    del pore
    feat = _local_feature_length_px(g, valid)
    sigma = float(np.clip(feat, 3.0, max(3.0, min(img.shape) / 8.0)))
    tex = _local_std(g, valid, sigma)
    thr = otsu(tex[valid], flavour="skimage")
    low = (tex < thr) & valid
    # only flat regions of some size that touch the image border (or the excluded area)
    low = open_disc(low, max(1.0, sigma / 2.0))
    lab, n = label_components(low)  # (any numbering: per-region decisions)
    border = np.zeros(img.shape, bool)
    border[[0, -1], :] = True
    border[:, [0, -1]] = True
    border |= grow_cross(~valid)  # ndi.binary_dilation(~valid), by four shifts
    keep = np.zeros(n + 1, bool)
    if n:
        touching = np.unique(lab[border & (lab > 0)])
        sizes = np.bincount(lab.ravel(), minlength=n + 1)
        min_size = 0.01 * np.count_nonzero(valid)
        keep[touching] = True
        keep &= sizes >= min_size
        keep[0] = False
    flat = keep[lab]
    textured = valid & ~flat
    dense, tdist = _dense_and_distance(g, lab, keep, textured, sigma) if n else (
        np.zeros(n + 1, bool), None)
    keep &= ~dense
    bg = keep[lab]
    n_valid = max(np.count_nonzero(valid), 1)
    frac = np.count_nonzero(bg) / n_valid
    spec = valid & ~bg
    if frac == 0 or np.count_nonzero(textured) == 0:
        return _Background(bg, 1.0, float(frac), feat, sigma, g, valid, False,
                           "texture is similar everywhere (no flat region at the border)")
    # the background's texture against the textured specimen's (a dense layer, flat too, is
    # specimen but not the texture the background is compared with)
    ref = bg
    if dense.any():
        # the background left beside a dense layer may be a thin strip (a vacuum under the
        # film) within reach of the grey step's texture: its core, a texture scale in
        ref = erode_disc(bg, sigma)
        if np.count_nonzero(ref) < 50:
            ref = bg
    ratio = float(np.median(tex[ref]) / max(np.median(tex[textured]), 1e-9))
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
    if found and dense.any():
        reason += f"; {int(np.count_nonzero(dense))} flat region(s) taken as a dense layer of it"
    return _Background(bg if found else np.zeros(img.shape, bool), ratio, float(frac), feat,
                       sigma, g, valid, found, reason,
                       dense[lab] if found and dense.any() else None,
                       (textured, tdist) if found and tdist is not None else None)


DENSE_CONTRAST_SD = 8.0
"""A dense layer's grey differs from the background beyond it by at least this many noise SDs."""


def _dense_layers(g: np.ndarray, lab: np.ndarray, keep: np.ndarray, textured: np.ndarray,
                  sigma: float) -> np.ndarray:
    """Which flat border regions (labels of ``lab`` marked in ``keep``) are dense layers of
    the specimen rather than background.

    A layer whose pores closed (a thermoplastic layer after a shutdown heat treatment, at a
    residual porosity of a few per cent) is as flat as the vacuum, but it is solid: in a
    secondary-electron image solid reads bright and void dark. A flat region is taken as a
    dense layer of the specimen when (all of)

    - it borders the textured specimen and another flat region, the background beyond it,
      within ``3 sigma + 2`` px (the textured band a grey step leaves in the texture map):
      it lies between the two;
    - its grey (median) is brighter than that background's by at least
      :data:`DENSE_CONTRAST_SD` noise SDs (the larger of the two regions' robust SDs, 1.48
      median absolute deviations, which its few residual pores do not widen) and by a
      quarter of the textured specimen's phase contrast;
    - its grey is nearer the textured specimen's brighter phase (its pore walls) than its
      darker one (Otsu's split of the textured pixels farther than ``3 sigma + 2`` px from
      any flat region: the grey steps' bands left out).

    The last rule keeps a flat region of the darker phase's grey as background: the dense
    alloy beneath the bright-phase network of a dealloyed section (its ``pores = bright``)
    reads like the network's matrix, and nothing in its grey says it belongs to the layer
    measured.
    """
    return _dense_and_distance(g, lab, keep, textured, sigma, distance=False)[0]


def _dense_and_distance(
    g: np.ndarray, lab: np.ndarray, keep: np.ndarray, textured: np.ndarray, sigma: float,
    *, distance: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`_dense_layers` and the exact distance map of ``textured`` when its erosion
    made one (a reach beyond the kernels' limit), for the film detector to erode the same
    mask again by another radius (None otherwise). ``distance=False``: no map is wanted,
    the erosion is :func:`~semscan._morphology.erode_disc`'s, band by band (the same
    pixels)."""
    n = lab.max()
    dense = np.zeros(n + 1, bool)
    cand = np.flatnonzero(keep)
    if cand.size < 2 or np.count_nonzero(textured) < 64:
        return dense, None
    # a grey step leaves a textured band about 2.5 texture scales wide on each side (the
    # local SD's window and the opening); the two regions of a step lie that far apart,
    # and the film's phases are read on the textured pixels farther than that from any
    # flat region (the steps' bands would stand for a phase of their own)
    reach = 3.0 * sigma + 2.0
    tdist = None
    if distance and reach > ONE_RADIUS_MAX and not textured.all():
        tdist = distance_transform(textured)
        core = tdist > reach  # erode_disc(textured, reach): the same rule beyond the kernels
    else:
        core = erode_disc(textured, reach)
    vals = g[core] if np.count_nonzero(core) >= 64 else g[textured]
    t = otsu(vals, flavour="skimage")
    dark, bright = _grey_median(vals[vals <= t]), _grey_median(vals[vals > t])
    contrast = bright - dark
    if not contrast > 0:
        return dense, tdist
    objs = ndi.find_objects(lab)
    levels, sds = {}, {}
    for k in cand:
        v = g[objs[k - 1]][lab[objs[k - 1]] == k]
        levels[k] = _grey_median(v)
        sds[k] = 1.4826 * float(np.median(np.abs(v - levels[k])))  # residual pores aside
    near_tex: np.ndarray | None = None  # made for the first region of the bright grey
    for k in cand:
        lv = levels[k]
        if not abs(lv - bright) < abs(lv - dark):
            continue
        if near_tex is None:
            near_tex = dilate_disc(textured, 2.0)
        pad = math.ceil(reach) + 1
        sl = tuple(slice(max(o.start - pad, 0), o.stop + pad) for o in objs[k - 1])
        comp = lab[sl] == k
        if not (comp & near_tex[sl]).any():
            continue
        ring = dilate_disc(comp, reach) & ~comp
        for b in np.unique(lab[sl][ring]):
            if b == 0 or b == k or not keep[b]:
                continue
            gap = lv - levels[b]
            if gap >= DENSE_CONTRAST_SD * max(sds[k], sds[b]) and gap >= 0.25 * contrast:
                dense[k] = True
                break
    return dense, tdist


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """``ndi.binary_fill_holes`` (4-connected background) by labelling, fast."""
    lab, n = label_components(~mask)
    if n == 0:
        return mask.copy()
    border = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    outside = np.zeros(n + 1, bool)
    outside[border] = True
    outside[0] = False
    return ~outside[lab]

