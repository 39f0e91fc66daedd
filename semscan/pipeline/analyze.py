"""Strings the steps together: read -> segment -> measure -> (cross-section) -> classify.

This is the only module that knows the order of the steps. It imports no UI, database,
plotting or distributed-computing library; :mod:`semscan.report` and :mod:`semscan.cli`
turn its results into files and tables.

- :func:`analyze_micrograph` analyses one :class:`~semscan.micrograph.Micrograph`.
- :func:`analyze_path` reads a file and analyses it.

The cross-section policy is in :mod:`semscan.pipeline.section`, the batch runner in
:mod:`semscan.pipeline.batch`.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import numpy as np

from semscan.config import AnalysisConfig
from semscan.errors import ConfigError
from semscan.io import read_micrograph
from semscan.io.labels import read_label_image
from semscan.measure.cross_section import CrossSectionResult, analyze_cross_section, detect_film
from semscan.micrograph import FrameRotation, Micrograph
from semscan.pipeline.measurements import finish_section, measure_masks
from semscan.pipeline.models import Models, load_models
from semscan.pipeline.remeasure import (
    RemeasureError,
    film_frame_labels,
    segmentation_from_labels,
)
from semscan.pipeline.result import ImageResult, Timings
from semscan.pipeline.section import (
    FILM_FRAME_MIN_DEG,
    cross_section_options,
    detected_view,
    film_frame_cross_section,
)
from semscan.pipeline.whiskers import find_whiskers
from semscan.segment import Segmentation, segment_micrograph

__all__ = ["analyze_micrograph", "analyze_path"]


def analyze_path(
    path: str | os.PathLike[str],
    *,
    config: AnalysisConfig | None = None,
    view: str | None = None,
    view_source: str = "",
    sample: str | None = None,
    sample_source: str = "",
    pixel_size_um: float | None = None,
    film_direction_deg: float | None = None,
    masks: str | os.PathLike[str] | None = None,
    models: Models | None = None,
    state: str = "",
    layer_depths_um: tuple[float, ...] = (),
) -> ImageResult:
    """Read a micrograph file and analyse it (see :func:`analyze_micrograph`).

    ``pixel_size_um`` overrides the configuration's override for this one file (a manifest
    entry); ``film_direction_deg`` likewise. ``masks`` is a label TIFF in the file's pixel
    grid (0 solid, 1 pore, 2 excluded; ``semscan analyze --masks``) to measure from instead
    of the segmentation's masks; the row's ``masks_from`` names it.

    Raises
    ------
    semscan.pipeline.remeasure.RemeasureError
        If the label TIFF's shape is not the file's (rows, columns), or it holds values
        other than 0, 1, 2.
    """
    cfg = config or AnalysisConfig()
    t0 = time.perf_counter()
    micrograph = read_micrograph(
        path,
        pixel_size_um=pixel_size_um if pixel_size_um is not None else cfg.io.pixel_size_um,
        page=cfg.io.page,
        keep_databar=cfg.io.keep_databar,
        strict_calibration=cfg.io.strict_calibration,
        max_pixels=cfg.io.max_pixels,
    )
    labels = None
    if masks is not None:
        labels = read_label_image(masks)
        if labels.shape != micrograph.file_shape:
            raise RemeasureError(
                f"the label TIFF {masks} has shape {labels.shape}, but {path} is "
                f"{micrograph.file_shape} (rows, columns, data bar included); give the label "
                "image of this file (masks/<stem>_labels.tif of its analysis)"
            )
    result = analyze_micrograph(
        micrograph,
        config=cfg,
        view=view,
        view_source=view_source,
        sample=sample if sample is not None else Path(path).resolve().parent.name,
        sample_source=sample_source or ("folder" if sample is None else "given"),
        film_direction_deg=film_direction_deg,
        models=models,
        labels=labels,
        state=state,
        layer_depths_um=tuple(layer_depths_um),
        masks_from="" if masks is None else str(masks),
    )
    read = time.perf_counter() - t0 - result.timings.total
    return dataclasses.replace(result, timings=Timings({**result.timings, "read": read}))


def analyze_micrograph(
    micrograph: Micrograph,
    *,
    config: AnalysisConfig | None = None,
    view: str | None = None,
    view_source: str = "",
    sample: str = "",
    sample_source: str = "given",
    film_direction_deg: float | None = None,
    models: Models | None = None,
    labels: np.ndarray | None = None,
    masks_from: str = "",
    state: str = "",
    layer_depths_um: tuple[float, ...] = (),
) -> ImageResult:
    """Segment and measure one micrograph.

    Parameters
    ----------
    micrograph : Micrograph
        The calibrated image (uncalibrated images are measured in px).
    config : AnalysisConfig, optional
        Options; the defaults follow METHODS.md.
    view : {'surface', 'cross-section'}, optional
        The view if known (manifest, pattern); else ``config.cross_section.view``, and when
        that is ``'auto'`` it is detected from the image.
    view_source : str
        How ``view`` was decided (recorded).
    sample, sample_source : str
        The sample this image belongs to and how that was decided.
    film_direction_deg : float, optional
        Film-plane direction of a cross-section, overriding the configuration.
    models : Models, optional
        Already loaded models (:func:`~semscan.pipeline.models.load_models`), so that a
        batch loads each model once; else those the configuration needs are loaded here.
    labels : ndarray of int, shape ``micrograph.file_shape``, optional
        Corrected masks to measure from (0 solid, 1 pore, 2 excluded, in the file's pixel
        grid; the data bar's rows are not measured): they replace the segmentation's masks
        before anything is measured, exactly as
        :func:`~semscan.pipeline.remeasure.segmentation_from_labels` does for a review. The
        segmentation still runs for what the masks are judged by (the preprocessed grey of
        the separability and the verdict, the method record), never for the masks. A
        level cross-section is measured on the film found on them; one tilted by more than
        :data:`~semscan.pipeline.section.FILM_FRAME_MIN_DEG` in the film frame the batch
        finds, the masks carried into it as a review's edit is
        (:func:`~semscan.pipeline.remeasure.film_frame_labels`), so the batch's own masks
        give the batch's numbers.
    masks_from : str
        Where ``labels`` came from (the row's ``masks_from``).
    state : str
        The sample's state (manifest column ``state``, e.g. ``'as-made'``; the row's).
    layer_depths_um : tuple of float
        Interfaces of a laminated film given by the user (depths below the top surface,
        µm; :func:`~semscan.measure.cross_section.layers.find_layers`).

    Returns
    -------
    ImageResult

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.micrograph import FrameRotation, Micrograph
    >>> img = np.full((128, 128), 0.8, np.float32)
    >>> img[:, ::8] = 0.1; img[:, 1::8] = 0.1          # dark pore stripes, 2 px wide
    >>> cfg = AnalysisConfig().with_overrides({"segment.denoise": "none",
    ...     "segment.background_um": 0.0, "measure.window_um": "full",
    ...     "measure.angle_deg": 0.0, "classify.enabled": False})
    >>> res = analyze_micrograph(Micrograph.from_array(img, pixel_size_um=0.01),
    ...                          config=cfg, view="surface")
    >>> round(res.pore_intercept.mean_complete, 6), round(res.porosity.porosity, 6)
    (0.02, 0.25)
    """
    cfg = config or AnalysisConfig()
    timings: dict[str, float] = {}
    if models is None:
        t = time.perf_counter()
        models = load_models(cfg)
        timings["models"] = time.perf_counter() - t
    elif not isinstance(models, Models):
        raise ConfigError(
            f"models= takes a semscan.pipeline.Models, got {type(models).__name__}; build it "
            "with load_models(config) or Models(structure=..., pixel_classifier=...)"
        )
    warnings_: list[str] = list(micrograph.warnings)
    cal = micrograph.calibration
    if not cal.is_calibrated:
        warnings_.append("uncalibrated image: every length is in px")

    # View: given > configured > detected.
    t = time.perf_counter()
    view_decision = None
    if view is None:
        if cfg.cross_section.view != "auto":
            view, view_source = cfg.cross_section.view, "config"
        else:
            view, view_source, view_decision = detected_view(micrograph)
            if view_decision.uncertain:
                warnings_.append(view_decision.note)
    elif not view_source:
        view_source = "given"
    timings["view"] = time.perf_counter() - t

    t = time.perf_counter()
    seg_opts = dataclasses.asdict(cfg.segment)
    # a section's first segmentation only finds its film: no dark voids (its vacuum)
    seg = segment_micrograph(micrograph, **seg_opts, classifier=models.pixel_classifier,
                             voids=view != "cross-section")
    segmented = seg
    if labels is not None:
        # With given masks this whole-image segmentation still runs, for a level section
        # too (whose masks and method record are then the specimen's segmentation's,
        # _cross_section_of_masks): the row's warnings are this one's notes (the saturated
        # regions excluded over the whole image, a hysteresis fallback, a single grey) and
        # the given masks' quality warnings on its grey, flattened over the whole image.
        # The specimen's segmentation sets the background aside first, so its notes and
        # grey are others: they cannot stand in, and what could be skipped here
        # (remove_small_features, 3.5 of 38 CPU ms on the bundled section) is not worth a
        # second path. A tilted section is measured on this segmentation.
        rows, cols = seg.shape
        seg = segmentation_from_labels(seg, _file_grid_labels(labels, micrograph)[:rows, :cols])
        warnings_.append(
            f"measured from the corrected masks {masks_from or '(given)'} (no re-segmentation)"
        )
    timings["segment"] = time.perf_counter() - t
    warnings_.extend(seg.warnings)

    cross_section = rotation = None
    input_micrograph = micrograph
    if view == "cross-section" and labels is not None:
        t = time.perf_counter()
        level = _cross_section_of_masks(micrograph, seg, cfg, film_direction_deg, models,
                                        layer_depths_um)
        if level is not None:
            cross_section, seg = level
        else:  # tilted: the batch's film frame, the masks carried in
            cross_section, seg, micrograph, rotation = _film_frame_of_masks(
                micrograph, segmented, labels, cfg, film_direction_deg, models,
                layer_depths_um)
            cal = micrograph.calibration
            warnings_.extend(w for w in micrograph.warnings if w not in warnings_)
        timings["cross_section"] = time.perf_counter() - t
        warnings_.extend(cross_section.warnings)
    elif view == "cross-section":
        t = time.perf_counter()
        cross_section, seg, micrograph, rotation = film_frame_cross_section(
            micrograph, seg, cfg, film_direction_deg, models, layer_depths_um=layer_depths_um
        )
        cal = micrograph.calibration
        warnings_.extend(w for w in micrograph.warnings if w not in warnings_)
        timings["cross_section"] = time.perf_counter() - t
        warnings_.extend(getattr(cross_section, "warnings", ()))

    found = None
    if cfg.whiskers.enabled and seg.whisker is None:
        t = time.perf_counter()
        seg, found = find_whiskers(micrograph, seg, config=cfg)
        timings["whiskers_found"] = time.perf_counter() - t
    measured = measure_masks(micrograph, seg, config=cfg, models=models, whiskers=found)
    warnings_.extend(measured.warnings)
    timings.update(measured.timings)
    verdict = measured.verdict
    assert verdict is not None  # measured in full
    if cross_section is not None:
        cross_section, judged = finish_section(cross_section, seg, measured,
                                               view_decision=view_decision,
                                               calibration=micrograph.calibration,
                                               config=cfg, models=models)
        if judged is not None and judged is not verdict:
            warnings_.append(f"segmentation {judged.verdict}: {judged.reason}")
            verdict = judged

    return ImageResult(
        micrograph=micrograph,
        config=cfg,
        view=view,
        view_source=view_source,
        sample=sample,
        sample_source=sample_source,
        segmentation=seg,
        region=~seg.excluded,
        cross_section=cross_section,
        **measured.result_fields(),  # type: ignore[arg-type]
        warnings=tuple(dict.fromkeys(warnings_)),
        timings=Timings(timings),
        input_micrograph=input_micrograph,
        frame_rotation=rotation,
        view_decision=view_decision,
        verdict=verdict.verdict,
        verdict_reason=verdict.reason,
        verdict_detail=verdict,
        masks_from=masks_from if labels is not None else "",
        state=state,
        layer_depths_um=tuple(float(d) for d in layer_depths_um),
    )


def _cross_section_of_masks(
    micrograph: Micrograph, seg: Segmentation, cfg: AnalysisConfig,
    film_direction_deg: float | None, models: Models,
    layer_depths_um: tuple[float, ...] = (),
) -> tuple[CrossSectionResult, Segmentation] | None:
    """A cross-section measured on given masks ``seg``: the film found on them, never
    re-segmented (None for a film tilted past :data:`FILM_FRAME_MIN_DEG`: see
    :func:`_film_frame_of_masks`). The masks are returned on the segmentation the batch
    makes of that film (the specimen alone, :func:`film_frame_cross_section`), so that the
    method, threshold and its reason in the row are the batch's, as a review's are."""
    xs_opts = cross_section_options(cfg, film_direction_deg)
    cal = micrograph.calibration
    # The film is found as the batch finds it, before anything but the reader's mask is
    # excluded: the masks' excluded background is what the film detection looks for.
    film = detect_film(micrograph.image, calibration=cal, excluded=micrograph.excluded,
                       pore=seg.pore, film_direction_deg=xs_opts["film_direction_deg"])
    if abs(film.direction_deg) > FILM_FRAME_MIN_DEG:
        return None
    seg_opts = {**dataclasses.asdict(cfg.segment), "classifier": models.pixel_classifier}
    batch_seg = segment_micrograph(micrograph, **seg_opts, region_excluded=~film.specimen,
                                   section=film.edges_visible > 0)
    seg = segmentation_from_labels(batch_seg, seg.labels())
    xs = analyze_cross_section(
        seg.pore, seg.solid, micrograph.image, calibration=cal, excluded=seg.excluded,
        n_lines=cfg.measure.n_lines, seed=cfg.measure.seed, film=film,
        layer_depths_um=tuple(layer_depths_um), **xs_opts,
    )
    return xs, seg


def _film_frame_of_masks(
    micrograph: Micrograph, segmented: Segmentation, labels: np.ndarray, cfg: AnalysisConfig,
    film_direction_deg: float | None, models: Models, layer_depths_um: tuple[float, ...] = (),
) -> tuple[CrossSectionResult, Segmentation, Micrograph, FrameRotation | None]:
    """A tilted section measured from corrected file-grid masks: the film frame and film
    surfaces the batch finds (:func:`film_frame_cross_section` on the segmentation), the
    masks carried into that frame as a review's edit is
    (:func:`~semscan.pipeline.remeasure.film_frame_labels`: the batch's own masks give the
    batch's numbers), then the section measured there on those surfaces."""
    xs, seg, frame_mic, rotation = film_frame_cross_section(
        micrograph, segmented, cfg, film_direction_deg, models, layer_depths_um=layer_depths_um)
    before = seg.labels()
    if rotation is None:  # level after all: the masks in the file grid
        frame = np.asarray(labels)[: before.shape[0], : before.shape[1]]
    else:
        shown = rotation.frame_to_image(before, fill=2)
        frame = film_frame_labels(rotation, before, micrograph.to_file_grid(shown, fill=2),
                                  labels, shown_before=shown)
    seg = segmentation_from_labels(seg, frame)
    xs_opts = cross_section_options(cfg)
    xs = analyze_cross_section(
        seg.pore, seg.solid, frame_mic.image, calibration=frame_mic.calibration,
        excluded=seg.excluded, n_lines=cfg.measure.n_lines, seed=cfg.measure.seed,
        film=xs.film, layer_depths_um=tuple(layer_depths_um), **xs_opts,
    )
    return xs, seg, frame_mic, rotation


def _file_grid_labels(labels: np.ndarray, micrograph: Micrograph) -> np.ndarray:
    arr = np.asarray(labels)
    if arr.shape != micrograph.file_shape:
        raise RemeasureError(
            f"the corrected label image has shape {arr.shape}, but the image's file grid is "
            f"{micrograph.file_shape} (rows, columns, data bar included); give the label "
            "image of this file"
        )
    return arr

