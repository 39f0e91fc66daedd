"""Batch throughput: ``--jobs 1``, ``--jobs 2`` and a Dask LocalCluster of 2 workers.

Run by hand: ``.venv/bin/python benchmarks/bench_distributed.py [--images 16] [--fast]``.

The batch is ``--images`` copies of the bundled micrographs (``data/*.tif``) under new
names (each copy is its own input, analysed in full). Each way runs
:func:`semscan.report.batch.run_batch` into a fresh output folder, with the default
configuration (``--fast``: without classification and local thickness), overlays and all;
the figure is images per second of wall time, including starting the workers (for the
cluster: the LocalCluster is started before the clock starts, as a lab's cluster would be
running already). The table gives each way's ratio to ``--jobs 1``; the results of every way
are checked to be the same rows (timing columns aside).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from semscan.config import AnalysisConfig
from semscan.pipeline import BatchTask
from semscan.report.batch import run_batch

REPO = Path(__file__).resolve().parents[1]
TIMING = ("seconds", "time", "timing")


def make_lot(folder: Path, n: int) -> list[BatchTask]:
    """``n`` copies of ``data/*.tif`` under new names (cycling through the samples)."""
    sources = sorted((REPO / "data").glob("*.tif"))
    folder.mkdir(parents=True, exist_ok=True)
    tasks = []
    for i in range(n):
        src = sources[i % len(sources)]
        dest = folder / f"{src.stem}_copy{i:03d}{src.suffix}"
        shutil.copyfile(src, dest)
        tasks.append(BatchTask(str(dest)))
    return tasks


def rows(out: Path) -> pd.DataFrame:
    frame = pd.read_csv(out / "results.csv")
    keep = [c for c in frame.columns if not any(t in c for t in TIMING)]
    return frame[keep].sort_values("file").reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--fast", action="store_true",
                        help="no classification, no local thickness")
    args = parser.parse_args()
    cfg = AnalysisConfig()
    if args.fast:
        cfg = cfg.with_overrides({"classify.enabled": False, "measure.local_thickness": False})

    from semscan.distributed import connect, distributed_executor

    with tempfile.TemporaryDirectory(prefix="semscan-bench-") as tmp:
        tasks = make_lot(Path(tmp, "lot"), args.images)
        figures: list[tuple[str, float]] = []
        outs: list[Path] = []
        for jobs in (1, 2):
            out = Path(tmp, f"jobs{jobs}")
            t0 = time.perf_counter()
            summary = run_batch(tasks, out_dir=out, config=cfg, jobs=jobs)
            wall = time.perf_counter() - t0
            assert summary.ok and summary.analysed == len(tasks), summary.failures
            figures.append((f"--jobs {jobs}", wall))
            print(f"--jobs {jobs}: {wall:.2f} s", flush=True)
            outs.append(out)
        with connect("local:2") as client:  # what --scheduler local:2 starts
            for upload in (False, True):
                out = Path(tmp, f"dask-upload{int(upload)}")
                t0 = time.perf_counter()
                summary = run_batch(tasks, out_dir=out, config=cfg,
                                    executor=distributed_executor(client, upload=upload))
                wall = time.perf_counter() - t0
                assert summary.ok and summary.analysed == len(tasks), summary.failures
                name = "LocalCluster 2 workers" + (" --upload" if upload else "")
                figures.append((name, wall))
                print(f"{name}: {wall:.2f} s", flush=True)
                outs.append(out)
        for out in outs[1:]:
            pd.testing.assert_frame_equal(rows(out), rows(outs[0]))
    base = len(tasks) / figures[0][1]
    print(f"{len(tasks)} images ({'fast' if args.fast else 'default'} configuration), "
          f"{os.cpu_count()} cores; identical results.csv rows in every way")
    print(f"{'way':<34}{'wall s':>9}{'images/s':>10}{'ratio':>8}")
    for name, wall in figures:
        rate = len(tasks) / wall
        print(f"{name:<34}{wall:>9.2f}{rate:>10.3f}{rate / base:>8.2f}")


if __name__ == "__main__":
    main()
