"""``semscan report``: HTML, PDF and Excel reports of an output folder (no re-analysis)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["report", "write_reports"]

_out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


def write_reports(out_dir: Path, *, formats: str = "html,pdf,xlsx",
                  sample: str | None = None) -> int:
    """Build the reports and print where they are; returns the exit code (0, or 2)."""
    from semscan.errors import SemscanError
    from semscan.report.build import build_report, parse_formats

    try:
        files = build_report(out_dir, formats=parse_formats(formats), sample=sample)
    except SemscanError as exc:
        _err.print(f"[red]error[/red] {escape(str(exc))}")
        return 2
    for label, path in (("report", files.html), ("PDF", files.pdf), ("Excel", files.xlsx)):
        if path is not None:
            _out.print(f"{label}: {escape(str(path))}")
    _out.print(f"plots: {files.plots} SVG file(s) in {escape(str(Path(out_dir) / 'plots'))}")
    return 0


def report(
    out_dir: Annotated[Path, typer.Argument(help="Output folder of `semscan analyze --out`.")],
    formats: Annotated[
        str, typer.Option("--format", "-f", help="Comma-separated: html, pdf, xlsx.")
    ] = "html,pdf,xlsx",
    sample: Annotated[
        str | None, typer.Option("--sample", help="Report only this sample.")
    ] = None,
) -> None:
    """Write report.html, report.pdf and results.xlsx from an output folder.

    Built only from the folder's tables and JSON (no re-analysis), so it can be rebuilt
    at any time. Needs `pip install "semscan[reports]"`.
    """
    if not out_dir.is_dir():
        _err.print(f"[red]error[/red] {escape(str(out_dir))} is not a folder; give the --out "
                   "folder of `semscan analyze`")
        raise typer.Exit(2)
    code = write_reports(out_dir, formats=formats, sample=sample)
    if code:
        raise typer.Exit(code)
