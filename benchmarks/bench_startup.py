#!/usr/bin/env python3
"""Start-up: wall time of a one-image ``semscan analyze`` run, and what it is made of.

    .venv/bin/python benchmarks/bench_startup.py [--repeats 3] [--image data/sample_surface.tif]

Each figure is the median of ``--repeats`` fresh processes (the code imported from the
first ``PYTHONPATH`` entry, else this checkout): the bare interpreter, ``import semscan``,
importing the CLI, loading the default models, and the whole one-image ``semscan analyze``
(all outputs, into a fresh folder) against the same image analysed warm in one process.
The issue's goal is a one-image run <= 1.5 s wall. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STEPS = {
    "python (no imports)": "pass",
    "import semscan": "import semscan",
    "import semscan.cli.app": "import semscan.cli.app",
    "load_models(default)": ("from semscan.config import AnalysisConfig\n"
                             "from semscan.pipeline import load_models\n"
                             "load_models(AnalysisConfig())"),
}

WARM = r"""
import sys, time
from semscan.config import AnalysisConfig
from semscan.pipeline import analyze_path, load_models
cfg = AnalysisConfig(); models = load_models(cfg)
analyze_path(sys.argv[1], config=cfg, models=models)
t = time.perf_counter(); analyze_path(sys.argv[1], config=cfg, models=models)
print(time.perf_counter() - t)
"""


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--image", type=Path, default=ROOT / "data" / "sample_surface.tif")
    args = ap.parse_args()
    code_root = os.environ.get("PYTHONPATH", str(ROOT)).split(os.pathsep)[0]
    env = dict(os.environ, PYTHONPATH=code_root, OMP_NUM_THREADS="1")
    rows = []
    for name, code in STEPS.items():
        secs = [_wall([sys.executable, "-c", code], env) for _ in range(args.repeats)]
        rows.append((name, statistics.median(secs)))
    cli = [sys.executable, "-c", "import sys; from semscan.cli import main; sys.exit(main())"]
    secs = []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as out:
            secs.append(_wall([*cli, "analyze", str(args.image), "--out", out], env))
    rows.append((f"semscan analyze {args.image.name} (one image, all outputs)",
                 statistics.median(secs)))
    warm = [float(subprocess.run([sys.executable, "-c", WARM, str(args.image)], env=env,
                                 check=True, capture_output=True, text=True).stdout.split()[-1])
            for _ in range(args.repeats)]
    rows.append((f"analyze_path {args.image.name}, warm (no outputs)", statistics.median(warm)))
    print(f"code from {code_root}; median of {args.repeats} fresh processes")
    print(f"{'what':64} {'wall s':>8}")
    for name, sec in rows:
        print(f"{name:64} {sec:8.3f}")
    print(f"{'start-up and outputs (one-image run - warm analysis)':64} "
          f"{rows[-2][1] - rows[-1][1]:8.3f}")


if __name__ == "__main__":
    main()
