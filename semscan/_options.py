"""Checking option values: types from annotations, numeric ranges, and the error naming them.

Private helpers of :mod:`semscan.config`; :class:`OptionError` is public there.
"""

from __future__ import annotations

import functools
import math
import types
import typing
from collections.abc import Callable
from dataclasses import fields
from typing import Any, Literal, NamedTuple, Union, get_args, get_origin

from semscan.errors import ConfigError


class Range(NamedTuple):
    """The valid range of a numeric option (both ends included unless ``*_open``).

    ``off`` is one extra value outside the range that switches the step off (e.g. 0), and
    ``note`` is added to the description of the valid values.
    """

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    off: float | None = None
    note: str = ""

    def contains(self, value: float) -> bool:
        if self.off is not None and value == self.off:
            return True
        if self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo):
            return False
        return not (
            self.hi is not None and (value >= self.hi if self.hi_open else value > self.hi)
        )

    def describe(self, unit: str) -> str:
        u = f" {unit}" if unit else ""
        lo, hi = _num(self.lo), _num(self.hi)
        if self.lo is not None and self.hi is not None:
            if not self.lo_open and not self.hi_open:
                text = f"from {lo} to {hi}{u}"
            else:
                gt, lt = (">" if self.lo_open else ">="), ("<" if self.hi_open else "<=")
                text = f"{gt} {lo} and {lt} {hi}{u}"
        elif self.lo is not None:
            text = f"{'>' if self.lo_open else '>='} {lo}{u}"
        elif self.hi is not None:
            text = f"{'<' if self.hi_open else '<='} {hi}{u}"
        else:
            text = "(any finite value)"
        if self.note:
            text = f"{text} ({self.note})"
        return f"{text}, or {_num(self.off)} to switch it off" if self.off is not None else text


def _num(x: float | None) -> str:
    if x is None:  # an open end of a range
        return ""
    if float(x).is_integer() and abs(x) < 1e16:
        return str(int(x))
    return f"{x:g}"


class OptionError(ConfigError):
    """One option has a bad value; knows the option so that each front end names it its way.

    ``message(name)`` rephrases it with ``name(section, key)`` giving the option's name
    (``--n-lines`` on the command line, ``[measure] n_lines`` in a file); ``str()`` uses
    ``section.key``.
    """

    def __init__(
        self,
        section: str,
        key: str,
        value: Any,
        expected: str,
        *,
        unset: bool = False,
        because: tuple[str, str, Any] | None = None,
    ) -> None:
        self.section, self.key, self.value, self.expected = section, key, value, expected
        self.unset, self.because = unset, because
        super().__init__(self.message())

    def message(self, name: Callable[[str, str], tuple[str, str]] | None = None) -> str:
        """The message with each option named by ``name(section, key) -> (name, sep)``
        (default ``('section.key', ' = ')``)."""

        def show(section: str, key: str, value: Any = _UNSET) -> str:
            label, sep = name(section, key) if name is not None else (f"{section}.{key}", " = ")
            return label if value is _UNSET else f"{label}{sep}{show_value(value)}"

        if self.unset:
            text = f"option {show(self.section, self.key)} is not set"
        else:
            text = f"option {show(self.section, self.key, self.value)} is invalid"
        if self.because is not None:
            text += f"; {show(*self.because)} needs it"
        return f"{text}; expected {self.expected}"


_UNSET = object()


def show_value(value: Any) -> str:
    """repr() of a value, shortened (a 400-digit number is not echoed in full)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**15:
        digits = len(str(abs(value)))
        return f"{str(value)[:8]}... ({digits} digits)"
    text = repr(value)
    return text if len(text) <= 40 else text[:36] + "...'"


def check_choice(
    name: str, value: object, allowed: tuple[str, ...], *, error: type[Exception] = ConfigError
) -> None:
    """Raise ``error`` naming the allowed values unless ``value`` is one of them (a keyword
    option of a function, e.g. ``border``); the segmentation raises its
    :class:`~semscan.errors.SegmentationError` with it.

    Examples
    --------
    >>> check_choice("border", "wrap", ("reflect",))
    Traceback (most recent call last):
    ...
    semscan.errors.ConfigError: border='wrap' is not valid; choose one of 'reflect'
    """
    if value not in allowed:
        raise error(f"{name}={value!r} is not valid; choose one of {', '.join(map(repr, allowed))}")


def check_fields(section: Any, name: str) -> None:
    """Type- and range-check every field of a frozen dataclass section (named ``name``)
    against its annotation and its class's ``LIMITS``, normalising ints to floats."""
    cls = type(section)
    hints = _hints(cls)
    limits = getattr(cls, "LIMITS", {})
    for f in fields(section):
        value = getattr(section, f.name)
        hint = hints[f.name]
        ok, normalised = _match(hint, value)
        spec = limits.get(f.name)
        number = isinstance(normalised, (int, float)) and not isinstance(normalised, bool)
        if ok and spec is not None and number:
            ok = spec.contains(normalised)
        if not ok:
            raise OptionError(name, f.name, value, _describe_option(hint, spec, f.name))
        object.__setattr__(section, f.name, normalised)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _describe_option(hint: Any, spec: Range | None, name: str) -> str:
    """What an option accepts: its choices or type, and the range of its numbers."""
    unit = "µm" if name.endswith("_um") else "degrees" if name.endswith("_deg") else ""
    parts = get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)
    words = []
    for part in parts:
        if part is type(None):
            words.append("unset (omit it)")
        elif get_origin(part) is Literal:
            words.append(", ".join(repr(a) for a in get_args(part)))
        elif part in (int, float) and spec is not None:
            kind = "an integer" if part is int else "a number"
            words.append(f"{kind} {spec.describe(unit)}")
        elif part is int:
            words.append("an integer")
        elif part is float:
            words.append(f"a finite number{' of ' + unit if unit else ''}")
        elif part is bool:
            words.append("true or false")
        elif part is str:
            words.append("a text")
        else:
            words.append(getattr(part, "__name__", str(part)))
    words.sort(key=lambda w: (w.startswith("unset"), not w.startswith("'")))
    return " or ".join(words)


def _match(hint: Any, value: Any) -> tuple[bool, Any]:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        for arg in get_args(hint):
            ok, out = _match(arg, value)
            if ok:
                return True, out
        return False, value
    if origin is Literal:
        return (value in get_args(hint)), value
    if hint is type(None):
        return value is None, value
    if hint is bool:
        return isinstance(value, bool), value
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # a 400-digit integer
                return False, value
            return math.isfinite(number), number
        return False, value
    if hint is str:
        return isinstance(value, str), value
    return isinstance(value, hint), value
