#!/usr/bin/env python3
"""CPU time of every stage of one default analysis against image size (issue 23).

    .venv/bin/python benchmarks/bench_scaling.py [--mpx 1 4 16] [--repeats 3] [--rounds 2]
                                                 [--pow2] [--heap]

Each size runs in a fresh process on one core (OpenCV, OpenMP and BLAS threads 1) on the
synthetic SEM-like square image of ``bench_memory.make_image``, 1000 sqrt(mpx) px a side
(1000^2, 2000^2, 4000^2 analysed pixels by default): discs of radius 9 px at porosity
0.42, the same pixel size, noise and field-wide brightness ramp at every size, so that
only the pixel count changes, not the structure's scale in px (its largest pore still
grows a little with the field, as the largest of more pores). The stages are the
pipeline's own ``timings`` (those ``bench_pipeline.py`` prints), read with
``time.process_time`` instead of ``perf_counter`` (CPU seconds of the process, user and
kernel, so a loaded machine inflates them less); in each process one untimed run, then
``--repeats`` timed ones; the sizes run ``--rounds`` times in turn (1, 4, 16, 1, 4, 16,
...: a change of load falls on every size alike) and each stage's time is the median of
all its timed runs.

Per stage: the CPU ms at each size, the ms per Mpx (10**6 analysed pixels, the data bar
not counted), the exponent between successive sizes and k, the least-squares slope of
log(time) against log(pixels) over all sizes (1 = linear; ``*`` marks k > 1.08).

``--pow2`` makes the sides powers of two (1024, 2048, 4096: ``round(sqrt(mpx * 2**20))``),
as many SEMs write them: a walk down a column of such an image steps by a power of two
bytes, so its rows fall into few cache sets, more so the wider the image (OpenCV's exact
distance transform was 1.35x slower per pixel at 1024 px wide and 1.5x at 4096 than at
1000 or 4000 before semscan padded its rows); the default sides keep that apart from the
pixel count.

``--heap`` runs the children with glibc's mmap off (``MALLOC_MMAP_MAX_=0``, a large trim
threshold): freed arrays are reused from the heap at every size. By default glibc maps
every allocation above 32 MiB (a float32 array of 8 Mpx and more) afresh, so its pages are
faulted in and zeroed by the kernel on each first touch: a cost per pixel that arrays of
the smaller sizes, reused from the heap, do not pay. The difference between the two runs
is that cost (a diagnosis, not how semscan is run). Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_memory import make_image, slope  # noqa: E402

FLAG = 1.08

CHILD = r"""
import json, sys, time, types
import cv2
cv2.setNumThreads(1)
sys.path.insert(0, sys.argv[2])
import semscan.pipeline.analyze as A
import semscan.pipeline.measurements as M
from semscan.config import AnalysisConfig
from semscan.pipeline import analyze_path, load_models

cpu = types.SimpleNamespace(perf_counter=time.process_time)  # the stages' clock -> CPU time
A.time = M.time = cpu
cfg = AnalysisConfig()
models = load_models(cfg)
res = analyze_path(sys.argv[1], config=cfg, models=models)  # warm
runs = []
for _ in range(int(sys.argv[3])):
    res = analyze_path(sys.argv[1], config=cfg, models=models)
    runs.append(dict(res.timings))
h, w = res.segmentation.shape  # the analysed pixels (no data bar)
print(json.dumps({"pixels": h * w, "runs": runs}))
"""


def _child(path: Path, repeats: int, env: dict[str, str], code_root: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), code_root, str(repeats)],
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        sys.exit(f"{path} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mpx", type=float, nargs="+", default=[1, 4, 16])
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per process")
    ap.add_argument("--rounds", type=int, default=2, help="processes per size, in turn")
    ap.add_argument("--pow2", action="store_true", help="sides 1024, 2048, 4096, ...")
    ap.add_argument("--heap", action="store_true",
                    help="children with glibc's mmap off (arrays reused from the heap)")
    args = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    if args.heap:
        env.update(MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_=str(2**40))
    code_root = os.environ.get("PYTHONPATH", str(ROOT)).split(os.pathsep)[0]
    with tempfile.TemporaryDirectory() as tmp:
        unit = 2**20 if args.pow2 else 10**6
        paths = [make_image(Path(tmp) / f"m{i}.tif", round(math.sqrt(m * unit)))
                 for i, m in enumerate(args.mpx)]
        runs: list[list[dict[str, float]]] = [[] for _ in paths]
        pixels = [0] * len(paths)
        for _ in range(args.rounds):
            for i, path in enumerate(paths):
                got = _child(path, args.repeats, env, code_root)
                pixels[i] = got["pixels"]
                runs[i].extend(got["runs"])
    stages = [{**{n: statistics.median(r.get(n, 0.0) for r in rs) for n in rs[0]},
               "total": statistics.median(sum(r.values()) for r in rs)} for rs in runs]
    names = [*sorted({n for s in stages for n in s if n != "total"},
                     key=lambda n: -stages[-1].get(n, 0.0)), "total"]
    mpx = [p / 10**6 for p in pixels]
    label = [f"{m:g}" for m in args.mpx]  # the sizes asked for (2**20 px each with --pow2)
    n_runs = args.rounds * args.repeats
    how = (", sides 2**k" if args.pow2 else "") + (", heap only" if args.heap else "")
    print(f"CPU ms per stage, median of {n_runs} runs ({args.rounds} processes per size"
          f"{how}); k: time ~ pixels^k, * k > {FLAG}; ms/Mpx per 10**6 analysed px")
    print("analysed pixels: " + ", ".join(str(p) for p in pixels))
    size_cols = "".join(f"{f'{m} Mpx':>10}" for m in label)
    per_cols = "".join(f"{f'ms/Mpx {m}':>12}" for m in label)
    step_cols = "".join(f"{f'k {a}-{b}':>9}" for a, b in pairwise(label))
    print(f"{'stage':16}{size_cols}{per_cols}{step_cols}{'k':>7}")
    for n in names:
        ms = [s.get(n, 0.0) * 1e3 for s in stages]
        have = [(p, v) for p, v in zip(pixels, ms, strict=True) if v > 0]
        k = slope([p for p, _ in have], [v for _, v in have])
        steps = [math.log(b / a) / math.log(q / p) if a > 0 and b > 0 else math.nan
                 for (p, a), (q, b) in pairwise(zip(pixels, ms, strict=True))]
        print(f"{n:16}" + "".join(f"{v:10.1f}" for v in ms)
              + "".join(f"{v / m:12.2f}" for v, m in zip(ms, mpx, strict=True))
              + "".join(f"{s:9.2f}" for s in steps)
              + f"{k:7.2f}" + (" *" if k > FLAG else ""))


if __name__ == "__main__":
    main()
