#!/usr/bin/env python3
"""Start-up: wall and CPU time of a one-image ``semscan analyze`` run, phase by phase.

    .venv/bin/python benchmarks/bench_startup.py [--repeats 5] [--image data/sample_surface.tif]

Each figure is the median of ``--repeats`` fresh processes (the code imported from the
first ``PYTHONPATH`` entry, else this checkout), into a fresh output folder:

* **the real run**: ``semscan analyze IMAGE --out DIR`` as a user types it (the image
  analysed in a forked worker process, as always); wall time, and CPU time of the process
  and its worker together;
* **its phases**: the same command in one process, the worker's work done in the main
  process (``isolate=False``) so that it can be timed: the bare interpreter, importing the
  CLI, the command up to the analysis (configuration, input hashing, the folder lock),
  loading and validating the models, the analysis, the per-image outputs (chord table,
  overlay PNG, image JSON), the tables and ``run.json``, the summary, and exit;
* the same image analysed **warm** (second call in one process, models loaded): what
  start-up and outputs add to a one-image run is the difference.

The issue's goal is a one-image run <= 1.5 s wall (issue 23). Byte-code caches are used as
an installed package uses them (``PYTHONDONTWRITEBYTECODE`` is unset, the caches go to a
temporary ``PYTHONPYCACHEPREFIX``, filled by one unmeasured run). Prints a table; asserts
nothing. On a loaded machine the CPU column is the one to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The one-image command in one process, each phase timed (wall, CPU) by wrapping the
# function that does it. Prints one JSON line of {phase: [wall, cpu]} and the time stamps.
PHASES = r"""
import json, os, sys, time
T0 = (time.time(), time.process_time())
PHASES = {}

def timed(owner, name, phase):
    inner = getattr(owner, name)
    def wrapper(*a, **k):
        w, c = time.perf_counter(), time.process_time()
        try:
            return inner(*a, **k)
        finally:
            old = PHASES.get(phase, (0.0, 0.0))
            PHASES[phase] = (old[0] + time.perf_counter() - w, old[1] + time.process_time() - c)
    setattr(owner, name, wrapper)

w, c = time.perf_counter(), time.process_time()
import semscan.cli.app  # noqa: F401  (what `semscan` imports before parsing the command)
import semscan.cli.analyze as cli_analyze
import semscan.report.batch as rb
import semscan.pipeline.batch as pb
import semscan.report.outputs as ro
PHASES["import the CLI"] = (time.perf_counter() - w, time.process_time() - c)
timed(cli_analyze, "build_config", "configuration")
timed(rb, "load_models", "model load + validation")
timed(pb, "analyze_path", "analysis (first call in the process)")
timed(ro.ImageOutputWriter, "__call__", "per-image outputs (chords, overlay, JSON)")
timed(rb, "write_run_json", "tables and run.json")
timed(rb, "rebuild_tables", "tables and run.json")
timed(cli_analyze, "_print_summary", "summary on the terminal")
batch = rb.analyze_batch
rb.analyze_batch = lambda *a, **k: batch(*a, **{**k, "isolate": False})
from semscan.cli import main
w, c = time.perf_counter(), time.process_time()
try:
    main()
except SystemExit:
    pass
PHASES["command (all)"] = (time.perf_counter() - w, time.process_time() - c)
sys.stderr.write("PHASES " + json.dumps({"phases": PHASES, "t0": T0,
                                         "end": (time.time(), time.process_time())}) + "\n")
"""

WARM = r"""
import sys, time
from semscan.config import AnalysisConfig
from semscan.pipeline import analyze_path, load_models
cfg = AnalysisConfig(); models = load_models(cfg)
analyze_path(sys.argv[1], config=cfg, models=models)
w, c = time.perf_counter(), time.process_time()
analyze_path(sys.argv[1], config=cfg, models=models)
print(time.perf_counter() - w, time.process_time() - c)
"""

ORDER = [
    "interpreter start",
    "import the CLI",
    "configuration",
    "model load + validation",
    "analysis (first call in the process)",
    "per-image outputs (chords, overlay, JSON)",
    "tables and run.json",
    "summary on the terminal",
    "rest of the command (parsing, hashing, lock, logging)",
    "exit",
]


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time, CPU time (the process and its children) and stderr of ``cmd``.

    Run in the code's own folder: ``python -c`` puts the working folder first on the
    module path, so run from another checkout it would import that checkout's semscan.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False,
                         cwd=env["PYTHONPATH"].split(os.pathsep)[0])
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({res.returncode}):\n{res.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, res.stderr


def _phases(image: Path, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """One in-process run of the command, split into the phases of ORDER."""
    with tempfile.TemporaryDirectory() as out:
        launched = time.time()
        wall, cpu, err = _run([sys.executable, "-c", PHASES, "analyze", str(image), "--out",
                               out], env)
    line = next(s for s in err.splitlines() if s.startswith("PHASES "))
    data = json.loads(line[len("PHASES "):])
    got = {k: tuple(v) for k, v in data["phases"].items()}
    t0_wall, t0_cpu = data["t0"]
    end_wall, end_cpu = data["end"]
    command = got.pop("command (all)")
    named = sum(v[0] for k, v in got.items() if k != "import the CLI")
    named_cpu = sum(v[1] for k, v in got.items() if k != "import the CLI")
    got["interpreter start"] = (t0_wall - launched, t0_cpu)
    got["rest of the command (parsing, hashing, lock, logging)"] = (
        command[0] - named, command[1] - named_cpu)
    got["exit"] = (wall - (end_wall - launched), cpu - end_cpu)
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--image", type=Path, default=ROOT / "data" / "sample_surface.tif")
    args = ap.parse_args()
    args.image = args.image.resolve()  # the runs are made in the code's folder
    code_root = os.environ.get("PYTHONPATH", str(ROOT)).split(os.pathsep)[0]
    cache = tempfile.mkdtemp(prefix="semscan-pycache-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=code_root, OMP_NUM_THREADS="1", PYTHONPYCACHEPREFIX=cache)
    cli = [sys.executable, "-c", "import sys; from semscan.cli import main; sys.exit(main())"]

    def real_run() -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as out:
            wall, cpu, _ = _run([*cli, "analyze", str(args.image), "--out", out], env)
        return wall, cpu

    real_run()  # fills the byte-code cache
    real = [real_run() for _ in range(args.repeats)]
    bare = [_run([sys.executable, "-c", "pass"], env)[:2] for _ in range(args.repeats)]
    phases = [_phases(args.image, env) for _ in range(args.repeats)]
    warm = []
    for _ in range(args.repeats):
        res = subprocess.run([sys.executable, "-c", WARM, str(args.image)], env=env,
                             check=True, capture_output=True, text=True, cwd=code_root)
        warm.append(tuple(float(v) for v in res.stdout.split()[-2:]))

    def med(values: list[tuple[float, float]]) -> tuple[float, float]:
        return (statistics.median(v[0] for v in values), statistics.median(v[1] for v in values))

    print(f"code from {code_root}; {args.image.name}; median of {args.repeats} fresh processes;"
          f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':60} {'wall s':>8} {'CPU s':>8}")
    w, c = med(real)
    print(f"{'semscan analyze IMAGE --out DIR (one image, all outputs)':60} {w:8.3f} {c:8.3f}")
    w, c = med(bare)
    print(f"{'  python -c pass (bare interpreter, for reference)':60} {w:8.3f} {c:8.3f}")
    print("the same command in one process, by phase:")
    total_w = total_c = 0.0
    for name in ORDER:
        w, c = med([p.get(name, (0.0, 0.0)) for p in phases])
        total_w, total_c = total_w + w, total_c + c
        print(f"  {name:58} {w:8.3f} {c:8.3f}")
    print(f"  {'sum of the medians':58} {total_w:8.3f} {total_c:8.3f}")
    w, c = med(warm)
    print(f"{'analyze_path IMAGE, warm (second call, no outputs)':60} {w:8.3f} {c:8.3f}")
    rw, rc = med(real)
    print(f"{'start-up and outputs (the real run - warm analysis)':60} {rw - w:8.3f} {rc - c:8.3f}")


if __name__ == "__main__":
    main()
