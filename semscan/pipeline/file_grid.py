"""Results in the input file's own pixel grid: labels, masks, lines and film surfaces.

An analysis may measure in a grid other than the file's: the data bar is cropped by the
reader (:func:`~semscan.io.read_micrograph`), and a tilted cross-section is rotated into
a film frame (:func:`~semscan.micrograph.rotate_micrograph`) so that the lines along and
through the film are pixel rows and columns. That grid stays internal to the
measurement. Everything shown or saved (label TIFFs, overlays, napari layers) is mapped
back here to the pixel grid of the file: same rows and columns, the data bar's rows
included, so a mask lies exactly over the original in Fiji or napari and can be compared
with a hand-made one.

semscan's choice for the masks of a rotated cross-section: the film-frame labels that
were measured are mapped back by the inverse rotation, nearest pixel (each file pixel
takes the label of the film-frame pixel nearest to where the rotation puts it). The
alternative, segmenting the file's grid again and measuring only in the film frame,
would show a mask that is not the one measured: the film-frame segmentation is made on
the rotated grey image because reading a thresholded mask along oblique lines is biased
(see :func:`semscan.pipeline.section.film_frame_cross_section`), so the two differ by a
pixel along boundaries.
The mapped-back mask is what the numbers came from; file pixels that fall outside the
frame would be excluded (label 2), and with the enlarged canvas none do. The cropped data
bar's rows are label 2 (excluded).

Coordinates are (row, column) in pixels of the file, sub-pixel, pixel centres at
integers; the reader crops only bottom rows, so a row above the data bar keeps its index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # result.py imports this module
    from semscan.measure import InterceptResult
    from semscan.micrograph import Micrograph
    from semscan.pipeline.result import ImageResult

__all__ = ["FileGeometry", "file_geometry", "to_file_coords", "to_file_grid"]

LABEL_EXCLUDED = 2


def _input(result: ImageResult) -> Micrograph:
    return getattr(result, "input_micrograph", None) or result.micrograph


def to_file_grid(result: ImageResult, array: np.ndarray, *, fill: object) -> np.ndarray:
    """A per-pixel array of the measured grid, in the file's full pixel grid.

    Parameters
    ----------
    result : ImageResult
    array : ndarray, shape ``result.segmentation.shape`` (+ trailing axes)
        Labels, a mask or a map in the grid that was measured (the film frame of a rotated
        cross-section, else the image as read).
    fill : scalar
        The value of file pixels that have no measured pixel: the cropped data bar and
        anything outside the film frame (labels: 2 = excluded; masks: False).

    Returns
    -------
    ndarray, shape ``result.file_shape`` (+ trailing axes)
    """
    arr = np.asarray(array)
    rotation = getattr(result, "frame_rotation", None)
    if rotation is not None:
        arr = rotation.frame_to_image(arr, fill=fill)
    return _input(result).to_file_grid(arr, fill=fill)


def to_file_coords(
    result: ImageResult, rows: np.ndarray | float, cols: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Measured-grid (row, column) positions -> file (row, column), pixels."""
    rotation = getattr(result, "frame_rotation", None)
    if rotation is not None:
        r, c = rotation.to_image(rows, cols)
    else:
        r, c = np.asarray(rows, float), np.asarray(cols, float)
    return np.asarray(r, float), np.asarray(c, float)


def _segments(result: ImageResult, seg: np.ndarray) -> np.ndarray:
    seg = np.asarray(seg, float).reshape(-1, 4)
    r0, c0 = to_file_coords(result, seg[:, 0], seg[:, 1])
    r1, c1 = to_file_coords(result, seg[:, 2], seg[:, 3])
    return np.column_stack([r0, c0, r1, c1])


@dataclass(frozen=True, eq=False)
class FileGeometry:
    """What an overlay draws, in the file's pixels (rows, columns; sub-pixel).

    Attributes
    ----------
    pore_lines, solid_lines : ndarray, shape (n, 4)
        The lines of the 50-line method of each phase, ``(row0, col0, row1, col1)``. For a
        rotated cross-section they were drawn in the film frame; here they are rotated
        back and lie where they were measured.
    pore_chords, solid_chords : ndarray, shape (m, 4)
        The intercepts (runs inside the phase) on those lines.
    film_top, film_bottom : ndarray, shape (k, 2)
        The detected film surfaces as polylines of ``(row, col)`` (empty when not a
        cross-section or the surface is not visible).
    thickness : ndarray, shape (t, 4)
        The thickness segments, top point to bottom point.
    """

    pore_lines: np.ndarray
    pore_chords: np.ndarray
    solid_lines: np.ndarray
    solid_chords: np.ndarray
    film_top: np.ndarray
    film_bottom: np.ndarray
    thickness: np.ndarray


def _chords(ic: InterceptResult) -> np.ndarray:
    ch = ic.chords
    return np.column_stack([np.asarray(v, float).ravel() for v in (ch.r0, ch.c0, ch.r1, ch.c1)])


def file_geometry(result: ImageResult) -> FileGeometry:
    """Lines, intercepts, film surfaces and thickness positions in the file's pixels.

    Parameters
    ----------
    result : ImageResult

    Returns
    -------
    FileGeometry
    """
    empty2 = np.zeros((0, 2))
    top = bottom = empty2
    thickness = np.zeros((0, 4))
    xs = result.cross_section
    if xs is not None:
        film = xs.film
        curves = []
        for ys in (film.top_px, film.bottom_px):
            ok = np.isfinite(ys)
            if ok.sum() < 2:
                curves.append(empty2)
                continue
            r, c = film.to_image(film.positions_px[ok], ys[ok])
            fr, fc = to_file_coords(result, r, c)
            curves.append(np.column_stack([fr, fc]))
        top, bottom = curves
        segs = xs.thickness.segments_px
        if len(segs):
            thickness = _segments(result, np.asarray(segs, float))
    pic, sic = result.pore_intercept, result.solid_intercept
    return FileGeometry(
        pore_lines=_segments(result, np.asarray(pic.lines, float)),
        pore_chords=_segments(result, _chords(pic)),
        solid_lines=_segments(result, np.asarray(sic.lines, float)),
        solid_chords=_segments(result, _chords(sic)),
        film_top=top,
        film_bottom=bottom,
        thickness=thickness,
    )
