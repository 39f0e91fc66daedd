"""The plots of one image of an output folder, from its JSON and chord file.

:func:`image_svgs` makes every plot of an image (histograms of the 50-line intercepts and
of the dense chords, MIL rose, depth profile of a cross-section, class probabilities) as
SVG text; :func:`write_plot_files` writes them to ``plots/<stem>-<kind>.svg``.
:func:`class_reasons` turns the classifier's reasons into sentences.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from semscan.report import plots
from semscan.report.folder import ImageEntry, column, number

__all__ = ["PLOT_KINDS", "class_probabilities", "class_reasons", "image_svgs",
           "overlay_thumbnail", "write_plot_files"]

PLOT_KINDS = ("histogram", "chords", "rose", "depth", "classes")


def intercept_lengths(out_dir: Path, entry: ImageEntry) -> np.ndarray:
    """Pore intercept lengths of the 50-line method (``chords/<stem>.parquet``)."""
    path = out_dir / "chords" / f"{entry.stem}.parquet"
    if not path.exists():
        return np.empty(0)
    import pandas as pd

    frame = pd.read_parquet(path)
    col = next((c for c in frame.columns if c.startswith("length_")), None)
    if col is None:
        return np.empty(0)
    return frame.loc[frame["phase"] == "pore", col].to_numpy(float)


def class_probabilities(row: dict[str, Any]) -> list[tuple[str, float]]:
    """``[(class, probability), ...]`` from a results row's ``p_<class>`` columns.

    Examples
    --------
    >>> class_probabilities({"p_cellular": 0.7, "p_coarse": 0.3, "pore_x": 1})
    [('cellular', 0.7), ('coarse', 0.3)]
    """
    out = []
    for key, value in row.items():
        if key.startswith("p_") and math.isfinite(number(value)):
            out.append((key[2:], number(value)))
    return sorted(out, key=lambda kv: -kv[1])


_REASON = re.compile(r"\s*(?P<feat>[A-Za-z0-9_]+)\s*=\s*(?P<val>[^()]+?)\s*\((?P<eff>[+-][^)]*)\)")


def class_reasons(row: dict[str, Any]) -> list[str]:
    """The classifier's reasons as sentences (``class_reasons``: ``feature = v (+0.12); ...``).

    Examples
    --------
    >>> class_reasons({"class": "cellular", "class_reasons": "porosity = 0.47 (+0.05)"})
    ['porosity 0.47 raised the probability of cellular by 0.05']
    """
    text = str(row.get("class_reasons") or "")
    chosen = str(row.get("class") or "the class")
    out = []
    for part in text.split(";"):
        m = _REASON.fullmatch(part.strip())
        if not m:
            if part.strip():
                out.append(part.strip())
            continue
        eff = m["eff"].strip()
        verb = "raised" if eff.startswith("+") else "lowered"
        out.append(f"{m['feat'].replace('_', ' ')} {m['val']} {verb} the probability of "
                   f"{chosen} by {eff.lstrip('+-')}")
    return out


def _dense_series(detail: dict[str, Any]) -> tuple[list[plots.Series], str]:
    series: list[plots.Series] = []
    unit = "µm"
    for direction, data in (detail.get("dense_chords") or {}).items():
        part = (data or {}).get("complete") or {}
        lengths = np.asarray(part.get("lengths") or [], float)
        counts = np.asarray(part.get("counts") or [], float)
        if lengths.size:
            series.append((f"dense chords along {direction}", lengths, counts))
            unit = str(data.get("unit") or unit)
    return series, unit


def image_svgs(out_dir: Path, entry: ImageEntry) -> dict[str, str]:
    """Every plot of one image as SVG text, by kind (missing data: no entry).

    Kinds: ``'histogram'`` (50-line pore intercepts), ``'chords'`` (dense chords),
    ``'rose'`` (MIL rose and fabric ellipse), ``'depth'`` (cross-sections), ``'classes'``.
    """
    row, detail, unit = entry.row, entry.detail, entry.unit
    out: dict[str, str] = {}
    lengths = intercept_lengths(out_dir, entry)
    if lengths.size:
        out["histogram"] = plots.histogram_svg(
            [("50-line pore intercepts", lengths, None)], unit=unit,
            title="pore intercepts, 50-line method")
    dense, dense_unit = _dense_series(detail)
    if dense:
        out["chords"] = plots.histogram_svg(dense, unit=dense_unit,
                                            title="pore chords, every row and column")
    rose = detail.get("mil_rose") or {}
    if rose.get("mil"):
        fabric = [row.get(f"pore_mil_fabric_{k}") for k in ("m11", "m12", "m22")]
        fabric_ok = all(math.isfinite(number(v)) for v in fabric)
        out["rose"] = plots.rose_svg(
            rose.get("angles_deg") or [], [number(v) for v in rose["mil"]],
            fabric=[number(v) for v in fabric] if fabric_ok else None,
            unit=str(rose.get("unit") or unit), title="MIL rose (pores)")
    profile = detail.get("depth_profile")
    if profile:
        layers = {
            side: (str(row.get(f"xs_layer_{side}_kind") or "none"),
                   number(column(row, f"xs_layer_{side}_thickness")[1]))
            for side in ("top", "bottom")
        }
        out["depth"] = plots.depth_profile_svg(profile, layers=layers,
                                               title="depth profile and surface layers")
    probs = class_probabilities(row)
    if probs:
        out["classes"] = plots.class_bars_svg(probs, chosen=row.get("class"),
                                              title="structure class probabilities")
    return out


def write_plot_files(out_dir: Path, stem: str, svgs: dict[str, str]) -> dict[str, str]:
    """Write ``plots/<stem>-<kind>.svg`` for each plot; returns ``{kind: relative path}``."""
    from semscan.report.outputs import atomic_write

    written = {}
    for kind, svg in svgs.items():
        rel = f"plots/{stem}-{kind}.svg"
        atomic_write(out_dir / rel, '<?xml version="1.0" encoding="UTF-8"?>\n' + svg)
        written[kind] = rel
    return written


def overlay_thumbnail(out_dir: Path, entry: ImageEntry, *, width: int = 480) -> str | None:
    """A JPEG thumbnail of the image's overlay, ``plots/<stem>-overlay.jpg`` (for the PDF).

    Returns its path relative to the folder (None without an overlay). Remade only when
    the overlay is newer.
    """
    if entry.overlay is None:
        return None
    from PIL import Image

    from semscan.report.outputs import _atomic_via

    src = out_dir / entry.overlay
    rel = f"plots/{entry.stem}-overlay.jpg"
    dst = out_dir / rel
    if dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime:
        return rel
    with Image.open(src) as im:
        im = im.convert("RGB")
        im.thumbnail((width, width * 4))
        _atomic_via(dst, lambda p: im.save(p, format="JPEG", quality=85))
    return rel
