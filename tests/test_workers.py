"""semscan._workers: forked workers next to a running OpenCV thread pool."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_workers_start_after_opencv_ran_threads():
    # The parent runs OpenCV's thread pool, then forks workers whose initializer sets
    # cv2.setNumThreads(1): that deadlocked a forked child for good before the pool was
    # stopped around the fork. A child process so that a hang is a failure, not a stall.
    script = textwrap.dedent(
        """
        import cv2, numpy as np
        from semscan._workers import run_isolated

        a = np.random.default_rng(0).random((2000, 2000)).astype(np.float32)
        for _ in range(3):
            cv2.GaussianBlur(a, (0, 0), 5)
        threads = cv2.getNumThreads()

        def init():
            cv2.setNumThreads(1)

        out = sorted(run_isolated(range(4), abs, jobs=2, initializer=init))
        assert out == [0, 1, 2, 3], out
        assert cv2.getNumThreads() == threads  # restored in the parent
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_on_started_runs_once_while_the_workers_have_their_tasks():
    """``on_started`` runs in the parent once, after the first tasks were handed out and
    before any result is back (what the batch overlaps with the workers: importing pandas)."""
    from semscan._workers import run_isolated

    events: list[str] = []
    out = []
    for value in run_isolated([1, 2, 3, 4, 5], abs, jobs=2,
                              on_started=lambda: events.append("started")):
        events.append("result")
        out.append(value)
    assert sorted(out) == [1, 2, 3, 4, 5]
    assert events == ["started"] + ["result"] * 5

