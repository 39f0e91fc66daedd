"""Interfaces of a laminated section drawn by a reviewer, as layer depths (issue 24).

A reviewer who sees an interface that ``[cross_section] layers`` missed (or found in the
wrong place) draws it in napari as a line or path across the film, over the image in the
input *file's* pixel grid. :func:`layer_depths_from_lines` turns each drawn line into the
depth below the top surface that :func:`~semscan.measure.cross_section.layers.find_layers`
takes as a given interface (``layer_depths_um``, the manifest column of the same name), so
that a re-measure (:func:`semscan.pipeline.remeasure.remeasure`) measures the layers the
reviewer drew.

semscan's choice: a given interface runs parallel to the top surface (that is what
``layer_depths_um`` means), so a drawn line gives one number, the mean depth below the
top surface, along the normal of the film (``y'`` of the film frame, METHODS.md 4), of
the points of the line between the two surfaces, sampled every half pixel along the line
(each stretch of the line counts by its length). Points beyond the film's ends or outside
the film band are left out; a line with no point inside the band is refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from semscan.errors import SemscanError
from semscan.pipeline.result import ImageResult

__all__ = ["DrawnLineError", "interface_paths", "layer_depths_from_lines", "line_depth_px"]

_STEP_PX = 0.5


class DrawnLineError(SemscanError):
    """A drawn interface that cannot be turned into a layer depth."""


def _samples(points: np.ndarray) -> np.ndarray:
    """Points along a polyline (row, column) every ``_STEP_PX`` or less, ends included,
    each segment's samples without its last point (the next segment starts there)."""
    out = []
    for a, b in itertools.pairwise(points):
        n = max(1, int(np.ceil(np.hypot(*(b - a)) / _STEP_PX)))
        t = np.arange(n, dtype=float)[:, None] / n
        out.append(a + t * (b - a))
    out.append(points[-1:])
    return np.vstack(out)


def _as_line(points: object) -> np.ndarray:
    arr = np.asarray(points, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 2 or not np.isfinite(arr).all():
        raise DrawnLineError(
            f"a drawn interface is a line or path of two or more (row, column) vertices, got "
            f"an array of shape {arr.shape}; draw it with the line or path tool of a Shapes "
            "layer"
        )
    return arr


def line_depth_px(result: ImageResult, points: object) -> float:
    """Mean depth (px, along the film normal) below the top surface of a drawn line.

    Parameters
    ----------
    result : ImageResult
        A cross-section with both film surfaces found.
    points : array, shape (n >= 2, 2)
        The line's vertices, (row, column) in pixels of the input file's grid (what napari
        shows over the file, and :attr:`ImageResult.labels_full` is in).

    Returns
    -------
    float
        In the grid that was measured (the film frame of a rotated section), where the
        layers are measured.

    Raises
    ------
    DrawnLineError
        ``result`` is not a section with two visible surfaces, or no point of the line lies
        inside the film.
    """
    xs = result.cross_section if result.view == "cross-section" else None
    if xs is None:
        raise DrawnLineError(
            "interfaces are drawn on a cross-section: this image was measured as a "
            f"{result.view!r} view; analyse it as a cross-section (--view cross-section)"
        )
    film = xs.film
    if film.edges_visible < 2:
        raise DrawnLineError(
            f"{film.edges_visible} film surface(s) found: a layer depth is measured below "
            "the top surface down to the bottom one, so both must be visible"
        )
    pts = _samples(_as_line(points))
    rows, cols = pts[:, 0], pts[:, 1]
    if result.frame_rotation is not None:  # into the film frame that was measured
        rows, cols = result.frame_rotation.to_frame(rows, cols)
    x, y = film.to_film(rows, cols)
    top, bottom = film.top_at(x), film.bottom_at(x)
    ok = np.isfinite(film.top_px) & np.isfinite(film.bottom_px)
    pos = film.positions_px[ok]
    inside = ((x >= pos.min()) & (x <= pos.max()) & (y > top) & (y < bottom))
    if not inside.any():
        raise DrawnLineError(
            "the drawn line has no point inside the film, between its two surfaces; draw "
            "the interface across the film band, between the surfaces the overlay shows"
        )
    return float(np.mean(y[inside] - top[inside]))


def layer_depths_from_lines(
    result: ImageResult, lines: Sequence[object]
) -> tuple[float, ...]:
    """The layer depths (``layer_depths_um``) that drawn lines give, top first.

    Parameters
    ----------
    result : ImageResult
        The section the lines were drawn on (its film surfaces, calibration and, for a
        tilted section, the rotation into its film frame).
    lines : sequence of array, shape (n >= 2, 2)
        One polyline per interface, (row, column) vertices in pixels of the input file's
        grid (a napari Shapes layer's lines and paths, in the image's pixels).

    Returns
    -------
    tuple of float
        Depths below the top surface in µm (px when the image is uncalibrated), sorted.

    Raises
    ------
    DrawnLineError
        On no line, or a line :func:`line_depth_px` refuses.
    """
    if len(lines) == 0:
        raise DrawnLineError("no line drawn: draw each interface as a line across the film")
    scale = result.micrograph.calibration.scale
    return tuple(sorted(line_depth_px(result, line) * scale for line in lines))


def interface_paths(result: ImageResult) -> list[np.ndarray]:
    """The interfaces of ``result``'s layers as paths, (row, column) in the file's pixels.

    What napari draws over the file after a re-measure, so that the reviewer sees where
    the layers were measured (the interfaces found, or the depths given, parallel to the
    top surface). Empty when the section has no interface.
    """
    xs = result.cross_section
    if xs is None:
        return []
    out = []
    for itf in xs.layers.interfaces:
        ok = np.isfinite(itf.depth_px)
        if ok.sum() < 2:
            continue
        r, c = xs.film.to_image(itf.positions_px[ok], itf.depth_px[ok])
        fr, fc = result.to_file_coords(r, c)
        out.append(np.column_stack([fr, fc]))
    return out
