"""The `semscan` command, run for real through Typer's runner and as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile
from typer.testing import CliRunner

from semscan.cli.app import app
from semscan.config import AnalysisConfig

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
runner = CliRunner()


def _fei_tiff(path: Path, image: np.ndarray, pixel_m: float = 1e-8) -> Path:
    text = f"[Scan]\r\nPixelWidth={pixel_m}\r\nPixelHeight={pixel_m}\r\n"
    tifffile.imwrite(path, image, extratags=[(34682, "s", 0, text, True)])
    return path


def test_version():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout.startswith("semscan ")


def test_info_lists_calibration_and_fails_on_bad_file(tmp_path):
    good = _fei_tiff(tmp_path / "good.tif", np.full((64, 80), 100, np.uint8))
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff at all")
    res = runner.invoke(app, ["info", str(good), str(bad)])
    assert res.exit_code == 1
    assert "good.tif: 80x64 px uint8; 10 nm/px (file: FEI" in res.stdout
    assert "bad.tif" in res.stderr and "cannot read" in res.stderr


def test_info_pixel_size_override(tmp_path):
    png = tmp_path / "plain.png"
    import cv2

    cv2.imwrite(str(png), np.full((40, 40), 128, np.uint8))
    res = runner.invoke(app, ["info", str(png), "--pixel-size-um", "0.05"])
    assert res.exit_code == 0, res.stderr
    assert "50 nm/px (user" in res.stdout


def test_config_default_round_trips(tmp_path):
    res = runner.invoke(app, ["config", "--default"])
    assert res.exit_code == 0
    text = res.stdout
    assert "[measure]" in text and "n_lines = 50" in text
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text(text)
    assert AnalysisConfig.load(cfg_file) == AnalysisConfig()


def test_config_rejects_unknown_option(tmp_path):
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text("[measure]\nn_line = 3\n")
    res = runner.invoke(app, ["config", "--config", str(cfg_file)])
    assert res.exit_code == 2
    assert "unknown option 'measure.n_line'" in res.stderr


def test_console_script_installed():
    exe = Path(sys.executable).parent / "semscan"
    res = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True)
    assert "analyze" in res.stdout and "info" in res.stdout
