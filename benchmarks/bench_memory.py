#!/usr/bin/env python3
"""Peak memory of one default analysis against image size, in bytes per pixel.

    .venv/bin/python benchmarks/bench_memory.py [--mpx 1 4 16 64] [--stages]

Each size runs in a fresh process on one core: a synthetic SEM-like square image of the
given megapixels (FEI TIFF with a data bar) is analysed once untraced, then once under
``tracemalloc`` (numpy + Python allocations). "RSS growth" is how far the first analysis
raises the process's peak RSS above its size after imports and model loading. The
exponent is the least-squares slope of log(peak) against log(pixels): 1 means memory
linear in the pixel count (with ``--stages``, each stage's own exponent in column k).
Images up to 4096^2 are rendered whole (float64, as always: the figures of earlier stops
stay comparable); larger ones (``--mpx 64 268``, 268 = 16384^2) are rendered in 2048^2 tiles
of one global pore mask (a halo of 32 px, so the edge rims and the blur meet across tile
edges; one global brightness ramp) straight into the uint8 file image, about 1 GB at
16384^2 besides the pore mask and the file. The analysis lifts ``io.max_pixels`` (250 Mpx
by default). The child's peak RSS (``ru_maxrss``) is printed too, in B/px and GB. 64 Mpx
needs about 64 x (the run's B/px) MB and minutes per run; do not run sizes the machine
cannot hold. Prints tables; asserts nothing.
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

cfg = AnalysisConfig().with_overrides({"io.max_pixels": None})  # 16384^2 is > 250 Mpx
models = load_models(cfg)
base = rss_now()
res = analyze_path(sys.argv[1], config=cfg, models=models)
rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
rss_growth = rss_peak - base
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
print(json.dumps({"pixels": h * w, "traced": peak, "rss_growth": rss_growth,
                  "rss_peak": rss_peak, "stages": stages}))
"""


#: Sides above this are rendered in tiles (:func:`_tiled_u8`); up to it, whole as before.
WHOLE_MAX_SIDE = 4096
TILE, HALO, BAR = 2048, 32, 79


def make_image(path: Path, side: int) -> Path:
    sys.path.insert(0, str(ROOT))
    from scripts.make_example_images import fei_text, save_fei
    from semscan.phantoms.render import RenderParams, add_databar, render_sem
    from tests._synthetic import disc_pores

    pore = disc_pores((side, side), porosity=0.42, radius=9.0, seed=1)
    if side <= WHOLE_MAX_SIDE:
        img = render_sem(pore, seed=1, params=RenderParams(noise=0.06, gradient=0.12))
        img = add_databar(img, height_px=BAR, scale_bar_px=200, scale_label="2 um")
        save_fei(path, img, pixel_size_um=0.01, databar=BAR)
        return path
    import tifffile

    u8 = np.empty((side + BAR, side), np.uint8)
    _tiled_u8(pore, u8[:side], render_sem, RenderParams(noise=0.06, gradient=0.0))
    del pore
    bar = add_databar(np.zeros((16, side), np.float32), height_px=BAR, scale_bar_px=200,
                      scale_label="2 um")[16:]
    u8[side:] = np.clip(np.round(bar * 255), 0, 255).astype(np.uint8)  # as save_fei does
    del bar
    text = fei_text(pixel_size_m=0.01e-6, width=side, height=side, databar=BAR,
                    mag=round(0.127 / (0.01e-6 * side)))
    tifffile.imwrite(path, u8, photometric="minisblack", extratags=[(34682, "s", 0, text, True)])
    return path


def _tiled_u8(pore: np.ndarray, out: np.ndarray, render_sem, params) -> None:
    """``out`` (uint8, the shape of ``pore``) rendered tile by tile: each ``TILE`` square
    with a ``HALO`` of the global mask around it (seed = tile number), plus one global
    ramp of 0.12 (the whole render's ``gradient``) in float32, clipped and quantised as
    ``save_fei`` does."""
    rows, cols = pore.shape
    angle = np.random.default_rng(1).uniform(0, 2 * np.pi)
    ramp_lo = min(0.0, np.cos(angle)) + min(0.0, np.sin(angle))
    ramp_span = abs(np.cos(angle)) + abs(np.sin(angle))
    k = 0
    for r0 in range(0, rows, TILE):
        for c0 in range(0, cols, TILE):
            r1, c1 = min(rows, r0 + TILE), min(cols, c0 + TILE)
            a, b = max(0, r0 - HALO), min(rows, r1 + HALO)
            c, d = max(0, c0 - HALO), min(cols, c1 + HALO)
            k += 1
            img = render_sem(pore[a:b, c:d], seed=k, params=params)[r0 - a : r1 - a,
                                                                     c0 - c : c1 - c]
            yy = (np.arange(r0, r1, dtype=np.float32) / rows)[:, None]
            xx = (np.arange(c0, c1, dtype=np.float32) / cols)[None, :]
            ramp = np.float32(np.cos(angle)) * xx + np.float32(np.sin(angle)) * yy
            ramp = (ramp - np.float32(ramp_lo)) / np.float32(ramp_span) - np.float32(0.5)
            img += np.float32(0.12) * ramp
            out[r0:r1, c0:c1] = np.clip(np.round(img * 255), 0, 255).astype(np.uint8)


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
    print(f"{'pixels':>12} {'traced B/px':>12} {'RSS growth B/px':>16} {'peak RSS B/px':>14}"
          f" {'peak RSS GB':>12}")
    for r in rows:
        n = r["pixels"]
        print(f"{n:12d} {r['traced'] / n:12.1f} {r['rss_growth'] / n:16.1f}"
              f" {r['rss_peak'] / n:14.1f} {r['rss_peak'] / 1e9:12.2f}")
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
