"""The measurement stage: every number of an image from its masks (METHODS.md 1-3, 7, 8).

:func:`measure_masks` runs on a finished segmentation, whether the segmenter made it
(:func:`~semscan.pipeline.analyze_micrograph`) or a reviewer corrected it
(:func:`~semscan.pipeline.remeasure.remeasure`): intercepts of both phases, porosity, the
MIL rose, dense chords, local thickness, the segmentation verdict and the structure class.
One function for both, so a re-measured image is measured exactly as the batch measured it.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from semscan.calibration import Calibration
from semscan.classify.fields import classify_fields
from semscan.classify.model import StructureClass, StructureModel, load_model
from semscan.config import AnalysisConfig
from semscan.measure import (
    ChordDistribution,
    DirectionalResult,
    InterceptResult,
    LocalThicknessResult,
    PorosityResult,
    chord_lengths,
    intercept_method,
    local_thickness,
    local_thickness_update,
    mil_rose,
    porosity,
)
from semscan.measure.cross_section import CrossSectionResult
from semscan.measure.view import ViewDecision
from semscan.measure.whiskers import Whisker, WhiskerResult
from semscan.micrograph import Micrograph
from semscan.pipeline.models import Models
from semscan.pipeline.section import image_verdict
from semscan.pipeline.whiskers import whisker_measurement
from semscan.segment import Segmentation
from semscan.segment.verdict import Verdict, section_verdict

__all__ = ["Measurements", "classify_layers", "finish_section", "measure_masks"]


@dataclass(frozen=True, eq=False)
class Measurements:
    """What :func:`measure_masks` measured (the fields of the same name of
    :class:`~semscan.pipeline.ImageResult`).

    ``verdict`` and ``structure`` are None when not computed (``quick=True``, or the
    classifier switched off); ``warnings`` in the order they arose; ``timings`` seconds
    per stage.
    """

    pore_intercept: InterceptResult
    solid_intercept: InterceptResult
    porosity: PorosityResult
    directional: DirectionalResult | None
    chords_rows: ChordDistribution | None
    chords_columns: ChordDistribution | None
    local_thickness: LocalThicknessResult | None
    verdict: Verdict | None
    structure: StructureClass | None
    warnings: tuple[str, ...]
    timings: tuple[tuple[str, float], ...]
    whiskers: WhiskerResult | None = None

    def result_fields(self) -> dict[str, object]:
        """The :class:`~semscan.pipeline.ImageResult` fields these measurements fill."""
        return {
            "pore_intercept": self.pore_intercept,
            "solid_intercept": self.solid_intercept,
            "porosity": self.porosity,
            "directional": self.directional,
            "chords_rows": self.chords_rows,
            "chords_columns": self.chords_columns,
            "local_thickness": self.local_thickness,
            "structure": self.structure,
            "whiskers": self.whiskers,
        }


def measure_masks(
    micrograph: Micrograph,
    seg: Segmentation,
    *,
    config: AnalysisConfig,
    models: Models,
    quick: bool = False,
    cache: dict[str, object] | None = None,
    whiskers: tuple[Whisker, ...] | None = None,
) -> Measurements:
    """Measure ``seg`` (in ``micrograph``'s grid) with the options of ``config``.

    Parameters
    ----------
    micrograph : Micrograph
        The micrograph that was segmented (its grey image and calibration).
    seg : Segmentation
        Pore / solid / excluded masks; ``~seg.excluded`` is the measured region.
    config : AnalysisConfig
    models : Models
        The structure model (loaded here for this image when ``models.structure`` is None).
    quick : bool
        Skip local thickness, the verdict and the structure class (seconds each on a
        1536 x 1103 image); a warning says so.
    cache : dict, optional
        State kept between measurements of edits of one image (a re-measure): the local
        thickness map (:func:`~semscan.measure.local_thickness.local_thickness_update`),
        the verdict's grey-image signals and the structure features of each field. The
        numbers are those measured without it; only the parts of the image an edit can
        change are computed again.
    whiskers : tuple of semscan.measure.whiskers.Whisker, optional
        The whiskers found (:func:`~semscan.pipeline.whiskers.find_whiskers`). When ``seg``
        has a whisker phase, the porosity is that of the matrix, pore / (pore + polymer)
        (whisker pixels are left out of its region), and the whiskers are measured
        (``Measurements.whiskers``); the intercepts count a whisker as solid (a pore ends
        at a whisker as at a polymer wall).

    Returns
    -------
    Measurements

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.micrograph import Micrograph
    >>> from semscan.segment import segment_micrograph
    >>> img = np.full((64, 64), 0.8, np.float32); img[:, ::4] = 0.1
    >>> mic = Micrograph.from_array(img, pixel_size_um=0.01)
    >>> cfg = AnalysisConfig().with_overrides({"measure.window_um": "full",
    ...     "classify.enabled": False, "measure.local_thickness": False})
    >>> seg = segment_micrograph(mic, denoise="none", background_um=0.0, method="otsu")
    >>> m = measure_masks(mic, seg, config=cfg, models=Models())
    >>> round(m.porosity.porosity, 6), m.verdict.verdict
    (0.25, 'ok')
    """
    cal = micrograph.calibration
    timings: dict[str, float] = {}
    warnings_: list[str] = []
    region = ~seg.excluded
    mcfg = config.measure
    common = {
        "calibration": cal,
        "region": region,
        "n_lines": mcfg.n_lines,
        "angle_deg": mcfg.angle_deg,
        "window_um": mcfg.window_um,
        "min_voids_per_line": mcfg.min_voids_per_line,
        "ci_method": mcfg.ci_method,
        "seed": mcfg.seed,
    }
    t = time.perf_counter()
    pore_ic = intercept_method(seg.pore, phase="pore", **common)
    solid_ic = intercept_method(seg.solid, phase="solid", **common)
    timings["intercepts"] = time.perf_counter() - t
    warnings_.extend(pore_ic.warnings)

    t = time.perf_counter()
    matrix = region if seg.whisker is None else region & ~seg.whisker
    por = porosity(seg.pore, region=matrix, n_lines=mcfg.n_lines)
    timings["porosity"] = time.perf_counter() - t
    whisker_result = None
    if seg.whisker is not None:
        t = time.perf_counter()
        whisker_result = whisker_measurement(micrograph, seg, config=config, whiskers=whiskers)
        timings["whiskers"] = time.perf_counter() - t

    directional = rows = cols = lt = None
    if mcfg.mil_step_deg > 0:
        t = time.perf_counter()
        directional = mil_rose(
            seg.pore,
            calibration=cal,
            region=region,
            step_deg=mcfg.mil_step_deg,
            n_lines=mcfg.n_lines,
            window_um=pore_ic.window_size[0] * 1.0 if pore_ic.window_mode != "full" else "full",
        )
        timings["directional"] = time.perf_counter() - t
    if mcfg.dense_chords:
        t = time.perf_counter()
        rows = chord_lengths(seg.pore, calibration=cal, direction="rows", region=region)
        cols = chord_lengths(seg.pore, calibration=cal, direction="columns", region=region)
        timings["chords"] = time.perf_counter() - t
    verdict = structure = None
    if quick:
        warnings_.append(
            "quick re-measure: local thickness, segmentation verdict and structure class "
            "not recomputed"
        )
        return Measurements(pore_ic, solid_ic, por, directional, rows, cols, None, None, None,
                            tuple(warnings_), tuple(timings.items()), whisker_result)
    # the rest needs no region but the local thickness's (none when the pores lie in it:
    # the same pixels) and the structure class's, made again: not held through the
    # full-size maps of the local thickness and the verdict (1 B/px off the run's peak)
    if not region.any() or np.any(seg.pore & seg.excluded):
        lt_region: np.ndarray | None = region  # (an empty region raises as before)
    else:
        lt_region = None
    del common, region, matrix
    if mcfg.local_thickness:
        t = time.perf_counter()
        if cache is None:
            lt = local_thickness(seg.pore, calibration=cal, region=lt_region)
        else:
            lt, cache["local_thickness"] = local_thickness_update(
                seg.pore, calibration=cal, region=lt_region,
                previous=cache.get("local_thickness"),  # type: ignore[arg-type]
            )
        timings["local_thickness"] = time.perf_counter() - t
    del lt_region
    t = time.perf_counter()
    verdict = image_verdict(micrograph, seg, cache=None if cache is None else
                            cache.setdefault("verdict", {}))  # type: ignore[arg-type]
    timings["verdict"] = time.perf_counter() - t
    if verdict.verdict != "ok":
        warnings_.append(f"segmentation {verdict.verdict}: {verdict.reason}")

    if config.classify.enabled:
        t = time.perf_counter()
        model = _structure_model(models, config)
        fields = None
        if cache is not None:
            if cache.get("fields_model") is not model:  # features are the model's
                cache["fields_model"], cache["fields"] = model, {}
            fields = cache["fields"]
        structure = classify_fields(
            seg.pore, seg.solid, calibration=cal, region=~seg.excluded, grey=seg.contrast_grey,
            model=model, confidence_threshold=config.classify.confidence_threshold,
            feature_cache=fields,  # type: ignore[arg-type]
        )
        timings["classify"] = time.perf_counter() - t
        if verdict.verdict == "unreliable":
            structure = dataclasses.replace(
                structure, label="uncertain", is_uncertain=True,
                reasons=(f"segmentation unreliable: {verdict.reason}", *structure.reasons),
            )
        if structure.rectified:
            warnings_.append(
                f"the pore size changes {structure.scale_ratio:.1f}x steadily over the field "
                "(an oblique view or a graded structure); the structure class was computed "
                "after resampling it to one scale (class_scale_ratio)"
            )
    return Measurements(pore_ic, solid_ic, por, directional, rows, cols, lt, verdict, structure,
                        tuple(warnings_), tuple(timings.items()), whisker_result)


def _structure_model(models: Models, config: AnalysisConfig) -> StructureModel:
    """The caller's structure model, or when it loaded none, the config's for this image."""
    return models.structure if models.structure is not None else load_model(
        config.classify.model_path)


def finish_section(
    cross_section: CrossSectionResult, seg: Segmentation, measured: Measurements, *,
    view_decision: ViewDecision | None, calibration: Calibration, config: AnalysisConfig,
    models: Models,
) -> tuple[CrossSectionResult, Verdict | None]:
    """What a cross-section adds after :func:`measure_masks`, for an analysis and a
    re-measure alike: each layer of a laminated film classified (:func:`classify_layers`;
    not after a quick measurement, which has no class) and the verdict judged as a
    section's (:func:`~semscan.segment.verdict.section_verdict`; None when ``measured``
    has no verdict).
    """
    if measured.verdict is None:  # quick: no verdict, no class
        return cross_section, None
    cross_section = classify_layers(cross_section, seg, calibration=calibration,
                                    config=config, models=models)
    evidence = None if view_decision is None else view_decision.evidence
    verdict = section_verdict(
        measured.verdict, porosity=float(measured.porosity.porosity),
        film_edges=cross_section.film.edges_visible,
        view_edges=evidence.edges if evidence is not None else 0,
    )
    return cross_section, verdict


def classify_layers(
    cross_section: CrossSectionResult, seg: Segmentation, *, calibration: Calibration,
    config: AnalysisConfig, models: Models,
) -> CrossSectionResult:
    """The cross-section with each layer of a laminated film classified (METHODS.md 8).

    The structure model is applied to each layer's region (between its two boundaries, the
    grid the film was found on) as to an image; a single-layer film is left as it is (its
    class is the image's).
    """
    layers = cross_section.layers
    if layers.n_layers < 2 or not config.classify.enabled:
        return cross_section
    model = _structure_model(models, config)
    classified = []
    for layer, mask in zip(layers.layers, layers.layer_masks(cross_section.film), strict=True):
        region = mask & ~seg.excluded
        if np.count_nonzero(region) < 64:
            classified.append(layer)
            continue
        st = classify_fields(seg.pore, seg.solid, calibration=calibration,
                             region=region, grey=seg.contrast_grey, model=model,
                             confidence_threshold=config.classify.confidence_threshold)
        classified.append(dataclasses.replace(
            layer, structure=st.label, structure_confidence=float(st.confidence)))
    return dataclasses.replace(
        cross_section, layers=dataclasses.replace(layers, layers=tuple(classified)))
