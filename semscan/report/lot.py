"""The lot report (``semscan lots report``): a lot, its verdicts with each criterion's value,
limit and margin, its lab values, the images with their overlays and key results, and the
audit trail, as HTML (and PDF through WeasyPrint), in the style of the folder report.

The lot arrives as plain data (the record :func:`semscan.lots.store.lot_record` returns,
read by attribute; this module does not import the database). The page reuses the folder
report's stylesheet and Jinja2 environment (:mod:`semscan.report.html`) and its PDF writer
(:mod:`semscan.report.pdf`). The overlays are copied into the report's folder
(``overlays/``), so the folder can be filed as it is.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from semscan.report.folder import ReportError

__all__ = ["KEY_COLUMNS", "LotReportFiles", "render_lot_html", "write_lot_report"]

#: The results shown per image: (column, label, unit).
KEY_COLUMNS = (
    ("areal_porosity", "porosity", "fraction"),
    ("pore_intercept_mean_um", "pore d", "µm"),
    ("xs_kappa", "kappa", ""),
    ("xs_thickness_mean_um", "thickness", "µm"),
    ("class", "class", ""),
    ("verdict", "image verdict", ""),
)


@dataclass(frozen=True)
class LotReportFiles:
    """What :func:`write_lot_report` wrote (None for the PDF when WeasyPrint is missing)."""

    html: Path
    pdf: Path | None
    overlays: int


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return f"{value:.4g}" if math.isfinite(value) else "–"
    return str(value)


def render_lot_html(record: Any, *, overlays: dict[int, str] | None = None,
                    for_print: bool = False) -> str:
    """The lot report page as HTML text.

    Parameters
    ----------
    record : LotRecord
        The lot (:func:`semscan.lots.store.lot_record`).
    overlays : dict, optional
        ``{analysis id: relative path}`` of each image's overlay in the report folder.
    for_print : bool
        The PDF's variant (no navigation).
    """
    from markupsafe import Markup

    from semscan import __version__
    from semscan.report.html import CSS, _environment

    template = _environment().get_template("lot.html.j2")
    latest = record.verdicts[-1] if record.verdicts else None
    return template.render(
        lot=record, latest=latest, css=Markup(CSS), fmt=_fmt, columns=KEY_COLUMNS,
        overlays=overlays or {}, for_print=for_print, version=__version__)


def write_lot_report(record: Any, out_dir: str | Path, *, pdf: bool | None = None
                     ) -> LotReportFiles:
    """Write ``lot-report.html`` (and ``lot-report.pdf``) with the overlays into ``out_dir``.

    ``pdf``: None writes the PDF when WeasyPrint is installed; True requires it.

    Raises
    ------
    ReportError
        Jinja2 missing, or ``pdf=True`` without WeasyPrint.
    """
    if importlib.util.find_spec("jinja2") is None:
        raise ReportError('the lot report needs jinja2, which is not installed; install the '
                          'reports extra: pip install "semscan[reports]"')
    has_weasy = importlib.util.find_spec("weasyprint") is not None
    if pdf and not has_weasy:
        raise ReportError('the PDF needs weasyprint, which is not installed; install the '
                          'reports extra: pip install "semscan[reports]"')
    from semscan.report.html import write_html

    out_dir = Path(out_dir)
    (out_dir / "overlays").mkdir(parents=True, exist_ok=True)
    overlays: dict[int, str] = {}
    for a in record.analyses:
        src = Path(a["overlay"]) if a.get("overlay") else None
        if src is not None and src.is_file():
            rel = f"overlays/{a['id']}-{src.name}"
            shutil.copyfile(src, out_dir / rel)
            overlays[a["id"]] = rel
    html_path = out_dir / "lot-report.html"
    write_html(html_path, render_lot_html(record, overlays=overlays))
    pdf_path = None
    if pdf or (pdf is None and has_weasy):
        from semscan.report.pdf import write_pdf

        pdf_path = write_pdf(render_lot_html(record, overlays=overlays, for_print=True),
                             out_dir / "lot-report.pdf", base_url=out_dir)
    return LotReportFiles(html_path, pdf_path, len(overlays))
