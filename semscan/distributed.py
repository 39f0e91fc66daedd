"""Batches on a Dask distributed cluster: one task per image, the same outputs as local runs.

:func:`analyze_distributed` is :func:`semscan.pipeline.analyze_batch` with the work done by
the workers of a Dask cluster instead of local processes; :func:`distributed_executor` plugs
it into :func:`semscan.report.batch.run_batch`, so the output folder, run keys (resume),
``failures.csv`` and the folder lock are those of a local run, and the results are
identical to ``--jobs 1``.

Workers read the images from the shared path named by the client (a network file system
seen under the same path by every worker), or, with ``upload=True``, the client sends each
image's bytes (and its sidecar metadata files) and writes the outputs itself.

A worker that dies while analysing an image (out of memory, a crash in a compiled library,
``kill -9``) is survived: the scheduler reports which tasks were processing on it; the images
it was analysing are retried once *alone* (no other image in flight), and one that kills its
worker again fails by name with a ``'WorkerDied: ...'`` error. Images only queued on it (not
started) are resubmitted as usual. Images in flight on other workers go on.

Every task claims its start once, through a one-token ``distributed.Queue`` named after its
key: the scheduler itself reruns the tasks of a dead worker elsewhere at once (up to
``distributed.scheduler.allowed-failures`` times, before the client can cancel them), and
without the claim such a rerun of a poison image would kill a second worker, with the
innocent images queued on it, while the client retries them alone. A claim is one atomic
``get`` of the token on the scheduler (one round trip over the worker's own connection to
it; no client on the worker), and nothing is put back: a rerun that finds the token gone
(or the queue released by the client) returns without analysing anything. When a worker
dies, the client takes the token of each task that was processing there, also in one
atomic ``get``: a task whose token it gets never started (it was only queued there) and
is resubmitted; one whose token is gone had started, and its outcome says where: a rerun
that found it started, a cancellation (its uploaded bytes lost with the worker) or
``KilledWorker`` make it a suspect, retried alone; a result means the scheduler's rerun
claimed it first, on a live worker. Nothing is decided by a timeout, so no interleaving
takes an innocent image for a suspect or retries a suspect beside another image.

Throughput: two tasks are in flight per worker thread, so a worker's next image waits on
the cluster, not on a round trip to the client; the configuration, models and output
writer are given to every worker once, by a worker plugin (also to workers that join
later), not sent with the tasks; and every worker undoes the nanny's
``MALLOC_TRIM_THRESHOLD_=65536``, which doubled the CPU per image
(:func:`semscan._dask_plugin.heap_for_images`). The client sleeps on a local queue that
each task's done callback and each death report wake (no polling of the cluster), and
the CPU of the client and the scheduler, which share the cores with the workers of a
LocalCluster, is per task a claim queue created (one call for all the tasks submitted
together) and released, the task, and its outcome fetched.

An I/O error (a network file system hiccup: a read that failed, a file the worker does
not see) is retried once, on any worker; a deterministic error (a file that cannot be
decoded, a bad configuration) fails at once.

dask and distributed are imported only here, and only when a cluster is used
(``pip install "semscan[dask]"``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import tempfile
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from semscan.config import AnalysisConfig
from semscan.errors import ConfigError, SemscanError
from semscan.io.sidecars import find_sidecars
from semscan.io.tasks import BatchTask
from semscan.pipeline import BatchItem, analyze_path, load_models

__all__ = ["analyze_distributed", "connect", "distributed_executor", "parse_scheduler"]

log = logging.getLogger(__name__)

POLL_S = 0.2  # how often the client looks at its state when no task finished, none died
IN_FLIGHT = 2  # tasks in flight per worker thread: the next one waits on the cluster
THREADS_EVERY_S = 5.0  # how often the client counts the cluster's threads (and at deaths)
MAX_LOST = 3  # times a task lost with a dying worker's data (not run on it) is resubmitted

# What a LocalCluster (``--scheduler local[:N]``) runs beside the tasks, on the same cores.
# Every periodic callback of the scheduler, the nannies (both in this process) and the
# workers takes CPU from the analysis, and on a machine with a core per worker each wake-up
# preempts an image. Measured on an idle 2-worker cluster (CPU per s of wall, this process
# / each worker, from /proc/<pid>/task/*/stat over 10 s; 2 cores, 10 ms clock ticks):
# - the workers' sampling profiler (for the dashboard, which is not shown): 3.0 % of a core
#   beside every task against 2.1 % without it;
# - the event loop health check of every server runs every 20 ms by default, only to log a
#   loop blocked for over 3 s: every 1 s it still does (37.5 / 17.5 -> 20.5 / 8.5 ms/s);
# - the workers' memory monitor (10 times a second) serves spilling and pausing only: a
#   task here holds nothing between tasks (its outcome is fetched and released at once),
#   so there is nothing to spill, and pausing would delay only the next image of a worker
#   whose memory the running image holds. Disabled: workers 7.5 -> 3-5 ms/s. The nannies'
#   monitor, which terminates a worker above 95 % of its memory limit, stays, every 0.5 s
#   instead of 0.1 s (the kernel's out-of-memory killer is the other guard; a death is
#   survived either way, see the module docstring);
# - the system monitor of every server (CPU, memory, disk and network counters for the
#   dashboard and the heartbeats) every 2 s instead of 0.5 s, without disk counters.
# All together: 19.5 / 7.5 -> 10 / 3 and 8 / 2.5 ms/s (two runs; the defaults 19-20 / 7-9
# in three, load 4.1-4.9).
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.target": False,
    "distributed.worker.memory.spill": False,
    "distributed.worker.memory.pause": False,
    "distributed.worker.memory.monitor-interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.disk": False,
}


def parse_scheduler(text: str) -> tuple[str, int | None]:
    """What ``--scheduler`` names: ``('local', n)`` for a LocalCluster, else ``(address, None)``.

    Examples
    --------
    >>> parse_scheduler("local:2"), parse_scheduler("local")
    (('local', 2), ('local', None))
    >>> parse_scheduler("tcp://10.0.0.5:8786")
    ('tcp://10.0.0.5:8786', None)
    """
    spec = text.strip()
    if spec == "local" or spec.startswith("local:"):
        n_text = spec.partition(":")[2]
        if not n_text:
            return "local", None
        if not n_text.isdigit() or int(n_text) < 1:
            raise ConfigError(
                f"--scheduler {text!r}: expected local:N with N a number of workers >= 1 "
                "(e.g. local:4), local (one worker per core) or a scheduler address "
                "tcp://HOST:8786"
            )
        return "local", int(n_text)
    if "://" not in spec and ":" not in spec:
        raise ConfigError(
            f"--scheduler {text!r} is not a scheduler address: expected tcp://HOST:PORT "
            "(as printed by `dask scheduler`), or local[:N] to start N local workers"
        )
    return spec, None


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ConfigError(
            f"--scheduler needs Dask distributed, which is not installed ({exc}); install "
            'it with: pip install "semscan[dask]"'
        ) from exc
    return distributed


@contextmanager
def connect(scheduler: str, *, timeout_s: float = 30.0) -> Iterator[Any]:
    """A ``distributed.Client`` for ``--scheduler`` (closed, with its LocalCluster, after).

    ``local[:N]`` starts a LocalCluster of N worker processes (default: one per core) with
    one thread each; anything else is the address of a running scheduler.

    Raises
    ------
    ConfigError
        If the text is not a scheduler, distributed is missing, or the scheduler cannot
        be reached within ``timeout_s``.
    """
    address, n = parse_scheduler(scheduler)
    distributed = _import_distributed()
    cluster = None
    if address == "local":
        import dask

        with dask.config.set(LOCAL_CLUSTER_CONFIG):
            cluster = distributed.LocalCluster(
                n_workers=n or (os.cpu_count() or 1), threads_per_worker=1, processes=True,
                # any free port: with None the scheduler still binds 8787, which another
                # cluster on the machine may hold ("Port 8787 is already in use")
                dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
            )
        client = distributed.Client(cluster)
    else:
        try:
            client = distributed.Client(address, timeout=timeout_s)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc}); start "
                "one with `dask scheduler` and workers with `dask worker "
                f"{address}`, or use --scheduler local:N"
            ) from exc
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------- on the worker
@dataclass(frozen=True, eq=False)
class _State:
    """What every task is analysed with (sent to each worker once)."""

    config: AnalysisConfig
    models: Any
    on_result: Callable[[Any], Any] | None  # None: the result goes back to the client


@dataclass(frozen=True)
class _Outcome:
    item: BatchItem
    result: Any = None  # the ImageResult, when the client writes the outputs
    io_error: bool = False  # an I/O error, worth one retry
    rerun: bool = False  # a rerun by the scheduler of a task started before: not analysed


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _analyze_uploaded(task: BatchTask, files: dict[str, bytes], state: _State,
                      folder: str) -> Any:
    """Analyse an image sent by the client: its bytes and sidecars under their own names."""
    options = task.analysis_options()  # the sample is named on the client (_upload_files)
    for name, data in files.items():
        Path(folder, name).write_bytes(data)
    result = analyze_path(
        Path(folder, Path(task.path).name), config=state.config, models=state.models,
        **options,
    )
    micrograph = dataclasses.replace(result.micrograph, path=task.path)
    return dataclasses.replace(result, micrograph=micrograph)


def _run_task(task: BatchTask, files: dict[str, bytes] | None, token: str,
              claim: str | None = None) -> _Outcome:
    """One image on a worker; an error becomes the item's ``error``, never an exception.

    ``token`` names the batch's state (given to the worker once by its plugin);
    ``claim`` names the task's claim queue: a task that does not find the fresh token
    there (a rerun after its first start, or one the client revoked) does nothing.
    """
    import cv2

    from semscan import _dask_plugin

    if claim is not None and not _dask_plugin.claim_start(claim):
        return _Outcome(BatchItem(task.path, None, "", 0.0), rerun=True)
    state = _dask_plugin.STATES.get(token)
    if state is None:  # never: the scheduler gives the plugin to a worker before any task
        return _Outcome(BatchItem(task.path, None, "internal error: this worker has not "
                                  "received the batch's state (its plugin); rerun", 0.0))
    if cv2.getNumThreads() != 1:  # one thread per task: the cluster has one task per core
        cv2.setNumThreads(1)
    if files is None:
        return _run_on(task, None, state, "")
    with tempfile.TemporaryDirectory(prefix="semscan-upload-") as folder:
        return _run_on(task, files, state, folder)


def _run_on(task: BatchTask, files: dict[str, bytes] | None, state: _State,
            folder: str) -> _Outcome:
    t0 = time.perf_counter()

    def failed(exc: BaseException, prefix: str = "", io_error: bool = False) -> _Outcome:
        text = prefix + _error_text(exc)
        if folder:  # name the client's file, not the worker's copy
            text = text.replace(str(Path(folder, Path(task.path).name)), task.path)
        return _Outcome(BatchItem(task.path, None, text, time.perf_counter() - t0), None,
                        io_error)

    try:
        if files is None:
            result = analyze_path(
                task.path, config=state.config, models=state.models,
                **task.analysis_options(),
            )
        else:
            result = _analyze_uploaded(task, files, state, folder)
        if state.on_result is None:
            return _Outcome(BatchItem(task.path, None, "", time.perf_counter() - t0), result)
        value = state.on_result(result)
    except OSError as exc:  # reading or writing failed: maybe not the file's fault
        log.debug("failed on %s:\n%s", task.path, traceback.format_exc())
        io_error = _is_io_error(exc) or (files is None and not os.path.exists(task.path))
        return failed(exc, io_error=io_error)
    except SemscanError as exc:  # deterministic: the file, the configuration
        log.debug("failed on %s:\n%s", task.path, traceback.format_exc())
        return failed(exc)
    except (ValueError, RuntimeError, MemoryError) as exc:
        log.debug("failed on %s:\n%s", task.path, traceback.format_exc())
        return failed(exc)
    except Exception as exc:
        log.error("unexpected error on %s:\n%s", task.path, traceback.format_exc())
        return failed(exc, "internal error ")
    return _Outcome(BatchItem(task.path, value, "", time.perf_counter() - t0))


def _is_io_error(exc: OSError) -> bool:
    """True for an error of the storage (worth a retry), not of the file's content.

    Examples
    --------
    >>> from semscan.errors import ImageFormatError
    >>> _is_io_error(TimeoutError()), _is_io_error(ImageFormatError("not a TIFF"))
    (True, False)
    """
    if isinstance(exc, SemscanError):  # e.g. ImageFormatError: the bytes, unless caused by I/O
        cause = exc.__cause__
        return isinstance(cause, OSError) and not isinstance(cause, SemscanError)
    return True


def _upload_files(task: BatchTask) -> dict[str, bytes]:
    """The image's bytes and its sidecar files', by file name (read on the client)."""
    path = Path(task.path)
    files = {path.name: path.read_bytes()}
    for sidecar in find_sidecars(path):
        files[sidecar.name] = sidecar.read_bytes()
    return files


# --------------------------------------------------------------------- on the client
@dataclass
class _Running:
    task: BatchTask
    key: str
    solo: bool
    started: float
    payload: Any = None  # the scattered upload, released when done
    claim: str | None = None  # its claim queue (_dask_plugin.claim_start), released when done
    died_on: str | None = None  # a dead worker it was processing on, when it had started


def analyze_distributed(
    tasks: Iterable[BatchTask | str | os.PathLike[str]],
    *,
    client: Any,
    config: AnalysisConfig | None = None,
    on_result: Callable[[Any], Any] | None = None,
    fail_fast: bool = False,
    models: Any = None,
    upload: bool = False,
) -> Iterator[BatchItem]:
    """Analyse many files on a Dask cluster, yielding a :class:`BatchItem` as each finishes.

    Parameters
    ----------
    tasks : iterable of BatchTask or path
        The files.
    client : distributed.Client
        Connected to the cluster (see :func:`connect`).
    config : AnalysisConfig, optional
        Options for every file.
    on_result : callable, optional
        Called with each :class:`~semscan.pipeline.ImageResult`; its return value is the
        item's ``value`` (default: the result's row). It runs on the worker, or on the
        client when ``upload`` (the workers need not see the client's files).
    fail_fast : bool
        Stop at the first failure.
    models : Models, optional
        Loaded models (else loaded here), sent once to every worker.
    upload : bool
        Send the image bytes from the client instead of workers reading the path.

    Yields
    ------
    BatchItem
        In completion order. A file whose worker died twice (the second time alone) has
        a ``'WorkerDied: ...'`` error; one retried has a note saying so.
    """
    distributed = _import_distributed()
    from semscan._dask_plugin import StatePlugin, new_claims, release_claim, take_token

    cfg = config or AnalysisConfig()
    callback = on_result or _row_of
    pending = deque(t if isinstance(t, BatchTask) else BatchTask(str(t)) for t in tasks)
    if not pending:
        return
    state = _State(cfg, models if models is not None else load_models(cfg),
                   None if upload else callback)
    # Given to every worker once (and to every worker that joins later) by a plugin; the
    # models make it large (15.6 MiB with the default model).
    token = f"semscan-state-{uuid.uuid4().hex}"
    client.register_plugin(StatePlugin(token, state), name=token)
    deaths: queue.Queue[Any] = queue.Queue()
    # What wakes the client: a finished task (its done callback) or a death. It waits on
    # this local queue, not on the cluster (a wait on the futures was a call into the
    # event loop 5 times a second).
    wake: queue.Queue[Any] = queue.Queue()

    def on_event(event: Any) -> None:
        msg = event[1] if isinstance(event, tuple) else event
        if isinstance(msg, dict) and msg.get("action") == "remove-worker":
            deaths.put(msg)
            wake.put(None)

    client.subscribe_topic("all", on_event)
    running: dict[Any, _Running] = {}  # future -> what it runs
    alone: deque[BatchTask] = deque()  # killed a worker once: retried alone
    killed: dict[str, str] = {}  # path -> note of its first death
    io_retried: set[str] = set()
    lost: dict[str, int] = {}  # path -> times its task was lost with a worker's data
    threads = [0.0, 1]  # when the cluster's threads were counted, and how many

    def window() -> int:
        """Tasks to keep in flight: IN_FLIGHT per worker thread (counted every few s)."""
        if time.monotonic() - threads[0] > THREADS_EVERY_S:
            threads[:] = [time.monotonic(), max(1, sum(client.nthreads().values()))]
        return IN_FLIGHT * int(threads[1])

    def submit(batch: list[BatchTask], solo: bool) -> None:
        """Submit tasks, their claim queues created first (one call to the scheduler)."""
        keys = [f"semscan-{Path(task.path).name}-{uuid.uuid4().hex[:12]}" for task in batch]
        client.sync(new_claims, client.scheduler, [f"{key}-claim" for key in keys])
        for i, (task, key) in enumerate(zip(batch, keys, strict=True)):
            payload, sent = None, task
            if upload:
                try:
                    files = _upload_files(task)
                except OSError as exc:
                    for unsent in keys[i:]:
                        release_claim(client, f"{unsent}-claim")
                    pending.extendleft(reversed(batch[i + 1:]))  # not tried yet
                    raise _ClientReadError(task, exc) from exc
                if task.sample is None:  # named by its folder, as analyze_path does, here
                    sent = dataclasses.replace(
                        task, sample=Path(task.path).resolve().parent.name,
                        sample_source=task.sample_source or "folder")
                [payload] = client.scatter([files], hash=False)  # straight to a worker
            future = client.submit(_run_task, sent, payload, token, f"{key}-claim", key=key,
                                   pure=False, retries=0)
            running[future] = _Running(task, key, solo, time.monotonic(), payload,
                                       f"{key}-claim")
            future.add_done_callback(wake.put)

    def finish(future: Any) -> None:
        run = running.pop(future)
        if run.payload is not None:
            run.payload.release()
        if run.claim is not None:
            release_claim(client, run.claim)
        future.release()

    try:
        while pending or alone or running:
            try:
                if any(run.solo for run in running.values()):
                    pass  # one retried alone: nothing else until it is done
                elif alone:
                    if not running:
                        submit([alone.popleft()], True)
                else:
                    free = window() - len(running)
                    if pending and free > 0:
                        submit([pending.popleft() for _ in range(min(free, len(pending)))],
                               False)
            except _ClientReadError as exc:
                item = BatchItem(exc.task.path, None, _error_text(exc.error), 0.0)
                yield item
                if fail_fast:
                    return
                continue
            with suppress(queue.Empty):  # a task finished, a worker died, or POLL_S passed
                wake.get(timeout=POLL_S)
            with suppress(queue.Empty):
                while True:  # what else came meanwhile: it is all looked at below
                    wake.get_nowait()
            # Dead workers first: the scheduler reports a death before it cancels the
            # tasks that lost their data with it, or a rerun of them finishes (one ordered
            # stream to this client): the deaths reported before these tasks were done.
            done = [f for f in running if f.done()]
            while not deaths.empty():
                msg = deaths.get()
                threads[0] = 0.0  # count the threads again
                keys = set(msg.get("processing-tasks") or ())
                dead = msg.get("worker", "?")
                for future, run in list(running.items()):
                    if run.key not in keys or (future.status == "finished"
                                               and not future.result().rerun):
                        continue  # (finished before its worker died)
                    if client.sync(take_token, client.scheduler, run.claim):
                        # never started anywhere, and now never will
                        future.cancel()  # only queued on the dead worker: not a suspect
                        finish(future)
                        pending.appendleft(run.task)
                        continue
                    # It started: on the dead worker (then its outcome below is a rerun
                    # that found it started, a cancellation with its lost upload, or
                    # KilledWorker: a suspect), or on a live worker, by a rerun of the
                    # scheduler that claimed it before us (then its result comes back).
                    # Its outcome decides; nothing is retried alone before it comes.
                    run.died_on = dead
            for future in [f for f in done if f in running]:
                run = running[future]
                died = f"worker {run.died_on or '(unknown)'} died"
                if future.status == "finished":
                    outcome: _Outcome = future.result()
                    finish(future)
                    if outcome.rerun:  # its first start was on a worker that died
                        item = _death(run, killed, alone, died)
                        if item is None:
                            continue
                        yield item
                        if fail_fast:
                            return
                        continue
                    if outcome.io_error and run.task.path not in io_retried:
                        io_retried.add(run.task.path)
                        log.warning("I/O error on %s (%s): retrying it once", run.task.path,
                                    outcome.item.error)
                        pending.appendleft(run.task)
                        continue
                    item = outcome.item
                    if item.ok and upload:
                        item = _write_on_client(item, outcome.result, callback)
                elif future.status == "cancelled" and run.died_on is not None:
                    finish(future)  # started on the worker that died with its uploaded bytes
                    item = _death(run, killed, alone, died)
                    if item is None:
                        continue
                elif future.status == "cancelled" and run.solo is False and lost.get(
                        run.task.path, 0) < MAX_LOST:
                    # its uploaded bytes were on a worker that died: send them again
                    finish(future)
                    lost[run.task.path] = lost.get(run.task.path, 0) + 1
                    pending.appendleft(run.task)
                    continue
                elif future.status == "cancelled":
                    finish(future)
                    item = BatchItem(run.task.path, None, "WorkerDied: its task was lost with "
                                     f"the workers that held its data, {MAX_LOST + 1} times",
                                     time.monotonic() - run.started)
                elif isinstance(future.exception(), distributed.KilledWorker):
                    finish(future)  # the scheduler gave up on it first (allowed-failures)
                    item = _death(run, killed, alone, "killed its workers")
                    if item is None:
                        continue
                else:
                    exc = future.exception()
                    finish(future)
                    item = BatchItem(run.task.path, None, f"internal error {_error_text(exc)}",
                                     time.monotonic() - run.started)
                if run.task.path in killed and item.error[:10] != "WorkerDied":
                    item = dataclasses.replace(item, notes=(*item.notes, killed.pop(
                        run.task.path) + ": retried alone, " + (
                        "it succeeded" if item.ok else "it failed")))
                yield item
                if fail_fast and not item.ok:
                    return
    finally:
        client.unsubscribe_topic("all")
        for future in list(running):
            future.cancel()
            finish(future)
        with suppress(Exception):  # a lost connection must not hide why the batch ended
            client.unregister_worker_plugin(token)  # (the workers drop the state with it)


class _ClientReadError(Exception):
    """The client could not read a file it was to upload."""

    def __init__(self, task: BatchTask, error: OSError) -> None:
        super().__init__(str(error))
        self.task, self.error = task, error


def _death(run: _Running, killed: dict[str, str], alone: deque[BatchTask],
           how: str) -> BatchItem | None:
    """A task's worker died: queue it to run alone, or (the second time) its failure."""
    path, seconds = run.task.path, time.monotonic() - run.started
    if path not in killed and not run.solo:
        killed[path] = (
            f"the worker died ({how}) while analysing {path} after {seconds:.1f} s: "
            "probably out of memory; it is retried alone once"
        )
        log.warning("%s", killed[path])
        alone.append(run.task)
        return None
    note = killed.pop(path, "")
    return BatchItem(
        path, None,
        f"WorkerDied: the worker died ({how}) while analysing {path}, twice (the second time "
        "alone): probably out of memory (a huge or decompression-bomb image?); check the "
        "file, or free memory and rerun",
        seconds, (note,) if note else (),
    )


def _write_on_client(item: BatchItem, result: Any, callback: Callable[[Any], Any]) -> BatchItem:
    t0 = time.perf_counter()
    try:
        value = callback(result)
    except (SemscanError, OSError, ValueError, RuntimeError, MemoryError) as exc:
        return dataclasses.replace(item, error=_error_text(exc))
    return dataclasses.replace(item, value=value, seconds=item.seconds + time.perf_counter() - t0)


def _row_of(result: Any) -> dict[str, Any]:
    return result.to_row()


def distributed_executor(client: Any, *, upload: bool = False) -> Callable[..., Iterator[Any]]:
    """The ``executor`` of :func:`semscan.report.batch.run_batch` that runs on ``client``.

    Examples
    --------
    >>> callable(distributed_executor(None))
    True
    """

    def executor(tasks: list[BatchTask], **options: Any) -> Iterator[BatchItem]:
        return analyze_distributed(tasks, client=client, upload=upload, **options)

    return executor
