"""``semscan info`` and ``semscan config``: what files and configurations hold."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer

from semscan.cli._console import check_io, err, msg, out
from semscan.cli.logs import is_semscan_warning
from semscan.cli.options import cli_text
from semscan.errors import SemscanError


def info(
    paths: Annotated[list[str], typer.Argument(help="Image files, folders or glob patterns.")],
    pixel_size_um: Annotated[
        float | None, typer.Option("--pixel-size-um", help="Override the pixel size (µm).")
    ] = None,
    keep_databar: Annotated[bool, typer.Option("--keep-databar")] = False,
) -> None:
    """One line per file: size, calibration and its source, vendor, magnification, data bar."""
    from semscan.inputs import collect_inputs
    from semscan.io import read_micrograph

    check_io(pixel_size_um=pixel_size_um)

    files, problems = collect_inputs(paths)
    failed = len(problems)
    for problem in problems:
        err.print(f"[red]error[/red] {msg(problem)}")
    for path in files:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                m = read_micrograph(path, pixel_size_um=pixel_size_um, keep_databar=keep_databar)
        except (SemscanError, OSError, ValueError) as exc:
            failed += 1
            err.print(f"[red]error[/red] {msg(path)}: {msg(exc)}")
            continue
        cal = m.calibration
        pixel = (
            f"{cal.pixel_size_um * 1000:.4g} nm/px ({cal.source}: {cli_text(cal.detail)})"
            if cal.is_calibrated
            else "uncalibrated (px)"
        )
        md = m.metadata
        mag = f"{md.magnification:g}x" if md.magnification else "-"
        pages = f" page {md.page + 1}/{md.n_pages}" if md.n_pages > 1 else ""
        out.print(
            f"{path}: {m.shape[1]}x{m.shape[0]} px {md.dtype}{pages}; {pixel}; "
            f"vendor {md.vendor or '-'}; mag {mag}; "
            f"data bar {m.databar_height_px} px ({m.databar_source})",
            markup=False,
        )
        for w in caught:
            if is_semscan_warning(w):  # others' (numpy, PIL) are not the file's problem
                err.print(f"  [yellow]warning[/yellow] {msg(w.message)}")
    if failed:
        raise typer.Exit(1)


def config_cmd(
    default: Annotated[
        bool, typer.Option("--default", help="Print the default configuration as TOML.")
    ] = False,
    config: Annotated[
        Path | None, typer.Option("--config", help="Check and print this TOML configuration.")
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Check this TOML configuration (exit 2 on a problem)."),
    ] = None,
) -> None:
    """Print the default configuration (a template for --config), or check a file."""
    from semscan.config import AnalysisConfig

    if check is not None:
        cfg = _load_config(check)
        out.print(f"{check}: valid (config hash {cfg.hash()})", markup=False)
        return
    if config is not None:
        cfg = _load_config(config)
    elif default:
        cfg = AnalysisConfig()
    else:
        err.print("say --default to print the defaults, --check FILE to check a file, or "
                  "--config FILE to check and print it")
        raise typer.Exit(2)
    sys.stdout.write(cfg.to_toml())
    sys.stdout.write(f"# config hash: {cfg.hash()}\n")


def _load_config(path: Path | None) -> Any:
    from semscan.config import AnalysisConfig

    if path is None:
        return AnalysisConfig()
    try:
        return AnalysisConfig.load(path)
    except SemscanError as exc:
        err.print(f"[red]error[/red] {msg(exc)}")
        raise typer.Exit(2) from exc
