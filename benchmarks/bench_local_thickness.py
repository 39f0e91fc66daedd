#!/usr/bin/env python3
"""Local thickness and column chords, before/after (issue 23), with PoreSpy ratios.

    .venv/bin/python benchmarks/bench_local_thickness.py [--repeats 5]

One core (OpenCV, BLAS and numba threads 1), CPU time (``time.process_time``), median of
``--repeats``. "previous" is main's method before the seed pruning (margin-dominated seeds,
each level dilated, stamped or distance-transformed; benchmarks/_previous_local_thickness.py),
"ours" is semscan's ``_fast``; the maps are checked equal. PoreSpy's ``local_thickness``
(method 'bf', integer radii: a different quantisation, so only the times compare) when
installed. Peak: the largest traced allocation above the inputs during one call
(``tracemalloc``; numpy and OpenCV's Python arrays), in bytes per pixel, the output map
included. Masks: synthetic Boolean discs, and the real micrographs particles_fei.tif and
gt/bam_tio2/SEM/1908258.tif segmented by semscan (skipped when absent). Prints a table;
asserts nothing.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

cv2.setNumThreads(1)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from semscan._morphology import exact_distance  # noqa: E402
from semscan.measure.chords import _transposed  # noqa: E402
from semscan.measure.local_thickness import _fast  # noqa: E402
from semscan.phantoms.geometry import boolean_discs  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _previous_local_thickness import previous_fast as before  # noqa: E402

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.process_time()
        out = fn()
        times.append(time.process_time() - t)
    return statistics.median(times), out


def peak_bytes_per_px(fn, n_px):
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / n_px


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    masks = {"boolean discs 1024^2": ~boolean_discs((1024, 1024), intensity_per_px2=0.0004,
                                                    radius_px=14, seed=1)}
    for rel in ("particles_fei.tif", "gt/bam_tio2/SEM/1908258.tif"):
        path = REAL / rel
        if path.exists():
            from semscan.pipeline import analyze_path

            res = analyze_path(path)
            reg = res.region if res.region is not None else True
            masks[f"{path.stem} {res.segmentation.pore.shape}"] = res.segmentation.pore & reg
    try:
        import porespy
    except ImportError:
        porespy = None
        print("PoreSpy is not installed: its column is NaN")
    print(f"{'mask':30} {'previous s':>10} {'ours s':>7} {'prev/ours':>9} {'same':>5} "
          f"{'porespy s':>9} {'ps/ours':>7} {'prev B/px':>9} {'ours B/px':>9}")
    for name, pore in masks.items():
        dist = exact_distance(pore)
        tb, a = median_time(lambda: before(pore, dist), args.repeats)  # noqa: B023
        ta, b = median_time(lambda: _fast(pore, dist), args.repeats)  # noqa: B023
        mb = peak_bytes_per_px(lambda: before(pore, dist), pore.size)  # noqa: B023
        ma = peak_bytes_per_px(lambda: _fast(pore, dist), pore.size)  # noqa: B023
        tp = math.nan
        if porespy is not None:
            def ps():
                return porespy.filters.local_thickness(pore, method="bf")  # noqa: B023

            ps()  # numba compiles on the first call
            tp, _ = median_time(ps, args.repeats)
        print(f"{name:30} {tb:10.3f} {ta:7.3f} {tb / ta:9.1f} {np.array_equal(a, b)!s:>5} "
              f"{tp:9.3f} {tp / ta:7.1f} {mb:9.1f} {ma:9.1f}")
    big = np.random.default_rng(0).random((4096, 4096)) < 0.5
    tn, x = median_time(lambda: np.ascontiguousarray(big.T), args.repeats)
    tc, y = median_time(lambda: _transposed(big), args.repeats)
    print(f"\ncolumn-chord transpose 4096^2: numpy {tn * 1e3:.1f} ms, cv2 {tc * 1e3:.1f} ms, "
          f"same={np.array_equal(x, y)}")


if __name__ == "__main__":
    main()
