"""What every command shares: the consoles and how messages and errors are printed.

Library messages name Python arguments (``pixel_size_um=``); printed here they name the
command-line flags (:func:`semscan.cli.options.cli_text`) and never carry rich markup.
"""

from __future__ import annotations

import sys
import typing
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from semscan.cli.options import cli_text, io_option
from semscan.errors import SemscanError

out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def msg(value: object) -> str:
    """A library message or path as printed: Python arguments named as flags, and no
    rich markup (``[measure]`` or a file named ``a[1].tif`` prints as it is)."""
    return escape(cli_text(str(value)))


def check_io(**options: Any) -> None:
    """Check ``[io]`` options given to a command that has no configuration (exit 2)."""
    for key, value in options.items():
        if value is not None:
            try:
                io_option(key, value)
            except SemscanError as exc:
                fail(str(exc))


def fail(message: str, code: int = 2) -> typing.NoReturn:
    """Print an error in CLI terms and exit (2: a usage problem, nothing was run)."""
    err.print(f"[red]error[/red] {msg(message)}")
    raise typer.Exit(code)
