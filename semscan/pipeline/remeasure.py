"""Re-measure an image from an edited label image, without segmenting it again.

A reviewer corrects what the segmentation got wrong (paints or erases pores, excludes a
scratch) on the label image in the input *file's* pixel grid (0 solid, 1 pore,
2 excluded; :attr:`ImageResult.labels_full <semscan.pipeline.ImageResult.labels_full>`),
and :func:`remeasure` recomputes every measurement of the original analysis from it, with
the same configuration: intercepts of both phases, porosity, MIL rose, dense chords, local
thickness, the cross-section measurements (on the film found before), the segmentation
verdict and the structure class, by the same measurement stage as the batch
(:func:`semscan.pipeline.measurements.measure_masks`); the grey image, calibration, view
and sample are those of the original result. :func:`semscan.report.review.save_reviewed`
writes the corrected label TIFF and the re-measured record into the batch's output folder,
its row marked ``reviewed``.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from semscan.errors import SemscanError
from semscan.measure.cross_section import analyze_cross_section
from semscan.pipeline.measurements import measure_masks
from semscan.pipeline.models import Models, load_models
from semscan.pipeline.result import ImageResult, Timings
from semscan.segment import Segmentation

__all__ = [
    "LabelEdit",
    "RemeasureError",
    "label_edit",
    "remeasure",
    "segmentation_from_labels",
]

LABEL_SOLID, LABEL_PORE, LABEL_EXCLUDED = 0, 1, 2
#: Whiskers, a third phase (``--whiskers``; :mod:`semscan.pipeline.whiskers`).
LABEL_WHISKER = 3


class RemeasureError(SemscanError):
    """An edited label image that cannot be measured against its result."""


@dataclass(frozen=True)
class LabelEdit:
    """What a reviewer changed in a label image.

    Attributes
    ----------
    pixels_changed : int
        Pixels whose label differs.
    to_pore, to_solid, to_excluded : int
        Changed pixels by their new label.
    """

    pixels_changed: int
    to_pore: int
    to_solid: int
    to_excluded: int

    def to_dict(self) -> dict[str, int]:
        """Row form: ``review_pixels_changed``, ``review_to_pore``, ..."""
        return {
            "review_pixels_changed": self.pixels_changed,
            "review_to_pore": self.to_pore,
            "review_to_solid": self.to_solid,
            "review_to_excluded": self.to_excluded,
        }


def label_edit(before: np.ndarray, after: np.ndarray) -> LabelEdit:
    """Count the pixels changed between two label images of one shape.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros((4, 4), np.uint8); b = a.copy(); b[0, :3] = 1; b[1, 0] = 2
    >>> label_edit(a, b)
    LabelEdit(pixels_changed=4, to_pore=3, to_solid=0, to_excluded=1)
    """
    before, after = np.asarray(before), np.asarray(after)
    if before.shape != after.shape:
        raise RemeasureError(
            f"label images of shapes {before.shape} and {after.shape} cannot be compared; "
            "pass two label images of the same file grid"
        )
    changed = before != after
    new = after[changed]
    return LabelEdit(
        int(changed.sum()),
        int((new == LABEL_PORE).sum()),
        int((new == LABEL_SOLID).sum()),
        int((new == LABEL_EXCLUDED).sum()),
    )


def _check_labels(labels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    arr = np.asarray(labels)
    if arr.shape != tuple(shape):
        raise RemeasureError(
            f"the edited label image has shape {arr.shape}, but the image's file grid is "
            f"{tuple(shape)}; edit the label image of this result (ImageResult.labels_full "
            "or masks/<stem>_labels.tif)"
        )
    if not np.issubdtype(arr.dtype, np.integer) and arr.dtype != bool:
        raise RemeasureError(
            f"a label image holds integers 0 solid, 1 pore, 2 excluded, got dtype {arr.dtype}"
        )
    bad = ~np.isin(arr, (LABEL_SOLID, LABEL_PORE, LABEL_EXCLUDED, LABEL_WHISKER))
    if bad.any():
        values = sorted({int(v) for v in np.unique(arr[bad])[:5]})
        raise RemeasureError(
            f"the label image has values {values} besides 0 solid, 1 pore, 2 excluded, "
            "3 whisker; paint only with labels 0, 1, 2 and 3"
        )
    return arr


def segmentation_from_labels(segmentation: Segmentation, labels: np.ndarray) -> Segmentation:
    """The segmentation ``segmentation`` with its masks replaced by ``labels``.

    Fractions, contrast and the quality warnings are recomputed
    (:meth:`Segmentation.with_masks <semscan.segment.Segmentation.with_masks>`);
    the method, threshold and grey image stay those of the original segmentation, and the
    method reason says the masks were edited.

    Parameters
    ----------
    segmentation : semscan.segment.Segmentation
    labels : ndarray of int, shape ``segmentation.shape``
        0 solid, 1 pore, 2 excluded (3 whisker: solid, and the whisker phase).
    """
    arr = _check_labels(labels, segmentation.shape)
    whisker = arr == LABEL_WHISKER
    return segmentation.with_masks(
        arr == LABEL_PORE,
        (arr == LABEL_SOLID) | whisker,
        arr == LABEL_EXCLUDED,
        method_reason=f"{segmentation.method_reason}; masks edited by a reviewer",
        whisker=whisker if whisker.any() or segmentation.whisker is not None else None,
    )


def remeasure(
    result: ImageResult,
    labels: np.ndarray,
    *,
    models: Models | None = None,
    quick: bool = False,
) -> ImageResult:
    """Every measurement of ``result`` again, from an edited label image.

    Parameters
    ----------
    result : semscan.pipeline.ImageResult
        The original analysis (its grey image, calibration, view, sample, configuration).
    labels : ndarray of int, shape ``result.file_shape``
        The corrected label image in the input file's pixel grid, 0 solid, 1 pore,
        2 excluded (the data bar's rows are not measured, whatever they hold).
    models : Models, optional
        Loaded models (:func:`semscan.pipeline.load_models`); loaded here when omitted.
    quick : bool
        Recompute only what takes well under a second on a 1536 x 1103 image: the
        intercepts of both phases, porosity, MIL rose, dense chords and the cross-section
        measurements. Local thickness, the segmentation verdict and the structure class
        (seconds each) are then ``None`` / ``''`` and a warning says so; a saved review
        always uses the complete re-measure.

    Returns
    -------
    semscan.pipeline.ImageResult
        A new result; ``timings['remeasure']`` is the time it took (seconds).

    Raises
    ------
    RemeasureError
        The labels do not fit the file grid, hold other values, or the result was measured
        in a rotated film frame (re-measuring a tilted cross-section is not supported yet).

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.config import AnalysisConfig
    >>> from semscan.micrograph import Micrograph
    >>> from semscan.pipeline import analyze_micrograph
    >>> img = np.full((64, 64), 0.8, np.float32); img[:, ::4] = 0.1
    >>> cfg = AnalysisConfig().with_overrides({"segment.denoise": "none",
    ...     "segment.background_um": 0.0, "measure.window_um": "full",
    ...     "classify.enabled": False, "measure.local_thickness": False})
    >>> res = analyze_micrograph(Micrograph.from_array(img, pixel_size_um=0.01),
    ...                          config=cfg, view="surface")
    >>> labels = res.labels_full; labels[:, 0] = 0          # erase one pore column
    >>> new = remeasure(res, labels)
    >>> round(res.porosity.porosity - new.porosity.porosity, 6) == round(64 / 64**2, 6)
    True
    """
    t0 = time.perf_counter()
    if result.frame_rotation is not None:
        raise RemeasureError(
            f"{result.micrograph.name or 'this image'} is a tilted cross-section measured in "
            "a rotated film frame; re-measuring it from a file-grid label image is not "
            "supported yet; re-analyse it (semscan analyze) instead"
        )
    labels = _check_labels(labels, result.file_shape)
    rows, cols = result.segmentation.shape
    seg = segmentation_from_labels(result.segmentation, labels[:rows, :cols])
    cfg, micrograph = result.config, result.micrograph
    if models is None:
        models = load_models(cfg) if not quick else Models()
    cal = micrograph.calibration
    timings: dict[str, float] = {}
    warnings_: list[str] = list(micrograph.warnings)
    if not cal.is_calibrated:
        warnings_.append("uncalibrated image: every length is in px")
    warnings_.extend(seg.warnings)
    warnings_.append("re-measured from masks edited by a reviewer (no re-segmentation)")

    cross_section = None
    if result.view == "cross-section" and result.cross_section is not None:
        t = time.perf_counter()
        xs_opts = dataclasses.asdict(cfg.cross_section)
        xs_opts.pop("view")
        cross_section = analyze_cross_section(
            seg.pore, seg.solid, micrograph.image, calibration=cal, excluded=seg.excluded,
            n_lines=cfg.measure.n_lines, seed=cfg.measure.seed, film=result.cross_section.film,
            **xs_opts,
        )
        timings["cross_section"] = time.perf_counter() - t
        warnings_.extend(cross_section.warnings)

    measured = measure_masks(micrograph, seg, config=cfg, models=models, quick=quick)
    warnings_.extend(measured.warnings)
    timings.update(measured.timings)
    verdict = measured.verdict
    timings["remeasure"] = time.perf_counter() - t0
    return dataclasses.replace(
        result,
        segmentation=seg,
        region=~seg.excluded,
        cross_section=cross_section,
        **measured.result_fields(),  # type: ignore[arg-type]
        warnings=tuple(dict.fromkeys(warnings_)),
        timings=Timings(timings),
        verdict="" if verdict is None else verdict.verdict,
        verdict_reason="not recomputed (quick re-measure)" if verdict is None else verdict.reason,
        verdict_detail=verdict,
    )
