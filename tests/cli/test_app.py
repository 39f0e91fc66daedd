"""semscan.cli.app: the `semscan` command as a whole (version, help, console script)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from semscan.cli.app import app
from tests.cli._helpers import runner


def test_version():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout.startswith("semscan ")


def test_console_script_installed():
    exe = Path(sys.executable).parent / "semscan"
    res = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True)
    assert "analyze" in res.stdout and "info" in res.stdout


@pytest.mark.parametrize("command", ["", "analyze", "config", "info", "train-pixels",
                                     "train-classifier", "evaluate-classifier"])
def test_h_is_help_on_every_command(command):
    args = [command, "-h"] if command else ["-h"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.stdout and "--help" in res.stdout
