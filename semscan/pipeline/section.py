"""The cross-section policy: view detection, the film frame, and the verdict.

How the pipeline decides that an image is a cross-section (:func:`detected_view`), how it
measures one in the film frame, re-segmenting the rotated grey image with only the
specimen counted (:func:`film_frame_cross_section`), and the segmentation verdict on the
grey image the masks were made from (:func:`image_verdict`).
"""

from __future__ import annotations

import dataclasses

from semscan.config import AnalysisConfig
from semscan.measure.cross_section import CrossSectionResult, analyze_cross_section, detect_film
from semscan.measure.view import ViewDecision, detect_view
from semscan.micrograph import FrameRotation, Micrograph, film_frame_rotation, rotate_micrograph
from semscan.pipeline.models import Models
from semscan.segment import Segmentation, segment_micrograph
from semscan.segment.verdict import Verdict, segmentation_verdict

__all__ = [
    "FILM_FRAME_MIN_DEG",
    "cross_section_options",
    "detected_view",
    "film_frame_cross_section",
    "image_verdict",
]

# A film tilted by more than this is rotated into the film frame and segmented again.
FILM_FRAME_MIN_DEG = 1.0


def cross_section_options(
    cfg: AnalysisConfig, film_direction_deg: float | None = None
) -> dict[str, object]:
    """The ``[cross_section]`` options as keywords of
    :func:`~semscan.measure.cross_section.analyze_cross_section` (``view`` is the pipeline's),
    with a film direction given for this image (manifest, napari line) over the config's."""
    opts = dataclasses.asdict(cfg.cross_section)
    opts.pop("view")
    if film_direction_deg is not None:
        opts["film_direction_deg"] = film_direction_deg
    return opts


def image_verdict(
    micrograph: Micrograph, seg: Segmentation, *, cache: dict[str, object] | None = None
) -> Verdict:
    """The segmentation verdict on the grey image the masks were made from (``cache``:
    :func:`~semscan.segment.verdict.measure_signals`). It judges the two-phase split: the
    dark voids counted as pore by their own rule (``seg.voids``) are left out of it."""
    excluded = seg.excluded if seg.voids is None else seg.excluded | seg.voids
    return segmentation_verdict(micrograph.image, seg.pore, seg.solid, excluded=excluded,
                                cache=cache)


def detected_view(micrograph: Micrograph) -> tuple[str, str, ViewDecision]:
    """The view detected from the image: ``(view, view_source, decision)``.

    Only the file's own exclusions (data bar, rotated canvas) are left out, not the
    segmentation's: a black vacuum that the segmentation excludes as saturated is exactly
    the background a section shows.
    """
    decision = detect_view(
        micrograph.image, excluded=micrograph.excluded, calibration=micrograph.calibration
    )
    return decision.view, f"detected: {decision.reason}", decision


def film_frame_cross_section(
    micrograph: Micrograph,
    seg: Segmentation,
    cfg: AnalysisConfig,
    film_direction_deg: float | None,
    models: Models,
    *,
    layer_depths_um: tuple[float, ...] = (),
) -> tuple[CrossSectionResult, Segmentation, Micrograph, FrameRotation | None]:
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
    lines and film surfaces back to the input file's grid (:mod:`semscan.pipeline.file_grid`).
    """
    xs_opts = cross_section_options(cfg, film_direction_deg)
    cal = micrograph.calibration
    film = detect_film(
        micrograph.image,
        calibration=cal,
        excluded=seg.excluded,
        pore=seg.pore,
        film_direction_deg=xs_opts["film_direction_deg"],
    )
    seg_opts = {**dataclasses.asdict(cfg.segment), "classifier": models.pixel_classifier}
    rotation = None
    if abs(film.direction_deg) > FILM_FRAME_MIN_DEG:
        rotation = film_frame_rotation(micrograph.shape, film.direction_deg)
        micrograph = rotate_micrograph(micrograph, film.direction_deg)
        seg = segment_micrograph(micrograph, **seg_opts, voids=False)
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
    seg = segment_micrograph(micrograph, **seg_opts, region_excluded=~film.specimen,
                             section=film.edges_visible > 0)
    result = analyze_cross_section(
        seg.pore,
        seg.solid,
        micrograph.image,
        calibration=cal,
        excluded=seg.excluded,
        n_lines=cfg.measure.n_lines,
        seed=cfg.measure.seed,
        film=film,
        layer_depths_um=tuple(layer_depths_um),
        **xs_opts,
    )
    # seg already excludes everything outside the specimen
    return result, seg, micrograph, rotation
