"""Run a batch into an output folder: skip what is done, isolate failures, write tables.

:func:`run_batch` is what ``semscan analyze`` does, without any printing: progress is
reported through callbacks, so the CLI, napari or a notebook can show it their way.

An output folder accumulates: each run adds or replaces the records of its own inputs
(``images/*.json``, ``failures/*.json``), and the tables are rebuilt from every record in
the folder, one row per input path, the latest outcome winning. A lock makes concurrent
runs into one folder take turns. Every image is analysed in a worker process, so a worker
killed by the out-of-memory killer costs only its image (retried alone once).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from semscan.config import AnalysisConfig
from semscan.io.tasks import BatchTask, file_sha256
from semscan.pipeline import BatchItem, analyze_batch, load_models
from semscan.report.layers import write_layer_tables
from semscan.report.lock import FolderLock
from semscan.report.outputs import (
    CSV_ENCODING,
    ImageOutputWriter,
    atomic_write,
    image_stem,
    path_digest,
)
from semscan.report.records import (
    Record,
    merge_chords,
    merge_whiskers,
    read_run_json,
    remove_failure_record,
    remove_stale_temporaries,
    scan_records,
    write_failure_record,
    write_failures,
    write_run_json,
    write_tables,
)
from semscan.report.samples import sample_rows

__all__ = ["BatchInterrupted", "BatchSummary", "rebuild_tables", "run_batch", "task_key"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did.

    Attributes
    ----------
    out_dir : Path
        The output folder.
    rows : list of dict
        Results rows of every done image of this batch (analysed now or skipped as done).
    analysed, skipped : int
        Images analysed in this run, and skipped because already done.
    failures : list of (file, error)
        Files that failed, with the reason.
    seconds : float
        Wall time.
    total : int
        Inputs of this batch.
    interrupted : bool
        True when the run was interrupted (the rest is done by running it again).
    notes : list of str
        What a reviewer should know about the run (a worker that died, an earlier run
        that was interrupted).
    """

    out_dir: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    analysed: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    total: int = 0
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return not self.failures


class BatchInterrupted(KeyboardInterrupt):
    """The batch was interrupted (Ctrl-C); ``summary`` says what was finished.

    The tables and ``run.json`` are written before this is raised; running the same batch
    again analyses the rest.
    """

    def __init__(self, summary: BatchSummary) -> None:
        super().__init__(
            f"interrupted: {summary.analysed + summary.skipped} of {summary.total} done"
        )
        self.summary = summary


def task_key(
    task: BatchTask, sha256: str, config_hash: str, *, masks_sha256: str | None = None
) -> str:
    """The run key of a task: what decides its result (content, configuration, task).

    Two runs of an input with the same key give the same result, so a re-run skips it;
    anything else (another pixel size, view, sample or film direction from a manifest or
    pattern, another configuration, changed bytes) redoes it. A task with corrected masks
    (``semscan analyze --masks``) is keyed by the label TIFF's content, ``masks_sha256``
    (read from ``task.masks`` when not given), not its path: an edited mask is measured
    again, an unchanged one skipped wherever it lies.

    Examples
    --------
    >>> a = task_key(BatchTask("a.tif", pixel_size_um=0.01), "ab" * 32, "c1")
    >>> a == task_key(BatchTask("a.tif", pixel_size_um=0.02), "ab" * 32, "c1")
    False
    >>> m = task_key(BatchTask("a.tif", masks="m/a.tif"), "ab" * 32, "c1", masks_sha256="0f")
    >>> m == task_key(BatchTask("a.tif", masks="n/a.tif"), "ab" * 32, "c1", masks_sha256="0f")
    True
    """
    options = task.analysis_options()
    if options.get("masks") is not None:
        options["masks"] = {"sha256": masks_sha256 or file_sha256(str(options["masks"]))}
    text = json.dumps(
        {"sha256": sha256, "config_hash": config_hash, "task": options},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def run_batch(
    tasks: Sequence[BatchTask],
    *,
    out_dir: str | Path,
    config: AnalysisConfig | None = None,
    jobs: int = 1,
    force: bool = False,
    fail_fast: bool = False,
    save_masks: bool = False,
    overlays: bool = True,
    on_item: Callable[[BatchItem, int, int], None] | None = None,
    argv: list[str] | None = None,
    wait: bool = True,
    on_message: Callable[[str], None] | None = None,
    executor: Callable[..., Iterator[BatchItem]] | None = None,
) -> BatchSummary:
    """Analyse ``tasks`` into ``out_dir``.

    Parameters
    ----------
    tasks : sequence of BatchTask
        Files with what is known about them.
    out_dir : path
        Output folder (created). Records of earlier runs stay; the tables hold every
        input path ever analysed into the folder (its latest outcome).
    config : AnalysisConfig, optional
        Options for every file.
    jobs : int
        Worker processes (always at least one: no image is analysed in this process).
    force : bool
        Re-analyse images already done with the same run key (:func:`task_key`).
    fail_fast : bool
        Stop at the first failure.
    save_masks, overlays : bool
        Which per-image files to write.
    on_item : callable, optional
        ``on_item(item, done_count, total)`` after each file (progress display).
    argv : list of str, optional
        The command line, recorded in ``run.json``.
    wait : bool
        When another run writes into ``out_dir``, wait for it (default) or raise
        :class:`~semscan.report.lock.FolderBusyError`.
    on_message : callable, optional
        ``on_message(text)`` for what the user should know before or between images
        ("waiting for the run in PID ... to finish", an interrupted earlier run).
    executor : callable, optional
        What analyses the images instead of local worker processes (``jobs`` is then
        unused): ``executor(tasks, config=, on_result=, fail_fast=, models=)`` yielding a
        :class:`~semscan.pipeline.BatchItem` per task, as
        :func:`semscan.distributed.distributed_executor` does on a Dask cluster.

    Returns
    -------
    BatchSummary

    Raises
    ------
    ModelError
        If a model named by the configuration cannot be loaded (nothing is analysed).
    FolderBusyError
        With ``wait=False``, when another run holds the folder.
    BatchInterrupted
        On Ctrl-C (a ``KeyboardInterrupt``), after the tables and ``run.json`` are written.
    """
    cfg = config or AnalysisConfig()
    models = load_models(cfg)  # a missing or foreign model file fails here, before any image
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with FolderLock(out, wait=wait, on_wait=on_message):
        return _run_locked(
            list(tasks), out, cfg, models, jobs=jobs, force=force, fail_fast=fail_fast,
            save_masks=save_masks, overlays=overlays, on_item=on_item, argv=argv,
            on_message=on_message, executor=executor,
        )


def _run_locked(
    tasks: list[BatchTask],
    out: Path,
    cfg: AnalysisConfig,
    models: dict[str, Any],
    *,
    jobs: int,
    force: bool,
    fail_fast: bool,
    save_masks: bool,
    overlays: bool,
    on_item: Callable[[BatchItem, int, int], None] | None,
    argv: list[str] | None,
    on_message: Callable[[str], None] | None,
    executor: Callable[..., Iterator[BatchItem]] | None = None,
) -> BatchSummary:
    started = time.time()
    notes: list[str] = []
    previous = read_run_json(out)
    if previous is not None and previous.get("status") in ("running", "interrupted"):
        # We hold the lock, so a "running" run is dead: it was killed before it finished.
        notes.append(
            f"the previous run into this folder (PID {previous.get('pid', '?')}, started "
            f"{previous.get('started', '?')}) was interrupted; its finished images are kept"
        )
    if remove_stale_temporaries(out):
        log.info("removed temporary files left by an interrupted run")
    chash = cfg.hash()
    latest, stem_owner = scan_records(out)

    inputs: list[dict[str, Any]] = []
    todo: list[BatchTask] = []
    plan: dict[str, dict[str, Any]] = {}
    failures: list[tuple[str, str]] = []
    seen: set[str] = set()
    skipped = 0
    for task in tasks:
        where = os.path.abspath(task.path)
        if where in seen:  # the same file named twice: one input
            continue
        seen.add(where)
        entry: dict[str, Any] = {"file": task.path}
        try:
            sha = file_sha256(task.path)
            masks_sha = None if task.masks is None else file_sha256(task.masks)
        except OSError as exc:
            error = f"ImageFormatError: cannot read {exc.filename or task.path}: {exc}"
            failures.append((task.path, error))
            write_failure_record(out, file=task.path, sha256=None, key=None, error=error)
            entry.update(sha256=None, status="failed", error=error)
            inputs.append(entry)
            continue
        key = task_key(task, sha, chash, masks_sha256=masks_sha)
        entry.update(sha256=sha, task_key=key)
        rec = latest.get(where)
        if not force and rec is not None and rec.kind == "result" and rec.key == key:
            entry["status"] = "skipped (already done)"
            skipped += 1
        else:
            stem = image_stem(task.path, sha)
            if stem_owner.get(stem, where) != where:  # same name and content, another path
                stem = f"{stem}-{path_digest(where)[:6]}"
            stem_owner[stem] = where
            plan[task.path] = {
                "stem": stem, "input": where, "key": key, "sha256": sha, "task": asdict(task)
            }
            entry["status"] = "pending"
            todo.append(task)
        inputs.append(entry)
    for note in notes:
        log.warning("%s", note)
        if on_message is not None:
            on_message(note)
    write_run_json(out, config=cfg, inputs=inputs, status="running", started=started, argv=argv)
    log.info("%d inputs: %d to analyse, %d already done", len(inputs), len(todo), skipped)

    writer = ImageOutputWriter(out, save_masks=save_masks, overlays=overlays, plan=plan)
    total = len(todo)
    analysed = 0
    last_tables, tables_s = time.monotonic(), 0.0  # when and how long results.csv took
    status_of: dict[str, str] = {}
    notes_of: dict[str, list[str]] = {}
    finished = False
    interrupt: KeyboardInterrupt | None = None
    import pyarrow.parquet  # noqa: F401  (forked workers inherit it: their chord tables)

    if executor is None:
        items = analyze_batch(
            todo, config=cfg, on_result=writer, jobs=max(1, jobs), fail_fast=fail_fast,
            models=models, isolate=True, on_started=_import_pandas,
        )
    else:
        _import_pandas()
        items = executor(todo, config=cfg, on_result=writer, fail_fast=fail_fast, models=models)
    try:
        for count, item in enumerate(items, start=1):
            planned = plan[item.path]
            for note in item.notes:
                notes.append(note)
                notes_of.setdefault(item.path, []).append(note)
                log.warning("%s", note)
            if item.ok:
                analysed += 1
                status_of[item.path] = "analysed"
                remove_failure_record(out, item.path)
                latest[planned["input"]] = Record(
                    planned["input"], "result", planned["stem"], planned["key"], time.time(),
                    item.value,
                )
                log.info("done %s (%.2f s)", item.path, item.seconds)
            else:
                failures.append((item.path, item.error))
                status_of[item.path] = "failed"
                write_failure_record(
                    out, file=item.path, sha256=planned["sha256"], key=planned["key"],
                    error=item.error,
                )
                log.error("FAILED %s: %s", item.path, item.error)
            if on_item is not None:
                on_item(item, count, total)
            # Keep results.csv current, so an interrupted run leaves complete rows (after
            # the last image, the tables are rebuilt below at once): every 2 s, or 20 times
            # as long as the last rewrite took (a big lot's table grows, and rewriting it
            # must not become what the batch waits on: at most ~5 % of this loop's time,
            # which also dispatches the cluster's work).
            if (item.ok and count < total
                    and time.monotonic() - last_tables > max(2.0, 20 * tables_s)):
                t0 = time.monotonic()
                write_tables(out, _result_rows(latest), parquet=False)
                last_tables = time.monotonic()
                tables_s = last_tables - t0
        finished = True
    except KeyboardInterrupt as exc:
        interrupt = exc
    finally:
        with _deferred_interrupts() as late:
            items.close()  # stops the workers (at once when interrupted)
            # An interrupt can land after an image's JSON is written (in its worker) but
            # before its item reaches this loop; the JSON is the record, so it counts.
            latest = rebuild_tables(out)
            for entry in inputs:
                path = entry["file"]
                if path in status_of:
                    entry["status"] = status_of[path]
                elif entry["status"] == "pending":
                    rec = latest.get(os.path.abspath(path))
                    if rec is not None and rec.kind == "result" and rec.key == entry["task_key"]:
                        entry["status"] = "analysed"
                        analysed += 1
                    else:
                        entry["status"] = "not run"
                if entry["status"] == "failed":
                    entry["error"] = dict(failures).get(path, entry.get("error"))
            for entry in inputs:
                if entry["file"] in notes_of:
                    entry["notes"] = notes_of[entry["file"]]
            write_run_json(
                out,
                config=cfg,
                inputs=inputs,
                status="finished" if finished else "interrupted",
                started=started,
                argv=argv,
            )
        if late and interrupt is None:
            interrupt = KeyboardInterrupt()
    done = {e["file"] for e in inputs if e["status"] in ("analysed", "skipped (already done)")}
    rows = [
        latest[os.path.abspath(t.path)].row
        for t in tasks
        if t.path in done and os.path.abspath(t.path) in latest
    ]
    summary = BatchSummary(
        out, rows, analysed, skipped, failures, time.time() - started, len(inputs),
        interrupt is not None, notes,
    )
    if interrupt is not None:
        raise BatchInterrupted(summary) from interrupt
    return summary


def _import_pandas() -> None:
    """Import pandas, which the tables are written with, while the workers analyse.

    Measured: 0.25 s of CPU. The workers write their chord tables with pyarrow alone
    (:func:`~semscan.report.outputs.write_chord_parquet`), so this runs beside them: a
    one-image run waits for the slower of the two, not for both. So do the modules that
    pandas and pyarrow import on first writing a CSV or Parquet table and reading one
    back (:data:`_TABLE_MODULES`; 0.015 s of CPU that the tables after the last image
    would otherwise wait for); one that a version no longer has is skipped.
    """
    import importlib

    import pandas  # noqa: F401

    for name in _TABLE_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue


# What the first write of the tables imports after pandas (measured: rebuild_tables of a
# one-image folder, pandas 3.1, pyarrow 26): CSV writing, the chord tables read back
# (pyarrow.dataset) and frames converted to Arrow, and the CSV files' encoding.
_TABLE_MODULES = ("pandas.io.formats.csvs", "pandas.core.arrays.arrow.extension_types",
                  "pyarrow.dataset", "pyarrow.pandas_compat", "encodings.utf_8_sig")


@contextmanager
def _deferred_interrupts() -> Iterator[list[int]]:
    """Hold back SIGINT while the tables are written; the list says if one came."""
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)


def _result_rows(latest: dict[str, Record]) -> list[dict[str, Any]]:
    recs = [r for r in latest.values() if r.kind == "result"]
    return [r.row for r in sorted(recs, key=lambda r: (str(r.row.get("file")), r.input))]


def rebuild_tables(out_dir: str | Path) -> dict[str, Record]:
    """Rebuild every table of ``out_dir`` from its records; returns the latest records.

    ``results.csv``/``.parquet``, ``chords.parquet`` and ``samples.csv`` hold every input
    path whose latest record is a result, ``failures.csv`` every one whose latest record
    is a failure, sorted by file name. Hold the folder's lock when calling it.
    """
    out = Path(out_dir)
    latest, _ = scan_records(out)
    results = sorted(
        (r for r in latest.values() if r.kind == "result"),
        key=lambda r: (str(r.row.get("file")), r.input),
    )
    if results:
        write_tables(out, [r.row for r in results])
        merge_chords(out, [r.name for r in results])
        merge_whiskers(out, [r.name for r in results])
        write_samples(out, [{"row": r.row, "sample_pool": r.sample_pool} for r in results])
        write_layer_tables(out, [{"row": r.row, "layers": r.layers} for r in results])
    else:
        for name in ("results.csv", "results.parquet", "chords.parquet", "samples.csv",
                     "whiskers.csv", "layers.csv", "shutdown.csv"):
            (out / name).unlink(missing_ok=True)
    fails = sorted(
        (r for r in latest.values() if r.kind == "failure"),
        key=lambda r: (str(r.row.get("file")), r.input),
    )
    write_failures(out, [(str(r.row["file"]), str(r.row["error"])) for r in fails])
    return latest


def write_samples(out: Path, details: list[dict[str, Any]]) -> None:
    """Write ``samples.csv`` (one row per sample, with the ratio R where both views exist)."""
    import pandas as pd  # heavy: imported only when a table is written

    atomic_write(
        out / "samples.csv",
        pd.DataFrame(sample_rows(details)).to_csv(index=False),
        encoding=CSV_ENCODING,
    )
