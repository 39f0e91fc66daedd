"""The ``semscan`` command: ``info``, ``config``, ``analyze`` and the training commands.

This package is the only code in semscan that prints, configures logging or exits. Each
command group is a module (:mod:`~semscan.cli.info`, :mod:`~semscan.cli.analyze`,
:mod:`~semscan.cli.train`); this one makes the Typer application and adds them to it.

``app`` is the whole application (made on first use); :func:`make_app` with ``only=``
makes one with a single command, which is what ``semscan NAME ...`` runs
(:func:`semscan.cli.main`): the other commands' modules are not imported and their
parameters not built for it, and a command's help, options and errors are the same in
both.
"""

from __future__ import annotations

import importlib
import logging
import re
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import typer
from typer.core import TyperGroup

from semscan import __version__
from semscan.cli._console import out

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


# Every command: its name, module (in semscan.cli) and function, or Typer group, in the
# order of the help.
COMMANDS: dict[str, tuple[str, str]] = {
    "info": ("info", "info"),
    "config": ("info", "config_cmd"),
    "analyze": ("analyze", "analyze"),
    "train-pixels": ("train", "train_pixels"),
    "train-classifier": ("train", "train_classifier"),
    "evaluate-classifier": ("train", "evaluate_classifier"),
    "report": ("report_cmd", "report"),
    "lots": ("lots", "app"),
    "process-window": ("lots", "process_window_cmd"),
    "rolling": ("lots", "rolling_cmd"),
}


def make_app(*, only: str | None = None) -> typer.Typer:
    """The ``semscan`` application: every command, or only the command named ``only``
    (one of :data:`COMMANDS`; its module alone is imported)."""
    if only is not None and only not in COMMANDS:
        raise ValueError(f"no semscan command {only!r}: use one of {', '.join(COMMANDS)}")
    new = typer.Typer(
        name="semscan",
        cls=_Group,
        help="Pore structure of porous films and membranes from SEM micrographs.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    new.callback()(_root)
    for name, (module, attr) in COMMANDS.items():
        if only is None or name == only:
            target = getattr(importlib.import_module(f"semscan.cli.{module}"), attr)
            if isinstance(target, typer.Typer):
                new.add_typer(target, name=name)
            else:
                new.command(name)(target)
    return new


def __getattr__(name: str) -> Any:
    """``app``, the whole application, made on first use (PEP 562)."""
    if name == "app":
        whole = globals()["app"] = make_app()
        return whole
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _version(value: bool) -> None:
    if value:
        out.print(f"semscan {__version__}")
        raise typer.Exit()


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
