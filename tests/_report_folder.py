"""One analysed output folder with its reports (the ``report_folder`` fixture of tests/conftest.py).

The bundled samples (data/) as sample ``lotA`` (a surface and a cross-section), a crop of
the surface image named with ``<script>`` in sample ``lotB``, and in sample ``lotC`` a
flat noise image (verdict unreliable) and a file that is no image (a failure). The folder
is analysed with ``semscan analyze --report`` through the real CLI.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import tifffile
from typer.testing import CliRunner

from tests._synthetic import write_fei_tiff

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
HOSTILE_NAME = '<script>alert("x") & <b>co.tif'


def reports_available() -> str | None:
    """Why the reports cannot be built here (a missing package), or None."""
    from semscan.report.build import missing_packages

    missing = missing_packages()
    return f"not installed: {', '.join(missing)}" if missing else None


def make_report_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder (with report.html, report.pdf, results.xlsx)."""
    why = reports_available()
    if why:
        pytest.skip(f"the reports extra is missing ({why})")
    from semscan.cli.app import app

    root = tmp_path_factory.mktemp("reports")
    lots = {name: root / "in" / name for name in ("lotA", "lotB", "lotC")}
    for folder in lots.values():
        folder.mkdir(parents=True)
    shutil.copy(DATA / "sample_surface.tif", lots["lotA"] / "sample_surface.tif")
    shutil.copy(DATA / "sample_cross_section.tif", lots["lotA"] / "sample_cross_section.tif")
    surface = tifffile.imread(DATA / "sample_surface.tif")  # its top-left 320 px, same scale
    write_fei_tiff(lots["lotB"] / HOSTILE_NAME, surface[:320, :320] / 255.0)
    rng = np.random.default_rng(0)
    write_fei_tiff(lots["lotC"] / "flat.tif", 0.5 + rng.normal(0, 0.002, (256, 256)))
    (lots["lotC"] / "broken.tif").write_bytes(b"not a tiff")
    out = root / "out"
    res = CliRunner().invoke(
        app, ["analyze", str(root / "in"), "--out", str(out), "--jobs", "1", "--report"]
    )
    assert isinstance(res.exception, SystemExit), res.exception  # no crash
    assert res.exit_code == 1, res.output  # the broken file fails; the rest is analysed
    assert (out / "report.html").is_file(), res.output
    return out
