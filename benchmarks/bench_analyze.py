#!/usr/bin/env python3
"""Full analysis of a 1536x1103 SEM-like image: time per stage, peak memory, batch throughput.

    .venv/bin/python benchmarks/bench_analyze.py [--images 50] [--repeats 7]

Runs on one core (OpenCV and BLAS threads set to 1) for the per-stage table; the batch
table compares ``--jobs 1`` and ``--jobs 2`` on the same images. Prints tables only;
nothing here is asserted.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
cv2.setNumThreads(1)

from scripts.make_example_images import save_fei  # noqa: E402
from semscan.config import AnalysisConfig  # noqa: E402
from semscan.phantoms.render import RenderParams, add_databar, render_sem  # noqa: E402
from semscan.pipeline import BatchTask, analyze_path  # noqa: E402
from semscan.report.batch import run_batch  # noqa: E402
from semscan.report.overlay import render_overlay  # noqa: E402
from tests._synthetic import disc_pores  # noqa: E402


def make_image(path: Path, seed: int) -> Path:
    pore = disc_pores((1024, 1536), porosity=0.42, radius=9.0, seed=seed)
    img = render_sem(pore, seed=seed, params=RenderParams(noise=0.06, gradient=0.12))
    img = add_databar(img, height_px=79, scale_bar_px=200, scale_label="2 um")
    save_fei(path, img, pixel_size_um=0.01, databar=79)
    return path


def stage_table(path: Path, repeats: int) -> None:
    configs = {
        "default (all stages)": AnalysisConfig(),
        "without local thickness": AnalysisConfig().with_overrides(
            {"measure.local_thickness": False}
        ),
        "core only (no LT, no class, no dense chords, no MIL)": AnalysisConfig().with_overrides(
            {"measure.local_thickness": False, "classify.enabled": False,
             "measure.dense_chords": False, "measure.mil_step_deg": 0.0}
        ),
    }
    for title, cfg in configs.items():
        analyze_path(path, config=cfg)  # warm-up: imports, model load
        per_stage: dict[str, list[float]] = {}
        totals, overlay = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            res = analyze_path(path, config=cfg, view="surface", view_source="given")
            totals.append(time.perf_counter() - t)
            for k, v in res.timings.items():
                per_stage.setdefault(k, []).append(v)
            t = time.perf_counter()
            render_overlay(res)
            overlay.append(time.perf_counter() - t)
        tracemalloc.start()
        analyze_path(path, config=cfg, view="surface", view_source="given")
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(f"\n## {title}: 1536x1103 FEI TIFF, one core, median of {repeats}")
        print(f"{'stage':<18}{'median s':>10}{'min s':>10}")
        for k, v in per_stage.items():
            print(f"{k:<18}{statistics.median(v):>10.4f}{min(v):>10.4f}")
        print(f"{'TOTAL analysis':<18}{statistics.median(totals):>10.4f}{min(totals):>10.4f}")
        print(f"{'overlay render':<18}{statistics.median(overlay):>10.4f}{min(overlay):>10.4f}")
        print(f"peak traced memory (numpy + Python): {peak:.1f} MiB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max RSS of this process so far: {rss:.0f} MiB")


def batch_table(folder: Path, n: int) -> None:
    tasks = [BatchTask(str(p)) for p in sorted(folder.glob("*.tif"))][:n]
    cfg = AnalysisConfig().with_overrides({"measure.local_thickness": False})
    rows = []
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            summary = run_batch(tasks, out_dir=out, config=cfg, jobs=jobs)
            rows.append((jobs, time.perf_counter() - t, summary.analysed))
    print(f"\n## batch of {n} images (all outputs written, no local thickness)")
    print(f"{'jobs':>5}{'seconds':>10}{'images/s':>10}{'speed-up':>10}")
    for jobs, sec, done in rows:
        print(f"{jobs:>5}{sec:>10.2f}{done / sec:>10.2f}{rows[0][1] / sec:>10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--part", choices=("all", "stages", "batch"), default="all")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n = args.images if args.part != "stages" else 1
        for i in range(n):
            make_image(folder / f"img{i:03d}.tif", seed=i)
        if args.part in ("all", "stages"):
            stage_table(folder / "img000.tif", args.repeats)
        if args.part in ("all", "batch"):
            batch_table(folder, args.images)


if __name__ == "__main__":
    main()
