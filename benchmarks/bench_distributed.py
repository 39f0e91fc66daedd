"""Batch throughput: ``--jobs 1``, ``--jobs 2``, and Dask LocalClusters of 1 and 2 workers.

Run by hand::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_distributed.py [--images 16] [--fast]
        [--upload] [--repeat 1]

The batch is ``--images`` copies of the bundled micrographs (``data/*.tif``) under new
names (each copy its own input, analysed in full), run by
:func:`semscan.report.batch.run_batch` into a fresh output folder per way, with the default
configuration (``--fast``: no classification, no local thickness), overlays and all. The
LocalClusters have process workers of one thread each (what ``--scheduler local:N``
starts); ``--upload`` adds a 2-worker run with ``--upload``.

What is measured, per way (medians over ``--repeat`` runs):

- **start s**: starting the cluster (LocalCluster and its worker processes, until every
  worker is up); 0 for ``--jobs`` (its workers are forked inside the batch).
- **first s**: from the call of ``run_batch`` to the first finished image (worker imports,
  the state with the models sent to and unpickled on each worker, forking the pool, the
  first image).
- **steady img/s**: each worker's first image excluded (its warm-up), each worker's rate
  (images after its first) / (time from its first to its last finished image, the
  waits for its next task included), summed over the workers. The end of the batch, when
  one worker has nothing left while the other finishes, is not in it.
- **run img/s**: images / wall time of the whole ``run_batch`` (start-up and tail in).
- **CPU s/img**: CPU seconds of a worker process per steady image (its process time
  between its first and last image, every thread), pooled over the workers (their CPU
  summed over their steady images summed: the median of per-worker means weighted a
  worker's mix, and with 2 workers one may get more of the 4x costlier cross-section
  copies: measured 0.534 s against 0.511 with 1 worker while each kind took the same
  CPU, 0.792 / 0.800 s and 0.243 / 0.235 s; the mix still differs by the images each
  worker starts with); **task CPU
  s/img**: the same of the thread that runs the tasks only (the analysis, the output
  writing, the start claim); **other CPU %**: the rest (Dask's own threads: the worker's
  event loop, heartbeats, its profiler) in % of a core, which grows with the wall time,
  not with the images; **client CPU %**: this process's CPU over the whole batch in % of
  a core (the client loop, and for LocalClusters the scheduler and the nannies, which run
  in it).
- **gap ms**: the time a worker waits between the end of one image and the start of its
  next (its time per steady image less the mean seconds of those images in the worker;
  dispatch: the client, the scheduler, the start claim), the median over workers.
- **CPU-norm img/s**: sum over the workers of 1 / (task CPU s per image + gap): the
  steady rate if every worker had a core to itself, which a machine shared with other
  jobs does not give; on an idle machine with a core per worker it is what the steady
  rate should approach, less what the "other" and the client CPU take from the cores
  when there are no spare ones. (The gap itself is measured under the same load.)

With ``--upload`` the outputs are written on the client, so there are no per-worker
records: its steady rate is the client's (images after the first one per worker) / (time
from the last of those first ones to the last image), and no CPU figures.

Ratios: steady and CPU-normalised rates of LocalCluster 2 workers over 1 worker, and over
``--jobs 1``. Every way's ``results.csv`` rows are checked to be identical (timing
columns aside).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from semscan.config import AnalysisConfig
from semscan.pipeline import BatchTask, analyze_batch
from semscan.report.batch import run_batch

REPO = Path(__file__).resolve().parents[1]
TIMING = ("seconds", "time", "timing")


class Recorder:
    """Wraps the batch's output writer in the worker: one line per image to ``log``
    (process id, wall time when written, the process's CPU time then, the image)."""

    def __init__(self, inner: Any, log: str) -> None:
        self.inner, self.log = inner, log

    def __call__(self, result: Any) -> Any:
        row = self.inner(result)
        with open(self.log, "a") as f:
            print(os.getpid(), time.time(), time.process_time(), time.thread_time(),
                  result.micrograph.path, file=f, flush=True)
        return row


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


def run_way(way: str, tasks: list[BatchTask], cfg: AnalysisConfig, out: Path,
            log: Path) -> dict[str, float]:
    """One batch; the figures of the module docstring (before the medians)."""
    from semscan.distributed import analyze_distributed, connect

    seconds: dict[str, float] = {}  # path -> the image's seconds in its worker
    finished: list[float] = []

    def on_item(item: Any, count: int, total: int) -> None:
        finished.append(time.time())
        seconds[item.path] = item.seconds

    t0 = time.perf_counter()
    if way.startswith("--jobs"):
        jobs = int(way.split()[1])
        start_s, cpu0, wall0 = 0.0, time.process_time(), time.time()

        def executor(todo: list[BatchTask], *, on_result: Any, **options: Any) -> Any:
            return analyze_batch(todo, on_result=Recorder(on_result, str(log)), jobs=jobs,
                                 isolate=True, **options)

        summary = run_batch(tasks, out_dir=out, config=cfg, executor=executor,
                            on_item=on_item)
        cpu, wall = time.process_time() - cpu0, time.time() - wall0
    else:
        n = int(way.split()[1])
        upload = "--upload" in way
        with connect(f"local:{n}") as client:
            client.wait_for_workers(n)
            start_s = time.perf_counter() - t0
            cpu0, wall0 = time.process_time(), time.time()

            def executor(todo: list[BatchTask], *, on_result: Any, **options: Any) -> Any:
                return analyze_distributed(todo, client=client, upload=upload,
                                           on_result=Recorder(on_result, str(log)),
                                           **options)

            summary = run_batch(tasks, out_dir=out, config=cfg, executor=executor,
                                on_item=on_item)
            cpu, wall = time.process_time() - cpu0, time.time() - wall0
    assert summary.ok and summary.analysed == len(tasks), summary.failures
    per_worker: dict[int, list[tuple[float, float, float, str]]] = defaultdict(list)
    for line in log.read_text().split("\n"):
        if line:
            pid, t, c, tc, path = line.split(" ", 4)
            per_worker[int(pid)].append((float(t), float(c), float(tc), path))
    rate, cpus, task_cpus, background, gaps, cpu_norm = 0.0, [], [], [], [], 0.0
    order = sorted(finished)
    n_workers = 1 if way.startswith("--jobs 1") else int(way.split()[1])
    if "--upload" in way:  # the outputs are written on the client: no per-worker records
        rate = (len(order) - n_workers) / (order[-1] - order[n_workers - 1])
    else:
        for recs in per_worker.values():
            recs.sort()
            if len(recs) < 2:
                continue
            (t_first, c_first, tc_first, _), (t_last, c_last, tc_last, _) = recs[0], recs[-1]
            steady, span = len(recs) - 1, t_last - t_first
            rate += steady / span
            cpus.append((c_last - c_first, steady))
            task_cpu = (tc_last - tc_first) / steady  # the thread that runs the tasks
            task_cpus.append((tc_last - tc_first, steady))
            background.append(((c_last - c_first) - (tc_last - tc_first)) / span)
            # a worker's time between two finished images, less the later one's seconds
            inside = statistics.mean(seconds[p] for _, _, _, p in recs[1:])
            gap = max(0.0, span / steady - inside)
            gaps.append(gap)
            cpu_norm += 1 / (task_cpu + gap)
    return {
        "start s": start_s,
        "first s": order[0] - wall0,
        "steady img/s": rate,
        "run img/s": len(tasks) / wall,
        "CPU s/img": _pooled(cpus),
        "task CPU s/img": _pooled(task_cpus),
        "other CPU %": 100 * statistics.median(background) if cpus else float("nan"),
        "client CPU s/img": cpu / len(tasks),
        "client CPU %": 100 * cpu / wall,
        "gap ms": 1000 * statistics.median(gaps) if gaps else float("nan"),
        "CPU-norm img/s": cpu_norm if cpus else float("nan"),
        "workers": len(per_worker),
    }


def _pooled(parts: list[tuple[float, int]]) -> float:
    """Seconds per image over all workers: sum of seconds / sum of images."""
    images = sum(n for _, n in parts)
    return sum(c for c, _ in parts) / images if images else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--fast", action="store_true",
                        help="no classification, no local thickness")
    parser.add_argument("--upload", action="store_true",
                        help="also LocalCluster 2 workers with --upload")
    parser.add_argument("--repeat", type=int, default=1, help="runs of every way")
    parser.add_argument("--ways", default="", help="comma-separated subset of the ways")
    args = parser.parse_args()
    cfg = AnalysisConfig()
    if args.fast:
        cfg = cfg.with_overrides({"classify.enabled": False, "measure.local_thickness": False})
    ways = ["--jobs 1", "--jobs 2", "LocalCluster 1 workers", "LocalCluster 2 workers"]
    if args.upload:
        ways.append("LocalCluster 2 workers --upload")
    if args.ways:
        ways = [w for w in ways if any(w.startswith(s.strip()) for s in args.ways.split(","))]
    figures: dict[str, list[dict[str, float]]] = defaultdict(list)
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="semscan-bench-") as tmp:
        tasks = make_lot(Path(tmp, "lot"), args.images)
        reference = None
        for r in range(args.repeat):  # the ways interleaved, so the load hits them alike
            for i, way in enumerate(ways):
                out, log = Path(tmp, f"out-{r}-{i}"), Path(tmp, f"log-{r}-{i}.txt")
                fig = run_way(way, tasks, cfg, out, log)
                figures[way].append(fig)
                print(f"{way}: " + ", ".join(f"{k} {v:.3g}" for k, v in fig.items()),
                      flush=True)
                table = rows(out)
                if reference is None:
                    reference = table
                else:
                    pd.testing.assert_frame_equal(table, reference)
                shutil.rmtree(out)
    med = {w: {k: statistics.median(f[k] for f in fs) for k in fs[0]}
           for w, fs in figures.items()}
    print(f"\n{args.images} images ({'fast' if args.fast else 'default'} configuration), "
          f"{os.cpu_count()} cores, load average {load0:.1f} -> {os.getloadavg()[0]:.1f}, "
          f"median of {args.repeat} run(s); identical results.csv rows in every way")
    cols = ["start s", "first s", "steady img/s", "run img/s", "CPU s/img",
            "task CPU s/img", "other CPU %", "client CPU %", "gap ms", "CPU-norm img/s"]
    print("| way | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for way, m in med.items():
        print(f"| {way} | " + " | ".join(f"{m[c]:.3g}" for c in cols) + " |")
    one, two = med.get("LocalCluster 1 workers"), med.get("LocalCluster 2 workers")
    base = med.get("--jobs 1")
    if two is not None:
        print()
        for name, ref in (("LocalCluster 1 worker", one), ("--jobs 1", base)):
            if ref is None:
                continue
            print(f"LocalCluster 2 workers / {name}: steady "
                  f"{two['steady img/s'] / ref['steady img/s']:.2f}x, CPU-normalised "
                  f"{two['CPU-norm img/s'] / ref['CPU-norm img/s']:.2f}x, whole run "
                  f"{two['run img/s'] / ref['run img/s']:.2f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
