"""The ``semscan`` command: ``info``, ``config``, ``analyze`` and the training commands.

This package is the only code in semscan that prints, configures logging or exits. Each
command group is a module (:mod:`~semscan.cli.info`, :mod:`~semscan.cli.analyze`,
:mod:`~semscan.cli.train`); this one makes the Typer application and adds them to it.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import typer
from typer.core import TyperGroup

from semscan import __version__
from semscan.cli import analyze, info, lots, train
from semscan.cli._console import out
from semscan.cli.report_cmd import report as report_command

_NOT_PLAIN = object()
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?")


def _plain_leaf(annotation: Any, info: Any, value: Any) -> Any:
    """What Typer's pydantic adapter makes of ``value``, where that is certain, else
    ``_NOT_PLAIN``: a ``str`` as it is, ``int`` and ``float`` from their plain decimal
    spellings inside the option's limits, a ``Path`` from a ``str``."""
    if annotation is str:
        return value if type(value) is str else _NOT_PLAIN
    if annotation is int or annotation is float:
        if type(value) is annotation:
            number = value
        elif type(value) is str and (_INT if annotation is int else _FLOAT).fullmatch(value):
            number = annotation(value)
        else:
            return _NOT_PLAIN
        if info.clamp or (info.min is not None and number < info.min) or (
                info.max is not None and number > info.max):
            return _NOT_PLAIN  # out of range: Typer's adapter words the error
        return number
    if annotation is Path and type(value) is str and info.path_type is None:
        from typer._param_types import coerce_cli_path

        return Path(value), coerce_cli_path
    return _NOT_PLAIN


class _PlainCoercion:
    """A parameter's coercion: Typer's own (a pydantic ``TypeAdapter``, which costs
    importing pydantic, 0.05 s of CPU on every run) only for what is not plain.

    The plain cases (:func:`_plain_leaf`, lists of them, no value) give exactly what the
    adapter gives; anything else, including every value that is an error, goes to Typer's
    coercion, built on first use as Typer builds it.
    """

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self.full: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:  # as Typer's RuntimeParam.coerce, which needs no adapter
            return () if multi else None
        got = _NOT_PLAIN
        if not (multi and isinstance(value, str)):
            got = self._plain(value, param, ctx)
        if got is _NOT_PLAIN:
            if self.full is None:
                from typer._coercion import build_runtime_param

                self.full = build_runtime_param(self.descriptor)
            return self.full.coerce(value, param=param, ctx=ctx)
        return got

    def _plain(self, value: Any, param: Any, ctx: Any) -> Any:
        desc = self.descriptor
        info, annotation = desc.parameter_info, desc.annotation
        if info.parser is not None or desc.file_annotation is not None:
            return _NOT_PLAIN
        if get_origin(annotation) is list:
            (item,) = get_args(annotation)
            items = value if isinstance(value, (list, tuple)) else [value]
            out = [self._leaf(item, info, v, param, ctx) for v in items]
            return _NOT_PLAIN if any(v is _NOT_PLAIN for v in out) else out
        return self._leaf(annotation, info, value, param, ctx)

    @staticmethod
    def _leaf(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
        got = _plain_leaf(annotation, info, value)
        if isinstance(got, tuple):  # a Path: Typer's own checks of it, as its adapter
            path, check = got
            try:
                return check(path, info, path_type=annotation, param=param, ctx=ctx)
            except (ValueError, AssertionError):
                return _NOT_PLAIN  # the adapter turns these into its own message
        return got


def _plain_coercion(command: Any) -> None:
    """Give every Typer parameter of ``command`` and its subcommands, and their ``--help``
    options (made when a command is parsed), a :class:`_PlainCoercion`; nothing is changed
    where Typer's internals are not as expected."""
    for param in command.params:
        _give_plain(param)
    make_help = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        return _give_plain(make_help(ctx))

    command.get_help_option = get_help_option
    for sub in (getattr(command, "commands", None) or {}).values():
        _plain_coercion(sub)


def _give_plain(param: Any) -> Any:
    if getattr(param, "_runtime_param", False) is None and hasattr(param, "type_descriptor"):
        param._runtime_param = _PlainCoercion(param.type_descriptor)
    return param


class _Group(TyperGroup):
    """The ``semscan`` group, whose parameters coerce plain values without pydantic."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        _plain_coercion(self)


app = typer.Typer(
    name="semscan",
    cls=_Group,
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
