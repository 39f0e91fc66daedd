"""The result of analysing one image: :class:`ImageResult` and its ``results.csv`` row.

:class:`ImageResult` is frozen and composed of the typed results of each step (the
segmentation, the intercepts, porosity, ...); nothing in it changes after it is built,
the stage timings included (:class:`Timings`, a read-only mapping).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from semscan import __version__
from semscan.calibration import Calibration
from semscan.classify.classes import PROBABILITY_FIELDS
from semscan.classify.model import StructureClass
from semscan.config import AnalysisConfig
from semscan.measure import (
    ChordDistribution,
    DirectionalResult,
    InterceptResult,
    LocalThicknessResult,
    PorosityResult,
)
from semscan.measure.cross_section import CrossSectionResult
from semscan.measure.view import ViewDecision
from semscan.measure.whiskers import WhiskerResult
from semscan.micrograph import FrameRotation, Micrograph
from semscan.pipeline.file_grid import FileGeometry, file_geometry, to_file_coords, to_file_grid
from semscan.segment import Segmentation
from semscan.segment.verdict import Verdict

__all__ = ["ImageResult", "Timings", "format_depths", "parse_depths"]


class Timings(Mapping[str, float]):
    """Seconds spent in each stage of an analysis, in the order they ran; read-only.

    A mapping that cannot be changed once built (item assignment raises ``TypeError``)
    and that pickles, unlike :class:`types.MappingProxyType`.

    Examples
    --------
    >>> t = Timings({"segment": 0.5, "view": 0.25})
    >>> t["view"], list(t), t.total
    (0.25, ['segment', 'view'], 0.75)
    """

    __slots__ = ("_items",)
    _items: tuple[tuple[str, float], ...]

    def __init__(self, items: Mapping[str, float] | Iterable[tuple[str, float]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        object.__setattr__(self, "_items", tuple((str(k), float(v)) for k, v in pairs))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Timings is read-only; cannot set {name!r}")

    def __reduce__(self) -> tuple[type[Timings], tuple[tuple[tuple[str, float], ...]]]:
        return (Timings, (self._items,))

    def __getitem__(self, key: str) -> float:
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Timings({dict(self._items)!r})"

    @property
    def total(self) -> float:
        """Seconds of every stage together."""
        return sum(v for _, v in self._items)


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
    cross_section : semscan.measure.cross_section.CrossSectionResult or None
        Cross-section measurements (METHODS.md 4, 6) for cross-section views.
    structure : semscan.classify.StructureClass or None
        Structure class (METHODS.md 8).
    warnings : tuple of str
        Everything a reviewer should know (validity of the method, calibration, ...).
    timings : Mapping of str to float
        Seconds spent in each stage, read-only (:class:`Timings`; any mapping given is
        copied into one).
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
    masks_from : str
        The corrected label TIFF the masks came from (``semscan analyze --masks``), else ''.
    whiskers : semscan.measure.whiskers.WhiskerResult or None
        Whiskers as a third phase (``[whiskers] enabled``), else None; with them
        ``porosity`` is that of the matrix, pore / (pore + polymer).
    state : str
        The sample's state (manifest column ``state``, e.g. ``'as-made'``), else ''.
    layer_depths_um : tuple of float
        Interfaces of a laminated film given by the user (manifest column
        ``layer_depths_um``, a line drawn in napari): depths below the top surface, µm (px
        when uncalibrated), measured instead of the layers ``[cross_section] layers`` would
        find; () when not given. A re-measure keeps them.

    Notes
    -----
    ``segmentation``, ``region``, the intercept lines and the cross-section geometry are in
    the grid that was measured. Everything shown or saved is in the input *file's* pixel
    grid instead (:mod:`semscan.pipeline.file_grid`): :attr:`labels_full`, :meth:`to_file_grid`,
    :meth:`to_file_coords` and :attr:`geometry_full`.
    """

    micrograph: Micrograph
    config: AnalysisConfig
    view: str
    view_source: str
    sample: str
    sample_source: str
    segmentation: Segmentation
    region: np.ndarray
    pore_intercept: InterceptResult
    solid_intercept: InterceptResult
    porosity: PorosityResult
    directional: DirectionalResult | None = None
    chords_rows: ChordDistribution | None = None
    chords_columns: ChordDistribution | None = None
    local_thickness: LocalThicknessResult | None = None
    cross_section: CrossSectionResult | None = None
    structure: StructureClass | None = None
    warnings: tuple[str, ...] = ()
    timings: Mapping[str, float] = field(default_factory=Timings)
    input_micrograph: Micrograph | None = None
    frame_rotation: FrameRotation | None = None
    view_decision: ViewDecision | None = None
    verdict: str = ""
    verdict_reason: str = ""
    verdict_detail: Verdict | None = None
    masks_from: str = ""
    whiskers: WhiskerResult | None = None
    state: str = ""
    layer_depths_um: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.timings, Timings):
            object.__setattr__(self, "timings", Timings(self.timings))

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
        by the inverse rotation, nearest pixel (:mod:`semscan.pipeline.file_grid` says why). This
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
        See :func:`semscan.pipeline.file_grid.to_file_grid`."""
        return to_file_grid(self, array, fill=fill)

    def to_file_coords(self, rows: ArrayLike, cols: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Measured-grid (row, column) positions in the input file's pixels."""
        return to_file_coords(self, rows, cols)

    @property
    def geometry_full(self) -> FileGeometry:
        """Lines, intercepts, film surfaces and thickness positions in the file's pixels
        (:class:`semscan.pipeline.file_grid.FileGeometry`), as the overlay draws them."""
        return file_geometry(self)

    @property
    def sample_intercept(self) -> InterceptResult | None:
        """The intercept result this image adds to its sample's view (METHODS.md 5).

        Surface views: the pore intercept. Cross-sections: the interior intercept along
        the film plane (``None`` when the cross-section could not be measured).
        """
        if self.view == "cross-section":
            return None if self.cross_section is None else self.cross_section.laminar.along
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
        row["masks_from"] = self.masks_from
        row["state"] = self.state
        row["layer_depths_um"] = format_depths(self.layer_depths_um)
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
            self.whiskers,
        ):
            if part is not None:
                row.update(part.to_dict())
        row.update(_structure_fields(self.structure))
        row["warnings"] = "; ".join(self.warnings)
        return row


_STRUCTURE_FIELDS = (
    "class",
    "class_confidence",
    *PROBABILITY_FIELDS.values(),
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


def _view_fields(decision: ViewDecision | None) -> dict[str, Any]:
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


def _structure_fields(structure: StructureClass | None) -> dict[str, Any]:
    if structure is None:
        return dict.fromkeys(_STRUCTURE_FIELDS)
    return structure.to_dict()


def format_depths(depths: tuple[float, ...]) -> str:
    """The row's ``layer_depths_um``: the given depths joined by ``;`` (exactly, as Python
    prints a float), '' when none; :func:`parse_depths` reads it back.

    Examples
    --------
    >>> format_depths((1.5, 0.1 + 0.2)), format_depths(())
    ('1.5;0.30000000000000004', '')
    """
    return ";".join(repr(float(d)) for d in depths)


def parse_depths(text: object) -> tuple[float, ...]:
    """The depths of a row's ``layer_depths_um`` (:func:`format_depths`; a list of numbers,
    as a JSON record holds them, too); () for '' or a missing value.

    Examples
    --------
    >>> parse_depths("1.5;0.30000000000000004"), parse_depths(""), parse_depths([2, 3.5])
    ((1.5, 0.30000000000000004), (), (2.0, 3.5))
    """
    if text is None or (isinstance(text, float) and text != text):
        return ()
    if isinstance(text, list | tuple):
        return tuple(float(v) for v in text)
    return tuple(float(v) for v in str(text).split(";") if v.strip())
