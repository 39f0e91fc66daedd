"""`semscan report`: through Typer's runner on the session's output folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from semscan.cli.app import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def test_report_one_sample_html_only(report_folder):
    res = runner.invoke(app, ["report", str(report_folder), "--format", "html",
                              "--sample", "lotA"])
    assert res.exit_code == 0, res.output
    page = report_folder / "report-lotA.html"
    assert f"report: {page}" in res.output
    text = page.read_text(encoding="utf-8")
    assert "sample_surface.tif" in text and "flat.tif" not in text
    assert not (report_folder / "report-lotA.pdf").exists()


def test_report_errors_say_what_to_do(report_folder, tmp_path):
    res = runner.invoke(app, ["report", str(report_folder), "--format", "docx"])
    assert res.exit_code == 2 and "html, pdf, xlsx" in res.output
    res = runner.invoke(app, ["report", str(tmp_path)])
    assert res.exit_code == 2 and "semscan analyze" in res.output
    res = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert res.exit_code == 2 and "is not a folder" in res.output
    res = runner.invoke(app, ["report", str(report_folder), "--sample", "nope"])
    assert res.exit_code == 2 and "lotA" in res.output


def test_without_the_reports_extra_it_says_how_to_install(report_folder):
    # a package that cannot be imported, as when it is not installed
    code = ("import sys; sys.modules['weasyprint'] = None; from semscan.cli import main; "
            f"sys.argv = ['semscan', 'report', {str(report_folder)!r}]; main()")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert res.returncode == 2
    assert "weasyprint" in res.stderr and 'pip install "semscan[reports]"' in res.stderr
