"""``semscan analyze``: a batch of micrographs to results.csv, samples.csv and overlays.

Also the debug log beside the outputs (:func:`_log_to`), the progress display and the
summary table printed at the end.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from semscan import __version__
from semscan.calibration import unit_suffix
from semscan.cli._console import err, fail, msg, out
from semscan.cli.logs import LogOnce, log_warning, native_stderr_to_log
from semscan.cli.options import FORMER_FLAGS, build_config, flag_of, with_config_flags
from semscan.cli.report_cmd import write_reports
from semscan.errors import SemscanError


def _switch(flag: str, text: str) -> Any:
    """The annotation of an on/off flag that is off by default."""
    return Annotated[bool, typer.Option(flag, help=text)]


@with_config_flags
def analyze(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Image files, folders (recursive) or globs (or a --manifest)."),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "semscan-out"
    ),
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="TOML configuration (see `semscan config --default`)."),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest", help="CSV: path, sample, view[, pixel_size_um, film_direction_deg]."
        ),
    ] = None,
    sample_pattern: Annotated[
        str | None,
        typer.Option("--sample-pattern", help="Regex with (?P<sample>...) on file names."),
    ] = None,
    xs_pattern: Annotated[
        str, typer.Option("--xs-pattern", help="File-name pattern of cross-sections.")
    ] = "*_xs*",
    surface_pattern: Annotated[
        str | None, typer.Option("--surface-pattern", help="File-name pattern of surface views.")
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Worker processes (default: all cores).")
    ] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Run on a Dask cluster: tcp://HOST:8786 (a running `dask scheduler`) or "
            "local[:N] (N local worker processes); needs semscan[dask]. --jobs is then unused.",
        ),
    ] = None,
    upload: _switch(
        "--upload", "With --scheduler: send the images to the workers (no shared folder needed)."
    ) = False,
    force: _switch("--force", "Redo images already done.") = False,
    fail_fast: _switch("--fail-fast", "Stop at the first failure.") = False,
    save_masks: _switch(
        "--save-masks", "Write a label TIFF per image (0 solid, 1 pore, 2 excluded)."
    ) = False,
    masks: Annotated[
        Path | None,
        typer.Option(
            "--masks",
            help="Folder of corrected label TIFFs (0 solid, 1 pore, 2 excluded; or an output "
            "folder with masks/) to measure from instead of segmenting: <stem>-<sha8>_labels.tif,"
            " <stem>_labels.tif or <stem>.tif per image.",
        ),
    ] = None,
    no_overlays: _switch("--no-overlays", "Skip the overlay PNGs.") = False,
    no_wait: _switch(
        "--no-wait", "Refuse, rather than wait, when another run writes into --out."
    ) = False,
    report: _switch(
        "--report", "Also write report.html, report.pdf and results.xlsx into --out."
    ) = False,
    lines: Annotated[int | None, typer.Option("--lines", hidden=True)] = None,
    angle: Annotated[float | None, typer.Option("--angle", hidden=True)] = None,
    threshold: Annotated[str | None, typer.Option("--threshold", hidden=True)] = None,
    pixel_classifier: Annotated[
        Path | None, typer.Option("--pixel-classifier", hidden=True)
    ] = None,
    model: Annotated[Path | None, typer.Option("--model", hidden=True)] = None,
    config_flags: dict[str, Any] | None = None,
) -> None:
    """Analyse micrographs: segmentation, 50-line intercepts, porosity, directions, classes.

    Every analysis option is a flag named after its TOML key (`--n-lines` is
    `\\[measure] n_lines`); flags override the --config file.
    """
    from semscan.inputs import collect_inputs
    from semscan.io.labels import attach_masks
    from semscan.io.tasks import make_tasks
    from semscan.report.batch import BatchInterrupted, run_batch

    flags = dict(config_flags or {})
    former = {"--lines": lines, "--angle": angle, "--threshold": threshold,
              "--pixel-classifier": None if pixel_classifier is None else str(pixel_classifier),
              "--model": None if model is None else str(model)}
    for old, value in former.items():
        if value is None:
            continue
        dotted = FORMER_FLAGS[old]
        new = flag_of(*dotted.split("."))
        if dotted in flags and flags[dotted] != value:
            fail(f"{old} is the former name of {new}; give one of them")
        flags[dotted] = value
        err.print(f"note: {old} is now {new} (the name of its TOML key); {old} still works")
    if "segment.classifier_path" in flags and "segment.method" not in flags:
        flags["segment.method"] = "classifier"
    try:
        cfg = build_config(config, flags)
    except SemscanError as exc:
        fail(str(exc))
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"--out {out_dir} is a file; give a folder (it is created if missing)")

    files, problems = collect_inputs(
        paths or [], skip_under=[out_dir] + ([masks] if masks is not None else [])
    )
    for problem in problems:
        err.print(f"[red]error[/red] {msg(problem)}")
    try:
        tasks = make_tasks(
            files,
            manifest=manifest,
            sample_pattern=sample_pattern,
            xs_pattern=xs_pattern,
            surface_pattern=surface_pattern,
        )
        if masks is not None and tasks:
            tasks, unmatched = attach_masks(tasks, masks)
            for path in unmatched:
                err.print(f"[yellow]warning[/yellow] no label TIFF for {msg(path)} in "
                          f"{msg(masks)}: it is segmented as usual")
    except SemscanError as exc:
        err.print(f"[red]error[/red] {msg(exc)}")
        raise typer.Exit(2) from exc
    if not tasks:
        err.print(
            "[red]error[/red] no input images; name files, folders, glob patterns or a --manifest"
        )
        raise typer.Exit(1)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _log_to(out_dir / "semscan.log")
    except OSError as exc:
        fail(f"cannot create the output folder --out {out_dir}: {exc.strerror or exc}")

    if upload and scheduler is None:
        fail("--upload sends images to the workers of a Dask cluster; give --scheduler too")
    n_jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    n_jobs = min(n_jobs, len(tasks))
    cluster = _cluster(scheduler)
    where = f"{n_jobs} job(s)" if scheduler is None else f"Dask scheduler {scheduler}"
    err.print(f"semscan {__version__}: {len(tasks)} image(s), {where} -> {out_dir}")

    progress = _progress(len(tasks))
    try:
        with native_stderr_to_log(), cluster as client, progress as on_item:
            executor = None
            if client is not None:
                from semscan.distributed import distributed_executor

                executor = distributed_executor(client, upload=upload)
            summary = run_batch(
                tasks,
                out_dir=out_dir,
                config=cfg,
                jobs=n_jobs,
                force=force,
                fail_fast=fail_fast,
                save_masks=save_masks,
                overlays=not no_overlays,
                on_item=on_item,
                argv=sys.argv,
                wait=not no_wait,
                on_message=progress.message,
                executor=executor,
            )
    except SemscanError as exc:  # e.g. a model file that cannot be used: nothing was run
        err.print(f"[red]error[/red] {msg(exc)}")
        raise typer.Exit(2) from exc
    except BatchInterrupted as exc:
        s = exc.summary
        err.print(
            f"[yellow]interrupted[/yellow]: {s.analysed + s.skipped} of {s.total} image(s) "
            f"finished ({s.analysed} analysed now, {s.skipped} done before, "
            f"{len(s.failures)} failed); their rows are in {msg(out_dir / 'results.csv')}"
        )
        err.print(f"to finish the batch, run again: {escape(_resume_command(sys.argv))}")
        raise typer.Exit(130) from None
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow] before any image was analysed")
        raise typer.Exit(130) from None
    _print_summary(summary)
    for path, error in summary.failures:
        err.print(f"[red]FAILED[/red] {msg(path)}: {msg(error)}")
    report_code = write_reports(out_dir) if report else 0
    if summary.failures or problems:
        raise typer.Exit(1)
    if report_code:
        raise typer.Exit(report_code)


def _cluster(scheduler: str | None) -> Any:
    """A context giving the Dask client of ``--scheduler`` (None without one)."""
    import contextlib

    if scheduler is None:
        return contextlib.nullcontext(None)
    from semscan.distributed import connect, parse_scheduler

    try:
        parse_scheduler(scheduler)
    except SemscanError as exc:
        fail(str(exc))
    return connect(scheduler)


def _resume_command(argv: list[str]) -> str:
    """The command that finishes an interrupted batch: the same, without ``--force``.

    Examples
    --------
    >>> _resume_command(["/venv/bin/semscan", "analyze", "my lot", "--force", "-j", "2"])
    "semscan analyze 'my lot' -j 2"
    """
    import shlex

    return shlex.join(["semscan", *(a for a in argv[1:] if a != "--force")])


def _log_to(path: Path) -> None:
    """Send every log record and Python warning to ``path`` (replacing an earlier log file).

    semscan's records at every level, other libraries' (tifffile, PIL) from WARNING up, and
    Python warnings (numpy's, and semscan's own) go to the file and never to the terminal;
    each third-party message and each warning is written once, and a semscan warning that
    semscan also logged is written once, not twice.
    """
    logger = logging.getLogger("semscan")
    root = logging.getLogger()
    py_warnings = logging.getLogger("py.warnings")
    for lg in (logger, py_warnings, root):
        for h in [h for h in lg.handlers if getattr(h, "_semscan_log", False)]:
            lg.removeHandler(h)
            h.close()
    logger.setLevel(logging.DEBUG)
    handler = logging.FileHandler(path, encoding="utf-8", errors="backslashreplace")
    handler._semscan_log = True  # type: ignore[attr-defined]
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(LogOnce())
    root.addHandler(handler)  # semscan's and third-party records reach it by propagation
    # Per-image warnings are in each result row and in this log, not on the terminal.
    logging.captureWarnings(False)
    py_warnings.propagate = True
    warnings.showwarning = log_warning


class _progress:
    """Rich progress bar on a terminal, plain lines otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.tty = err.is_terminal
        self._bar: Any = None

    def __enter__(self) -> Any:
        if self.tty:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self._bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("analysing", total=self.total)
        return self.update

    def update(self, item: Any, count: int, total: int) -> None:
        name = Path(item.path).name
        if self._bar is not None:
            self._bar.update(self._task, completed=count, total=total, description=name)
            for note in item.notes:
                self._bar.console.print(f"[yellow]note[/yellow] {msg(note)}")
            if not item.ok:
                self._bar.console.print(f"[red]failed[/red] {msg(name)}: {msg(item.error)}")
        else:
            for note in item.notes:
                err.print(f"note: {msg(note)}")
            status = "ok" if item.ok else f"FAILED: {item.error}"
            err.print(f"[{count}/{total}] {msg(name)}: {msg(status)} ({item.seconds:.2f} s)")

    def message(self, text: str) -> None:
        """Show a message (waiting for another run, an earlier run interrupted)."""
        (self._bar.console if self._bar is not None else err).print(msg(text))

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _num(value: Any) -> str:
    if value is None or not math.isfinite(float(value)):
        return "-"
    return f"{float(value):.4g}"


def _pct(value: Any) -> str:
    if value is None or not math.isfinite(float(value)):
        return "-"
    return f"{100 * float(value):.1f} %"


# Per-image warnings that reach the terminal (all of them are in results.csv and the log).
_CONCERNS = ("segmentation review", "segmentation unreliable", "view uncertain",
             "almost all", "pores brighter", "pores darker", "no specimen")


def _concerns(row: dict[str, Any]) -> list[str]:
    """The warnings of one result row that a person must see on the terminal."""
    text = str(row.get("warnings") or "")
    return [w for w in text.split("; ") if w.startswith(_CONCERNS)]


def _print_summary(summary: Any) -> None:
    table = Table(title=f"semscan results ({len(summary.rows)} image(s))")
    for col in ("image", "view", "pixel", "pore d (95% CI)", "porosity", "solid d", "class",
                "segmentation"):
        table.add_column(col, overflow="fold")  # full names, wrapped, never truncated
    concerns: list[str] = []
    for row in summary.rows:
        unit = row.get("unit", "px")
        suffix = unit_suffix(unit)
        d = row.get(f"pore_intercept_mean_{suffix}")
        lo = row.get(f"pore_intercept_ci95_low_{suffix}")
        hi = row.get(f"pore_intercept_ci95_high_{suffix}")
        ps = row.get("pixel_size_um")
        table.add_row(
            escape(str(row.get("name"))),
            str(row.get("view")),
            f"{ps * 1000:.3g} nm" if ps else "uncalibrated",
            f"{_fmt_len(d, unit)} ({_num(lo)}-{_num(hi)})",
            _pct(row.get("areal_porosity")),
            _fmt_len(row.get(f"solid_intercept_mean_{suffix}"), unit),
            str(row.get("class") or "-"),
            str(row.get("verdict") or "-"),
        )
        for w in _concerns(row):
            concerns.append(f"{row.get('name')}: {w}")
    out.print(table)
    for line in concerns:
        out.print(f"[yellow]warning[/yellow] {line}", markup=True, highlight=False)
    out.print(
        f"analysed {summary.analysed}, skipped {summary.skipped} (already done), "
        f"failed {len(summary.failures)} in {summary.seconds:.1f} s"
    )
    samples = summary.out_dir / "samples.csv"
    if samples.exists():
        import pandas as pd

        table = pd.read_csv(samples)
        for _, r in table.iterrows():
            if isinstance(r.get("ratio_R"), float) and math.isfinite(r["ratio_R"]):
                out.print(
                    f"sample {r['sample']}: surface-to-internal ratio R = {r['ratio_R']:.3f} "
                    f"({r['ratio_ci95_low']:.3f}-{r['ratio_ci95_high']:.3f}): {r['ratio_verdict']}"
                )
    out.print(
        f"outputs: {summary.out_dir.resolve()}  (results.csv, samples.csv, overlays/, run.json)"
    )


def _fmt_len(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.4g} {unit}"
