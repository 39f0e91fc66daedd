"""Run a batch into an output folder: skip what is done, isolate failures, write tables.

:func:`run_batch` is what ``semscan analyze`` does, without any printing: progress is
reported through a callback, so the CLI, napari or a notebook can show it their way.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from semscan.config import AnalysisConfig
from semscan.pipeline import BatchItem, BatchTask, analyze_batch, file_sha256, load_models
from semscan.report.outputs import (
    ImageOutputWriter,
    done_images,
    image_stem,
    merge_chords,
    read_image_json,
    write_failures,
    write_run_json,
    write_tables,
)

__all__ = ["BatchSummary", "run_batch"]

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
    """

    out_dir: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    analysed: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no file failed."""
        return not self.failures


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
) -> BatchSummary:
    """Analyse ``tasks`` into ``out_dir``.

    Parameters
    ----------
    tasks : sequence of BatchTask
        Files with what is known about them.
    out_dir : path
        Output folder (created). Results of earlier runs stay intact.
    config : AnalysisConfig, optional
        Options for every file.
    jobs : int
        Worker processes.
    force : bool
        Re-analyse images already done with the same sha256 and configuration.
    fail_fast : bool
        Stop at the first failure.
    save_masks, overlays : bool
        Which per-image files to write.
    on_item : callable, optional
        ``on_item(item, done_count, total)`` after each file (progress display).
    argv : list of str, optional
        The command line, recorded in ``run.json``.

    Returns
    -------
    BatchSummary

    Raises
    ------
    ModelError
        If a model named by the configuration cannot be loaded (nothing is analysed).
    """
    cfg = config or AnalysisConfig()
    models = load_models(cfg)  # a missing or foreign model file fails here, before any image
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    chash = cfg.hash()
    done = {} if force else done_images(out, chash)

    inputs: list[dict[str, Any]] = []
    todo: list[BatchTask] = []
    rows_by_path: dict[str, dict[str, Any]] = {}
    failures: list[tuple[str, str]] = []
    skipped = 0
    for task in tasks:
        entry: dict[str, Any] = {"file": task.path}
        try:
            sha = file_sha256(task.path)
        except OSError as exc:
            failures.append((task.path, f"ImageFormatError: cannot read {task.path}: {exc}"))
            entry.update(sha256=None, status="failed", error=failures[-1][1])
            inputs.append(entry)
            continue
        entry["sha256"] = sha
        if sha in done:
            entry["status"] = "skipped (already done)"
            rows_by_path[task.path] = done[sha]
            skipped += 1
        else:
            entry["status"] = "pending"
            todo.append(task)
        inputs.append(entry)
    write_run_json(out, config=cfg, inputs=inputs, status="running", started=started, argv=argv)
    log.info("%d inputs: %d to analyse, %d already done", len(inputs), len(todo), skipped)

    writer = ImageOutputWriter(out, save_masks=save_masks, overlays=overlays)
    order = {t.path: i for i, t in enumerate(tasks)}
    total = len(todo)
    analysed = 0
    last_tables = time.monotonic()
    status_of: dict[str, str] = {}
    finished = False
    try:
        for count, item in enumerate(
            analyze_batch(
                todo, config=cfg, on_result=writer, jobs=jobs, fail_fast=fail_fast, models=models
            ),
            start=1,
        ):
            if item.ok:
                analysed += 1
                rows_by_path[item.path] = item.value
                status_of[item.path] = "analysed"
                log.info("done %s (%.2f s)", item.path, item.seconds)
            else:
                failures.append((item.path, item.error))
                status_of[item.path] = "failed"
                log.error("FAILED %s: %s", item.path, item.error)
            if on_item is not None:
                on_item(item, count, total)
            # Keep results.csv current, so an interrupted run leaves complete rows.
            if item.ok and time.monotonic() - last_tables > 2.0:
                write_tables(out, _ordered(rows_by_path, order), parquet=False)
                last_tables = time.monotonic()
        finished = True
    finally:
        if not finished:
            # An interrupt can land after an image's JSON is written (inside
            # analyze_batch) but before its row reaches this loop; the JSON is the record,
            # so the tables take its row too and agree with images/ (as a resume would).
            written = done_images(out, chash)
            for entry in inputs:
                sha, path = entry.get("sha256"), entry["file"]
                if path not in rows_by_path and sha in written:
                    rows_by_path[path] = written[sha]
                    status_of[path] = "analysed"
                    analysed += 1
        rows = _ordered(rows_by_path, order)
        if rows:
            write_tables(out, rows)
            stems = [r.get("output_stem") or image_stem(r["file"], r["sha256"]) for r in rows]
            merge_chords(out, stems)
            write_samples(out, [d for d in (read_image_json(out, s) for s in stems) if d])
        write_failures(out, failures)
        errors = dict(failures)
        for entry in inputs:
            path = entry["file"]
            if path in status_of:
                entry["status"] = status_of[path]
            elif entry["status"] == "pending":
                entry["status"] = "not run"
            if path in errors:
                entry["error"] = errors[path]
        write_run_json(
            out,
            config=cfg,
            inputs=inputs,
            status="finished" if finished else "interrupted",
            started=started,
            argv=argv,
        )
    return BatchSummary(out, rows, analysed, skipped, failures, time.time() - started)


def write_samples(out: Path, details: list[dict[str, Any]]) -> None:
    """Write ``samples.csv`` (one row per sample, with the ratio R where both views exist)."""
    import pandas as pd

    from semscan.report.outputs import atomic_write
    from semscan.report.samples import sample_rows

    atomic_write(out / "samples.csv", pd.DataFrame(sample_rows(details)).to_csv(index=False))


def _ordered(rows_by_path: dict[str, dict[str, Any]], order: dict[str, int]) -> list[dict]:
    return [rows_by_path[p] for p in sorted(rows_by_path, key=lambda p: order.get(p, 0))]
