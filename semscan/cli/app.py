"""The ``semscan`` command: ``info``, ``analyze``, ``config`` and the training commands.

This is the only code in semscan that prints, configures logging or exits.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import typing
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from semscan import __version__
from semscan.calibration import unit_suffix
from semscan.cli.logs import LogOnce, is_semscan_warning, log_warning, native_stderr_to_log
from semscan.cli.options import (
    FORMER_FLAGS,
    build_config,
    cli_text,
    flag_of,
    io_option,
    with_config_flags,
)
from semscan.cli.report_cmd import report as report_command
from semscan.cli.report_cmd import write_reports
from semscan.errors import SemscanError

app = typer.Typer(
    name="semscan",
    help="Pore structure of porous films and membranes from SEM micrographs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        out.print(f"semscan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Pore structure of porous films and membranes from SEM micrographs."""
    # Library warnings are shown by the commands themselves (or go to semscan.log);
    # without a handler, logging's last resort would print them a second time, and
    # third-party loggers (tifffile's) would print theirs on the terminal.
    logging.getLogger("semscan").addHandler(logging.NullHandler())
    root = logging.getLogger()
    if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
        root.addHandler(logging.NullHandler())


def _fmt_len(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.4g} {unit}"


# ------------------------------------------------------------------------------ info
@app.command()
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

    _check_io(pixel_size_um=pixel_size_um)

    files, problems = collect_inputs(paths)
    failed = len(problems)
    for problem in problems:
        err.print(f"[red]error[/red] {_msg(problem)}")
    for path in files:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                m = read_micrograph(path, pixel_size_um=pixel_size_um, keep_databar=keep_databar)
        except (SemscanError, OSError, ValueError) as exc:
            failed += 1
            err.print(f"[red]error[/red] {_msg(path)}: {_msg(exc)}")
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
                err.print(f"  [yellow]warning[/yellow] {_msg(w.message)}")
    if failed:
        raise typer.Exit(1)


# ---------------------------------------------------------------------------- config
@app.command("config")
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
        err.print(f"[red]error[/red] {_msg(exc)}")
        raise typer.Exit(2) from exc


# --------------------------------------------------------------------------- analyze
def _msg(value: object) -> str:
    """A library message or path as printed: Python arguments named as flags, and no
    rich markup (``[measure]`` or a file named ``a[1].tif`` prints as it is)."""
    return escape(cli_text(str(value)))


def _check_io(**options: Any) -> None:
    """Check ``[io]`` options given to a command that has no configuration (exit 2)."""
    for key, value in options.items():
        if value is not None:
            try:
                io_option(key, value)
            except SemscanError as exc:
                _fail(str(exc))


def _fail(message: str, code: int = 2) -> typing.NoReturn:
    """Print an error in CLI terms and exit (2: a usage problem, nothing was run)."""
    err.print(f"[red]error[/red] {_msg(message)}")
    raise typer.Exit(code)


@app.command()
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
    force: Annotated[bool, typer.Option("--force", help="Redo images already done.")] = False,
    fail_fast: Annotated[
        bool, typer.Option("--fail-fast", help="Stop at the first failure.")
    ] = False,
    save_masks: Annotated[
        bool,
        typer.Option(
            "--save-masks", help="Write a label TIFF per image (0 solid, 1 pore, 2 excluded)."
        ),
    ] = False,
    no_overlays: Annotated[
        bool, typer.Option("--no-overlays", help="Skip the overlay PNGs.")
    ] = False,
    no_wait: Annotated[
        bool,
        typer.Option(
            "--no-wait", help="Refuse, rather than wait, when another run writes into --out."
        ),
    ] = False,
    lines: Annotated[int | None, typer.Option("--lines", hidden=True)] = None,
    angle: Annotated[float | None, typer.Option("--angle", hidden=True)] = None,
    threshold: Annotated[str | None, typer.Option("--threshold", hidden=True)] = None,
    pixel_classifier: Annotated[
        Path | None, typer.Option("--pixel-classifier", hidden=True)
    ] = None,
    model: Annotated[Path | None, typer.Option("--model", hidden=True)] = None,
    report: Annotated[
        bool,
        typer.Option("--report", help="Also write report.html, report.pdf and results.xlsx."),
    ] = False,
    config_flags: dict[str, Any] | None = None,
) -> None:
    """Analyse micrographs: segmentation, 50-line intercepts, porosity, directions, classes.

    Every analysis option is a flag named after its TOML key (`--n-lines` is
    `\\[measure] n_lines`); flags override the --config file.
    """
    from semscan.inputs import collect_inputs
    from semscan.pipeline import make_tasks
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
            _fail(f"{old} is the former name of {new}; give one of them")
        flags[dotted] = value
        err.print(f"note: {old} is now {new} (the name of its TOML key); {old} still works")
    if "segment.classifier_path" in flags and "segment.method" not in flags:
        flags["segment.method"] = "classifier"
    try:
        cfg = build_config(config, flags)
    except SemscanError as exc:
        _fail(str(exc))
    if out_dir.exists() and not out_dir.is_dir():
        _fail(f"--out {out_dir} is a file; give a folder (it is created if missing)")

    files, problems = collect_inputs(paths or [], skip_under=[out_dir])
    for problem in problems:
        err.print(f"[red]error[/red] {_msg(problem)}")
    try:
        tasks = make_tasks(
            files,
            manifest=manifest,
            sample_pattern=sample_pattern,
            xs_pattern=xs_pattern,
            surface_pattern=surface_pattern,
        )
    except SemscanError as exc:
        err.print(f"[red]error[/red] {_msg(exc)}")
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
        _fail(f"cannot create the output folder --out {out_dir}: {exc.strerror or exc}")

    n_jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    n_jobs = min(n_jobs, len(tasks))
    err.print(f"semscan {__version__}: {len(tasks)} image(s), {n_jobs} job(s) -> {out_dir}")

    progress = _progress(len(tasks))
    try:
        with native_stderr_to_log(), progress as on_item:
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
            )
    except SemscanError as exc:  # e.g. a model file that cannot be used: nothing was run
        err.print(f"[red]error[/red] {_msg(exc)}")
        raise typer.Exit(2) from exc
    except BatchInterrupted as exc:
        s = exc.summary
        err.print(
            f"[yellow]interrupted[/yellow]: {s.analysed + s.skipped} of {s.total} image(s) "
            f"finished ({s.analysed} analysed now, {s.skipped} done before, "
            f"{len(s.failures)} failed); their rows are in {_msg(out_dir / 'results.csv')}"
        )
        err.print(f"to finish the batch, run again: {escape(_resume_command(sys.argv))}")
        raise typer.Exit(130) from None
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow] before any image was analysed")
        raise typer.Exit(130) from None
    _print_summary(summary)
    for path, error in summary.failures:
        err.print(f"[red]FAILED[/red] {_msg(path)}: {_msg(error)}")
    report_code = write_reports(out_dir) if report else 0
    if summary.failures or problems:
        raise typer.Exit(1)
    if report_code:
        raise typer.Exit(report_code)


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
                self._bar.console.print(f"[yellow]note[/yellow] {_msg(note)}")
            if not item.ok:
                self._bar.console.print(f"[red]failed[/red] {_msg(name)}: {_msg(item.error)}")
        else:
            for note in item.notes:
                err.print(f"note: {_msg(note)}")
            status = "ok" if item.ok else f"FAILED: {item.error}"
            err.print(f"[{count}/{total}] {_msg(name)}: {_msg(status)} ({item.seconds:.2f} s)")

    def message(self, text: str) -> None:
        """Show a message (waiting for another run, an earlier run interrupted)."""
        (self._bar.console if self._bar is not None else err).print(_msg(text))

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


# ---------------------------------------------------------------------- train-pixels
app.command("report")(report_command)


@app.command("train-pixels")
def train_pixels(
    image: Annotated[Path, typer.Argument(help="The micrograph to learn from.")],
    labels: Annotated[
        Path,
        typer.Argument(
            help="Label image of the same size: 0 unlabelled, 1 pore, 2 solid, 3 excluded "
            "(strokes painted in napari, Fiji or any editor)."
        ),
    ],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Model file (.json).")] = Path(
        "pixel-classifier.json"
    ),
    pixel_size_um: Annotated[
        float | None, typer.Option("--pixel-size-um", help="Override the pixel size (µm).")
    ] = None,
    sigma_max_px: Annotated[
        float, typer.Option("--sigma-max-px", min=1.0, max=256.0,
                            help="Largest feature scale (px).")
    ] = 16.0,
    trees: Annotated[int, typer.Option("--trees", min=1, max=10_000,
                                       help="Number of trees.")] = 50,
    seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
) -> None:
    """Train the pixel classifier from labelled strokes; use it with --classifier-path."""
    import numpy as np

    from semscan.io import read_micrograph
    from semscan.segment import PixelClassifier

    _check_io(pixel_size_um=pixel_size_um)
    try:
        m = read_micrograph(image, pixel_size_um=pixel_size_um)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a label image has no calibration, nor needs one
            lab = read_micrograph(labels, keep_databar=True)
        raw = np.rint(lab.image * _label_scale(lab)).astype(np.uint8)
        if raw.shape != m.shape:
            if raw.shape[1] == m.shape[1] and raw.shape[0] == m.metadata.original_shape[0]:
                raw = raw[: m.shape[0]]  # labels drawn on the uncropped image
            else:
                raise SemscanError(
                    f"labels {labels} are {raw.shape[1]}x{raw.shape[0]} px but the image is "
                    f"{m.shape[1]}x{m.shape[0]} px (after cropping the data bar); "
                    "paint the labels on the same image"
                )
        model = PixelClassifier.train(
            m.image,
            raw,
            calibration=m.calibration,
            sigma_max_px=sigma_max_px,
            n_estimators=trees,
            seed=seed,
        )
        model.save(out_path)
    except (SemscanError, OSError, ValueError) as exc:
        err.print(f"[red]error[/red] {_msg(exc)}")
        raise typer.Exit(1) from exc
    counts = {
        name: int((raw == k).sum()) for k, name in ((1, "pore"), (2, "solid"), (3, "excluded"))
    }
    out.print(f"trained on {counts} labelled pixels; model written to {out_path}")
    out.print(f"use it: semscan analyze ... --classifier-path {_msg(out_path)}")


def _label_scale(lab: Any) -> float:
    """Undo read_micrograph's [0, 1] scaling of an integer label image."""
    dtype = lab.metadata.dtype
    return {"uint8": 255.0, "uint16": 65535.0}.get(dtype, 1.0)


# ------------------------------------------------------------------ train-classifier
@app.command("train-classifier")
def train_classifier(
    out_path: Annotated[
        Path, typer.Option("--out", "-o", help="Model file (.json or .json.gz).")
    ] = Path("structure.json.gz"),
    card: Annotated[
        Path | None, typer.Option("--card", help="Model card (JSON); default: beside the model.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the training data.")] = 0,
    n_per_class: Annotated[
        int, typer.Option("--n-per-class", min=1, max=100_000, help="Synthetic images per class.")
    ] = 800,
    n_test_per_class: Annotated[
        int, typer.Option("--n-test-per-class", min=1, max=100_000,
                     help="Held-out images per class.")
    ] = 100,
    trees: Annotated[
        int, typer.Option("--trees", min=1, max=10_000, help="Number of trees.")
    ] = 250,
    max_canvas: Annotated[
        float, typer.Option("--max-canvas", help="Cut each training field from a canvas 1 to "
                            "this many times its side, segmented whole, as an analysis cuts "
                            "fields from a whole micrograph; 1 (default, the shipped model): "
                            "field-size images.")
    ] = 1.0,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, max=1024,
                     help="Processes generating the data (same model).")
    ] = 1,
) -> None:
    """Train the structure classifier on generated data; use it with `analyze --model`."""
    from semscan.classify.model import train_structure_model

    card_path = card or out_path.with_name(out_path.name.split(".")[0] + ".card.json")
    err.print(
        f"training on {n_per_class} synthetic images per class (seed {seed}); "
        "this takes several minutes"
    )
    try:
        report = train_structure_model(
            out_path,
            seed=seed,
            n_per_class=n_per_class,
            n_test_per_class=n_test_per_class,
            n_estimators=trees,
            canvas_scale=(1.0, max_canvas),
            card_path=card_path,
            n_jobs=jobs,
        )
    except (SemscanError, OSError, ValueError) as exc:
        err.print(f"[red]error[/red] {_msg(exc)}")
        raise typer.Exit(1) from exc
    out.print(_confusion_table(f"held-out accuracy {100 * report.accuracy:.1f} %",
                               report.classes, report.confusion, report.per_class_accuracy))
    out.print(f"model {report.model_path} (sha256 {report.sha256[:16]}...), card {card_path}")


def _confusion_table(
    title: str, classes: tuple[str, ...], confusion: list[list[int]],
    recall: dict[str, float],
) -> Table:
    table = Table(title=title)
    table.add_column("true \\ predicted", overflow="fold")
    for cls in classes:
        table.add_column(cls, overflow="fold")
    table.add_column("recall", overflow="fold")
    for cls, row in zip(classes, confusion, strict=True):
        table.add_row(cls, *map(str, row), f"{100 * recall[cls]:.1f} %")
    return table


# ------------------------------------------------------------------ evaluate-classifier
@app.command("evaluate-classifier")
def evaluate_classifier(
    model_path: Annotated[
        Path | None,
        typer.Option("--model-path", "--model",
                     help="Structure model file; default: the shipped model."),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of the evaluation images; use one the model "
                          "was not trained (seed) or tuned (seed + 1) on.")
    ] = 2,
    n_per_class: Annotated[
        int, typer.Option("--n-per-class", min=1, max=100_000, help="Synthetic images per class.")
    ] = 200,
    max_canvas: Annotated[
        float | None,
        typer.Option("--max-canvas", help="Cut each field from a canvas 1 to this many "
                     "times its side, segmented whole, as an analysis does (2: fields like "
                     "those of a micrograph up to two fields wide); default: as the model "
                     "was trained (1, field-size images, for the shipped model).")
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, max=1024, help="Processes generating the images.")
    ] = 1,
) -> None:
    """Score a structure model on fresh synthetic images of another seed."""
    from semscan.classify.model import evaluate_structure_model, load_model

    err.print(f"generating and classifying {n_per_class} synthetic images per class "
              f"(seed {seed}); about 0.3 s per image and process on field-size images, "
              "0.45 s on fields cut from canvases up to 2x their side")
    try:
        model = load_model(model_path)
        report = evaluate_structure_model(
            model, seed=seed, n_per_class=n_per_class, n_jobs=jobs,
            canvas_scale=None if max_canvas is None else (1.0, max_canvas))
    except (SemscanError, OSError, ValueError) as exc:
        err.print(f"[red]error[/red] {_msg(exc)}")
        raise typer.Exit(1) from exc
    lo, hi = report.canvas_scale
    out.print(_confusion_table(
        f"seed {report.seed}: accuracy {100 * report.accuracy:.1f} % of {report.n} images",
        report.classes, report.confusion, report.per_class_accuracy))
    out.print("images: field-size, each segmented on its own" if hi == 1.0 else
              f"images: fields cut from canvases {lo:g}-{hi:g}x their side, segmented whole")
    out.print(f"confidence threshold {report.threshold:.2f}: {100 * report.coverage:.1f} % "
              f"of the images classified, {100 * report.precision:.1f} % of those right")
