#!/usr/bin/env python3
"""Set up semscan in a local virtual environment and run its two jobs (stdlib only).

    python3 tasks.py run    # install (once), analyse the sample images in data/, write the report
    python3 tasks.py test   # install (once) with test tools, then ruff + the full test suite

The environment lives in ``.venv`` beside this file and is reused while ``pyproject.toml``
is unchanged. Set ``SEMSCAN_VENV`` to put it elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SEMSCAN_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def _sh(*args: object, **kwargs: object) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)  # type: ignore[arg-type]


def ensure_env(extras: str) -> None:
    """Create the venv and install semscan with ``extras`` unless already done."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:12]
    stamp = VENV / f".semscan-installed-{extras or 'base'}-{digest}"
    if stamp.exists():
        return
    if not PY.exists():
        _sh(sys.executable, "-m", "venv", VENV)
        _sh(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    _sh(PY, "-m", "pip", "install", "--quiet", "-e", target)
    stamp.touch()


def run() -> int:
    ensure_env("reports")
    out = ROOT / "out" / "samples"
    # --whiskers: data/whisker_film/ is a whisker-filled film (the other samples have none
    # and are measured as without it); the densities give its polymer : whisker weight ratio
    _sh(BIN / "semscan", "analyze", ROOT / "data", "--out", out, "--report", "--whiskers",
        "--density", "polymer=1.38,whisker=3.3")
    print(f"report: {out / 'report.html'} (also report.pdf, results.xlsx)", flush=True)
    return 0


def test(pytest_args: list[str]) -> int:
    ensure_env("dev")
    _sh(BIN / "ruff", "check", ".")
    env = dict(os.environ, MPLBACKEND="Agg")
    args = pytest_args or ["-n", "2"]
    command = [str(PY), "-m", "pytest", *args]
    # The napari plugin's tests need an X display (Qt's offscreen platform has no GL
    # context for napari's canvas): run the suite under a virtual X server when there is
    # no display; without one, those tests skip and say why.
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        if shutil.which("xvfb-run"):
            command = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", *command]
        else:
            env["QT_QPA_PLATFORM"] = "offscreen"
            print("xvfb-run not found: the napari viewer tests will be skipped", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=env)
    return result.returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    try:
        return run() if argv[0] == "run" else test(argv[1:])
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
