"""Shared helpers of the command-line tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import tifffile
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
runner = CliRunner()


def _fei_tiff(path: Path, image: np.ndarray, pixel_m: float = 1e-8) -> Path:
    text = f"[Scan]\r\nPixelWidth={pixel_m}\r\nPixelHeight={pixel_m}\r\n"
    tifffile.imwrite(path, image, extratags=[(34682, "s", 0, text, True)])
    return path


def _semscan(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-c", "from semscan.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def _no_image_read(out: Path) -> bool:
    """Nothing was analysed: the output folder (made just before the first image is read)
    does not exist."""
    return not out.exists()
