"""The worker plugin that gives every Dask worker a batch's analysis state once, and the
tasks' start claims (see :mod:`semscan.distributed`).

Imported only by :mod:`semscan.distributed` (when a cluster is used) and, by unpickling,
on the workers: it imports distributed at the top, which the rest of semscan never does.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import sys
from typing import Any

from distributed import WorkerPlugin, get_worker
from distributed.utils import sync

STATES: dict[str, Any] = {}  # on a worker: batch token -> its _State
FRESH = "fresh"  # the claim token of a task not started yet


class StatePlugin(WorkerPlugin):
    """Holds a batch's ``_State`` (configuration, models, output writer) on every worker.

    Registered once per batch: the scheduler sends it to every worker, and to every
    worker that joins later (one restarted by its nanny after a death), so the models are
    unpickled once per worker and never travel with a task (a task dependency would be
    dropped between tasks by the active memory manager and fetched again).
    """

    def __init__(self, token: str, state: Any) -> None:
        self.token, self.state = token, state

    def setup(self, worker: Any) -> None:
        STATES[self.token] = self.state
        heap_for_images()

    def teardown(self, worker: Any) -> None:
        STATES.pop(self.token, None)


# ------------------------------------------------------------- start claims
def claim_start(name: str) -> bool:
    """Take the fresh token of the task's claim queue: True for the task's first start.

    One round trip to the scheduler, over the worker's own connection to it (no client on
    the worker): :func:`take_token`. Nothing is put back, so the token is gone for good:
    a rerun of the task by the scheduler, or the client's revocation, finds the queue
    empty. There is no moment in which the token is out of the queue and its fate unknown.
    """
    worker = get_worker()
    return sync(worker.loop, take_token, worker.scheduler, name)


async def take_token(scheduler: Any, name: str) -> bool:
    """Take the fresh token of a task's claim queue, atomically: True if it was there (the
    task had never started, and now never will start elsewhere).

    A worker starting the task (:func:`claim_start`) and the client revoking it after a
    death both call this: one ``queue_get(batch=True)`` on the scheduler, which takes all
    there is and never waits (the scheduler's handler takes every item without yielding
    to its event loop, so two takes never interleave). A queue already released by the
    client (its task done or cancelled) has no token either.
    """
    try:
        records = await scheduler.queue_get(name=name, batch=True)
    except KeyError:  # released: the task's outcome is known, or it was cancelled
        return False
    return [record.get("value") for record in records] == [FRESH]


async def new_claims(scheduler: Any, names: list[str]) -> None:
    """Create the claim queues of tasks about to be submitted, each with its fresh token
    (one call from the client's thread; the queues are created concurrently)."""

    async def one(name: str) -> None:
        await scheduler.queue_create(name=name, maxsize=0)
        await scheduler.queue_put(name=name, data=FRESH)

    await asyncio.gather(*(one(name) for name in names))


def release_claim(client: Any, name: str) -> None:
    """Drop a claim queue on the scheduler (what ``distributed.Queue.close`` sends)."""
    if client.status == "running":
        client._send_to_scheduler({"op": "queue_release", "name": name})


# ------------------------------------------------------------- the heap
MMAP_THRESHOLD = 32 * 2**20  # bytes: glibc's own ceiling for its dynamic mmap threshold
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD  # what glibc's dynamic rule sets with it


def heap_for_images() -> bool:
    """Undo, in this worker process, the ``MALLOC_TRIM_THRESHOLD_=65536`` a Dask nanny sets.

    That setting (``distributed.nanny.pre-spawn-environ``) returns freed memory to the
    system at once, and fixes glibc's mmap threshold at 128 KiB: every image-sized array
    is then a fresh mapping whose pages fault in again, and the analysis of an image took
    twice the CPU (measured with ``benchmarks/bench_distributed.py --fast``, ``--jobs 1``:
    0.64-0.70 s per image, 1.40-1.56 s with the variable; 0.71 s with the thresholds set
    here). These are the values glibc's dynamic rule reaches by itself (mmap threshold 32
    MiB, trim threshold twice that): arrays up to 32 MiB are reused from the heap, larger
    ones are mapped and returned at once, and at most 64 MiB of free heap is kept.

    Returns False where there is no glibc (``mallopt``): nothing to undo there.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    return bool(mallopt(m_mmap_threshold, MMAP_THRESHOLD)) and bool(
        mallopt(m_trim_threshold, TRIM_THRESHOLD))
