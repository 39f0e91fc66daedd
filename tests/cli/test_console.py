"""semscan.cli._console: messages printed in command-line terms, errors exit 2."""

from __future__ import annotations

import pytest
import typer

from semscan.cli import _console


def test_msg_names_flags_and_prints_brackets_as_they_are():
    assert _console.msg("pass pixel_size_um= to calibrate it") == (
        "pass --pixel-size-um to calibrate it")
    from rich.console import Console

    console = Console(record=True, width=200)
    console.print(_console.msg("a[1].tif: [measure] n_lines [red]x[/red]"))
    assert console.export_text().strip() == "a[1].tif: [measure] n_lines [red]x[/red]"


def test_fail_prints_the_error_and_exits_2(capsys):
    with pytest.raises(typer.Exit) as info:
        _console.fail("window_um=0.5 is not valid")
    assert info.value.exit_code == 2
    assert "error --window-um 0.5 is not valid" in " ".join(capsys.readouterr().err.split())


def test_check_io_exits_2_naming_the_flag(capsys):
    _console.check_io(pixel_size_um=None, page=0)  # valid or unset: nothing happens
    with pytest.raises(typer.Exit) as info:
        _console.check_io(pixel_size_um=0.0)
    assert info.value.exit_code == 2
    assert "option --pixel-size-um 0.0 is invalid" in " ".join(capsys.readouterr().err.split())
