"""Build the reports of an output folder: ``report.html``, ``report.pdf``, ``results.xlsx``.

Everything is read from the folder (:func:`semscan.report.folder.read_folder`); nothing
is re-analysed, so a report can be rebuilt at any time. The plots are also written as
files, ``plots/<stem>-<kind>.svg``. Needs the ``reports`` extra
(``pip install "semscan[reports]"``: Jinja2, WeasyPrint, openpyxl, matplotlib).
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass
from pathlib import Path

from semscan.report.folder import ReportError, read_folder

__all__ = ["FORMATS", "ReportFiles", "build_report", "missing_packages"]

FORMATS = ("html", "pdf", "xlsx")
_NEEDS = {"html": ("jinja2",), "pdf": ("jinja2", "weasyprint"), "xlsx": ("openpyxl",)}
INSTALL_HINT = 'pip install "semscan[reports]"'


@dataclass(frozen=True)
class ReportFiles:
    """What :func:`build_report` wrote (paths; None for a format not asked for)."""

    html: Path | None
    pdf: Path | None
    xlsx: Path | None
    plots: int
    seconds: dict[str, float]


def missing_packages(formats: tuple[str, ...] = FORMATS) -> list[str]:
    """The Python packages the formats need that are not installed."""
    need = sorted({p for f in formats for p in _NEEDS.get(f, ())})
    return [p for p in need if importlib.util.find_spec(p) is None]


def parse_formats(text: str) -> tuple[str, ...]:
    """``'html,pdf'`` as a tuple of known formats.

    Examples
    --------
    >>> parse_formats("html, XLSX")
    ('html', 'xlsx')
    """
    out = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise ReportError(
            f"unknown report format(s) {', '.join(bad) or repr(text)}; give a comma-separated "
            f"list of {', '.join(FORMATS)}"
        )
    return out


def build_report(
    out_dir: str | Path,
    *,
    formats: tuple[str, ...] = FORMATS,
    sample: str | None = None,
) -> ReportFiles:
    """Write the reports of an output folder into it.

    Parameters
    ----------
    out_dir : str or Path
        The ``--out`` folder of ``semscan analyze``.
    formats : tuple of {'html', 'pdf', 'xlsx'}
    sample : str, optional
        Report only this sample (files named ``report-<sample>.html`` etc.).

    Raises
    ------
    ReportError
        When a package of the ``reports`` extra is missing, or the folder holds no results.
    """
    out_dir = Path(out_dir)
    missing = missing_packages(formats)
    if missing:
        raise ReportError(
            f"the report needs {', '.join(missing)}, which is not installed; "
            f'install the reports extra: {INSTALL_HINT}'
        )
    from semscan.report.image_plots import image_svgs, write_plot_files

    seconds: dict[str, float] = {}
    t = time.perf_counter()
    data = read_folder(out_dir, sample=sample)
    seconds["read"] = time.perf_counter() - t
    t = time.perf_counter()
    svgs = {im.stem: image_svgs(out_dir, im) for im in data.images}
    files = {stem: write_plot_files(out_dir, stem, s) for stem, s in svgs.items()}
    seconds["plots"] = time.perf_counter() - t
    suffix = "" if sample is None else "-" + _safe(sample)
    html_path = pdf_path = xlsx_path = None
    if "html" in formats or "pdf" in formats:
        from semscan.report.html import render_html, write_html

        if "html" in formats:
            t = time.perf_counter()
            html_path = out_dir / f"report{suffix}.html"
            write_html(html_path, render_html(data, svgs, plot_files=files))
            seconds["html"] = time.perf_counter() - t
        if "pdf" in formats:
            from semscan.report.html import INLINE_PLOTS_UP_TO
            from semscan.report.image_plots import overlay_thumbnail
            from semscan.report.pdf import write_pdf

            t = time.perf_counter()
            in_pdf = data.images if len(data.images) <= INLINE_PLOTS_UP_TO else data.flagged
            thumbs = {im.stem: overlay_thumbnail(out_dir, im) for im in in_pdf}
            thumbs = {k: v for k, v in thumbs.items() if v}
            pdf_path = write_pdf(render_html(data, svgs, for_print=True, thumbnails=thumbs),
                                 out_dir / f"report{suffix}.pdf", base_url=out_dir)
            seconds["pdf"] = time.perf_counter() - t
    if "xlsx" in formats:
        from semscan.report.xlsx import write_xlsx

        t = time.perf_counter()
        xlsx_path = write_xlsx(data, out_dir / f"results{suffix}.xlsx")
        seconds["xlsx"] = time.perf_counter() - t
    return ReportFiles(html_path, pdf_path, xlsx_path, sum(len(f) for f in files.values()),
                       seconds)


def _safe(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:80] or "sample"
