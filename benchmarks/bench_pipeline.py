#!/usr/bin/env python3
"""Per-stage time of ``analyze_path`` on the bundled samples and a real micrograph.

    .venv/bin/python benchmarks/bench_pipeline.py [--repeats 5]

One core (OpenCV, OpenMP and BLAS threads 1), warm (models loaded once, one untimed run
first), median of ``--repeats`` per stage from the result's ``timings``. Images:
``data/sample_surface.tif``, ``data/sample_cross_section.tif`` and, when present,
``/work/shared/data/real/particles_fei.tif`` (1536 x 1103 with its data bar). Run it with
another checkout first on ``PYTHONPATH`` for a before/after table. Prints; asserts nothing.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402

cv2.setNumThreads(1)

from semscan.config import AnalysisConfig  # noqa: E402
from semscan.pipeline import analyze_path, load_models  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"


def images(real_dir: Path = REAL) -> list[Path]:
    out = [ROOT / "data" / "sample_surface.tif", ROOT / "data" / "sample_cross_section.tif"]
    real = real_dir / "particles_fei.tif"
    if real.exists():
        out.append(real)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--real", type=Path, default=REAL,
                    help="folder of the real micrographs (default: ../shared/data/real)")
    args = ap.parse_args()
    cfg = AnalysisConfig()
    models = load_models(cfg)
    for path in images(args.real):
        analyze_path(path, config=cfg, models=models)  # warm
        stages: dict[str, list[float]] = {}
        walls = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            res = analyze_path(path, config=cfg, models=models)
            walls.append(time.perf_counter() - t)
            for name, sec in dict(res.timings).items():
                stages.setdefault(name, []).append(sec)
        print(f"\n{path.name} {res.file_shape}: total {statistics.median(walls):.3f} s "
              f"(median of {args.repeats})")
        for name, secs in sorted(stages.items(), key=lambda kv: -statistics.median(kv[1])):
            print(f"  {name:18} {statistics.median(secs) * 1e3:9.1f} ms")
        t = time.perf_counter()
        analyze_path(path, config=cfg)
        print(f"  without models=   {time.perf_counter() - t:9.3f} s (model from the cache)")


if __name__ == "__main__":
    main()
