"""The analysis options on the command line: one flag per configuration option.

Every field of :class:`~semscan.config.AnalysisConfig` is a flag of ``semscan analyze``
named after its TOML key with dashes (``[measure] n_lines`` is ``--n-lines``,
``[segment] method`` is ``--method``); a boolean is a ``--key/--no-key`` pair, and
``[classify] enabled`` is ``--classify/--no-classify``. The flags are made from the
dataclasses, so an option added to a section is a flag at once, and the checks are the
configuration's own (:mod:`semscan._options`): a bad value on the command line gets the
same range as in a file, named by its flag.
"""

from __future__ import annotations

import functools
import inspect
import re
import types
import typing
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import typer
from rich.markup import escape

from semscan.config import _SECTIONS, AnalysisConfig, OptionError, parse_toml, read_config_text
from semscan.errors import ConfigError

#: Flags that are not simply the key with dashes.
_SPECIAL = {("classify", "enabled"): "classify", ("whiskers", "enabled"): "whiskers"}

#: Former flag names (still accepted, hidden from --help): old name -> section.key.
FORMER_FLAGS = {
    "--lines": "measure.n_lines",
    "--angle": "measure.angle_deg",
    "--threshold": "segment.method",
    "--pixel-classifier": "segment.classifier_path",
    "--model": "classify.model_path",
}

_PREFIX = "cfg__"


def flag_of(section: str, key: str) -> str:
    """The command-line flag of an option: ``flag_of('measure', 'n_lines') == '--n-lines'``."""
    return "--" + _SPECIAL.get((section, key), key).replace("_", "-")


def _param_name(section: str, key: str) -> str:
    return f"{_PREFIX}{section}__{key}"


def _attribute_help(cls: type) -> dict[str, str]:
    """First sentence of each attribute's description in a numpydoc ``Attributes`` block."""
    doc = inspect.getdoc(cls) or ""
    out: dict[str, str] = {}
    current = None
    for line in doc.splitlines():
        m = re.match(r"^(\w+) : ", line)
        if m:
            current = m.group(1)
            out[current] = ""
        elif current and line.startswith("    "):
            out[current] = (out[current] + " " + line.strip()).strip()
        elif current and not line.strip():
            current = None
    return {k: _plain(re.split(r"(?<=[^.]\.)\s", v, maxsplit=1)[0]) for k, v in out.items()}


def _plain(text: str) -> str:
    """numpydoc text as help: roles and literals unquoted, no trailing full stop."""
    text = re.sub(r":\w+:`~?(?:[\w.]+\.)?(\w+)`", r"\1", text)
    return text.replace("``", "").rstrip(".")


def _members(hint: Any) -> tuple[Any, ...]:
    return get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)


_SIMPLE = (bool, int, float, str)


def config_parameters(skip: frozenset[str] = frozenset()) -> list[inspect.Parameter]:
    """Typer parameters for every configuration option (all keyword-only, default None).

    Options whose flag is in ``skip`` (declared by the command itself) and options of a
    type other than true/false, integer, number, text or a choice of texts get none.
    """
    params = []
    for section, cls in _SECTIONS.items():
        hints = typing.get_type_hints(cls)
        helps = _attribute_help(cls)
        limits = getattr(cls, "LIMITS", {})
        for f in fields(cls):
            members = [m for m in _members(hints[f.name]) if m is not type(None)]
            choices = [a for m in members if get_origin(m) is Literal for a in get_args(m)]
            flag = flag_of(section, f.name)
            simple = all(m in _SIMPLE or get_origin(m) is Literal for m in members)
            if flag in skip or not simple or (bool in members and members != [bool]):
                continue
            text = helps.get(f.name, "")
            if choices:
                text += f" [{', '.join(map(str, choices))}]"
            if f.name in limits and (int in members or float in members):
                unit = "µm" if f.name.endswith("_um") else "°" if f.name.endswith("_deg") else ""
                text += f" ({limits[f.name].describe(unit)})"
            text = escape(f"{text}; TOML: [{section}] {f.name}")
            if members == [bool]:
                kind: Any = bool
                decls = (f"{flag}/--no-{flag[2:]}",)
            elif members == [int]:
                kind, decls = int, (flag,)
            elif members == [float]:
                kind, decls = float, (flag,)
            else:
                kind, decls = str, (flag,)
            panel = escape(f"Analysis options [{section}]")
            option = typer.Option(*decls, help=text, rich_help_panel=panel)
            params.append(
                inspect.Parameter(
                    _param_name(section, f.name),
                    inspect.Parameter.KEYWORD_ONLY,
                    default=None,
                    annotation=Annotated[kind | None, option],
                )
            )
    return params


def with_config_flags(func: Any) -> Any:
    """Give a typer command one flag per configuration option.

    The command receives them as ``config_flags``: ``{"section.key": value}`` of the flags
    given (strings of numeric options such as ``--window-um 16`` are converted to numbers).
    """
    sig = inspect.signature(func, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name != "config_flags"]
    declared = set()
    for p in own:
        for meta in getattr(p.annotation, "__metadata__", ()):
            decls = [getattr(meta, "default", None), *(getattr(meta, "param_decls", ()) or ())]
            declared.update(d.split("/")[0] for d in decls if isinstance(d, str))

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        flags: dict[str, Any] = {}
        for name in [n for n in kwargs if n.startswith(_PREFIX)]:
            value = kwargs.pop(name)
            if value is not None:
                section, key = name[len(_PREFIX):].split("__", 1)
                flags[f"{section}.{key}"] = _number_or_text(value)
        return func(*args, config_flags=flags, **kwargs)

    extra = config_parameters(frozenset(declared))
    wrapper.__signature__ = sig.replace(parameters=own + extra)  # type: ignore[attr-defined]
    return wrapper


def _number_or_text(value: Any) -> Any:
    """``'16'`` -> 16, ``'0.5'`` -> 0.5, ``'auto'`` stays; other values unchanged."""
    if not isinstance(value, str):
        return value
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def build_config(path: Path | None, flags: dict[str, Any]) -> AnalysisConfig:
    """The configuration of a file (or the defaults) with the flags given on top.

    Built once, so options that go together may come one from the file and one from the
    command line. Raises :class:`~semscan.errors.ConfigError` whose message names a value
    from the file by its file and TOML key, and one from the command line by its flag.
    """
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = parse_toml(read_config_text(path))
        except ConfigError as exc:
            raise ConfigError(str(exc) if str(path) in str(exc) else f"{path}: {exc}") from exc
        if not all(isinstance(v, dict) for v in data.values()):
            _from_file(path, data)  # raises, naming the file
    file_keys = {(s, k) for s, opts in data.items() for k in opts}
    merged = {s: dict(opts) for s, opts in data.items()}
    for dotted, value in flags.items():
        section, key = dotted.split(".", 1)
        merged.setdefault(section, {})[key] = value
    flag_keys = {tuple(d.split(".", 1)) for d in flags}

    def name(section: str, key: str) -> tuple[str, str]:
        if (section, key) in file_keys and (section, key) not in flag_keys:
            return f"[{section}] {key}", " = "
        return flag_of(section, key), " "

    try:
        return AnalysisConfig.from_dict(merged)
    except OptionError as exc:
        where = [(exc.section, exc.key)]
        if exc.unset and exc.because is not None:
            where.append(exc.because[:2])
        from_file = any(w in file_keys and w not in flag_keys for w in where)
        message = exc.message(name)
        raise ConfigError(f"{path}: {message}" if from_file else message) from exc
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}" if path is not None else str(exc)) from exc


def _from_file(path: Path, data: dict[str, Any]) -> None:
    try:
        AnalysisConfig.from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def io_option(key: str, value: Any) -> None:
    """Check one ``[io]`` option given as a flag (commands without a configuration).

    Raises
    ------
    ConfigError
        Naming the flag and the valid range.
    """
    from semscan.config import IOConfig

    try:
        IOConfig(**{key: value})
    except OptionError as exc:
        raise ConfigError(exc.message(lambda s, k: (flag_of(s, k), " "))) from exc


# ------------------------------------------------------------ messages in CLI terms
_NAMES = {f.name: (section, f.name) for section, cls in _SECTIONS.items() for f in fields(cls)}
_ARG = re.compile(r"\b([a-z][a-z0-9_]*)=('[^']*'|\"[^\"]*\"|[^\s,;)]*)")


def cli_text(text: str) -> str:
    """Rephrase a library message for the command line: Python arguments become flags.

    >>> cli_text("lengths are in px; pass pixel_size_um= to calibrate it")
    'lengths are in px; pass --pixel-size-um to calibrate it'
    >>> cli_text("window_um=0.5 is not valid; or strict_calibration=False to accept it")
    '--window-um 0.5 is not valid; or --no-strict-calibration to accept it'
    >>> cli_text("pass pixel_size_um= (CLI: --pixel-size-um) or add a sidecar file")
    'pass --pixel-size-um or add a sidecar file'
    """
    text = re.sub(r" \(CLI: [^)]*\)", "", text)

    def repl(m: re.Match[str]) -> str:
        name, value = m.group(1), m.group(2).strip("'\"")
        if name not in _NAMES:
            return m.group(0)
        flag = flag_of(*_NAMES[name])
        if value in ("True", "False"):
            return flag if value == "True" else f"--no-{flag[2:]}"
        return f"{flag} {value}" if value else flag

    return _ARG.sub(repl, text)
