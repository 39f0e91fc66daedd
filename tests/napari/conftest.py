"""Fixtures of the napari plugin's tests: an analysed output folder of small images."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.napari._files import disc_image, write_fei


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from semscan.cli import main; main()", *args],
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="session")
def out_folder(tmp_path_factory) -> Path:
    """Two FEI images (one with a 20-row data bar) analysed by ``semscan analyze --out
    --save-masks``; returns the output folder (its inputs are in ``<out>/../lot``)."""
    root = tmp_path_factory.mktemp("napari_out")
    lot = root / "lot"
    lot.mkdir()
    for i, bar in enumerate((20, 0)):
        grey, _ = disc_image(seed=i)
        write_fei(lot / f"img{i}.tif", grey, bar=bar)
    out = root / "out"
    res = run_cli("analyze", str(lot), "--out", str(out), "--jobs", "1", "--save-masks",
                  "--view", "surface")
    assert res.returncode == 0, res.stdout + res.stderr
    return out
