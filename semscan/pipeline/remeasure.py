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
import weakref
from dataclasses import dataclass

import numpy as np

from semscan.errors import SemscanError
from semscan.measure.cross_section import analyze_cross_section
from semscan.micrograph import FrameRotation
from semscan.pipeline.measurements import finish_section, measure_masks
from semscan.pipeline.models import Models, cached_structure_model
from semscan.pipeline.result import ImageResult, Timings
from semscan.pipeline.section import cross_section_options
from semscan.segment import Segmentation

__all__ = [
    "LabelEdit",
    "RemeasureError",
    "film_frame_labels",
    "label_edit",
    "prepare_remeasure",
    "remeasure",
    "segmentation_from_labels",
]

LABEL_SOLID, LABEL_PORE, LABEL_EXCLUDED = 0, 1, 2
#: Whiskers, a third phase (``--whiskers``; :mod:`semscan.pipeline.whiskers`).
LABEL_WHISKER = 3

# Per analysed image, what a re-measure keeps for the next one (the local-thickness map,
# the fields' structure features): :func:`measure_masks`' ``cache``. Held as long as the
# result is.
_STATE: weakref.WeakKeyDictionary[ImageResult, dict[str, object]] = weakref.WeakKeyDictionary()


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
    # the labels are the integers 0..3: one pass for the range (np.isin takes four)
    lo, hi = (0, 1) if arr.size == 0 or arr.dtype == bool else (int(arr.min()), int(arr.max()))
    if lo < LABEL_SOLID or hi > LABEL_WHISKER:
        bad = (arr < LABEL_SOLID) | (arr > LABEL_WHISKER)
        values = sorted({int(v) for v in np.unique(arr[bad])[:5]})
        raise RemeasureError(
            f"the label image has values {values} besides 0 solid, 1 pore, 2 excluded, "
            "3 whisker; paint only with labels 0, 1, 2 and 3"
        )
    return arr


def film_frame_labels(
    rotation: FrameRotation,
    frame_before: np.ndarray,
    file_before: np.ndarray,
    file_after: np.ndarray,
    *,
    shown_before: np.ndarray | None = None,
) -> np.ndarray:
    """A reviewer's file-grid edit carried into the film frame a section was measured in.

    semscan's choice: the film-frame labels that were measured (``frame_before``) are kept
    wherever the reviewer changed nothing, so an unedited label image gives back exactly
    the labels, and so the numbers, of the batch; re-segmenting or resampling the whole
    file-grid mask into the frame would not (nearest-pixel resampling there and back is not
    one-to-one). Where file pixels changed, every frame pixel whose nearest file pixel
    (by the inverse rotation) changed takes that pixel's new label, and the frame pixel
    nearest to each changed file pixel does too, so that no painted pixel is lost. Changes
    on the data bar's rows (below ``rotation.image_shape``) are ignored: they are not
    measured.

    Shown back in the file's grid (nearest pixel, what is saved as the reviewed mask), such
    frame labels differ from the edit on a few pixels at its rim, and carrying that saved
    mask into the frame again would move them once more: a reopened review would not give
    the saved numbers. So the step is repeated on what it shows until the frame labels no
    longer change (measured: 2-3 steps; at most 8), and the saved mask then gives exactly
    these frame labels, so the saved numbers.

    Only the pixels an edit can reach are resampled: the frame pixels whose nearest file
    pixel lies in the bounding box of the changed file pixels, and the file pixels whose
    nearest frame pixel lies in the bounding box of the changed frame pixels (each pixel's
    position is computed as the whole-image resampling computes it, so the labels are
    those of resampling everything).

    Parameters
    ----------
    rotation : semscan.micrograph.FrameRotation
        The rotation from the image (data bar cropped) into the film frame.
    frame_before : ndarray of int, shape ``rotation.frame_shape``
        The measured film-frame labels (0 solid, 1 pore, 2 excluded).
    file_before, file_after : ndarray of int, shape (rows, columns) of the file
        The file-grid labels shown to the reviewer, and as edited.
    shown_before : ndarray of int, shape ``rotation.image_shape``, optional
        ``rotation.frame_to_image(frame_before, fill=2)`` when known (the labels of an
        unedited result are exactly that on the image's rows); computed when needed.

    Returns
    -------
    ndarray of uint8, shape ``rotation.frame_shape``

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.micrograph import film_frame_rotation
    >>> rot = film_frame_rotation((40, 60), 20.0)
    >>> frame = np.zeros(rot.frame_shape, np.uint8)
    >>> before = rot.frame_to_image(frame, fill=2)
    >>> after = before.copy(); after[10:20, 10:20] = 1
    >>> new = film_frame_labels(rot, frame, before, after)
    >>> shown = rot.frame_to_image(new, fill=2)      # what the reviewer sees again
    >>> int((shown[10:20, 10:20] == 1).sum()), int((shown != after).sum())  # 2 on the rim
    (100, 2)
    >>> film_frame_labels(rot, frame, before, before) is frame
    True
    """
    out = _carried(rotation, frame_before, file_before, file_after)
    if out is frame_before:
        return out
    rows, cols = rotation.image_shape
    if shown_before is None:
        shown_before = rotation.frame_to_image(frame_before, fill=LABEL_EXCLUDED)
    shown_before = np.asarray(shown_before)[:rows, :cols]
    for _ in range(8):
        if out is frame_before:
            break
        again = _carried(rotation, frame_before, file_before,
                         _shown(rotation, frame_before, out, shown_before))
        if np.array_equal(again, out):
            break
        out = again
    return out


def _box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """``(r0, r1, c0, c1)`` of a mask's True pixels (None when there is none)."""
    rr = np.flatnonzero(mask.any(axis=1))
    if rr.size == 0:
        return None
    cc = np.flatnonzero(mask.any(axis=0))
    return int(rr[0]), int(rr[-1]) + 1, int(cc[0]), int(cc[-1]) + 1


def _mapped_box(
    to: object, box: tuple[int, int, int, int], shape: tuple[int, int]
) -> tuple[int, int, int, int] | None:
    """The pixels of a grid of ``shape`` whose nearest pixel under the inverse of ``to``
    (a (rows, cols) -> (rows, cols) affine map) can lie in ``box``: ``to`` of the box's
    corners, widened by two pixels for the rounding, clipped to the grid."""
    r0, r1, c0, c1 = box
    rr = np.array([r0, r0, r1, r1], float) + np.array([-1.0, -1.0, 1.0, 1.0])
    cc = np.array([c0, c1, c0, c1], float) + np.array([-1.0, 1.0, -1.0, 1.0])
    fr, fc = to(rr, cc)  # type: ignore[operator]
    a0 = max(0, int(np.floor(fr.min())) - 2)
    a1 = min(shape[0], int(np.ceil(fr.max())) + 3)
    b0 = max(0, int(np.floor(fc.min())) - 2)
    b1 = min(shape[1], int(np.ceil(fc.max())) + 3)
    return (a0, a1, b0, b1) if a0 < a1 and b0 < b1 else None


def _shown(
    rotation: FrameRotation, frame_before: np.ndarray, frame: np.ndarray,
    shown_before: np.ndarray,
) -> np.ndarray:
    """``rotation.frame_to_image(frame, fill=2)``, given that of ``frame_before``: only the
    image pixels whose nearest frame pixel can have changed are resampled."""
    out = np.array(shown_before, copy=True)
    box = _box(frame != frame_before)
    win = None if box is None else _mapped_box(rotation.to_image, box, rotation.image_shape)
    if win is None:
        return out
    r0, r1, c0, c1 = win
    f_rows, f_cols = rotation.frame_shape
    rr = np.arange(r0, r1, dtype=float)[:, None]
    cc = np.arange(c0, c1, dtype=float)[None, :]
    fr_, fc_ = rotation.to_frame(rr, cc)
    ir, ic = np.rint(fr_).astype(np.intp), np.rint(fc_).astype(np.intp)
    ok = (ir >= 0) & (ir < f_rows) & (ic >= 0) & (ic < f_cols)
    block = np.full(ir.shape, LABEL_EXCLUDED, out.dtype)
    block[ok] = frame[ir[ok], ic[ok]]
    out[r0:r1, c0:c1] = block
    return out


def _carried(
    rotation: FrameRotation, frame_before: np.ndarray, file_before: np.ndarray,
    file_after: np.ndarray,
) -> np.ndarray:
    """One step of :func:`film_frame_labels`: gather, then scatter, the changed pixels."""
    rows, cols = rotation.image_shape
    changed = np.asarray(file_before)[:rows, :cols] != np.asarray(file_after)[:rows, :cols]
    box = _box(changed)
    if box is None:
        return frame_before
    after = np.asarray(file_after)[:rows, :cols]
    out = np.array(frame_before, np.uint8, copy=True)
    f_rows, f_cols = rotation.frame_shape
    # gather: frame pixels whose nearest file pixel changed, within the frame window that
    # the changed pixels' bounding box maps to
    win = _mapped_box(rotation.to_frame, box, rotation.frame_shape)
    if win is not None:
        a0, a1, b0, b1 = win
        rr = np.arange(a0, a1, dtype=float)[:, None]
        cc = np.arange(b0, b1, dtype=float)[None, :]
        ir, ic = (np.rint(v).astype(np.intp) for v in rotation.to_image(rr, cc))
        ok = (ir >= 0) & (ir < rows) & (ic >= 0) & (ic < cols)
        take = np.zeros(ok.shape, bool)
        take[ok] = changed[ir[ok], ic[ok]]
        block = out[a0:a1, b0:b1]
        block[take] = after[ir[take], ic[take]]
    # scatter: the frame pixel nearest to each changed file pixel
    cr, ccol = np.nonzero(changed)
    fr, fc = (np.rint(v).astype(np.intp) for v in rotation.to_frame(cr, ccol))
    ok = (fr >= 0) & (fr < f_rows) & (fc >= 0) & (fc < f_cols)
    out[fr[ok], fc[ok]] = after[cr[ok], ccol[ok]]
    return out


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
    layer_depths_um: tuple[float, ...] | None = None,
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
        Recompute only the intercepts of both phases, porosity, MIL rose, dense chords and
        the cross-section measurements. Local thickness, the segmentation verdict and the
        structure class are then ``None`` / ``''`` and a warning says so; a saved review
        always uses the complete re-measure. What a complete re-measure of this result
        computed is kept for the next one (:func:`prepare_remeasure`): only what an edit
        can change is computed again, with the same numbers (0.23-0.28 CPU s for a
        1536 x 1103 surface after an edit, ``benchmarks/bench_remeasure.py``).
    layer_depths_um : tuple of float, optional
        Interfaces of a laminated section given by the reviewer (depths below the top
        surface, µm; e.g. from lines drawn in napari,
        :func:`semscan.pipeline.drawn_layers.layer_depths_from_lines`); ``()`` lets
        ``[cross_section] layers`` find them again. By default those of ``result``
        (:attr:`ImageResult.layer_depths_um <semscan.pipeline.ImageResult.layer_depths_um>`:
        a manifest's, or a review's before), so a re-measure measures the layers the user
        gave. The new result holds the depths used.

    Returns
    -------
    semscan.pipeline.ImageResult
        A new result; ``timings['remeasure']`` is the time it took (seconds).

    Raises
    ------
    RemeasureError
        The labels do not fit the file grid or hold other values.
    semscan.errors.ConfigError
        A given layer depth is not inside the film.

    Notes
    -----
    A tilted cross-section is measured in a rotated film frame
    (:func:`semscan.pipeline.section.film_frame_cross_section`); the reviewer edits its
    labels in the file's grid, and the edit is carried into that frame
    (:func:`film_frame_labels`), where everything is re-measured on the film surfaces found
    before, so an unedited label image gives the batch's numbers.

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
    labels = _check_labels(labels, result.file_shape)
    depths = result.layer_depths_um if layer_depths_um is None else tuple(
        float(d) for d in layer_depths_um)
    rotation = result.frame_rotation
    if rotation is not None:  # a tilted section: the edit is carried into its film frame
        shown = result.labels_full  # the measured frame labels, shown in the file's grid
        frame = film_frame_labels(rotation, result.segmentation.labels(), shown, labels,
                                  shown_before=shown[: rotation.image_shape[0]])
        seg = segmentation_from_labels(result.segmentation, frame)
    else:
        rows, cols = result.segmentation.shape
        seg = segmentation_from_labels(result.segmentation, labels[:rows, :cols])
    cfg, micrograph = result.config, result.micrograph
    if models is None:  # the structure model only: nothing is segmented
        models = Models(structure=cached_structure_model(cfg.classify.model_path)
                        if cfg.classify.enabled and not quick else None)
    cache = _STATE.get(result)
    if cache is None:
        cache = _STATE[result] = {}
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
        cross_section = analyze_cross_section(
            seg.pore, seg.solid, micrograph.image, calibration=cal, excluded=seg.excluded,
            n_lines=cfg.measure.n_lines, seed=cfg.measure.seed, film=result.cross_section.film,
            layer_depths_um=depths, cache=cache.setdefault("cross_section", {}),
            **cross_section_options(cfg),
        )
        timings["cross_section"] = time.perf_counter() - t
        warnings_.extend(cross_section.warnings)

    measured = measure_masks(micrograph, seg, config=cfg, models=models, quick=quick,
                             cache=cache)
    warnings_.extend(measured.warnings)
    timings.update(measured.timings)
    verdict = measured.verdict
    if cross_section is not None:  # as the batch judges a section (analyze_micrograph)
        cross_section, judged = finish_section(
            cross_section, seg, measured, view_decision=result.view_decision,
            calibration=cal, config=cfg, models=models)
        if judged is not None and judged is not verdict:
            warnings_.append(f"segmentation {judged.verdict}: {judged.reason}")
            verdict = judged
    timings["remeasure"] = time.perf_counter() - t0
    new = dataclasses.replace(
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
        layer_depths_um=depths,
    )
    _STATE[new] = cache  # a re-measure of the re-measured result goes on from here
    return new


def prepare_remeasure(result: ImageResult, *, models: Models | None = None) -> None:
    """Measure ``result``'s own masks once, keeping what later re-measures reuse.

    The first complete :func:`remeasure` of an image computes its local-thickness map,
    the verdict's grey signals and every field's structure features (about as long as the
    batch's measurement); later ones compute again only what an edit changes. Call this
    while the reviewer looks at the image (napari does, in a background thread), so that
    the first Re-measure after an edit is already fast.
    """
    remeasure(result, result.labels_full, models=models)
