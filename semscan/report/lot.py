"""The lot report (``semscan lots report``): a lot, its verdicts with each criterion's value,
limit and margin, its lab values, the images with their overlays and key results, and the
audit trail, as HTML (and PDF through WeasyPrint), in the style of the folder report.
Each image also shows its structure plots, the batch report's own
(:func:`semscan.report.image_plots.image_svgs`: pore-intercept and dense-chord histograms,
MIL rose, depth profile, class probabilities), drawn from the analysed folder's
``images/<stem>.json`` and ``chords/<stem>.parquet`` when the folder is still where it was
attached (the page says so when it is not).

The lot arrives as plain data (the record :func:`semscan.lots.store.lot_record` returns,
read by attribute; this module does not import the database). The page reuses the folder
report's stylesheet and Jinja2 environment (:mod:`semscan.report.html`) and its PDF writer
(:mod:`semscan.report.pdf`). The overlays are copied into the report's folder
(``overlays/``) and the plots written to it (``plots/<id>-<stem>-<kind>.svg``, and inline
in the page), so the folder can be filed as it is.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from semscan.report.folder import ReportError

__all__ = ["KEY_COLUMNS", "LotReportFiles", "analysis_plots", "render_lot_html",
           "write_lot_report"]

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
    plots: int = 0


def _fmt(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return f"{value:.4g}" if math.isfinite(value) else "–"
    return str(value)


def analysis_plots(analysis: dict[str, Any]) -> dict[str, str]:
    """The structure plots of one attached analysis as SVG text, by kind (the batch
    report's :func:`~semscan.report.image_plots.image_svgs`), read from its analysed folder;
    empty when the folder or its ``images/<stem>.json`` is gone.

    Parameters
    ----------
    analysis : dict
        One of the record's ``analyses`` (with ``out_dir``, ``json`` and ``row``).
    """
    from semscan.report.folder import ImageEntry, _read_json
    from semscan.report.image_plots import image_svgs

    if not analysis.get("out_dir") or not analysis.get("json"):
        return {}
    out_dir = Path(analysis["out_dir"])
    path = out_dir / "images" / str(analysis["json"])
    if not path.is_file():
        return {}
    detail = _read_json(path)
    row = analysis.get("row") or detail.get("row") or {}
    return image_svgs(out_dir, ImageEntry(path.stem, row, detail, None))


def render_lot_html(record: Any, *, overlays: dict[int, str] | None = None,
                    plots: dict[int, dict[str, str]] | None = None,
                    for_print: bool = False) -> str:
    """The lot report page as HTML text.

    Parameters
    ----------
    record : LotRecord
        The lot (:func:`semscan.lots.store.lot_record`).
    overlays : dict, optional
        ``{analysis id: relative path}`` of each image's overlay in the report folder.
    plots : dict, optional
        ``{analysis id: {kind: svg}}`` (:func:`analysis_plots`), inlined per image.
    for_print : bool
        The PDF's variant (no navigation).
    """
    from markupsafe import Markup

    from semscan import __version__
    from semscan.report.html import CSS, _environment

    template = _environment().get_template("lot.html.j2")
    latest = record.verdicts[-1] if record.verdicts else None
    shown = {aid: {k: Markup(v) for k, v in svgs.items()} for aid, svgs in (plots or {}).items()}
    return template.render(
        lot=record, latest=latest, css=Markup(CSS), fmt=_fmt, columns=KEY_COLUMNS,
        overlays=overlays or {}, plots=shown, for_print=for_print, version=__version__)


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
    from semscan.report.image_plots import write_plot_files

    plots: dict[int, dict[str, str]] = {}
    n_plots = 0
    for a in record.analyses:
        svgs = analysis_plots(a)
        if svgs:
            plots[a["id"]] = svgs
            stem = Path(str(a["json"])).stem
            n_plots += len(write_plot_files(out_dir, f"{a['id']}-{stem}", svgs))
    html_path = out_dir / "lot-report.html"
    write_html(html_path, render_lot_html(record, overlays=overlays, plots=plots))
    pdf_path = None
    if pdf or (pdf is None and has_weasy):
        from semscan.report.pdf import write_pdf

        pdf_path = write_pdf(render_lot_html(record, overlays=overlays, plots=plots,
                                             for_print=True),
                             out_dir / "lot-report.pdf", base_url=out_dir)
    return LotReportFiles(html_path, pdf_path, len(overlays), n_plots)
