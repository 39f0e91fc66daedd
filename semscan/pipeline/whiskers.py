"""The whisker step of an analysis (``[whiskers] enabled``, ``semscan analyze --whiskers``).

:func:`find_whiskers` runs after the pore / solid segmentation (and, for a cross-section,
in the grid that is measured): the bright candidates
(:func:`semscan.segment.whiskers.whisker_candidates`), split into single straight whiskers
(:func:`semscan.measure.whiskers.separate_whiskers`), two lying side by side split along
the groove between them (:func:`semscan.measure.whiskers.split_touching`), their widths
and ends taken from the
grey image (:func:`semscan.measure.whiskers.refine_whiskers`), and the whisker phase of the
segmentation painted from those rectangles (label 3): a whisker covers what lies under it,
so its pixels are neither pore nor polymer. :func:`whisker_measurement` measures them
(:func:`semscan.measure.whiskers.measure_whiskers`) for
:func:`semscan.pipeline.measurements.measure_masks`.
"""

from __future__ import annotations

import numpy as np

from semscan.config import AnalysisConfig, parse_densities
from semscan.measure.whiskers import (
    Whisker,
    WhiskerResult,
    measure_whiskers,
    paint_whiskers,
    refine_whiskers,
    separate_whiskers,
    split_touching,
)
from semscan.micrograph import Micrograph
from semscan.segment import Segmentation
from semscan.segment.whiskers import whisker_candidates

__all__ = ["find_whiskers", "min_width_px", "whisker_measurement"]


def min_width_px(micrograph: Micrograph, config: AnalysisConfig) -> float:
    """The least whisker width in px: ``[whiskers] min_width_um``, else 3 px."""
    um = config.whiskers.min_width_um
    cal = micrograph.calibration
    if um is None or not cal.is_calibrated:
        return 3.0
    return max(1.0, float(um) / float(cal.pixel_size_um))


def find_whiskers(
    micrograph: Micrograph, seg: Segmentation, *, config: AnalysisConfig
) -> tuple[Segmentation, tuple[Whisker, ...]]:
    """The segmentation with its whisker phase, and the whiskers found.

    Parameters
    ----------
    micrograph : Micrograph
        The grid that is measured (its grey image).
    seg : Segmentation
        Pore / solid / excluded masks of that grid.
    config : AnalysisConfig
        ``[whiskers]`` options.

    Returns
    -------
    seg : Segmentation
        ``whisker`` set (a subset of ``solid``; whisker pixels the pore segmentation
        called pore are solid now), fractions recomputed.
    whiskers : tuple of Whisker

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.micrograph import Micrograph
    >>> from semscan.segment import segment_micrograph
    >>> img = np.full((80, 120), 0.55, np.float32); img[::9, :] = 0.1; img[:, ::9] = 0.1
    >>> img[30:38, 20:100] = 0.95
    >>> img += np.random.default_rng(0).normal(0, 0.02, img.shape).astype(np.float32)
    >>> mic = Micrograph.from_array(img, pixel_size_um=0.01)
    >>> seg = segment_micrograph(mic, denoise="none", background_um=0.0, method="otsu")
    >>> cfg = AnalysisConfig().with_overrides({"whiskers.enabled": True})
    >>> new, found = find_whiskers(mic, seg, config=cfg)
    >>> len(found), round(found[0].length_px), round(found[0].width_px)
    (1, 80, 8)
    """
    wcfg = config.whiskers
    dmin = min_width_px(micrograph, config)
    region = ~seg.excluded
    cand = whisker_candidates(micrograph.image, solid=seg.solid, excluded=seg.excluded,
                              pore=seg.pore, min_width_px=dmin)
    # the thresholded mask is thinner and shorter than the whisker (its blurred edges):
    # separate with laxer limits, and apply the limits to the refined sizes
    found, _ = separate_whiskers(cand.mask, region=region, min_width_px=0.5 * dmin,
                                 min_aspect=max(1.0, 0.75 * wcfg.min_aspect - 0.5))
    # two whiskers side by side are one wide one in the mask: split along the groove
    split = split_touching(micrograph.image, found, min_width_px=dmin)
    single = tuple(w for w in split if w in found)
    halves = tuple(w for w in split if w not in found)
    found = refine_whiskers(micrograph.image, single) + refine_whiskers(
        micrograph.image, halves, touching=True)
    found = tuple(w for w in found if w.width_px >= dmin and w.aspect >= wcfg.min_aspect)
    whisker = paint_whiskers(seg.shape, found) & region
    new = seg.with_masks(seg.pore & ~whisker, seg.solid | whisker, seg.excluded,
                         whisker=whisker)
    return new, found


def whisker_measurement(
    micrograph: Micrograph,
    seg: Segmentation,
    *,
    config: AnalysisConfig,
    whiskers: tuple[Whisker, ...] | None = None,
) -> WhiskerResult | None:
    """The whiskers of ``seg`` measured (None when it has no whisker phase).

    ``whiskers`` are those :func:`find_whiskers` found; without them (a corrected label
    image with label 3) they are separated from the mask here.
    """
    if seg.whisker is None:
        return None
    region = ~seg.excluded
    if whiskers is None:
        whiskers, _ = separate_whiskers(seg.whisker, region=region,
                                        min_width_px=min_width_px(micrograph, config),
                                        min_aspect=config.whiskers.min_aspect)
    return measure_whiskers(
        np.asarray(seg.whisker, bool), seg.pore, calibration=micrograph.calibration,
        region=region, whiskers=whiskers, densities=parse_densities(config.whiskers.density),
    )
