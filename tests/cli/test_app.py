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


def test_the_cli_freezes_what_is_left_when_it_ends():
    """At the end of a command the CLI freezes the objects left (the interpreter's final
    collections then skip them: 0.2 s of CPU at the exit of a one-image `analyze`)."""
    script = ("import gc, sys\nfrom semscan.cli import main\nsys.argv = ['semscan', '--version']\n"
              "before = gc.get_freeze_count()\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
              "print(before, gc.get_freeze_count() > 0)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-2:] == ["0", "True"]
