#!/usr/bin/env python3
"""Re-measure time at 1536 x 1103: quick and complete, before and after the first edit.

    .venv/bin/python benchmarks/bench_remeasure.py [--repeats 3]

The reviewer's loop in napari (issue 20): an image is analysed once, then a label image
edited in the file's grid is re-measured (:func:`semscan.pipeline.remeasure.remeasure`).
Images, each 1536 x 1103: ``particles_fei.tif`` from the shared real micrographs when
present (a surface, data bar included), a rendered Boolean-ellipse surface and a
cross-section tilted by 12 degrees (measured in its rotated film frame), both from
:mod:`semscan.phantoms`. One core (OpenCV, OpenMP and BLAS threads 1), models loaded once.
Rows: ``quick`` (intercepts, porosity, MIL, chords, cross-section), ``complete cold``
(everything, the first re-measure of the image: nothing kept yet), ``complete`` (everything,
after an edit: a 60 x 60 px block of pores erased, each repeat at another place; the
local-thickness map, the verdict's grey signals and the unchanged fields' structure
features are kept from the measurement before). Wall and CPU seconds, median of
``--repeats``: on a machine shared with other jobs the CPU time is the one to read.
Prints; asserts nothing.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

cv2.setNumThreads(1)

from semscan.config import AnalysisConfig  # noqa: E402
from semscan.micrograph import Micrograph  # noqa: E402
from semscan.phantoms.films import imaged_cross_section  # noqa: E402
from semscan.phantoms.geometry import boolean_ellipses  # noqa: E402
from semscan.phantoms.render import render_sem  # noqa: E402
from semscan.pipeline import analyze_micrograph, analyze_path, load_models  # noqa: E402
from semscan.pipeline.remeasure import remeasure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHAPE = (1103, 1536)


def _real() -> Path | None:
    for base in (ROOT.parent / "shared", Path("/work/shared")):
        p = base / "data" / "real" / "particles_fei.tif"
        if p.exists():
            return p
    return None


def images(cfg: AnalysisConfig, models) -> list[tuple[str, object]]:
    out = []
    real = _real()
    if real is not None:
        out.append(("particles_fei.tif (real surface)", analyze_path(real, config=cfg,
                                                                       models=models)))
    pore = boolean_ellipses(SHAPE, intensity_per_px2=0.0015, a_px=12, b_px=7, seed=1)
    grey = render_sem(pore, seed=1)
    out.append(("rendered surface", analyze_micrograph(
        Micrograph.from_array(grey, pixel_size_um=0.01), config=cfg, view="surface",
        models=models)))
    img, _, _, _ = imaged_cross_section(SHAPE, supersample=2, thickness_px=600, a_px=24,
                                        b_px=8, tilt_deg=12.0, porosity=0.5, seed=1,
                                        render_seed=1)
    out.append(("cross-section tilted 12 deg", analyze_micrograph(
        Micrograph.from_array(img, pixel_size_um=0.01), config=cfg, view="cross-section",
        models=models)))
    return out


def _timed(fn: Callable[..., object], *args: object, **kwargs: object) -> tuple[float, float]:
    c, t = time.process_time(), time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t, time.process_time() - c


def _edit(labels: np.ndarray, i: int) -> np.ndarray:
    out = labels.copy()
    rows, cols = np.nonzero(labels == 1)
    k = len(rows) * (i + 1) // 5  # another pore each time
    r0 = int(np.clip(rows[k] - 30, 0, labels.shape[0] - 60))
    c0 = int(np.clip(cols[k] - 30, 0, labels.shape[1] - 60))
    block = out[r0 : r0 + 60, c0 : c0 + 60]
    block[block == 1] = 0
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    cfg = AnalysisConfig()
    models = load_models(cfg)
    print(f"{'image':32} {'re-measure':14} {'wall s':>8} {'cpu s':>8}")
    for name, res in images(cfg, models):
        labels = res.labels_full
        rows: dict[str, list[tuple[float, float]]] = {"quick": [], "complete cold": [],
                                                      "complete": []}
        for i in range(args.repeats):
            fresh = dataclasses.replace(res)  # a result with nothing kept
            rows["quick"].append(_timed(remeasure, fresh, labels, models=models, quick=True))
            rows["complete cold"].append(_timed(remeasure, fresh, labels, models=models))
            edited = _edit(labels, i)
            rows["complete"].append(_timed(remeasure, fresh, edited, models=models))
        for what, times in rows.items():
            wall = statistics.median(t[0] for t in times)
            cpu = statistics.median(t[1] for t in times)
            print(f"{name:32} {what:14} {wall:8.3f} {cpu:8.3f}", flush=True)


if __name__ == "__main__":
    main()
