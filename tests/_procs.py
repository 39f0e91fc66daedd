"""Test helpers for real processes: run the CLI of this checkout, find its workers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from semscan._workers import WORKER_NAME

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "import sys; from semscan.cli import main; sys.argv[0] = 'semscan'; "
       "main()"]


def cli_env() -> dict[str, str]:
    """Environment of a CLI subprocess: this checkout's semscan first on the path."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")])}


def worker_pids(pid: int) -> list[int]:
    """The semscan worker processes among the children of ``pid`` (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    named = []
    for child in found:
        try:
            if Path(f"/proc/{child}/comm").read_text().strip() == WORKER_NAME:
                named.append(child)
        except OSError:
            pass
    return named


def process_state(pid: int) -> str:
    """Process state letter from /proc (R running, S sleeping, Z zombie); 'gone' if none."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "gone"


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to find worker processes"
)
