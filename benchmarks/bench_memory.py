#!/usr/bin/env python3
"""Peak memory of one default analysis against image size, in bytes per pixel.

    .venv/bin/python benchmarks/bench_memory.py [--mpx 1 4 16 64] [--stages]

Each size runs in a fresh process on one core: a synthetic SEM-like square image of the
given megapixels (FEI TIFF with a data bar) is analysed once untraced, then once under
``tracemalloc`` (numpy + Python allocations). "RSS growth" is how far the first analysis
raises the process's peak RSS above its size after imports and model loading. The
exponent is the least-squares slope of log(peak) against log(pixels): 1 means memory
linear in the pixel count (with ``--stages``, each stage's own exponent in column k).
64 Mpx needs about 64 x (the run's B/px) MB and minutes per run. Prints tables; asserts
nothing.
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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, tracemalloc
import cv2
cv2.setNumThreads(1)
sys.path.insert(0, sys.argv[2])
from semscan.config import AnalysisConfig
from semscan.pipeline import analyze_path, load_models

def rss_now():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()

cfg = AnalysisConfig()
models = load_models(cfg)
base = rss_now()
res = analyze_path(sys.argv[1], config=cfg, models=models)
rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
tracemalloc.start()
analyze_path(sys.argv[1], config=cfg, models=models)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
h, w = res.file_shape
stages = {}
if sys.argv[3] == "1":  # a third run: each stage's own peak above its start
    import functools, importlib
    def wrap(mod, name):
        f = getattr(mod, name)
        @functools.wraps(f)
        def g(*a, **k):
            start = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            try:
                return f(*a, **k)
            finally:
                stages[name] = max(stages.get(name, 0), tracemalloc.get_traced_memory()[1] - start)
        setattr(mod, name, g)
    A = importlib.import_module("semscan.pipeline.analyze")
    M = importlib.import_module("semscan.pipeline.measurements")
    for n in ("segment_micrograph", "detected_view", "film_frame_cross_section"):
        wrap(A, n)
    for n in ("intercept_method", "porosity", "mil_rose", "chord_lengths", "local_thickness",
              "image_verdict", "classify_fields"):
        wrap(M, n)
    tracemalloc.start()
    analyze_path(sys.argv[1], config=cfg, models=models)
    tracemalloc.stop()
print(json.dumps({"pixels": h * w, "traced": peak, "rss_growth": rss_growth, "stages": stages}))
"""


def make_image(path: Path, side: int) -> Path:
    sys.path.insert(0, str(ROOT))
    from scripts.make_example_images import save_fei
    from semscan.phantoms.render import RenderParams, add_databar, render_sem
    from tests._synthetic import disc_pores

    pore = disc_pores((side, side), porosity=0.42, radius=9.0, seed=1)
    img = render_sem(pore, seed=1, params=RenderParams(noise=0.06, gradient=0.12))
    img = add_databar(img, height_px=79, scale_bar_px=200, scale_label="2 um")
    save_fei(path, img, pixel_size_um=0.01, databar=79)
    return path


def slope(x: list[float], y: list[float]) -> float:
    if len(x) < 2:
        return math.nan
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mpx", type=float, nargs="+", default=[1, 4, 16])
    ap.add_argument("--stages", action="store_true",
                    help="also each stage's own peak (one more traced analysis per size)")
    args = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    code_root = os.environ.get("PYTHONPATH", str(ROOT)).split(os.pathsep)[0]
    rows = []
    for mpx in args.mpx:
        side = round(math.sqrt(mpx * 2**20))
        with tempfile.TemporaryDirectory() as tmp:
            path = make_image(Path(tmp) / "m.tif", side)
            out = subprocess.run([sys.executable, "-c", CHILD, str(path), code_root,
                                  "1" if args.stages else "0"], env=env,
                                 capture_output=True, text=True, check=False)
        if out.returncode:
            sys.exit(f"{side}^2 failed:\n{out.stderr[-3000:]}")
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'pixels':>12} {'traced B/px':>12} {'RSS growth B/px':>16}")
    for r in rows:
        n = r["pixels"]
        print(f"{n:12d} {r['traced'] / n:12.1f} {r['rss_growth'] / n:16.1f}")
    px = [r["pixels"] for r in rows]
    k_traced = slope(px, [r["traced"] for r in rows])
    k_rss = slope(px, [r["rss_growth"] for r in rows])
    print(f"fitted exponent (peak ~ pixels^k): traced k = {k_traced:.2f}, RSS k = {k_rss:.2f}")
    if args.stages:
        names = sorted({n for r in rows for n in r["stages"]},
                       key=lambda n: -rows[-1]["stages"].get(n, 0))
        print("\neach stage's own traced peak above its start, B/px (the run's peak is the"
              " largest of these plus what is held between stages)")
        print(f"{'stage':28}" + "".join(f"{r['pixels']:>12d}" for r in rows) + f"{'k':>7}")
        for n in names:
            have = [r for r in rows if r["stages"].get(n, 0) > 0]
            k = slope([r["pixels"] for r in have], [r["stages"][n] for r in have])
            print(f"{n:28}" + "".join(f"{r['stages'].get(n, 0) / r['pixels']:12.1f}"
                                       for r in rows) + f"{k:7.2f}")


if __name__ == "__main__":
    main()
