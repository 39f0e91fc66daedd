"""semscan results as napari layer data, without importing napari.

Every function here returns napari *layer data tuples* ``(data, kwargs, layer_type)``
built from plain arrays, so they are tested without a viewer and the readers and widgets
only hand them on. Lengths are in µm (``scale`` is the pixel size, ``units`` ``'um'``);
an uncalibrated image is shown in px (scale 1, ``units`` ``'pixel'``) and its layers say
so in their name and metadata. Colours follow the overlay PNGs
(:mod:`semscan.report.overlay`): pores blue, excluded orange, lines yellow, intercepts
red, film surfaces green, thickness magenta.

Coordinates are the input file's pixel grid (:mod:`semscan.file_grid`): the reader crops
only the data bar's bottom rows, so the cropped image lies over the top-left of the
label image, whose data-bar rows are excluded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "LABEL_COLORS",
    "film_direction_from_line",
    "line_features",
    "micrograph_layer",
    "read_output_record",
    "result_layers",
    "result_table",
]

LayerData = tuple[Any, dict[str, Any], str]

#: Labels-layer colours (RGBA, 0-1) of 0 solid (transparent), 1 pore, 2 excluded,
#: 3 whisker (``--whiskers``; the overlay's whisker colour).
LABEL_COLORS: dict[int | None, tuple[float, float, float, float]] = {
    None: (0.0, 0.0, 0.0, 0.0),
    0: (0.0, 0.0, 0.0, 0.0),
    1: (40 / 255, 140 / 255, 1.0, 1.0),
    2: (1.0, 150 / 255, 30 / 255, 1.0),
    3: (1.0, 70 / 255, 20 / 255, 1.0),
}
LINE_COLOR = (1.0, 230 / 255, 0.0, 0.8)
CHORD_COLOR = (1.0, 40 / 255, 40 / 255, 1.0)
SURFACE_COLOR = (40 / 255, 230 / 255, 60 / 255, 0.9)
THICKNESS_COLOR = (1.0, 0.0, 1.0, 0.9)


def _scale_units(calibration: Any) -> tuple[tuple[float, float], tuple[str, str], str]:
    if calibration.is_calibrated:
        s = float(calibration.pixel_size_um)
        return (s, s), ("um", "um"), "µm"
    return (1.0, 1.0), ("pixel", "pixel"), "px"


def _calibration_meta(micrograph: Any) -> dict[str, Any]:
    cal = micrograph.calibration
    return {
        "semscan_path": micrograph.path,
        "vendor": micrograph.metadata.vendor,
        "unit": cal.unit,
        "calibration": cal.to_dict(),
        "calibration_source": cal.source,
        "calibration_detail": cal.detail,
        "databar_height_px": micrograph.databar_height_px,
        "databar_source": micrograph.databar_source,
        "file_shape": tuple(micrograph.file_shape),
        "warnings": tuple(micrograph.warnings),
    }


def micrograph_layer(micrograph: Any, *, name: str | None = None) -> LayerData:
    """An Image layer of a micrograph as semscan measures it (data bar cropped).

    Parameters
    ----------
    micrograph : semscan.micrograph.Micrograph
    name : str, optional
        Layer name (default: the file name; ``' [px]'`` appended when uncalibrated).

    Examples
    --------
    >>> import numpy as np
    >>> from semscan.micrograph import Micrograph
    >>> data, kw, kind = micrograph_layer(Micrograph.from_array(np.zeros((4, 4)),
    ...                                                         pixel_size_um=0.02))
    >>> kind, kw["scale"], kw["units"], kw["metadata"]["calibration_source"]
    ('image', (0.02, 0.02), ('um', 'um'), 'user')
    """
    scale, units, unit = _scale_units(micrograph.calibration)
    label = name or micrograph.name or "micrograph"
    if unit == "px":
        label += " [px]"
    kwargs = {
        "name": label,
        "scale": scale,
        "units": units,
        "colormap": "gray",
        "contrast_limits": (0.0, 1.0),
        "metadata": _calibration_meta(micrograph),
    }
    return micrograph.image, kwargs, "image"


def line_features(result: Any, phase: str = "pore") -> dict[str, np.ndarray]:
    """Per-line features of the 50-line method of one phase, in line order.

    ``phase``, ``line`` (its index, as in ``chords.parquet``), ``voids`` (voids crossed,
    the count the mean intercept divides by), ``intercepts`` (intercepts on the line,
    truncated ones included), ``length_<um|px>`` (total intercept length on the line) and
    ``angle_deg``.
    """
    from semscan.calibration import unit_suffix

    ic = result.pore_intercept if phase == "pore" else result.solid_intercept
    n = len(ic.lines)
    line = np.asarray(ic.chords.line, int).ravel()
    length = np.asarray(ic.chords.length, float).ravel()
    counts = np.bincount(line, minlength=n)[:n] if line.size else np.zeros(n, int)
    totals = np.bincount(line, weights=length, minlength=n)[:n] if line.size else np.zeros(n)
    return {
        "phase": np.array([phase] * n, dtype=object),
        "line": np.arange(n),
        "voids": np.asarray(ic.line_counts, int),
        "intercepts": counts.astype(int),
        f"length_{unit_suffix(ic.unit)}": totals,
        "angle_deg": np.full(n, float(ic.angle_deg)),
    }


def _segments_as_shapes(seg: np.ndarray) -> list[np.ndarray]:
    return [np.array([[r0, c0], [r1, c1]], float) for r0, c0, r1, c1 in np.asarray(seg, float)]


_TABLE_PREFIXES = (
    "pore_intercept_mean", "pore_intercept_ci95", "pore_intercept_n_", "solid_intercept_mean",
    "areal_porosity", "pore_mil_degree", "pore_mil_principal", "pore_chord_mean",
    "pore_local_thickness_mean", "film_", "thickness", "laminar", "kappa", "xs_", "interior",
)


def result_table(result: Any) -> dict[str, Any]:
    """The numbers a reviewer looks at first, as ``{name: value}`` (the full row is in
    :meth:`ImageResult.to_row <semscan.pipeline.ImageResult.to_row>`)."""
    row = result.to_row()
    keys = [k for k in row if k.startswith(_TABLE_PREFIXES) and "_window_" not in k]
    out = {
        "file": row.get("name"),
        "view": row.get("view"),
        "unit": row.get("unit"),
        "pixel_size_um": row.get("pixel_size_um"),
        "calibration_source": row.get("calibration_source"),
        "verdict": row.get("verdict"),
        "verdict_reason": row.get("verdict_reason"),
        "class": row.get("class"),
        "class_confidence": row.get("class_confidence"),
        "class_reasons": row.get("class_reasons"),
    }
    out.update({k: row[k] for k in keys})
    out.update({k: row[k] for k in row if k.startswith("p_")})
    return out


def result_layers(result: Any, *, metadata: dict[str, Any] | None = None) -> list[LayerData]:
    """The layers of an analysis: image, labels, lines, intercepts, film surfaces.

    Parameters
    ----------
    result : semscan.pipeline.ImageResult
    metadata : dict, optional
        Added to the Labels layer's metadata (e.g. the output folder and stem a Save
        writes into).

    Returns
    -------
    list of layer data tuples
        ``image`` (the file grid, data bar black as on the overlay), ``labels`` (0 solid,
        1 pore, 2 excluded; its metadata hold the result, the results row and the table),
        ``shapes`` of the 50 lines of both phases with :func:`line_features`, ``shapes`` of
        the pore intercepts and, for cross-sections, ``shapes`` of the film surfaces and
        thickness positions.
    """
    src = result.input_micrograph or result.micrograph
    scale, units, unit = _scale_units(result.calibration)
    name = src.name or "micrograph"
    suffix = " [px]" if unit == "px" else ""
    meta = _calibration_meta(src)
    grey = src.to_file_grid(src.image, fill=0.0)
    geo = result.geometry_full
    common = {"scale": scale, "units": units}
    layers: list[LayerData] = [
        (grey, {**common, "name": name + suffix, "colormap": "gray",
                "contrast_limits": (0.0, 1.0), "metadata": meta}, "image"),
    ]
    label_meta = {
        **meta,
        "semscan_result": result,
        "semscan_labels_before": result.labels_full,
        "semscan_row": result.to_row(),
        "semscan_table": result_table(result),
        "verdict": result.verdict,
        **(metadata or {}),
    }
    layers.append((result.labels_full, {**common, "name": f"{name} labels",
                                        "colormap": LABEL_COLORS, "opacity": 0.45,
                                        "metadata": label_meta}, "labels"))
    shapes, feats = [], []
    for phase, segs in (("pore", geo.pore_lines), ("solid", geo.solid_lines)):
        shapes.extend(_segments_as_shapes(segs))
        feats.append(line_features(result, phase))
    features = {k: np.concatenate([f[k] for f in feats]) for k in feats[0]}
    layers.append((shapes, {**common, "name": f"{name} lines", "shape_type": "line",
                            "edge_color": [LINE_COLOR] * len(shapes), "edge_width": 1.5,
                            "features": features, "visible": True}, "shapes"))
    chords = _segments_as_shapes(geo.pore_chords)
    if chords:
        layers.append((chords, {**common, "name": f"{name} pore intercepts",
                                "shape_type": "line", "edge_color": [CHORD_COLOR] * len(chords),
                                "edge_width": 2.0}, "shapes"))
    if result.cross_section is not None:
        paths = [np.asarray(c, float) for c in (geo.film_top, geo.film_bottom) if len(c) >= 2]
        if paths:
            layers.append((paths, {**common, "name": f"{name} film surfaces",
                                   "shape_type": "path", "edge_color": [SURFACE_COLOR] * len(paths),
                                   "edge_width": 2.0}, "shapes"))
        thick = _segments_as_shapes(geo.thickness)
        if thick:
            layers.append((thick, {**common, "name": f"{name} thickness", "shape_type": "line",
                                   "edge_color": [THICKNESS_COLOR] * len(thick),
                                   "edge_width": 2.0}, "shapes"))
    return layers


def read_output_record(path: str | Path) -> tuple[Path, str, dict[str, Any]]:
    """The output folder, stem and record of an output folder or one ``images/*.json``.

    A folder gives its first image (by name) whose record is a result; use the review
    queue to step through the others.
    """
    import json

    from semscan.errors import PluginError

    p = Path(path)
    if p.is_dir():
        records = sorted((p / "images").glob("*.json"))
        if not records:
            raise PluginError(
                f"{p} has no images/*.json: open a folder written by semscan analyze --out"
            )
        p = records[0]
    try:
        record = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PluginError(f"{p} is not a readable semscan image record ({exc})") from exc
    if "row" not in record or "config" not in record:
        raise PluginError(f"{p} is not a semscan image record (no 'row' and 'config')")
    return p.parent.parent, p.stem, record


def film_direction_from_line(points: Any, *, scale: Any = (1.0, 1.0)) -> float:
    """The film direction a drawn line gives: ``film_direction_deg`` of the analysis.

    Degrees counter-clockwise as displayed (rows point down), in (-90, 90], the convention
    of :class:`semscan.measure.cross_section.FilmGeometry` ``direction_deg``; the line's
    first and last vertices count.

    Parameters
    ----------
    points : array, shape (n >= 2, 2)
        The line's vertices, (row, column), in the layer's data coordinates.
    scale : (float, float)
        The layer's scale (µm per pixel of rows and columns; equal for semscan layers).

    Examples
    --------
    >>> film_direction_from_line([[10, 0], [0, 10]])   # up to the right
    45.0
    >>> film_direction_from_line([[0, 10], [10, 0]])   # the same line drawn backwards
    45.0
    >>> film_direction_from_line([[0, 0], [5, 0]])     # vertical
    90.0
    """
    from semscan.errors import SemscanError

    arr = np.asarray(points, dtype=float)
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] != 2:
        raise SemscanError(
            f"a film line has two or more (row, column) vertices, got an array of shape "
            f"{arr.shape}; draw a line on a Shapes layer"
        )
    d_row, d_col = (arr[-1] - arr[0]) * np.asarray(scale, dtype=float)[-2:]
    if d_row == 0 and d_col == 0:
        raise SemscanError("the film line has no length; draw it along the film")
    angle = float(np.degrees(np.arctan2(-d_row, d_col)))
    if angle <= -90.0:
        angle += 180.0
    elif angle > 90.0:
        angle -= 180.0
    return round(angle, 6)
