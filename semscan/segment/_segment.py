"""From a :class:`~semscan.micrograph.Micrograph` to pore / solid / excluded masks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from semscan._choices import DENOISE_METHODS, PORE_TONES, THRESHOLD_METHODS, ThresholdMethod
from semscan._ndimage import Histogram, histogram
from semscan.errors import SegmentationError
from semscan.micrograph import Micrograph
from semscan.segment.cleanup import (
    clean_speckled_section,
    remove_small_features,
    saturated_regions,
)
from semscan.segment.local_threshold import hysteresis_pores, sauvola_threshold
from semscan.segment.preprocess import (
    DenoiseMethod,
    PoreTone,
    Preprocessed,
    _check_choice,
    _sample,
    preprocess,
)
from semscan.segment.segmentation import Segmentation, _masks_and_quality, _quality
from semscan.segment.threshold import (
    GROUND_RATIO,
    SAUVOLA_PERIODS,
    _choose_from_hist,
    _global_from_hist,
    ground_peak,
    pore_side,
    section_matrix_edge,
    structure_scale_px,
)
from semscan.segment.voids import dark_voids

if TYPE_CHECKING:
    from semscan.segment.classifier import PixelClassifier

__all__ = ["METHODS", "Segmentation", "segment_micrograph"]

METHODS: tuple[str, ...] = THRESHOLD_METHODS


@dataclass(frozen=True)
class _Thresholded:
    """One threshold (or classifier) run on a preprocessed image, before cleanup.

    Attributes
    ----------
    pre : Preprocessed
        The denoised, flattened image the run split.
    pore : ndarray of bool, shape (rows, columns)
        The pore pixels among the valid ones.
    threshold : float or None
        The global grey threshold (hysteresis: its low level), in grey units [0, 1] of
        ``pre.image``; None for Sauvola, the classifier, or a single-grey image.
    method : str
        The method used (``'auto'`` resolved; ``'otsu'`` when hysteresis fell back).
    reason : str
        Why that method, and its parameters.
    notes : tuple of str
        Warnings of the run (a fallback, nothing to segment).
    grey : ndarray of float32, shape (rows, columns)
        The grey the contrast is measured on: ``pre.image``, or for Sauvola its grey
        relative to the local threshold (+ 0.5).
    hist : Histogram or None
        The histogram of the sampled specimen grey (None for ``'manual'`` and the
        classifier).
    """

    pre: Preprocessed
    pore: np.ndarray
    threshold: float | None
    method: str
    reason: str
    notes: tuple[str, ...]
    grey: np.ndarray
    hist: Histogram | None


def _threshold_pores(
    pre: Preprocessed,
    valid: np.ndarray,
    *,
    method: str,
    pores: PoreTone,
    manual_threshold: float | None,
    sauvola_window_um: float | None,
    calibration: Any,
    section: bool = False,
) -> _Thresholded:
    """The pore mask (before cleanup) of ``pre`` by ``method``, with its threshold, reason,
    notes, contrast grey and histogram (:class:`_Thresholded`)."""
    notes: list[str] = []
    img = pre.image
    reason = "requested"
    # Histograms and the auto choice use every second row and column of large images.
    s_img, s_valid = _sample(img), _sample(valid)
    hist = histogram(s_img, mask=s_valid) if method != "manual" else None
    chosen = method == "auto"
    if chosen:
        method, reason = _choose_from_hist(s_img, s_valid, hist, pores, section=section)
    if method == "hysteresis":
        g = ground_peak(hist, pores)
        if g is None:
            notes.append("hysteresis needs two phases: Otsu used")
            method = "otsu"
        else:
            lo, hi = g.low, g.otsu
            edge = section_matrix_edge(g) if section and chosen else None
            if edge is not None and not g.flat:
                lo = edge  # the section rule of choose_method
            if not min(g.mode, hi) < lo < max(g.mode, hi):
                lo = hi
            broad = g.broad
            if reason == "requested":
                reason = (f"requested; the {broad} grown from {hi:.3f} to {lo:.3f} "
                          f"(ground ratio {g.ratio:.1f}, auto from {GROUND_RATIO:g})")
            pore = hysteresis_pores(img, low=lo, high=hi, grow=broad, pores=pores, valid=valid)
            return _Thresholded(pre, pore, round(lo, 6), method, reason, tuple(notes), img,
                                hist)
    if method == "sauvola":
        window_um = sauvola_window_um
        if window_um is None:
            period = structure_scale_px(s_img, valid=s_valid, pores=pores)
            if s_img is not img:
                period *= 2.0  # the sample has every second row and column
            if period > 0:
                short = min(img.shape)
                px = float(np.clip(SAUVOLA_PERIODS * period, 15.0, max(15.0, short)))
                window_um = calibration.to_um(px)
                reason = (f"{reason}; window {SAUVOLA_PERIODS:g} structure periods (mean pore "
                          f"+ solid chord of a first Otsu pass, {period:.3g} px)")
        t_map, window = sauvola_threshold(
            img, calibration=calibration, window_um=window_um, valid=valid, pores=pores
        )
        reason = f"{reason}; window {calibration.to_um(window):.3g} {calibration.unit}"
        grey = img - t_map + np.float32(0.5)
        return _Thresholded(pre, pore_side(img, t_map, pores) & valid, None, method, reason,
                            tuple(notes), grey, hist)
    if method == "manual":
        t: float | None = float(manual_threshold)  # type: ignore[arg-type]
    else:
        t = _global_from_hist(s_img, s_valid, hist, method, pores)
    if t is None:
        notes.append("the specimen pixels have a single grey level: nothing to segment")
        return _Thresholded(pre, np.zeros(img.shape, bool), None, method, reason, tuple(notes),
                            img, hist)
    return _Thresholded(pre, pore_side(img, t, pores) & valid, round(float(t), 6), method,
                        reason, tuple(notes), img, hist)


def _two_levels(image: np.ndarray, valid: np.ndarray) -> tuple[float, float] | None:
    """The two grey values of an already segmented image (a mask), or None.

    True when the valid pixels take exactly two distinct values (0/1, 0/255, any pair).
    """
    if not valid.any():
        return None
    # three grey values among the first rows' valid pixels already say no (a micrograph):
    # without the full-size gather
    head = min(image.shape[0], max(1, 4096 // max(image.shape[1], 1)))
    if np.unique(image[:head][valid[:head]]).size > 2:
        return None
    values = image[valid]
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-6:
        return None
    if np.count_nonzero((values != values.dtype.type(lo)) & (values != values.dtype.type(hi))):
        return None
    return lo, hi


def _two_level(
    image: np.ndarray, valid: np.ndarray, levels: tuple[float, float], pores: str
) -> Segmentation:
    """A two-level input taken as the mask it is: no denoising, flattening, cleanup or
    saturation exclusion; ``pores`` says which level is pore."""
    lo, hi = levels
    pore_level = lo if pores == "dark" else hi
    pore = (image == np.float32(pore_level)) & valid
    solid = valid & ~pore
    excluded = ~valid
    q = _quality(image, pore, solid, excluded, pores)
    tone = "dark" if pores == "dark" else "bright"
    return Segmentation(
        pore=pore,
        solid=solid,
        excluded=excluded,
        method="two-level",
        method_reason=(
            f"the image has exactly two grey values ({lo:.4g} and {hi:.4g}): taken as a mask "
            f"as it is, the {tone} level ({pore_level:.4g}) as pore (pores='{pores}'); no "
            "denoising, flattening or cleanup"
        ),
        threshold=round(0.5 * (lo + hi), 6),
        pore_fraction=q["pore_fraction"],
        solid_fraction=q["solid_fraction"],
        excluded_fraction=q["excluded_fraction"],
        contrast=q["contrast"],
        preprocessing="none (two-level input taken as a mask)",
        warnings=q["warnings"],
        contrast_grey=image,
        pores=pores,
    )


def _within_unit(image: np.ndarray) -> bool:
    """Every value of a (finite) float32 image in [0, 1]."""
    lo, hi, _, _ = cv2.minMaxLoc(image)
    return lo >= 0.0 and hi <= 1.0


def segment_micrograph(
    micrograph: Micrograph,
    *,
    pores: PoreTone = "dark",
    method: ThresholdMethod = "auto",
    manual_threshold: float | None = None,
    classifier_path: str | Path | None = None,
    background_um: float | None = None,
    denoise: DenoiseMethod = "auto",
    denoise_um: float | None = None,
    min_feature_um: float | None = None,
    sauvola_window_um: float | None = None,
    exclude_saturated: bool = True,
    classifier: PixelClassifier | None = None,
    region_excluded: np.ndarray | None = None,
    section: bool = False,
    voids: bool = True,
) -> Segmentation:
    """Segment a micrograph into pore, solid and excluded pixels (METHODS.md 0).

    Steps: the excluded pixels (the micrograph's mask, ``region_excluded``, non-finite
    grey values, and large saturated or blank regions) are set aside; the image is denoised
    and its background flattened (:func:`~semscan.segment.preprocess.preprocess`); a
    threshold (or the pixel classifier) splits pore from solid; pores and solid islands
    smaller than ``min_feature_um`` are removed.

    Parameters
    ----------
    micrograph : Micrograph
        The image (grey in [0, 1]), its calibration and excluded mask.
    pores : {'dark', 'bright'}
        Grey level of the pores: dark in secondary-electron images; ``'bright'`` inverts.
    method : {'auto', 'otsu', 'li', 'triangle', 'multiotsu', 'sauvola', 'manual', 'classifier'}
        ``'auto'`` chooses Sauvola, multi-Otsu or Otsu by the rule of
        :func:`~semscan.segment.threshold.choose_method` and records why. ``'multiotsu'``
        uses three classes and counts the two darker (with dark pores) as pore, so that
        sub-surface walls seen through pores ("pore-back") stay pore. ``'manual'`` uses
        ``manual_threshold``. ``'classifier'`` uses a trained
        :class:`~semscan.segment.classifier.PixelClassifier`.
    manual_threshold : float, optional
        For ``method='manual'``: a grey level in [0, 1] *of the preprocessed image*
        (flattening keeps the mean solid grey, so it is close to the raw grey; set
        ``background_um=0`` and ``denoise='none'`` to threshold the raw grey exactly).
    classifier_path : str or Path, optional
        Model file for ``method='classifier'`` (ignored when ``classifier`` is given).
    background_um : float, optional
        Gaussian sigma of the background flattening in µm; None: 1/8 of the short side;
        0 disables it.
    denoise : {'auto', 'none', 'median', 'gaussian', 'bilateral', 'nlmeans'}
        Denoising filter. ``'auto'`` (default): a 3 px median, or a Gaussian of sigma
        ``ratio / 0.4`` px (1-2 px) when the noise exceeds 0.4 of the grey difference
        between the phases
        (:func:`~semscan.segment.preprocess.noise_to_contrast`; a 3 px median leaves
        speckle on the phase boundaries of such images, which breaks thin ligaments).
    denoise_um : float, optional
        Filter size in µm (see :func:`~semscan.segment.preprocess.denoise_image`).
    min_feature_um : float, optional
        Equivalent diameter of the smallest kept pore or solid island in µm; None: 2 px.
    sauvola_window_um : float, optional
        Sauvola window side in µm; None: 1/8 of the short side (>= 15 px).
    exclude_saturated : bool
        Exclude large regions at (nearly) 0 or 1 grey that are not plausible pores (see
        :func:`~semscan.segment.cleanup.saturated_regions`).
    classifier : PixelClassifier, optional
        An already loaded classifier (a batch loads it once).
    region_excluded : ndarray of bool, optional
        More pixels to exclude (shape of the image).
    section : bool
        The valid pixels are a cross-section's specimen (background set aside): ``'auto'``
        then also applies the matrix rule of
        :func:`~semscan.segment.threshold.section_matrix_edge`, and a speckled mask (pixel
        noise > 0.10 of the phase difference) is cleaned by
        :func:`~semscan.segment.cleanup.clean_speckled_section` (said in the reason).
    voids : bool
        With ``pores='bright'`` and ``'auto'``, count the dark voids as pore
        (:func:`~semscan.segment.voids.dark_voids`; said in the reason). False for a
        segmentation that only finds a section's film (its dark vacuum is no void).

    When the image is uncalibrated, every ``*_um`` option is read as px, and
    :attr:`Segmentation.preprocessing` says so.

    Returns
    -------
    Segmentation
        With its quality signals: the threshold, the phase fractions, the separability
        ``contrast``, and warnings when the contrast is low (separability < 3 or a grey
        difference < 0.04), when > 97 % of the specimen is one phase, when saturated
        regions were excluded, or when nothing is left.

    Raises
    ------
    SegmentationError
        On an unknown choice (naming the valid ones), ``method='manual'`` without a
        ``manual_threshold`` in [0, 1], ``method='classifier'`` without a model, an empty
        image, or a ``region_excluded`` of the wrong shape.
    ModelError
        If the classifier file cannot be loaded.

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.micrograph import Micrograph
    >>> img = np.full((64, 64), 0.8, np.float32); img[:, ::4] = 0.1
    >>> seg = segment_micrograph(Micrograph.from_array(img))     # two levels: a mask
    >>> seg.method, seg.pore_fraction, seg.warnings
    ('two-level', 0.25, ())
    >>> noisy = img + np.random.default_rng(0).normal(0, 0.02, img.shape).astype(np.float32)
    >>> seg = segment_micrograph(Micrograph.from_array(noisy), denoise="none")
    >>> seg.method, seg.pore_fraction                            # grey: thresholded
    ('otsu', 0.25)
    """
    _check_choice("method", method, METHODS)
    _check_choice("pores", pores, PORE_TONES)
    _check_choice("denoise", denoise, DENOISE_METHODS)
    if not isinstance(micrograph, Micrograph):
        raise SegmentationError(
            f"segment_micrograph needs a Micrograph, got {type(micrograph).__name__}; "
            "wrap arrays with Micrograph.from_array"
        )
    image = micrograph.image
    if image.size == 0:
        raise SegmentationError(f"cannot segment an empty image (shape {image.shape})")
    if method == "manual":
        if isinstance(manual_threshold, bool) or not isinstance(manual_threshold, (int, float)):
            raise SegmentationError(
                "method='manual' needs manual_threshold, a grey level in [0, 1] of the "
                f"preprocessed image; got {manual_threshold!r}"
            )
        if not 0.0 <= float(manual_threshold) <= 1.0:
            raise SegmentationError(
                f"manual_threshold must be a grey level in [0, 1], got {manual_threshold!r}"
            )
    if method == "classifier" and classifier is None:
        if classifier_path is None:
            raise SegmentationError(
                "method='classifier' needs a trained pixel classifier: pass classifier_path= "
                "(a model file from PixelClassifier.save) or classifier= (a loaded one)"
            )
        from semscan.segment.classifier import load_pixel_classifier

        classifier = load_pixel_classifier(classifier_path)
    cal = micrograph.calibration

    valid = ~micrograph.excluded
    if region_excluded is not None:
        extra = np.asarray(region_excluded, bool)
        if extra.shape != image.shape:
            raise SegmentationError(
                f"region_excluded has shape {extra.shape}, expected the image's {image.shape}"
            )
        valid &= ~extra
    finite = np.isfinite(image)
    if not finite.all():
        valid &= finite
        image = np.where(finite, image, 0.0).astype(np.float32)
    del finite  # not held through the segmentation
    if image.dtype != np.float32 or not _within_unit(image):
        image = np.clip(image, 0.0, 1.0)
    # else the micrograph's own grey, read only here (np.clip would copy it unchanged)

    notes: list[str] = []
    empty: np.ndarray | None = None
    if method == "auto":
        levels = _two_levels(image, valid)
        if levels is not None:
            if image is micrograph.image:  # the result gets its own grey
                image = image.copy()
            return _two_level(image, valid, levels, pores)
    predicted: np.ndarray | None = None
    if method == "classifier":
        assert classifier is not None
        predicted = classifier.predict(image, calibration=cal)
        notes.extend(classifier.scale_warnings(cal))

    def run(valid_: np.ndarray) -> _Thresholded:
        pre = preprocess(
            image, calibration=cal, valid=valid_, pores=pores, background_um=background_um,
            denoise=denoise, denoise_um=denoise_um,
        )
        if predicted is not None:
            assert classifier is not None
            pore_ = (predicted == 1) & valid_
            return _Thresholded(pre, pore_, None, "classifier", "requested", (), pre.image,
                                None)
        return _threshold_pores(
            pre, valid_, method=method, pores=pores, manual_threshold=manual_threshold,
            sauvola_window_um=sauvola_window_um, calibration=cal, section=section,
        )

    if predicted is not None:
        valid &= predicted != 3
    run_ = run(valid)
    if exclude_saturated:
        sat = saturated_regions(image, pore=run_.pore, pores=pores, valid=valid)
        if sat.any():
            valid &= ~sat
            notes.append(
                f"excluded {sat.mean():.1%} of the image as saturated or blank (grey within "
                "1/255 of 0 or 1 in large connected regions)"
            )
            run_ = run(valid)
    pre, pore, threshold, used = run_.pre, run_.pore, run_.threshold, run_.method
    reason, run_notes, grey, hist = run_.reason, run_.notes, run_.grey, run_.hist
    del run_  # not held: the pore mask is replaced below
    if voids and pores == "bright" and method == "auto" and predicted is None:
        # empty space is pore whatever its grey; the histogram of the threshold's last run
        empty, void_note = dark_voids(pre.image, valid, hist=hist)
        if empty.any():
            pore |= empty
            reason = f"{reason}; {void_note}"
        else:
            empty = None
    notes.extend(run_notes)
    pore = remove_small_features(pore, calibration=cal, min_feature_um=min_feature_um,
                                 valid=valid)
    if section and used != "classifier" and min_feature_um != 0:  # 0: keep every feature
        pore, cleaned = clean_speckled_section(image, pore, valid=valid)
        if cleaned:
            reason = f"{reason}; {cleaned}"
    solid = valid & ~pore
    excluded = ~valid
    if np.array_equal(excluded, micrograph.excluded):  # nothing excluded but the file's
        excluded = micrograph.excluded  # one mask held for both, not two equal ones
    if grey is micrograph.image:  # no denoising nor flattening: the result gets its own
        grey = grey.copy()
    preprocessing = pre.description
    if used == "classifier":
        assert classifier is not None
        preprocessing = (
            f"classifier features on the raw grey ({classifier.describe()}); "
            f"contrast measured after {pre.description}"
        )
    return Segmentation(
        **_masks_and_quality(grey, pore, solid, excluded, pores, tuple(notes)),
        method=used,
        method_reason=reason,
        threshold=threshold,
        preprocessing=preprocessing,
        contrast_grey=grey,
        pores=pores,
        voids=None if empty is None else empty & pore,
    )

