"""A segmentation verdict a person reads: ``ok``, ``review`` or ``unreliable``, with the reason.

The verdict looks at the grey image and the pore / solid masks together and asks whether
the grey varies like two phases (flat levels separated by steps where the masks change)
or like something else: noise, shading over the field, or a threshold that cuts through
phases. Every signal is measured on the input's own grey (normalised to its 1-99 % range),
not on the thresholding method's intermediate image, so it reads the same whichever global
or local method made the masks.

Signals (:class:`VerdictSignals`):

- ``grey_range``: the 1-99 % grey range of the specimen (0 for a blank image);
- ``noise``: pixel noise SD (Immerkaer's Laplacian estimate), of the grey range;
- ``contrast_to_noise``: the median step between the phases' local mean grey levels
  (means over ~4 mean chords around each pixel), over the noise;
- ``shading_fraction``: share of the grey variance that survives a Gaussian low-pass of
  1/64 of the field's size: shading, a photograph's objects and gradients keep most of it,
  a porous structure far finer than the field keeps little;
- ``interior_spread``: SD of the grey inside the phases (pixels >= 2 px from a boundary,
  noise removed) over the step between the phases: about 0.1-0.35 for real two-phase
  images, >= 1 when the masks cut through regions of the same grey;
- ``edge_concentration``: mean squared grey gradient (noise removed) on the phase
  boundaries over its mean everywhere: > 1 when the boundaries sit where grey changes most;
- ``minority_fraction``: the smaller phase's share of the specimen;
- ``mean_chord_px``: mean of the pore and solid chords along rows and columns (px): phases
  that change every ~2 px are noise cut in two.

Calibration (``README.md``, "Segmentation verdict"): on the real micrographs in
``../shared/data/real`` and ``gt/`` and on synthetic renders, blank, noise-only,
shading-only and photograph-like images. Held-out images may differ.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

import cv2
import numpy as np

from semscan._ndimage import blur
from semscan._tiled import masked_percentiles
from semscan.errors import SegmentationError
from semscan.segment._local_means import (
    _bands,
    _local_mean_at,
    _local_step,
    _Normalised,
)

__all__ = ["Verdict", "VerdictSignals", "section_verdict", "segmentation_verdict"]

VerdictLabel = Literal["ok", "review", "unreliable"]

# Limits (calibration: README "Segmentation verdict").
MIN_GREY_RANGE = 1e-6  # of the image's own units: below this the image is blank
MIN_CONTRAST_TO_NOISE = 1.0
MAX_SHADING_FRACTION = 0.75
MAX_INTERIOR_SPREAD = 0.6
MIN_EDGE_CONCENTRATION = 1.2
MIN_MINORITY = 0.01
MIN_CHORD_PX = 2.5
MAX_SECTION_POROSITY = 0.9  # a cross-section's film nearly all pore: its film was not found


@dataclass(frozen=True)
class VerdictSignals:
    """What the verdict was decided on (see the module docstring); NaN when not measurable."""

    grey_range: float = math.nan
    noise: float = math.nan
    contrast_to_noise: float = math.nan
    shading_fraction: float = math.nan
    interior_spread: float = math.nan
    edge_concentration: float = math.nan
    minority_fraction: float = math.nan
    mean_chord_px: float = math.nan

    def to_dict(self) -> dict[str, float]:
        """Row form: ``verdict_<signal>`` for each signal."""
        return {f"verdict_{k}": v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Verdict:
    """The verdict on one segmentation.

    Attributes
    ----------
    verdict : {'ok', 'review', 'unreliable'}
    reason : str
        In words, e.g. ``'grey varies like shading, not like two phases (...)'``.
    signals : VerdictSignals
    """

    verdict: VerdictLabel
    reason: str
    signals: VerdictSignals

    def to_dict(self) -> dict[str, object]:
        """Row form: ``verdict``, ``verdict_reason`` and the signals."""
        return {"verdict": self.verdict, "verdict_reason": self.reason,
                **self.signals.to_dict()}


_LAPLACE_DIFF = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)


def _laplace_rows(g: np.ndarray, noise: float) -> np.ndarray:
    """The Laplacian-difference filter of rows of the normalised grey."""
    return cv2.filter2D(g, -1, _LAPLACE_DIFF, borderType=cv2.BORDER_REFLECT)


def _noise_sd(g: _Normalised, valid: np.ndarray) -> float:
    """Immerkaer (1996) noise SD from the 3x3 Laplacian-difference kernel."""
    # the valid pixels 2 px inside (5 x 5 erosion), made band by band (rows two beyond)
    def inner(r0: int, r1: int) -> tuple[np.ndarray]:
        a, b = max(r0 - 2, 0), min(r1 + 2, valid.shape[0])
        v = np.ascontiguousarray(valid[a:b]).view(np.uint8)
        return (cv2.erode(v, np.ones((5, 5), np.uint8)).view(bool)[r0 - a : r1 - a],)

    n = sum(int(np.count_nonzero(inner(r0, r1)[0])) for r0, r1, _, _ in _bands(*valid.shape))
    if not n:
        return 0.0
    (sel,) = _selected_by(_laplace_rows, g, 0.0, inner, [n])
    return float(math.sqrt(math.pi / 2.0) / 6.0 * np.mean(np.abs(sel, out=sel)))


def _var_in_place(x: np.ndarray) -> np.floating:
    """``np.var(x)`` of a 1-D float32 array (a float32 scalar), overwriting ``x`` instead of
    making NumPy's temporary of its deviations: the same ufuncs in the same order and
    types, so the same number."""
    n = np.intp(x.size)
    mean = np.add.reduce(x, axis=None, keepdims=True)
    np.true_divide(mean, n, out=mean, casting="unsafe")
    np.subtract(x, mean, out=x)
    np.square(x, out=x)
    total = np.add.reduce(x, axis=None)
    return total.dtype.type(total / n)  # type: ignore[no-any-return]


def _boundary(p: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Pixels of ``valid`` with a 4-neighbour on the other side of the pore mask ``p``."""
    edge = np.zeros(p.shape, bool)
    dr = p[:, 1:] != p[:, :-1]
    edge[:, 1:] |= dr
    edge[:, :-1] |= dr
    del dr
    dc = p[1:, :] != p[:-1, :]
    edge[1:, :] |= dc
    edge[:-1, :] |= dc
    del dc
    edge &= valid
    return edge


_INTERIOR_KERNEL = np.array([[0, 0, 1, 0, 0], [0, 1, 1, 1, 0], [1, 1, 1, 1, 1],
                             [0, 1, 1, 1, 0], [0, 0, 1, 0, 0]], np.uint8)


def _interior(mask: np.ndarray) -> np.ndarray:
    """Pixels of ``mask`` whose 3 x 3 chamfer distance to a False pixel exceeds 2 px
    (``distance_transform(mask, metric='euclidean_3x3') > 2``), as an erosion: with steps
    0.955 and 1.3693 a False pixel is within 2 px exactly when it is one of the eight
    neighbours (0.955, 1.3693) or two steps straight away (1.91); a knight's move costs
    2.32. Outside the image counts as True (the distance transform's rule)."""
    return cv2.erode(np.ascontiguousarray(mask).view(np.uint8), _INTERIOR_KERNEL).view(bool)


def _noise_gradient_gain() -> float:
    """Mean squared Sobel gradient (as below) of unit white noise blurred with sigma 1."""
    z = np.random.default_rng(0).standard_normal((256, 256)).astype(np.float32)
    z = blur(z, 1.0, border="reflect101")
    gx = cv2.Sobel(z, cv2.CV_32F, 1, 0, ksize=3) / 8.0
    gy = cv2.Sobel(z, cv2.CV_32F, 0, 1, ksize=3) / 8.0
    return float(np.mean((gx * gx + gy * gy)[8:-8, 8:-8]))


_NOISE_GAIN = _noise_gradient_gain()


def _plain_rows(g: np.ndarray, noise: float) -> np.ndarray:
    return g


@dataclass(frozen=True, eq=False)
class _Grey:
    """The verdict's signals of the grey image alone (over the valid pixels)."""

    grey_range: float
    g0: _Normalised
    noise: float
    shading: float


def _g2_rows(g: np.ndarray, noise: float) -> np.ndarray:
    """The sigma-2 blur of rows of the normalised grey (interior spread)."""
    return blur(g, 2.0, border="reflect101")


def _sig_rows(g: np.ndarray, noise: float) -> np.ndarray:
    """The noise-corrected squared gradient of rows of the normalised grey (edge
    concentration)."""
    g1 = blur(g, 1.0, border="reflect101")
    gx = cv2.Sobel(g1, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g1, cv2.CV_32F, 0, 1, ksize=3)
    del g1
    # gx * gx + gy * gy - gain * noise^2 of the gradients / 8, in place (the same values)
    np.divide(gx, 8.0, out=gx)
    np.divide(gy, 8.0, out=gy)
    np.multiply(gx, gx, out=gx)
    np.multiply(gy, gy, out=gy)
    np.add(gx, gy, out=gx)
    del gy
    return np.subtract(gx, _NOISE_GAIN * noise * noise, out=gx)


def _selected(
    filt: Callable[[np.ndarray, float], np.ndarray], g: _Normalised,
    noise: float, masks: tuple[np.ndarray, ...],
) -> list[np.ndarray]:
    """``[filt(g0)[m] for m in masks]`` of the normalised grey ``g0``, normalised, filtered
    and selected band by band (:func:`_bands`, with a halo wider than the
    filter, so each band's rows are the whole image's): the same values in the same order,
    without a full-size normalised or filtered image."""
    return _selected_by(filt, g, noise, lambda r0, r1: tuple(m[r0:r1] for m in masks),
                        [int(np.count_nonzero(m)) for m in masks])


def _selected_by(
    filt: Callable[[np.ndarray, float], np.ndarray], g: _Normalised, noise: float,
    band_masks: Callable[[int, int], tuple[np.ndarray, ...]], sizes: list[int],
) -> list[np.ndarray]:
    """:func:`_selected` with the masks' rows ``r0:r1`` made by ``band_masks(r0, r1)``
    (``sizes`` their pixel counts): no full-size mask either."""
    rows, cols = g.shape
    out = [np.empty(n, np.float32) for n in sizes]
    pos = [0] * len(sizes)
    for r0, r1, a, b in _bands(rows, cols):
        band = filt(g.rows(a, b), noise)[r0 - a : r1 - a]
        for k, m in enumerate(band_masks(r0, r1)):
            sel = band[m]
            out[k][pos[k] : pos[k] + sel.size] = sel
            pos[k] += sel.size
    return out


def _interiors(masks: tuple[np.ndarray, ...], r0: int, r1: int) -> list[np.ndarray]:
    """Rows ``r0:r1`` of :func:`_interior` of each mask, from the rows two beyond (the
    erosion's reach): those of the whole masks' interiors."""
    rows = masks[0].shape[0]
    a, b = max(r0 - 2, 0), min(r1 + 2, rows)
    return [_interior(m[a:b])[r0 - a : r1 - a] for m in masks]


def _inner_and_edge(p: np.ndarray, valid: np.ndarray, r0: int, r1: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``r0:r1`` of the valid pixels whose 3 x 3 neighbours are all valid (the
    erosion's border counts as valid) and of those of them on the pore mask's boundary
    (:func:`_boundary`), from the rows one beyond: those of the whole masks."""
    a, b = max(r0 - 1, 0), min(r1 + 1, valid.shape[0])
    v = np.ascontiguousarray(valid[a:b])
    inner = cv2.erode(v.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)[r0 - a : r1 - a]
    edge = _boundary(p[a:b], v)[r0 - a : r1 - a]
    edge &= inner
    return inner, edge


def _grey_part(img: np.ndarray, valid: np.ndarray, n_valid: int) -> _Grey | None:
    """What the signals take from the grey image and the valid pixels, not the masks (None
    for a blank image)."""
    # np.percentile(img[valid], [1, 99]), without the full-size selection
    lo, hi = masked_percentiles(img, valid, (1, 99), as_given=True)
    grey_range = hi - lo
    if not grey_range > MIN_GREY_RANGE * max(1.0, abs(hi)):
        grey_range = float(np.ptp(img[valid]))
        if not grey_range > MIN_GREY_RANGE * max(1.0, abs(hi)):
            return None
        lo, hi = float(img[valid].min()), float(img[valid].max())
    g0 = _Normalised(img, valid, lo, hi)
    noise = _noise_sd(g0, valid)
    # shading: the part of the grey variance that survives a low-pass of 1/64 of the field
    # (of the grey alone, so that it does not depend on the threshold)
    (sel,) = _selected(_plain_rows, g0, noise, (valid,))
    var = float(_var_in_place(sel))  # np.var(g0[valid])
    del sel
    sel = _local_mean_at(g0, valid, max(1.0, max(img.shape) / 64.0))  # lp[valid]
    shading = float(_var_in_place(sel) / var) if var > 0 else math.nan  # np.var(lp[valid])
    del sel
    return _Grey(grey_range, g0, noise, shading)


def _cached_grey(
    img: np.ndarray, raw: object, valid: np.ndarray, n_valid: int,
    cache: dict[str, object] | None,
) -> _Grey | None:
    """:func:`_grey_part`, kept in ``cache`` for the same image object (``raw``, as passed)
    and the same valid pixels: the last two such (an edit that moves the excluded pixels
    and one that puts them back each find theirs)."""
    if cache is None:
        return _grey_part(img, valid, n_valid)
    key = hashlib.blake2b(np.packbits(valid).tobytes() + repr(valid.shape).encode(),
                          digest_size=20).digest()
    kept = cache.get("grey")  # ((image, valid digest, grey part), ...), the newest first
    kept = tuple(k for k in kept if isinstance(k, tuple)) if isinstance(kept, tuple) else ()
    for k in kept:
        if k[0] is raw and k[1] == key:
            hit = k
            break
    else:
        hit = (raw, key, _grey_part(img, valid, n_valid))
    cache["grey"] = (hit, *(k for k in kept if k is not hit))[:2]
    return hit[2]


def _within(mask: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``mask & valid``; ``mask`` itself (no copy kept) when it lies inside ``valid``, as
    a segmentation's pore and solid masks do: the same pixels, one full-size mask less
    held through the signals."""
    out = mask & valid
    return mask if np.array_equal(out, mask) else out


def measure_signals(
    image: np.ndarray,
    pore: np.ndarray,
    solid: np.ndarray,
    excluded: np.ndarray | None = None,
    *,
    cache: dict[str, object] | None = None,
) -> VerdictSignals:
    """The verdict's signals for one grey image and its masks (see the module docstring).

    ``cache`` keeps what depends on the grey image and the valid pixels alone between
    calls on edits of one image's masks (a re-measure): the same signals, computed again
    only when the image or the excluded pixels change.

    Examples
    --------
    >>> img = np.zeros((64, 64), np.float32); img[:, 32:] = 1.0
    >>> s = measure_signals(img, img < 0.5, img >= 0.5)
    >>> round(s.minority_fraction, 2), s.interior_spread < 0.1
    (0.5, True)
    """
    raw = image
    img = np.asarray(image, np.float32)
    if img.ndim == 3:
        img = img.mean(axis=-1)
    pore = np.asarray(pore, bool)
    solid = np.asarray(solid, bool)
    if img.shape != pore.shape or solid.shape != pore.shape:
        raise SegmentationError(
            f"image {img.shape} and masks {pore.shape} / {solid.shape} differ in shape; "
            "pass the grey image the masks were made from"
        )
    valid = pore | solid
    if excluded is not None:
        valid &= ~np.asarray(excluded, bool)
    n_valid = int(np.count_nonzero(valid))
    if n_valid < 16:
        return VerdictSignals(grey_range=0.0)
    grey = _cached_grey(img, raw, valid, n_valid, cache)
    if grey is None:
        return VerdictSignals(grey_range=0.0)
    grey_range, g0, noise, shading = grey.grey_range, grey.g0, grey.noise, grey.shading
    p, s = _within(pore, valid), _within(solid, valid)
    minority = float(min(np.count_nonzero(p), np.count_nonzero(s)) / n_valid)
    side = math.sqrt(n_valid)
    if minority == 0:
        return VerdictSignals(grey_range, noise, math.nan, shading, math.nan, math.nan, 0.0)
    # boundaries (4-neighbour changes of the pore mask inside the specimen)
    dr = p[:, 1:] != p[:, :-1]
    dc = p[1:, :] != p[:-1, :]
    n_edge = int(np.count_nonzero(dr & valid[:, 1:]) + np.count_nonzero(dc & valid[1:, :]))
    del dr, dc
    chord = 2.0 * n_valid / max(n_edge, 1)  # mean of the pore and solid chords, rows/cols
    # contrast to noise: local step between the phases' mean grey over ~4 chords
    sc = float(np.clip(4.0 * chord, 3.0, side / 4.0))
    step = _local_step(g0, s, p, valid, sc)
    cnr = step / noise if noise > 1e-9 else math.inf
    # interior spread (noise removed after a sigma 2 blur: noise variance / (8 pi))
    # (the interiors of the solid and the pores made band by band, as the masks below)
    sizes = [0, 0]
    for r0, r1, _, _ in _bands(*valid.shape):
        for k, m in enumerate(_interiors((s, p), r0, r1)):
            sizes[k] += int(np.count_nonzero(m))
    spread = math.nan
    if min(sizes) >= 20:
        g2_s, g2_p = _selected_by(  # g2[interior(s)], g2[interior(p)]
            _g2_rows, g0, noise, lambda r0, r1: _interiors((s, p), r0, r1), sizes)
        gstep = abs(float(g2_s.mean()) - float(g2_p.mean()))
        nv = noise * noise / (8.0 * math.pi)
        # np.var of each, in place (the means above are taken first)
        within = max(float(_var_in_place(g2_s)) - nv, float(_var_in_place(g2_p)) - nv, 0.0)
        del g2_s, g2_p
        spread = math.sqrt(within) / gstep if gstep > 1e-9 else math.inf
    # edge concentration of the (noise-corrected) squared gradient, over the inner valid
    # pixels and those of them on a boundary: both masks made band by band
    sizes = [0, 0]
    for r0, r1, _, _ in _bands(*valid.shape):
        inner, e_in = _inner_and_edge(p, valid, r0, r1)
        sizes[0] += int(np.count_nonzero(inner))
        sizes[1] += int(np.count_nonzero(e_in))
    del inner, e_in
    conc = math.nan
    if sizes[1]:
        sig_inner, sig_edge = _selected_by(
            _sig_rows, g0, noise, lambda r0, r1: _inner_and_edge(p, valid, r0, r1), sizes)
        den = float(np.mean(sig_inner))
        conc = float(np.mean(sig_edge)) / den if den > 1e-12 else math.inf
    return VerdictSignals(
        round(grey_range, 6), round(noise, 5), round(cnr, 3), round(shading, 4),
        round(spread, 4), round(conc, 3), round(minority, 5), round(float(chord), 3),
    )


def segmentation_verdict(
    image: np.ndarray,
    pore: np.ndarray,
    solid: np.ndarray,
    *,
    excluded: np.ndarray | None = None,
    cache: dict[str, object] | None = None,
) -> Verdict:
    """Judge a segmentation: ``'ok'``, ``'review'`` or ``'unreliable'``, with the reason.

    Parameters
    ----------
    image : ndarray, shape (rows, columns)
        The grey image the masks were made from (any scale; it is normalised to its own
        1-99 % range).
    pore, solid : ndarray of bool, same shape
        The segmentation (pixels in neither are excluded).
    excluded : ndarray of bool, optional
        More pixels to leave out.
    cache : dict, optional
        Kept between verdicts on edits of one image's masks (:func:`measure_signals`).

    Returns
    -------
    Verdict

    Raises
    ------
    SegmentationError
        If the shapes differ.

    Notes
    -----
    In this order: a blank image (no grey range) and grey that varies like noise
    (``contrast_to_noise < 1``, or ``mean_chord_px < 2.5``) or like shading over the field
    (``shading_fraction >= 0.75``) are ``'unreliable'``; a phase under 1 % of the specimen,
    grey that varies as much inside the phases as between them (``interior_spread >= 0.6``)
    and boundaries that are not where the grey changes (``edge_concentration < 1.2``) need
    ``'review'``; otherwise ``'ok'``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> img = np.full((96, 96), 0.8, np.float32); img[:, ::12] = 0.1; img[:, 1::12] = 0.1
    >>> img += 0.02 * rng.standard_normal(img.shape).astype(np.float32)
    >>> segmentation_verdict(img, img < 0.45, img >= 0.45).verdict
    'ok'
    >>> flat = np.full((96, 96), 0.5, np.float32)
    >>> v = segmentation_verdict(flat, flat < 0.5, flat >= 0.5)
    >>> v.verdict, v.reason
    ('unreliable', 'blank image: no grey-level variation to segment')
    """
    s = measure_signals(image, pore, solid, excluded, cache=cache)
    if not s.grey_range > 0:
        return Verdict("unreliable", "blank image: no grey-level variation to segment", s)
    if s.contrast_to_noise < MIN_CONTRAST_TO_NOISE:
        return Verdict(
            "unreliable",
            "grey varies like noise, not like two phases (step between the phases "
            f"{s.contrast_to_noise:.2f} x the noise, < {MIN_CONTRAST_TO_NOISE:g})", s)
    if s.mean_chord_px < MIN_CHORD_PX:
        return Verdict(
            "unreliable",
            f"grey varies like noise, not like two phases (the phases change every "
            f"{s.mean_chord_px:.1f} px on average, < {MIN_CHORD_PX:g})", s)
    if s.shading_fraction >= MAX_SHADING_FRACTION:
        return Verdict(
            "unreliable",
            "grey varies like shading, not like two phases "
            f"({100 * s.shading_fraction:.0f}% of the grey variance is smooth over 1/64 of "
            f"the field, >= {100 * MAX_SHADING_FRACTION:.0f}%): a photograph, a shaded "
            "surface or a gradient", s)
    if not s.minority_fraction >= MIN_MINORITY:
        return Verdict(
            "review",
            f"one phase only: the other covers {100 * s.minority_fraction:.1f}% of the "
            "specimen (a dense or non-porous surface, or a threshold outside the grey range)",
            s)
    if s.interior_spread >= MAX_INTERIOR_SPREAD:
        return Verdict(
            "review",
            "grey varies as much inside the phases as between them "
            f"(spread {s.interior_spread:.2f} of the step, >= {MAX_INTERIOR_SPREAD:g}): the "
            "threshold cuts through regions of one grey level, like shading", s)
    if s.edge_concentration < MIN_EDGE_CONCENTRATION:
        return Verdict(
            "review",
            "the phase boundaries are not where the grey changes most (edge concentration "
            f"{s.edge_concentration:.2f}, < {MIN_EDGE_CONCENTRATION:g}): grey varies like "
            "shading, not like two phases", s)
    return Verdict(
        "ok",
        f"two phases: grey steps {s.contrast_to_noise:.1f} x the noise at the boundaries "
        f"(edge concentration {s.edge_concentration:.1f}, interior spread "
        f"{s.interior_spread:.2f})", s)


def section_verdict(
    verdict: Verdict, *, porosity: float, film_edges: int, view_edges: int = 0
) -> Verdict:
    """The verdict on a cross-section, with the section's own failure signs.

    An ``'ok'`` becomes ``'review'`` when the film reads nearly all pore (``porosity >=
    0.9``: a film is a solid with pores in it; nearly all pore means that the background,
    a protective layer or the threshold was taken for pore) or when the view detector saw
    the film's edges (``view_edges >= 1``) but the film detector found none
    (``film_edges == 0``), so that the whole field was measured as the film. A ``'review'``
    or ``'unreliable'`` verdict is returned as it is.

    Parameters
    ----------
    verdict : Verdict
        The image's verdict (:func:`segmentation_verdict`).
    porosity : float
        The film's porosity as measured (0-1).
    film_edges : int
        Film edges found by the film detector (0, 1 or 2).
    view_edges : int
        Straight band edges the view detector saw (0 when the view was given).

    Examples
    --------
    >>> ok = Verdict("ok", "two phases", VerdictSignals())
    >>> section_verdict(ok, porosity=0.3, film_edges=2, view_edges=2).verdict
    'ok'
    >>> v = section_verdict(ok, porosity=0.995, film_edges=2)
    >>> v.verdict, v.reason.startswith("the film reads 99.5% pore")
    ('review', True)
    """
    if verdict.verdict != "ok":
        return verdict
    if porosity >= MAX_SECTION_POROSITY:
        return Verdict(
            "review",
            f"the film reads {100 * porosity:.1f}% pore (>= {100 * MAX_SECTION_POROSITY:.0f}%): "
            "a film is a solid with pores in it, so the background, a protective layer or "
            "the threshold was probably taken for pore", verdict.signals)
    if view_edges >= 1 and film_edges == 0:
        return Verdict(
            "review",
            f"the view detector saw {view_edges} film edge{'s' if view_edges > 1 else ''} but "
            "the film detector found none: the whole field was measured as the film "
            "(background or protective layer included)", verdict.signals)
    return verdict
