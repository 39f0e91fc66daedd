"""``results.xlsx``: the folder's tables as Excel sheets (openpyxl).

One sheet per table (``images`` = ``results.csv``, ``samples`` = ``samples.csv``,
``failures`` = ``failures.csv``); row 1 holds the column names, row 2 their units, and
both stay in view (frozen panes at ``A3``). Numbers are written as numbers, empty cells
stay empty, text is text (µm intact: xlsx is UTF-8 by construction).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from semscan.report.folder import ReportData

__all__ = ["unit_of", "write_xlsx"]

_SUFFIX_UNITS = (
    (r"_um$", "µm"),
    (r"_px$", "px"),
    (r"_pct$", "%"),
    (r"_deg$", "deg"),
    (r"_mm$", "mm"),
    (r"_kv$", "kV"),
    (r"_s$", "s"),
)
_UNITLESS = re.compile(
    r"(porosity|fraction|confidence|^p_|ratio|kappa|anisotropy|agreement|score)"
)


def unit_of(col: str) -> str:
    """Unit of a results column from its name (empty when none or a count).

    Examples
    --------
    >>> unit_of("pore_intercept_mean_um"), unit_of("areal_porosity"), unit_of("meta_kv")
    ('µm', 'fraction', 'kV')
    >>> unit_of("xs_kappa"), unit_of("name")
    ('', '')
    """
    for pattern, unit in _SUFFIX_UNITS:
        if re.search(pattern, col):
            return unit
    if "porosity" in col and not col.endswith(("_n_pixels", "_n_pore_pixels", "_n_bands")):
        return "fraction"
    if col.endswith(("_fraction", "_confidence")) or col.startswith("p_"):
        return "fraction"
    return ""


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def _illegal_free(text: Any) -> Any:
    if isinstance(text, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    return text


def write_xlsx(data: ReportData, path: str | Path) -> Path:
    """Write ``results.xlsx`` from the folder's tables; returns its path."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from semscan.report.folder import _read_csv
    from semscan.report.outputs import _atomic_via

    path = Path(path)
    out_dir = data.out_dir
    tables = {
        "images": _read_csv(out_dir / "results.csv"),
        "samples": _read_csv(out_dir / "samples.csv"),
        "failures": _read_csv(out_dir / "failures.csv"),
    }
    keep = {im.stem for im in data.images}
    if tables["images"]:
        tables["images"] = [r for r in tables["images"] if r.get("output_stem") in keep]
    names = {s.name for s in data.samples}
    tables["samples"] = [r for r in tables["samples"] if str(r.get("sample")) in names]
    wb = Workbook()
    wb.remove(wb.active)
    bold, grey = Font(bold=True), Font(italic=True, color="666666")
    defaults = {"failures": ["file", "error"]}
    for title, rows in tables.items():
        ws = wb.create_sheet(title)
        cols = list(rows[0]) if rows else defaults.get(title, ["sample"])
        ws.append(cols)
        ws.append([unit_of(c) for c in cols])
        for c in ws[1]:
            c.font = bold
        for c in ws[2]:
            c.font = grey
        for row in rows:
            ws.append([_illegal_free(_cell(row.get(c))) for c in cols])
        ws.freeze_panes = "A3"
        for i, col in enumerate(cols[:60], start=1):
            letter = ws.cell(row=1, column=i).column_letter
            ws.column_dimensions[letter].width = min(max(len(col) + 2, 10), 40)
    _atomic_via(path, lambda p: wb.save(p))
    return path
