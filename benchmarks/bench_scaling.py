#!/usr/bin/env python3
"""CPU time of every stage of one default analysis against image size (issue 23).

    .venv/bin/python benchmarks/bench_scaling.py [--mpx 1 4 16 64] [--repeats 3]

Each size runs in a fresh process on one core (OpenCV, OpenMP and BLAS threads 1) on the
synthetic SEM-like square image of ``bench_memory.make_image``. The stages are the
pipeline's own ``timings`` (those ``bench_pipeline.py`` prints), read with
``time.process_time`` instead of ``perf_counter`` (CPU seconds, so a loaded machine
inflates them less); one untimed run first, then the median of ``--repeats``. Per stage:
the time at each size, the time per Mpx, and the exponent k, the least-squares slope of
log(time) against log(pixels) (1 = linear); k > 1.15 is flagged. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_memory import make_image, slope  # noqa: E402

FLAG = 1.15

CHILD = r"""
import json, statistics, sys, time, types
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
stages = {}
for _ in range(int(sys.argv[3])):
    res = analyze_path(sys.argv[1], config=cfg, models=models)
    for name, sec in dict(res.timings).items():
        stages.setdefault(name, []).append(sec)
h, w = res.file_shape
print(json.dumps({"pixels": h * w, "stages": {n: statistics.median(s) for n, s in stages.items()}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mpx", type=float, nargs="+", default=[1, 4, 16])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    code_root = os.environ.get("PYTHONPATH", str(ROOT)).split(os.pathsep)[0]
    rows = []
    for mpx in args.mpx:
        side = round(math.sqrt(mpx * 2**20))
        with tempfile.TemporaryDirectory() as tmp:
            path = make_image(Path(tmp) / "m.tif", side)
            out = subprocess.run([sys.executable, "-c", CHILD, str(path), code_root,
                                  str(args.repeats)], env=env, capture_output=True,
                                 text=True, check=False)
        if out.returncode:
            sys.exit(f"{side}^2 failed:\n{out.stderr[-3000:]}")
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    names = sorted({n for r in rows for n in r["stages"]},
                   key=lambda n: -rows[-1]["stages"].get(n, 0))
    mpx = [r["pixels"] / 2**20 for r in rows]
    print(f"CPU s per stage, median of {args.repeats} (k: time ~ pixels^k; * k > {FLAG})")
    print(f"{'stage':18}" + "".join(f"{m:9.1f}Mp" for m in mpx)
          + "".join(f"{m:7.1f}Mp/" for m in mpx) + f"{'k':>7}")
    total = [sum(r["stages"].values()) for r in rows]
    for n, vals in [*((n, [r["stages"].get(n, 0.0) for r in rows]) for n in names),
                    ("total", total)]:
        have = [(r["pixels"], v) for r, v in zip(rows, vals, strict=True) if v > 0]
        k = slope([p for p, _ in have], [v for _, v in have])
        print(f"{n:18}" + "".join(f"{v:11.3f}" for v in vals)
              + "".join(f"{v / m:10.3f}" for v, m in zip(vals, mpx, strict=True))
              + f"{k:7.2f}" + (" *" if k > FLAG else ""))


if __name__ == "__main__":
    main()
