"""A process pool that survives its workers' deaths and never leaves orphans.

:func:`run_isolated` is what :func:`semscan.pipeline.analyze_batch` uses: every task runs
in a worker process, so a worker killed by the out-of-memory killer (a huge or
decompression-bomb image) or by a crash in a compiled library costs only its own task.
Unlike :class:`concurrent.futures.ProcessPoolExecutor`, whose whole pool breaks when one
worker dies (every task in flight then fails and the culprit is unknown), each worker here
has its own pipe, so the dead worker's task is known exactly, the other workers go on, and
the dead one is replaced. The task that was running in it is retried once *alone* (no other
task in flight, so that it has all the memory); if it kills its worker again it fails, by
name.

Workers never outlive the main process: on Linux the kernel kills a worker when its parent
dies (``prctl(PR_SET_PDEATHSIG, SIGKILL)``), and everywhere a watchdog thread in the worker
exits when its parent process changes (``os.getppid()``). Workers ignore SIGINT: a Ctrl-C
reaches the main process, which decides what to do, and stops the workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Generic, TypeVar

__all__ = ["WorkerDeath", "run_isolated"]

log = logging.getLogger(__name__)

#: The task type of a batch (the pipeline's: an image task).
TaskT = TypeVar("TaskT")

WATCHDOG_PERIOD_S = 0.5
WORKER_NAME = "semscan-worker"  # the process name of workers on Linux (/proc/<pid>/comm)


@dataclass(frozen=True)
class WorkerDeath(Generic[TaskT]):
    """A worker died while running ``task``.

    Attributes
    ----------
    task : TaskT
        The task that was running (whatever ``run_isolated`` was given).
    how : str
        ``'killed by SIGKILL'``, ``'exit code 3'`` ...
    seconds : float
        How long the task had run.
    again : bool
        True when this task had already killed a worker once and ran alone this time.
    """

    task: TaskT
    how: str
    seconds: float
    again: bool


def _describe_exit(code: int | None) -> str:
    """How a process ended, from its exit code.

    Examples
    --------
    >>> _describe_exit(-9), _describe_exit(3)
    ('killed by SIGKILL', 'exit code 3')
    """
    if code is None:
        return "closed its pipe"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _die_with_parent(parent_pid: int) -> None:
    """Make this worker exit when the process ``parent_pid`` is gone."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
            libc.prctl(15, WORKER_NAME.encode(), 0, 0, 0)  # PR_SET_NAME: seen by ps, top
        except (OSError, AttributeError):  # pragma: no cover - no usable libc
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    def watchdog() -> None:
        while True:
            time.sleep(WATCHDOG_PERIOD_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watchdog, name="semscan-watchdog", daemon=True).start()


def _worker_main(
    conn: Any,
    parent_pid: int,
    run_one: Callable[[Any], Any],
    initializer: Callable[..., None] | None,
    initargs: tuple[Any, ...],
) -> None:
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        outcome = run_one(task)
        try:
            conn.send(outcome)
        except (OSError, ValueError):  # the main process is gone
            return


@dataclass
class _Slot:
    process: Any
    conn: Any
    task: Any = None
    started: float = 0.0


def run_isolated(
    tasks: Iterable[TaskT],
    run_one: Callable[[TaskT], Any],
    *,
    jobs: int = 1,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
    stop: Callable[[Any], bool] | None = None,
    on_started: Callable[[], None] | None = None,
) -> Iterator[Any | WorkerDeath[TaskT]]:
    """Run ``run_one(task)`` for every task in worker processes, surviving worker deaths.

    Parameters
    ----------
    tasks : iterable
        Picklable tasks.
    run_one : callable
        A top-level function; its return value is sent back (picklable). It should not
        raise: an exception kills its worker (reported as a :class:`WorkerDeath`).
    jobs : int
        Worker processes (at least 1, at most the number of tasks).
    initializer, initargs
        Called once in every worker before its first task.
    stop : callable, optional
        ``stop(outcome)`` -> True ends the run after that outcome (fail-fast).
    on_started : callable, optional
        Called once in this process as soon as the workers have their first tasks: work
        of this process that can be done while they run theirs.

    Yields
    ------
    object
        What ``run_one`` returned, or a :class:`WorkerDeath` for a task whose worker died
        twice (the first death is logged and the task retried alone), in completion order.

    Examples
    --------
    >>> sorted(run_isolated([3, 1, 2], abs, jobs=2))
    [1, 2, 3]
    """
    queue = deque(enumerate(tasks))
    if not queue:
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    parent = os.getpid()

    def start() -> _Slot:
        ours, theirs = ctx.Pipe(duplex=True)
        proc = ctx.Process(
            target=_worker_main,
            args=(theirs, parent, run_one, initializer, initargs),
            name=WORKER_NAME,
            daemon=True,
        )
        proc.start()
        theirs.close()
        return _Slot(proc, ours)

    def give(i: int, job: tuple[int, Any]) -> None:
        try:
            slots[i].conn.send(job[1])
        except OSError:  # this idle worker died: replace it
            _close(slots[i])
            slots[i] = start()
            slots[i].conn.send(job[1])
        slots[i].task, slots[i].started = job, time.monotonic()

    native_threads = _single_threaded_native_pools() if method == "fork" else None
    slots = [start() for _ in range(max(1, min(jobs, len(queue))))]
    alone: deque[tuple[int, Any]] = deque()  # tasks that killed a worker: retried alone
    killers: set[int] = set()
    solo = False  # a retry is running alone
    finished = False
    try:
        while True:
            for i, slot in enumerate(slots):
                if slot.task is not None or solo:
                    continue
                if alone:
                    if any(s.task is not None for s in slots):
                        break  # let the others finish first
                    give(i, alone.popleft())
                    solo = True
                elif queue:
                    give(i, queue.popleft())
                else:
                    break
            busy = [s for s in slots if s.task is not None]
            if not busy:
                break
            if on_started is not None:
                on_started()
                on_started = None
            ready = set(wait([s.conn for s in busy] + [s.process.sentinel for s in busy]))
            for i, slot in enumerate(slots):
                if slot.task is None or not ({slot.conn, slot.process.sentinel} & ready):
                    continue
                (index, task), seconds = slot.task, time.monotonic() - slot.started
                outcome: Any
                try:
                    if not slot.conn.poll():
                        raise EOFError
                    outcome = slot.conn.recv()
                except (EOFError, OSError):
                    slot.process.join(5)
                    how = _describe_exit(slot.process.exitcode)
                    _close(slot)
                    slots[i] = start()
                    solo = False
                    if index not in killers:
                        killers.add(index)
                        alone.append((index, task))
                        log.debug("worker died (%s) while running %r; retrying it alone",
                                    how, task)
                        yield WorkerDeath(task, how, seconds, again=False)
                        continue
                    outcome = WorkerDeath(task, how, seconds, again=True)
                else:
                    slot.task = None
                    if index in killers:
                        solo = False
                yield outcome
                if stop is not None and stop(outcome):
                    return
        finished = True
    finally:
        for slot in slots:
            if finished and slot.process.is_alive():
                try:
                    slot.conn.send(None)
                except OSError:
                    pass
            elif slot.process.is_alive():
                slot.process.terminate()
        for slot in slots:
            _close(slot)
        if native_threads is not None:
            native_threads()


def _single_threaded_native_pools() -> Callable[[], None] | None:
    """Stop OpenCV's thread pool in this process while workers are forked from it.

    A child forked while the parent's OpenCV pool is running inherits that pool's locks
    but not its threads, and its first ``cv2.setNumThreads`` (every worker sets 1)
    deadlocks: measured, a forked child hung for good after the parent had blurred one
    image. The pool is joined here (``setNumThreads(1)``) before any fork and restored
    afterwards; returns the function that restores it, None when OpenCV is not loaded.
    """
    cv2 = sys.modules.get("cv2")
    if cv2 is None:
        return None
    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    return lambda: cv2.setNumThreads(before)


def _close(slot: _Slot) -> None:
    slot.process.join(5)
    if slot.process.is_alive():
        slot.process.kill()
        slot.process.join()
    slot.conn.close()
