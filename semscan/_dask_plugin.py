"""The worker plugin that gives every Dask worker a batch's analysis state once.

Imported only by :mod:`semscan.distributed` (when a cluster is used) and, by unpickling,
on the workers: it imports distributed at the top, which the rest of semscan never does.
"""

from __future__ import annotations

from typing import Any

from distributed import WorkerPlugin

STATES: dict[str, Any] = {}  # on a worker: batch token -> its _State


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

    def teardown(self, worker: Any) -> None:
        STATES.pop(self.token, None)
