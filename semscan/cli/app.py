"""The ``semscan`` command: ``info``, ``config``, ``analyze`` and the training commands.

This package is the only code in semscan that prints, configures logging or exits. Each
command group is a module (:mod:`~semscan.cli.info`, :mod:`~semscan.cli.analyze`,
:mod:`~semscan.cli.train`); this one makes the Typer application and adds them to it.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from semscan import __version__
from semscan.cli import analyze, info, lots, train
from semscan.cli._console import out
from semscan.cli.report_cmd import report as report_command

app = typer.Typer(
    name="semscan",
    help="Pore structure of porous films and membranes from SEM micrographs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        out.print(f"semscan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Pore structure of porous films and membranes from SEM micrographs."""
    # Library warnings are shown by the commands themselves (or go to semscan.log);
    # without a handler, logging's last resort would print them a second time, and
    # third-party loggers (tifffile's) would print theirs on the terminal.
    logging.getLogger("semscan").addHandler(logging.NullHandler())
    root = logging.getLogger()
    if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
        root.addHandler(logging.NullHandler())


app.command("info")(info.info)
app.command("config")(info.config_cmd)
app.command("analyze")(analyze.analyze)
app.command("train-pixels")(train.train_pixels)
app.command("train-classifier")(train.train_classifier)
app.command("evaluate-classifier")(train.evaluate_classifier)
app.command("report")(report_command)
app.add_typer(lots.app, name="lots")
app.command("process-window")(lots.process_window_cmd)
app.command("rolling")(lots.rolling_cmd)
