"""Strings the steps together: read -> segment -> measure -> (cross-section) -> classify.

This is the only module that knows the order of the steps. It imports no UI, database,
plotting or distributed-computing library; :mod:`semscan.report` and :mod:`semscan.cli`
turn its results into files and tables.

- :func:`analyze_micrograph` analyses one :class:`~semscan.micrograph.Micrograph`.
- :func:`analyze_path` reads a file and analyses it.
- :func:`analyze_batch` analyses many files in worker processes; one bad file never
  stops the others (its error is returned in its :class:`BatchItem`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from semscan import __version__
from semscan.calibration import Calibration
from semscan.config import AnalysisConfig
from semscan.errors import SemscanError
from semscan.micrograph import Micrograph

__all__ = [
    "BatchItem",
    "ImageResult",
    "analyze_batch",
    "analyze_micrograph",
    "analyze_path",
    "file_sha256",
    "make_tasks",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class ImageResult:
    """Everything measured on one image.

    Attributes
    ----------
    micrograph : Micrograph
        The micrograph measured: the input, or for a tilted cross-section the input
        rotated into the film frame (see ``input_micrograph`` and ``frame_rotation``).
    config : AnalysisConfig
        The options used.
    view, view_source : str
        ``'surface'`` or ``'cross-section'``, and how that was decided.
    sample, sample_source : str
        The sample the image belongs to, and how that was decided.
    segmentation : semscan.segment.Segmentation
        Pore / solid / excluded masks and quality signals.
    region : ndarray of bool
        Where the measurements were made (not excluded).
    pore_intercept, solid_intercept : semscan.measure.InterceptResult
        The 50-line method on each phase (METHODS.md 1).
    porosity : semscan.measure.PorosityResult
        Areal porosity (METHODS.md 2).
    directional : semscan.measure.DirectionalResult or None
        MIL rose and fabric tensor (METHODS.md 3).
    chords_rows, chords_columns : semscan.measure.ChordDistribution or None
        Dense chord-length distributions of the pore phase.
    local_thickness : semscan.measure.LocalThicknessResult or None
        Pore-size spread proxy (METHODS.md 7).
    cross_section : object or None
        Cross-section measurements (METHODS.md 4, 6) for cross-section views.
    structure : object or None
        Structure class (METHODS.md 8).
    warnings : tuple of str
        Everything a reviewer should know (validity of the method, calibration, ...).
    timings : dict
        Seconds spent in each stage.
    input_micrograph : Micrograph or None
        The micrograph as read (data bar cropped, never rotated); None means ``micrograph``.
    frame_rotation : semscan.micrograph.FrameRotation or None
        The rotation from the input's grid into the film frame that was measured (a
        tilted cross-section), else None.
    view_decision : semscan.measure.view.ViewDecision or None
        The detector's decision and evidence when the view was detected (None when given).
    verdict, verdict_reason : str
        The segmentation verdict, ``'ok'``, ``'review'`` or ``'unreliable'``, and why
        (:func:`semscan.segment.verdict.segmentation_verdict`); an ``'unreliable'`` image
        gets the structure class ``'uncertain'`` (its probabilities are kept).
    verdict_detail : semscan.segment.verdict.Verdict or None
        The verdict with the signals it was decided on.

    Notes
    -----
    ``segmentation``, ``region``, the intercept lines and the cross-section geometry are in
    the grid that was measured. Everything shown or saved is in the input *file's* pixel
    grid instead (:mod:`semscan.file_grid`): :attr:`labels_full`, :meth:`to_file_grid`,
    :meth:`to_file_coords` and :attr:`geometry_full`.
    """

    micrograph: Micrograph
    config: AnalysisConfig
    view: str
    view_source: str
    sample: str
    sample_source: str
    segmentation: Any
    region: np.ndarray
    pore_intercept: Any
    solid_intercept: Any
    porosity: Any
    directional: Any = None
    chords_rows: Any = None
    chords_columns: Any = None
    local_thickness: Any = None
    cross_section: Any = None
    structure: Any = None
    warnings: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    input_micrograph: Micrograph | None = None
    frame_rotation: Any = None
    view_decision: Any = None
    verdict: str = ""
    verdict_reason: str = ""
    verdict_detail: Any = None

    @property
    def calibration(self) -> Calibration:
        """The calibration used for every length."""
        return self.micrograph.calibration

    @property
    def file_shape(self) -> tuple[int, int]:
        """(rows, columns) of the input file's image, data bar included."""
        return (self.input_micrograph or self.micrograph).file_shape

    @property
    def labels_full(self) -> np.ndarray:
        """Label image in the input file's pixel grid, uint8: 0 solid, 1 pore, 2 excluded.

        Shape :attr:`file_shape`: every row and column of the file, the cropped data bar's
        rows as 2 (excluded). A rotated cross-section's film-frame labels are mapped back
        by the inverse rotation, nearest pixel (:mod:`semscan.file_grid` says why). This
        is what ``--save-masks`` writes and what a napari labels layer shows over the file.
        Computed once per result (a rotated 4-Mpx image takes ~0.7 s); each access returns
        a copy, so it may be edited (a napari labels layer paints in place).
        """
        return self._labels_full.copy()

    @functools.cached_property
    def _labels_full(self) -> np.ndarray:
        return self.to_file_grid(self.segmentation.labels(), fill=2)

    def to_file_grid(self, array: np.ndarray, *, fill: object) -> np.ndarray:
        """A per-pixel array of the measured grid (e.g. ``segmentation.pore``) in the
        input file's pixel grid; ``fill`` for the data bar's rows (labels 2, masks False).
        See :func:`semscan.file_grid.to_file_grid`."""
        from semscan.file_grid import to_file_grid

        return to_file_grid(self, array, fill=fill)

    def to_file_coords(self, rows: Any, cols: Any) -> tuple[np.ndarray, np.ndarray]:
        """Measured-grid (row, column) positions in the input file's pixels."""
        from semscan.file_grid import to_file_coords

        return to_file_coords(self, rows, cols)

    @property
    def geometry_full(self) -> Any:
        """Lines, intercepts, film surfaces and thickness positions in the file's pixels
        (:class:`semscan.file_grid.FileGeometry`), as the overlay draws them."""
        from semscan.file_grid import file_geometry

        return file_geometry(self)

    @property
    def sample_intercept(self) -> Any:
        """The intercept result this image adds to its sample's view (METHODS.md 5).

        Surface views: the pore intercept. Cross-sections: the interior intercept along
        the film plane (``None`` when the cross-section could not be measured).
        """
        if self.view == "cross-section":
            return getattr(self.cross_section, "along", None)
        return self.pore_intercept

    def to_row(self) -> dict[str, Any]:
        """One flat row for ``results.csv``: identity, calibration, every measurement."""
        m = self.micrograph
        row: dict[str, Any] = {
            "file": m.path,
            "name": m.name,
            "sha256": m.sha256,
            "config_hash": self.config.hash(),
            "semscan_version": __version__,
            "sample": self.sample,
            "sample_source": self.sample_source,
            "view": self.view,
            "view_source": self.view_source,
            **_view_fields(self.view_decision),
            "rows": (self.input_micrograph or m).shape[0],
            "columns": (self.input_micrograph or m).shape[1],
        }
        row.update(m.calibration.to_dict())
        row.update(m.metadata.to_dict())
        row["databar_height_px"] = m.databar_height_px
        row["databar_source"] = m.databar_source
        row.update(self.segmentation.to_dict())
        row.update(_verdict_fields(self))
        for part in (
            self.pore_intercept,
            self.solid_intercept,
            self.porosity,
            self.directional,
            self.chords_rows,
            self.chords_columns,
            self.local_thickness,
            self.cross_section,
        ):
            if part is not None:
                row.update(part.to_dict())
        row.update(_structure_fields(self.structure))
        row["warnings"] = "; ".join(self.warnings)
        return row


_STRUCTURE_FIELDS = (
    "class",
    "class_confidence",
    "p_percolation",
    "p_spherical_particle",
    "p_cellular",
    "p_non_porous",
    "p_coarse",
    "class_reasons",
    "class_scale_ratio",
    "class_fields",
    "class_field_agreement",
)


_VIEW_FIELDS = (
    "view_reason",
    "view_score",
    "view_evidence",
    "view_edges",
    "view_edge_width",
    "view_parallel_deg",
    "view_background_fraction",
    "view_background_texture",
    "view_uncertain",
)


def _view_fields(decision: Any) -> dict[str, Any]:
    if decision is None:
        return dict.fromkeys(_VIEW_FIELDS)
    d = decision.to_dict()
    return {k: d[k] for k in _VIEW_FIELDS}


_VERDICT_SIGNALS = (
    "verdict_grey_range",
    "verdict_noise",
    "verdict_contrast_to_noise",
    "verdict_shading_fraction",
    "verdict_interior_spread",
    "verdict_edge_concentration",
    "verdict_minority_fraction",
    "verdict_mean_chord_px",
)


def _verdict_fields(result: ImageResult) -> dict[str, Any]:
    row: dict[str, Any] = {"verdict": result.verdict, "verdict_reason": result.verdict_reason}
    detail = result.verdict_detail.signals.to_dict() if result.verdict_detail else {}
    row.update({k: detail.get(k) for k in _VERDICT_SIGNALS})
    return row


def _structure_fields(structure: Any) -> dict[str, Any]:
    if structure is None:
        return dict.fromkeys(_STRUCTURE_FIELDS)
    return structure.to_dict()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    models: dict[str, Any] | None = None,
) -> ImageResult:
    """Read a micrograph file and analyse it (see :func:`analyze_micrograph`).

    ``pixel_size_um`` overrides the configuration's override for this one file (a manifest
    entry); ``film_direction_deg`` likewise.
    """
    from semscan.io import read_micrograph

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
    result = analyze_micrograph(
        micrograph,
        config=cfg,
        view=view,
        view_source=view_source,
        sample=sample if sample is not None else Path(path).resolve().parent.name,
        sample_source=sample_source or ("folder" if sample is None else "given"),
        film_direction_deg=film_direction_deg,
        models=models,
    )
    result.timings["read"] = time.perf_counter() - t0 - sum(result.timings.values())
    return result


def analyze_micrograph(
    micrograph: Micrograph,
    *,
    config: AnalysisConfig | None = None,
    view: str | None = None,
    view_source: str = "",
    sample: str = "",
    sample_source: str = "given",
    film_direction_deg: float | None = None,
    models: dict[str, Any] | None = None,
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
    models : dict, optional
        Already loaded models (``'pixel_classifier'``, ``'structure'``), so that a batch
        loads each model once.

    Returns
    -------
    ImageResult

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.micrograph import Micrograph
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
    from semscan.measure import (
        chord_lengths,
        intercept_method,
        local_thickness,
        mil_rose,
        porosity,
    )
    from semscan.segment import segment_micrograph

    cfg = config or AnalysisConfig()
    models = models or {}
    timings: dict[str, float] = {}
    warnings_: list[str] = list(micrograph.warnings)
    cal = micrograph.calibration
    if not cal.is_calibrated:
        warnings_.append("uncalibrated image: every length is in px")

    t = time.perf_counter()
    seg_opts = dataclasses.asdict(cfg.segment)
    seg = segment_micrograph(micrograph, **seg_opts, classifier=models.get("pixel_classifier"))
    timings["segment"] = time.perf_counter() - t
    warnings_.extend(seg.warnings)

    # View: given > configured > detected.
    t = time.perf_counter()
    view_decision = None
    if view is None:
        if cfg.cross_section.view != "auto":
            view, view_source = cfg.cross_section.view, "config"
        else:
            view, view_source, view_decision = _detect_view(micrograph, seg)
            if view_decision.uncertain:
                warnings_.append(view_decision.note)
    elif not view_source:
        view_source = "given"
    timings["view"] = time.perf_counter() - t

    cross_section = rotation = None
    input_micrograph = micrograph
    if view == "cross-section":
        t = time.perf_counter()
        cross_section, seg, micrograph, rotation = _cross_section(
            micrograph, seg, cfg, film_direction_deg, models
        )
        cal = micrograph.calibration
        warnings_.extend(w for w in micrograph.warnings if w not in warnings_)
        timings["cross_section"] = time.perf_counter() - t
        warnings_.extend(getattr(cross_section, "warnings", ()))

    region = ~seg.excluded
    mcfg = cfg.measure
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
    por = porosity(seg.pore, region=region, n_lines=mcfg.n_lines)
    timings["porosity"] = time.perf_counter() - t

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
    if mcfg.local_thickness:
        t = time.perf_counter()
        lt = local_thickness(seg.pore, calibration=cal, region=region)
        timings["local_thickness"] = time.perf_counter() - t

    t = time.perf_counter()
    verdict = _verdict(micrograph, seg)
    timings["verdict"] = time.perf_counter() - t
    if verdict.verdict != "ok":
        warnings_.append(f"segmentation {verdict.verdict}: {verdict.reason}")

    structure = None
    if cfg.classify.enabled:
        t = time.perf_counter()
        structure = _classify(seg, cal, cfg, models)
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

    return ImageResult(
        micrograph=micrograph,
        config=cfg,
        view=view,
        view_source=view_source,
        sample=sample,
        sample_source=sample_source,
        segmentation=seg,
        region=region,
        pore_intercept=pore_ic,
        solid_intercept=solid_ic,
        porosity=por,
        directional=directional,
        chords_rows=rows,
        chords_columns=cols,
        local_thickness=lt,
        cross_section=cross_section,
        structure=structure,
        warnings=tuple(dict.fromkeys(warnings_)),
        timings=timings,
        input_micrograph=input_micrograph,
        frame_rotation=rotation,
        view_decision=view_decision,
        verdict=verdict.verdict,
        verdict_reason=verdict.reason,
        verdict_detail=verdict,
    )


def _verdict(micrograph: Micrograph, seg: Any) -> Any:
    """The segmentation verdict on the grey image the masks were made from."""
    from semscan.segment.verdict import segmentation_verdict

    return segmentation_verdict(micrograph.image, seg.pore, seg.solid, excluded=seg.excluded)


def _detect_view(micrograph: Micrograph, seg: Any) -> tuple[str, str, Any]:
    from semscan.measure.view import detect_view

    # The file's own exclusions (data bar, rotated canvas) only: a black vacuum that the
    # segmentation excludes as saturated is exactly the background a section shows.
    del seg
    decision = detect_view(
        micrograph.image, excluded=micrograph.excluded, calibration=micrograph.calibration
    )
    return decision.view, f"detected: {decision.reason}", decision


FILM_FRAME_MIN_DEG = 1.0


def _cross_section(
    micrograph: Micrograph,
    seg: Any,
    cfg: AnalysisConfig,
    film_direction_deg: float | None,
    models: dict[str, Any],
) -> tuple[Any, Any, Micrograph, Any]:
    """Measure a cross-section in the film frame.

    semscan's decision (METHODS.md 4 leaves the line geometry open): when the film is
    tilted by more than 1 degree, the *grey image* is rotated so that the film runs along
    the rows and segmented again, and every measurement is made there, so that the lines
    along and through the film are pixel rows and columns. Reading an already thresholded
    mask along oblique lines is biased: nearest-pixel samples break chords that run along a
    digitised boundary and smoothing closes thin walls, so kappa of a/b = 3-5 ellipses read
    8-13% low at 15-30 degrees, while rows and columns of an image digitised in the film
    frame read it within a few percent. Once the film is found (in the film frame), the
    image is segmented again with everything outside the specimen excluded, so that the
    background (vacuum, embedding) does not pull the threshold, the flattening or the
    choice of method: a tilted foam above a grey vacuum (membrane_cells_hitachi) read only
    its darkest cell floors as pore (porosity 0.26, local threshold) and now reads its
    cell openings (0.50, Otsu). Returns the result, the segmentation (specimen only), the
    micrograph actually measured (rotated or not) and the
    :class:`~semscan.micrograph.FrameRotation` from the input into it (None when not
    rotated). The rotation stays internal to the measurement: the result maps its masks,
    lines and film surfaces back to the input file's grid (:mod:`semscan.file_grid`).
    """
    from semscan.measure.cross_section import analyze_cross_section, detect_film
    from semscan.micrograph import film_frame_rotation, rotate_micrograph
    from semscan.segment import segment_micrograph

    xs_opts = dataclasses.asdict(cfg.cross_section)
    xs_opts.pop("view")
    if film_direction_deg is not None:
        xs_opts["film_direction_deg"] = film_direction_deg
    cal = micrograph.calibration
    film = detect_film(
        micrograph.image,
        calibration=cal,
        excluded=seg.excluded,
        pore=seg.pore,
        film_direction_deg=xs_opts["film_direction_deg"],
    )
    seg_opts = {**dataclasses.asdict(cfg.segment), "classifier": models.get("pixel_classifier")}
    rotation = None
    if abs(film.direction_deg) > FILM_FRAME_MIN_DEG:
        rotation = film_frame_rotation(micrograph.shape, film.direction_deg)
        micrograph = rotate_micrograph(micrograph, film.direction_deg)
        seg = segment_micrograph(micrograph, **seg_opts)
        if xs_opts["film_direction_deg"] is not None:
            xs_opts["film_direction_deg"] = 0.0
        film = detect_film(  # again, in the film frame
            micrograph.image,
            calibration=cal,
            excluded=seg.excluded,
            pore=seg.pore,
            film_direction_deg=xs_opts["film_direction_deg"],
        )
    # Threshold the specimen alone: the background (vacuum, embedding) is excluded, never
    # pore (METHODS.md 0), so it must not pull the threshold, the background flattening or
    # the choice of method either. A bright-walled foam seen above a grey vacuum otherwise
    # reads only its darkest cell floors as pore.
    seg = segment_micrograph(micrograph, **seg_opts, region_excluded=~film.specimen)
    result = analyze_cross_section(
        seg.pore,
        seg.solid,
        micrograph.image,
        calibration=cal,
        excluded=seg.excluded,
        n_lines=cfg.measure.n_lines,
        seed=cfg.measure.seed,
        film=film,
        **xs_opts,
    )
    # seg already excludes everything outside the specimen
    return result, seg, micrograph, rotation


def _classify(seg: Any, cal: Calibration, cfg: AnalysisConfig, models: dict[str, Any]) -> Any:
    from semscan.classify import classify_fields, load_model

    model = models.get("structure")
    if model is None:
        model = load_model(cfg.classify.model_path)
        models["structure"] = model
    return classify_fields(
        seg.pore, seg.solid, calibration=cal, region=~seg.excluded, grey=seg.contrast_grey,
        model=model, confidence_threshold=cfg.classify.confidence_threshold,
    )


def load_models(config: AnalysisConfig) -> dict[str, Any]:
    """Load the models a configuration needs, once (pixel classifier, structure model)."""
    models: dict[str, Any] = {}
    if config.segment.method == "classifier" and config.segment.classifier_path:
        from semscan.segment import load_pixel_classifier

        models["pixel_classifier"] = load_pixel_classifier(config.segment.classifier_path)
    if config.classify.enabled:
        from semscan.classify import load_model

        models["structure"] = load_model(config.classify.model_path)
    return models


# ----------------------------------------------------------------------------- batches
@dataclass(frozen=True)
class BatchItem:
    """The outcome of one file of a batch.

    Attributes
    ----------
    path : str
        The input file.
    value : object
        What the ``on_result`` callback returned for it (None on failure).
    error : str
        ``'<ErrorType>: <message>'`` when the file failed, else ''.
    seconds : float
        Wall time spent on the file.
    notes : tuple of str
        What happened on the way (e.g. a worker that died and the retry that followed).
    """

    path: str
    value: Any = None
    error: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the file was analysed."""
        return not self.error


@dataclass(frozen=True)
class BatchTask:
    """One file to analyse, with what a manifest or pattern says about it."""

    path: str
    view: str | None = None
    view_source: str = ""
    sample: str | None = None
    sample_source: str = ""
    pixel_size_um: float | None = None
    film_direction_deg: float | None = None


def make_tasks(
    files: Iterable[str | os.PathLike[str]],
    *,
    manifest: str | os.PathLike[str] | None = None,
    sample_pattern: str | None = None,
    xs_pattern: str | None = "*_xs*",
    surface_pattern: str | None = None,
) -> list[BatchTask]:
    """Attach sample, view, pixel size and film direction to each file.

    A manifest row wins (sample, view, pixel size, film direction); otherwise the sample
    comes from ``sample_pattern`` (a regex with a ``(?P<sample>...)`` group) or the
    folder name, and the view from the file-name patterns (else the pipeline decides:
    configuration, then detection). With a manifest and no files, the manifest's files
    are the inputs.

    Examples
    --------
    >>> [t.view for t in make_tasks(["lot/a_xs1.tif", "lot/b.tif"])]
    ['cross-section', None]
    """
    from semscan.io.manifest import assign_sample, read_manifest, view_from_pattern

    entries = read_manifest(manifest) if manifest is not None else {}
    paths = [Path(f) for f in files] or [e.path for e in entries.values()]
    tasks = []
    for path in paths:
        entry = entries.get(path.resolve())
        if entry is not None:
            tasks.append(
                BatchTask(
                    str(path),
                    entry.view,
                    "manifest",
                    entry.sample,
                    "manifest",
                    entry.pixel_size_um,
                    entry.film_direction_deg,
                )
            )
            continue
        sample, sample_source = assign_sample(path, sample_pattern=sample_pattern)
        view = view_from_pattern(path, xs_pattern=xs_pattern, surface_pattern=surface_pattern)
        tasks.append(BatchTask(str(path), view, "pattern" if view else "", sample, sample_source))
    return tasks


_WORKER: dict[str, Any] = {}


def _init_worker(
    config: AnalysisConfig,
    on_result: Callable[[ImageResult], Any],
    models: dict[str, Any] | None = None,
) -> None:
    try:
        import cv2

        if cv2.getNumThreads() != 1:  # forked workers already have 1 (semscan._workers)
            cv2.setNumThreads(1)
    except ImportError:  # pragma: no cover - opencv is a dependency
        pass
    _WORKER["config"] = config
    _WORKER["on_result"] = on_result
    _WORKER["models"] = models if models is not None else load_models(config)


def _run_one(task: BatchTask) -> BatchItem:
    t0 = time.perf_counter()
    try:
        result = analyze_path(
            task.path,
            config=_WORKER["config"],
            view=task.view,
            view_source=task.view_source,
            sample=task.sample,
            sample_source=task.sample_source,
            pixel_size_um=task.pixel_size_um,
            film_direction_deg=task.film_direction_deg,
            models=_WORKER["models"],
        )
        value = _WORKER["on_result"](result)
    except (SemscanError, OSError, ValueError, RuntimeError, MemoryError) as exc:
        log.debug("failed on %s:\n%s", task.path, traceback.format_exc())
        return BatchItem(task.path, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)
    except Exception as exc:
        log.error("unexpected error on %s:\n%s", task.path, traceback.format_exc())
        return BatchItem(
            task.path,
            None,
            f"internal error {type(exc).__name__}: {exc}",
            time.perf_counter() - t0,
        )
    return BatchItem(task.path, value, "", time.perf_counter() - t0)


def analyze_batch(
    tasks: Iterable[BatchTask | str | os.PathLike[str]],
    *,
    config: AnalysisConfig | None = None,
    on_result: Callable[[ImageResult], Any] | None = None,
    jobs: int = 1,
    fail_fast: bool = False,
    models: dict[str, Any] | None = None,
    isolate: bool | None = None,
) -> Iterator[BatchItem]:
    """Analyse many files, yielding one :class:`BatchItem` per file as each finishes.

    Parameters
    ----------
    tasks : iterable of BatchTask or path
        The files (with their view / sample / pixel size when known).
    config : AnalysisConfig, optional
        Options for every file.
    on_result : callable, optional
        Called in the worker with each :class:`ImageResult`; what it returns is the
        item's ``value`` (default: the result's row). It must be a picklable top-level
        function when ``jobs > 1``; use it to write per-image outputs in parallel.
    jobs : int
        Worker processes. Results do not depend on ``jobs``.
    fail_fast : bool
        Stop at the first failure (files not started are not analysed).
    models : dict, optional
        Models already loaded by :func:`load_models`, handed to every worker (else each
        loads its own). Loading them first is how a caller checks a model file before
        any image is analysed.
    isolate : bool, optional
        Run every file in a worker process (default: when ``jobs > 1``; ``jobs=1`` without
        isolation runs in this process). In worker processes, a worker that dies (killed by
        the out-of-memory killer, a crash in a compiled library) costs only its file: the
        worker is replaced, the other files go on, and the file is retried once alone (no
        other file in flight); if it kills its worker again it fails with a
        ``'WorkerDied: ...'`` error naming it. Workers never outlive this process (see
        :mod:`semscan._workers`).

    Yields
    ------
    BatchItem
        In completion order (with ``jobs=1``, in input order).
    """
    cfg = config or AnalysisConfig()
    callback = on_result or _row_of
    items = [t if isinstance(t, BatchTask) else BatchTask(str(t)) for t in tasks]
    if isolate is None:
        isolate = jobs > 1
    if not isolate:
        _init_worker(cfg, callback, models)
        for task in items:
            item = _run_one(task)
            yield item
            if fail_fast and not item.ok:
                return
        return
    # Import the analysis once here, so that forked workers start with it loaded.
    import semscan.io
    import semscan.measure
    import semscan.segment  # noqa: F401
    from semscan._workers import WorkerDeath, run_isolated

    notes: dict[str, str] = {}
    for outcome in run_isolated(
        items,
        _run_one,
        jobs=jobs,
        initializer=_init_worker,
        initargs=(cfg, callback, models),
        stop=(lambda o: isinstance(o, BatchItem) and not o.ok) if fail_fast else None,
    ):
        if isinstance(outcome, WorkerDeath):
            path = outcome.task.path
            if not outcome.again:
                notes[path] = (
                    f"the worker died ({outcome.how}) while analysing {path} after "
                    f"{outcome.seconds:.1f} s: probably out of memory; it is retried alone once"
                )
                log.warning("%s", notes[path])
                continue
            item = BatchItem(
                path,
                None,
                f"WorkerDied: the worker died ({outcome.how}) while analysing {path}, twice "
                "(the second time alone): probably out of memory (a huge or decompression-bomb "
                "image?); check the file, or free memory and rerun",
                outcome.seconds,
                (notes.pop(path, ""),),
            )
            if fail_fast:
                yield item
                return
        else:
            item = outcome
            if item.path in notes:
                item = dataclasses.replace(
                    item, notes=(*item.notes, notes.pop(item.path) + ": retried alone, "
                                 + ("it succeeded" if item.ok else "it failed")),
                )
        yield item


def _row_of(result: ImageResult) -> dict[str, Any]:
    return result.to_row()
