"""The HTML report of an output folder: one self-contained file (Jinja2, autoescaped).

CSS and the plots (SVG) are inline; overlays are linked relative to the folder (the
report lives in it), so the page makes no request outside the folder and works offline.
Every file name and metadata value is data, escaped by Jinja2's autoescape; only the
SVG made by :mod:`semscan.report.plots` (which escapes its own text) is inserted as
markup. Every number shown in a table carries its exact value in ``data-value`` (and its
column of ``results.csv`` / ``samples.csv`` in ``data-col``), so the page can be checked
against the tables. Large batches collapse each image's detail (``<details>``) and link
their plots (``plots/*.svg``) instead of inlining them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from semscan.report.folder import ReportData, column, number

__all__ = ["COLLAPSE_ABOVE", "INLINE_PLOTS_UP_TO", "render_html"]

COLLAPSE_ABOVE = 20  # images: more and each image's detail starts collapsed
INLINE_PLOTS_UP_TO = 50  # images: more and the plots are linked files, not inline SVG

CSS = """
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #d0d4da; --ok: #2a8c4a; --review: #b26a00;
        --bad: #b3261e; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; color: var(--fg);
       margin: 0 auto; padding: 1rem; max-width: 78rem; line-height: 1.4; font-size: 15px; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
     border-bottom: 2px solid var(--line); } h3 { font-size: 1.05rem; }
nav a { margin-right: .2rem; } .lead { color: var(--muted); } .note { color: var(--muted);
     font-size: .9em; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .9em; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .5rem; text-align: left;
         vertical-align: top; }
thead th { background: #f1f3f6; } thead { display: table-header-group; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr { page-break-inside: avoid; break-inside: avoid; }
.file { word-break: break-all; } code { font-size: .85em; word-break: break-all; }
tr.review td:last-child, tr.review td:nth-child(2) { color: var(--review); font-weight: bold; }
tr.unreliable td:last-child, tr.unreliable td:nth-child(2), tr.failed td { color: var(--bad); }
details.image { border: 1px solid var(--line); border-radius: 6px; margin: .6rem 0;
                padding: .3rem .7rem; }
summary { cursor: pointer; font-weight: bold; }
.grid { display: flex; flex-wrap: wrap; gap: .8rem; margin: .5rem 0; }
figure { margin: 0; break-inside: avoid; }
figure.overlay img { max-width: 320px; width: 100%; height: auto;
       border: 1px solid var(--line); } figcaption { font-size: .8em; color: var(--muted); }
svg.plot, img.plot { max-width: 100%; height: auto; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; font-size: .9em; }
dt { color: var(--muted); } dd { margin: 0; } ul.reasons { margin: .2rem 0; padding-left: 1.2rem; }
pre { background: #f6f7f9; padding: .6rem; overflow-x: auto; font-size: .8em; }
@media (max-width: 40rem) { body { font-size: 14px; padding: .5rem; }
  dl { grid-template-columns: 1fr; } }
@page { size: A4; margin: 16mm 12mm 18mm;
  @bottom-center { content: "page " counter(page) " of " counter(pages); font-size: 9pt;
                   color: #5f6368; }
  @top-right { content: "semscan report"; font-size: 8pt; color: #9aa0a6; } }
@media print { body { max-width: none; padding: 0; font-size: 10pt; } nav { display: none; }
  .scroll { overflow: visible; } details.image { border: none; border-top: 1px solid #ccc; }
  a { color: inherit; text-decoration: none; } h2, h3, summary { break-after: avoid; }
  table { font-size: 7.5pt; } th, td { padding: .15rem .3rem; }
  table.images, table.inputs { table-layout: fixed; width: 100%; }  /* 2x faster layout */
  table.images td:first-child, table.images th:first-child { width: 22%; }
  table.inputs td:nth-child(2), table.inputs th:nth-child(2) { width: 45%; }
  figure.overlay img { max-width: 62mm; } svg.plot { max-width: 88mm; } }
"""


def _plain(value: Any) -> Any:
    """A template value as data: Jinja2's Undefined (a column the row lacks) is None."""
    from jinja2 import Undefined

    return None if isinstance(value, Undefined) else value


def _fmt(value: Any, digits: int = 4) -> str:
    value = _plain(value)
    v = number(value)
    if not math.isfinite(v):
        return "–" if value is None or isinstance(value, float) else str(value)
    return f"{v:.{digits}g}"


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    # rows miss columns (a surface view has no xs_*): a missing value shows as a dash
    return Environment(
        loader=PackageLoader("semscan.report", "templates"),
        autoescape=select_autoescape(["html", "j2", "html.j2"], default=True),
        trim_blocks=False,
        lstrip_blocks=False,
    )


def render_html(
    data: ReportData,
    plots: dict[str, dict[str, str]],
    *,
    for_print: bool = False,
    plot_files: dict[str, dict[str, str]] | None = None,
    thumbnails: dict[str, str] | None = None,
) -> str:
    """The report page as HTML text.

    Parameters
    ----------
    data : ReportData
        The folder's contents (:func:`semscan.report.folder.read_folder`).
    plots : dict
        ``{stem: {kind: svg}}`` (:func:`semscan.report.image_plots.image_svgs`).
    for_print : bool
        The PDF's variant: every detail open; with more than
        :data:`INLINE_PLOTS_UP_TO` images only the flagged images' detail, and the inputs
        (with their sha256) are left to the HTML and results.xlsx.
    plot_files : dict, optional
        ``{stem: {kind: relative path}}``: with more than :data:`INLINE_PLOTS_UP_TO`
        images the HTML links these instead of inlining the SVG.
    thumbnails : dict, optional
        ``{stem: relative path}`` of small overlay images shown instead of the overlay
        itself (which stays the link target); the PDF uses them.
    """
    from markupsafe import Markup, escape

    n = len(data.images)

    def cell(value: Any, col: str, digits: int = 4) -> Markup:
        value = _plain(value)
        v = number(value)
        exact = repr(v) if math.isfinite(v) else ""
        return Markup('<td class="num" data-col="{}" data-value="{}">{}</td>').format(
            col, exact, _fmt(value, digits))

    def cellu(row: dict[str, Any], base: str, unit: str | None = None) -> Markup:
        key, value = column(row, base)
        out = cell(value, key)
        if key.endswith("_px") and math.isfinite(number(value)):
            out = Markup(out.replace("</td>", " px</td>"))
        return out

    def ci(row: dict[str, Any], base: str, unit: str | None = None) -> str:
        lo = column(row, f"{base}_ci95_low")[1]
        hi = column(row, f"{base}_ci95_high")[1]
        if not (math.isfinite(number(lo)) and math.isfinite(number(hi))):
            return "–"
        return f"{_fmt(lo)}–{_fmt(hi)}"

    from semscan.report.image_plots import class_reasons

    detail_images = list(data.images)
    omitted = 0
    if for_print and n > INLINE_PLOTS_UP_TO:
        detail_images = list(data.flagged)
        omitted = n - len(detail_images)
    inline = n <= INLINE_PLOTS_UP_TO or for_print
    shown: dict[str, dict[str, Markup]] = {}
    for im in detail_images:
        if inline:
            shown[im.stem] = {k: Markup(v) for k, v in plots.get(im.stem, {}).items()}
        else:
            files = (plot_files or {}).get(im.stem, {})
            shown[im.stem] = {
                k: Markup('<img class="plot" src="{}" alt="{} of {}" loading="lazy">').format(
                    rel, k, im.name)
                for k, rel in files.items()
            }
    title = data.out_dir.resolve().name
    if len(data.samples) == 1:
        title = f"{title}, sample {data.samples[0].name}"
    template = _environment().get_template("report.html.j2")
    return template.render(
        data=data,
        prov=data.provenance,
        title=title,
        folder=str(data.out_dir),
        css=Markup(CSS),
        plots=shown,
        detail_images=detail_images,
        collapsed=(n > COLLAPSE_ABOVE) and not for_print,
        omitted=omitted,
        list_inputs=not (for_print and n > INLINE_PLOTS_UP_TO),
        thumbnails=thumbnails or {},
        cell=cell,
        cellu=cellu,
        ci=ci,
        fmt=_fmt,
        reasons=class_reasons,
        escape=escape,
    )


def write_html(path: Path, text: str) -> None:
    """Write the page atomically."""
    from semscan.report.outputs import atomic_write

    atomic_write(path, text)
