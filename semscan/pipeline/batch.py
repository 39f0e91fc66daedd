"""Many files in worker processes: :func:`analyze_batch` and its :class:`BatchItem`.

One bad file never stops the others: its error is returned in its :class:`BatchItem`, and
a worker that dies (out of memory, a crash in a compiled library) costs only its file
(:mod:`semscan._workers`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import cv2

from semscan._workers import WorkerDeath, run_isolated
from semscan.config import AnalysisConfig
from semscan.errors import SemscanError
from semscan.io.tasks import BatchTask
from semscan.pipeline.analyze import analyze_path
from semscan.pipeline.models import Models, load_models
from semscan.pipeline.result import ImageResult

__all__ = ["BatchItem", "analyze_batch"]

# The package's logger: what a batch logs reads "semscan.pipeline" in semscan.log.
log = logging.getLogger("semscan.pipeline")


T = TypeVar("T")


@dataclass(frozen=True)
class BatchItem(Generic[T]):
    """The outcome of one file of a batch (``T``: what ``on_result`` returns).

    Attributes
    ----------
    path : str
        The input file.
    value : object
        What the ``on_result`` callback returned for it (None on failure).
    error : str
        ``'<ErrorType>: <message>'`` when the file failed, else ''.
    seconds : float
        Wall time spent on the file.
    notes : tuple of str
        What happened on the way (e.g. a worker that died and the retry that followed).
    """

    path: str
    value: T | None = None
    error: str = ""
    seconds: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the file was analysed."""
        return not self.error


def _row_of(result: ImageResult) -> dict[str, Any]:
    return result.to_row()


def _single_threaded_opencv() -> None:
    """One OpenCV thread per worker: ``jobs`` workers already use ``jobs`` cores."""
    if cv2.getNumThreads() != 1:  # forked workers already have 1 (semscan._workers)
        cv2.setNumThreads(1)


@dataclass(frozen=True, eq=False)
class _Worker:
    """What every file of a batch is analysed with: its state, explicit and read-only.

    Built once by :func:`analyze_batch`; its bound :meth:`run` is the task function of
    :func:`semscan._workers.run_isolated`, so each worker process holds its own copy
    (inherited when forked, pickled when spawned).
    """

    config: AnalysisConfig
    on_result: Callable[[ImageResult], Any]
    models: Models

    def run(self, task: BatchTask) -> BatchItem:
        """Analyse one task; an error becomes the item's ``error``, never an exception."""
        t0 = time.perf_counter()
        try:
            result = analyze_path(
                task.path, config=self.config, models=self.models, **task.analysis_options()
            )
            value = self.on_result(result)
        except (SemscanError, OSError, ValueError, RuntimeError, MemoryError) as exc:
            log.debug("failed on %s:\n%s", task.path, traceback.format_exc())
            return BatchItem(
                task.path, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0
            )
        except Exception as exc:
            log.error("unexpected error on %s:\n%s", task.path, traceback.format_exc())
            return BatchItem(
                task.path,
                None,
                f"internal error {type(exc).__name__}: {exc}",
                time.perf_counter() - t0,
            )
        return BatchItem(task.path, value, "", time.perf_counter() - t0)


def analyze_batch(
    tasks: Iterable[BatchTask | str | os.PathLike[str]],
    *,
    config: AnalysisConfig | None = None,
    on_result: Callable[[ImageResult], Any] | None = None,
    jobs: int = 1,
    fail_fast: bool = False,
    models: Models | None = None,
    isolate: bool | None = None,
    on_started: Callable[[], None] | None = None,
) -> Iterator[BatchItem]:
    """Analyse many files, yielding one :class:`BatchItem` per file as each finishes.

    Parameters
    ----------
    tasks : iterable of BatchTask or path
        The files (with their view / sample / pixel size when known).
    config : AnalysisConfig, optional
        Options for every file.
    on_result : callable, optional
        Called in the worker with each :class:`ImageResult`; what it returns is the
        item's ``value`` (default: the result's row). It must be a picklable top-level
        function when ``jobs > 1``; use it to write per-image outputs in parallel.
    jobs : int
        Worker processes. Results do not depend on ``jobs``.
    fail_fast : bool
        Stop at the first failure (files not started are not analysed).
    models : Models, optional
        Models already loaded by :func:`~semscan.pipeline.models.load_models`, handed to
        every worker (else they are loaded here, once, before the first file). Loading
        them first is how a caller checks a model file before any image is analysed.
    isolate : bool, optional
        Run every file in a worker process (default: when ``jobs > 1``; ``jobs=1`` without
        isolation runs in this process). In worker processes, a worker that dies (killed by
        the out-of-memory killer, a crash in a compiled library) costs only its file: the
        worker is replaced, the other files go on, and the file is retried once alone (no
        other file in flight); if it kills its worker again it fails with a
        ``'WorkerDied: ...'`` error naming it. Workers never outlive this process (see
        :mod:`semscan._workers`).
    on_started : callable, optional
        Called once in this process when the work has started (in worker processes: as
        soon as they have their first files), e.g. to import what the results will need
        while the workers analyse.

    Yields
    ------
    BatchItem
        In completion order (with ``jobs=1``, in input order).
    """
    cfg = config or AnalysisConfig()
    callback = on_result or _row_of
    items = [t if isinstance(t, BatchTask) else BatchTask(str(t)) for t in tasks]
    if isolate is None:
        isolate = jobs > 1
    worker = _Worker(cfg, callback, models if models is not None else load_models(cfg))
    if not isolate:
        _single_threaded_opencv()
        if on_started is not None:
            on_started()
        for task in items:
            item = worker.run(task)
            yield item
            if fail_fast and not item.ok:
                return
        return
    notes: dict[str, str] = {}
    for outcome in run_isolated(
        items,
        worker.run,
        jobs=jobs,
        initializer=_single_threaded_opencv,
        stop=(lambda o: isinstance(o, BatchItem) and not o.ok) if fail_fast else None,
        on_started=on_started,
    ):
        if isinstance(outcome, WorkerDeath):
            path = outcome.task.path
            if not outcome.again:
                notes[path] = (
                    f"the worker died ({outcome.how}) while analysing {path} after "
                    f"{outcome.seconds:.1f} s: probably out of memory; it is retried alone once"
                )
                log.warning("%s", notes[path])
                continue
            item = BatchItem(
                path,
                None,
                f"WorkerDied: the worker died ({outcome.how}) while analysing {path}, twice "
                "(the second time alone): probably out of memory (a huge or decompression-bomb "
                "image?); check the file, or free memory and rerun",
                outcome.seconds,
                (notes.pop(path, ""),),
            )
            if fail_fast:
                yield item
                return
        else:
            item = outcome
            if item.path in notes:
                item = dataclasses.replace(
                    item, notes=(*item.notes, notes.pop(item.path) + ": retried alone, "
                                 + ("it succeeded" if item.ok else "it failed")),
                )
        yield item
