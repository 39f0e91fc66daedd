"""Re-measure an image from an edited label image, without segmenting it again.

A reviewer corrects what the segmentation got wrong (paints or erases pores, excludes a
scratch) on the label image in the input *file's* pixel grid (0 solid, 1 pore,
2 excluded; :attr:`ImageResult.labels_full <semscan.pipeline.ImageResult.labels_full>`),
and :func:`remeasure` recomputes every measurement of the original analysis from it, with
the same configuration: intercepts of both phases, porosity, MIL rose, dense chords, local
thickness, the cross-section measurements (on the film found before), the segmentation
verdict and the structure class. :func:`save_reviewed` writes the corrected label TIFF and
the re-measured record into the batch's output folder, its row marked ``reviewed``.

The measurement stage here mirrors :func:`semscan.pipeline.analyze_micrograph` after its
segmentation; the grey image, calibration, view and sample are those of the original
result. This module imports no UI library.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from semscan.errors import SemscanError

__all__ = [
    "LabelEdit",
    "RemeasureError",
    "label_edit",
    "remeasure",
    "save_reviewed",
    "segmentation_from_labels",
]

LABEL_SOLID, LABEL_PORE, LABEL_EXCLUDED = 0, 1, 2


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
    bad = ~np.isin(arr, (LABEL_SOLID, LABEL_PORE, LABEL_EXCLUDED))
    if bad.any():
        values = sorted({int(v) for v in np.unique(arr[bad])[:5]})
        raise RemeasureError(
            f"the label image has values {values} besides 0 solid, 1 pore, 2 excluded; "
            "paint only with labels 0, 1 and 2"
        )
    return arr


def segmentation_from_labels(segmentation: Any, labels: np.ndarray) -> Any:
    """The segmentation ``segmentation`` with its masks replaced by ``labels``.

    Fractions, contrast and the quality warnings are recomputed
    (:meth:`Segmentation.with_masks <semscan.segment.Segmentation.with_masks>`);
    the method, threshold and grey image stay those of the original segmentation, and the
    method reason says the masks were edited.

    Parameters
    ----------
    segmentation : semscan.segment.Segmentation
    labels : ndarray of int, shape ``segmentation.shape``
        0 solid, 1 pore, 2 excluded.
    """
    arr = _check_labels(labels, segmentation.shape)
    return segmentation.with_masks(
        arr == LABEL_PORE,
        arr == LABEL_SOLID,
        arr == LABEL_EXCLUDED,
        method_reason=f"{segmentation.method_reason}; masks edited by a reviewer",
    )


def remeasure(
    result: Any,
    labels: np.ndarray,
    *,
    models: dict[str, Any] | None = None,
    quick: bool = False,
) -> Any:
    """Every measurement of ``result`` again, from an edited label image.

    Parameters
    ----------
    result : semscan.pipeline.ImageResult
        The original analysis (its grey image, calibration, view, sample, configuration).
    labels : ndarray of int, shape ``result.file_shape``
        The corrected label image in the input file's pixel grid, 0 solid, 1 pore,
        2 excluded (the data bar's rows are not measured, whatever they hold).
    models : dict, optional
        Loaded models (``'structure'``), as :func:`semscan.pipeline.load_models` gives.
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
    from semscan.pipeline import ImageResult  # noqa: F401  (the type returned)

    t0 = time.perf_counter()
    if getattr(result, "frame_rotation", None) is not None:
        raise RemeasureError(
            f"{result.micrograph.name or 'this image'} is a tilted cross-section measured in "
            "a rotated film frame; re-measuring it from a file-grid label image is not "
            "supported yet; re-analyse it (semscan analyze) instead"
        )
    labels = _check_labels(labels, result.file_shape)
    rows, cols = result.segmentation.shape
    seg = segmentation_from_labels(result.segmentation, labels[:rows, :cols])
    new = measure_segmentation(result, seg, models=models, quick=quick)
    new.timings["remeasure"] = time.perf_counter() - t0
    return new


def measure_segmentation(
    result: Any, seg: Any, *, models: dict[str, Any] | None = None, quick: bool = False
) -> Any:
    """The measurement stage of :func:`semscan.pipeline.analyze_micrograph` on ``seg``.

    ``seg`` is in the grid ``result`` was measured in; everything but the masks (grey
    image, calibration, view, sample, configuration, film geometry) comes from ``result``;
    ``quick`` as in :func:`remeasure`.
    """
    from semscan.measure import chord_lengths, intercept_method, local_thickness, mil_rose
    from semscan.measure import porosity as porosity_of
    from semscan.segment.verdict import segmentation_verdict

    cfg, micrograph = result.config, result.micrograph
    cal = micrograph.calibration
    models = {} if models is None else models
    timings: dict[str, float] = {}
    warnings_: list[str] = list(micrograph.warnings)
    if not cal.is_calibrated:
        warnings_.append("uncalibrated image: every length is in px")
    warnings_.extend(seg.warnings)
    warnings_.append("re-measured from masks edited by a reviewer (no re-segmentation)")

    cross_section = None
    if result.view == "cross-section" and result.cross_section is not None:
        from semscan.measure.cross_section import analyze_cross_section

        t = time.perf_counter()
        xs_opts = dataclasses.asdict(cfg.cross_section)
        xs_opts.pop("view")
        cross_section = analyze_cross_section(
            seg.pore, seg.solid, micrograph.image, calibration=cal, excluded=seg.excluded,
            n_lines=cfg.measure.n_lines, seed=cfg.measure.seed, film=result.cross_section.film,
            **xs_opts,
        )
        timings["cross_section"] = time.perf_counter() - t
        warnings_.extend(getattr(cross_section, "warnings", ()))

    region = ~seg.excluded
    mcfg = cfg.measure
    common = {
        "calibration": cal, "region": region, "n_lines": mcfg.n_lines,
        "angle_deg": mcfg.angle_deg, "window_um": mcfg.window_um,
        "min_voids_per_line": mcfg.min_voids_per_line, "ci_method": mcfg.ci_method,
        "seed": mcfg.seed,
    }
    t = time.perf_counter()
    pore_ic = intercept_method(seg.pore, phase="pore", **common)
    solid_ic = intercept_method(seg.solid, phase="solid", **common)
    timings["intercepts"] = time.perf_counter() - t
    warnings_.extend(pore_ic.warnings)
    t = time.perf_counter()
    por = porosity_of(seg.pore, region=region, n_lines=mcfg.n_lines)
    timings["porosity"] = time.perf_counter() - t

    directional = chord_rows = chord_cols = lt = None
    if mcfg.mil_step_deg > 0:
        t = time.perf_counter()
        directional = mil_rose(
            seg.pore, calibration=cal, region=region, step_deg=mcfg.mil_step_deg,
            n_lines=mcfg.n_lines,
            window_um=pore_ic.window_size[0] * 1.0 if pore_ic.window_mode != "full" else "full",
        )
        timings["directional"] = time.perf_counter() - t
    if mcfg.dense_chords:
        t = time.perf_counter()
        chord_rows = chord_lengths(seg.pore, calibration=cal, direction="rows", region=region)
        chord_cols = chord_lengths(seg.pore, calibration=cal, direction="columns", region=region)
        timings["chords"] = time.perf_counter() - t
    if quick:
        warnings_.append(
            "quick re-measure: local thickness, segmentation verdict and structure class "
            "not recomputed"
        )
        return dataclasses.replace(
            result, segmentation=seg, region=region, pore_intercept=pore_ic,
            solid_intercept=solid_ic, porosity=por, directional=directional,
            chords_rows=chord_rows, chords_columns=chord_cols, local_thickness=None,
            cross_section=cross_section, structure=None,
            warnings=tuple(dict.fromkeys(warnings_)), timings=timings, verdict="",
            verdict_reason="not recomputed (quick re-measure)", verdict_detail=None,
        )
    if mcfg.local_thickness:
        t = time.perf_counter()
        lt = local_thickness(seg.pore, calibration=cal, region=region)
        timings["local_thickness"] = time.perf_counter() - t

    t = time.perf_counter()
    verdict = segmentation_verdict(micrograph.image, seg.pore, seg.solid, excluded=seg.excluded)
    timings["verdict"] = time.perf_counter() - t
    if verdict.verdict != "ok":
        warnings_.append(f"segmentation {verdict.verdict}: {verdict.reason}")

    structure = None
    if cfg.classify.enabled:
        from semscan.classify import classify_fields, load_model

        t = time.perf_counter()
        model = models.get("structure")
        if model is None:
            model = models["structure"] = load_model(cfg.classify.model_path)
        structure = classify_fields(
            seg.pore, seg.solid, calibration=cal, region=region, grey=seg.contrast_grey,
            model=model, confidence_threshold=cfg.classify.confidence_threshold,
        )
        if verdict.verdict == "unreliable":
            structure = dataclasses.replace(
                structure, label="uncertain", is_uncertain=True,
                reasons=(f"segmentation unreliable: {verdict.reason}", *structure.reasons),
            )
        timings["classify"] = time.perf_counter() - t

    return dataclasses.replace(
        result,
        segmentation=seg,
        region=region,
        pore_intercept=pore_ic,
        solid_intercept=solid_ic,
        porosity=por,
        directional=directional,
        chords_rows=chord_rows,
        chords_columns=chord_cols,
        local_thickness=lt,
        cross_section=cross_section,
        structure=structure,
        warnings=tuple(dict.fromkeys(warnings_)),
        timings=timings,
        verdict=verdict.verdict,
        verdict_reason=verdict.reason,
        verdict_detail=verdict,
    )


def save_reviewed(
    out_dir: str | Path,
    stem: str,
    result: Any,
    *,
    edit: LabelEdit,
    reviewer: str = "",
    overlays: bool = True,
) -> dict[str, Any]:
    """Write a re-measured result into a batch's output folder, marked as reviewed.

    Writes ``masks/<stem>_labels.tif`` (the corrected labels in the file's grid with the
    pixel size), ``chords/<stem>.parquet``, the overlay, and ``images/<stem>.json`` whose
    row has ``reviewed=True``, ``review_pixels_changed`` (and the counts by new label),
    ``reviewed_at`` (ISO 8601, UTC) and ``reviewer``; then rebuilds ``results.csv``,
    ``results.parquet`` and ``chords.parquet`` from the folder's records. The input,
    task and run key of the original record are kept, so a re-run of the batch with the
    same configuration skips the reviewed image instead of overwriting it.

    Parameters
    ----------
    out_dir : str or Path
        The output folder (``semscan analyze --out``).
    stem : str
        The image's output name (``images/<stem>.json``).
    result : semscan.pipeline.ImageResult
        What :func:`remeasure` returned.
    edit : LabelEdit
        What changed (:func:`label_edit` of the original and the corrected labels).
    reviewer : str
        Who reviewed it (recorded).
    overlays : bool
        Rewrite the overlay PNG too.

    Returns
    -------
    dict
        The row written.
    """
    from semscan.report.batch import rebuild_tables
    from semscan.report.lock import FolderLock
    from semscan.report.outputs import ImageOutputWriter, atomic_write, read_image_json

    out = Path(out_dir)
    old = read_image_json(out, stem)
    if old is None:
        raise RemeasureError(
            f"{out / 'images' / (stem + '.json')} is missing or unreadable; save a review "
            "into the output folder the image was analysed into"
        )
    path = result.micrograph.path
    plan = {path: {"stem": stem, "input": old.get("input"), "task": old.get("task"),
                   "key": old.get("task_key")}}
    with FolderLock(out, wait=False):
        ImageOutputWriter(out, save_masks=True, overlays=overlays, plan=plan)(result)
        record_path = out / "images" / f"{stem}.json"
        record = json.loads(record_path.read_text(encoding="utf-8"))
        review = {
            "reviewed": True,
            **edit.to_dict(),
            "reviewed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "reviewer": reviewer,
        }
        record["row"].update(review)
        record["review"] = review
        atomic_write(record_path, json.dumps(record, indent=1, ensure_ascii=False))
        rebuild_tables(out)
    return record["row"]
