"""Analysis options: one frozen, validated, hashable configuration.

:class:`AnalysisConfig` groups every option of an analysis in sections (``io``,
``segment``, ``measure``, ``cross_section``, ``classify``). It reads and writes TOML, and
:meth:`AnalysisConfig.hash` is a stable digest of the values that is stored with every
result, so that a re-run can tell which images were done with the same options.

Lengths are µm (``*_um``), angles degrees (``*_deg``). Every value is checked when a
section is made, whether it comes from Python, a TOML file or the command line: its type
against the annotation and, for numbers, its range (each section's ``LIMITS``; a field
without a range is still type-checked). A bad value raises :class:`OptionError` (a
:class:`~semscan.errors.ConfigError`) naming the option and the valid range, before any
image is read. The TOML key of an option is its field name, and the command-line flag is
the same name with dashes (``n_lines`` is ``--n-lines``).

Examples
--------
>>> cfg = AnalysisConfig().with_overrides({"measure.n_lines": 20})
>>> cfg.measure.n_lines
20
>>> AnalysisConfig.from_toml(cfg.to_toml()) == cfg
True
>>> len(cfg.hash())
16
>>> try:
...     AnalysisConfig().with_overrides({"measure.n_lines": 0})
... except OptionError as exc:
...     print(exc.message(lambda section, key: ("--" + key.replace("_", "-"), " ")))
option --n-lines 0 is invalid; expected an integer from 1 to 10000
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from semscan._files import read_capped
from semscan._options import OptionError, show_value
from semscan.config.sections import (
    _SECTIONS,
    ClassifyConfig,
    CrossSectionConfig,
    IOConfig,
    MeasureConfig,
    SegmentConfig,
    WhiskerConfig,
    parse_densities,
)
from semscan.errors import ConfigError

__all__ = [
    "AnalysisConfig",
    "ClassifyConfig",
    "CrossSectionConfig",
    "IOConfig",
    "MeasureConfig",
    "OptionError",
    "SegmentConfig",
    "WhiskerConfig",
    "parse_densities",
]

#: A configuration file is read only up to this size.
MAX_CONFIG_BYTES = 1 << 20


@dataclass(frozen=True)
class AnalysisConfig:
    """Every option of an analysis, in sections. See the section classes for the fields.

    Beyond each value's own range, options that go together are checked together:
    ``segment.method = 'manual'`` needs ``segment.manual_threshold``, and
    ``'classifier'`` needs ``segment.classifier_path``.
    """

    io: IOConfig = field(default_factory=IOConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    measure: MeasureConfig = field(default_factory=MeasureConfig)
    cross_section: CrossSectionConfig = field(default_factory=CrossSectionConfig)
    classify: ClassifyConfig = field(default_factory=ClassifyConfig)
    whiskers: WhiskerConfig = field(default_factory=WhiskerConfig)

    def __post_init__(self) -> None:
        for name, cls in _SECTIONS.items():
            if not isinstance(getattr(self, name), cls):
                raise ConfigError(f"config section {name!r} must be a {cls.__name__}")
        _check_together(self)

    # ----------------------------------------------------------------- dict / TOML
    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Nested plain dict ``{section: {option: value}}``."""
        return {name: dataclasses.asdict(getattr(self, name)) for name in _SECTIONS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisConfig:
        """Build from a nested dict; missing options keep their defaults.

        Raises
        ------
        ConfigError
            On an unknown section or option, or a value of the wrong type.
        """
        return cls().with_overrides(
            {
                f"{section}.{key}": value
                for section, options in _as_sections(data).items()
                for key, value in options.items()
            }
        )

    def with_overrides(self, overrides: dict[str, Any]) -> AnalysisConfig:
        """Return a copy with ``{"section.option": value}`` overrides applied.

        Raises
        ------
        ConfigError
            On an unknown ``section.option`` or a bad value.
        """
        changes: dict[str, dict[str, Any]] = {}
        for dotted, value in overrides.items():
            section, _, key = dotted.partition(".")
            _check_key(section, key)
            changes.setdefault(section, {})[key] = value
        return dataclasses.replace(
            self,
            **{
                section: dataclasses.replace(getattr(self, section), **opts)
                for section, opts in changes.items()
            },
        )

    def to_toml(self) -> str:
        """TOML text with every option; options that are None are written as comments."""
        lines = ["# semscan analysis configuration (lengths in µm, angles in degrees)"]
        for name in _SECTIONS:
            lines.append("")
            lines.append(f"[{name}]")
            for key, value in dataclasses.asdict(getattr(self, name)).items():
                if value is None:
                    lines.append(f"# {key} =   (not set)")
                else:
                    lines.append(f"{key} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str) -> AnalysisConfig:
        """Parse TOML text (see :meth:`to_toml`)."""
        return cls.from_dict(parse_toml(text))

    @classmethod
    def load(cls, path: str | Path) -> AnalysisConfig:
        """Read a TOML configuration file.

        Raises
        ------
        ConfigError
            If the file cannot be read or holds invalid options.
        """
        p = Path(path)
        text = read_config_text(p)
        try:
            return cls.from_toml(text)
        except OptionError as exc:
            raise ConfigError(f"{p}: {exc.message(toml_name)}") from exc
        except ConfigError as exc:
            raise ConfigError(f"{p}: {exc}") from exc

    def hash(self) -> str:
        """Stable 16-hex-digit digest of every option value."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def read_config_text(path: str | Path) -> str:
    """The text of a configuration file: UTF-8 (with or without BOM), at most 1 MiB.

    Raises
    ------
    ConfigError
        If it is a folder, cannot be read, is too large or is not UTF-8 text.
    """
    p = Path(path)
    try:
        if p.is_dir():
            raise ConfigError(f"configuration file {p} is a folder; give a TOML file")
        data = read_capped(p, MAX_CONFIG_BYTES)
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {p}: {exc.strerror or exc}") from exc
    if data is None:
        raise ConfigError(
            f"configuration file {p} is over {MAX_CONFIG_BYTES // 1024} KiB; a semscan "
            "configuration is a short TOML file (see `semscan config --default`)"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"configuration file {p} is not UTF-8 text (byte 0x{data[exc.start]:02x} at "
            f"offset {exc.start}); save it as UTF-8"
        ) from exc


def parse_toml(text: str) -> dict[str, Any]:
    """TOML text to a dict, any parser failure as :class:`~semscan.errors.ConfigError`."""
    try:
        return tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4300 digits
        raise ConfigError(f"the configuration is not valid TOML: {exc}") from exc
    except RecursionError as exc:  # e.g. thousands of nested arrays
        raise ConfigError("the configuration is not valid TOML: nested too deeply") from exc


def _as_sections(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if not isinstance(data, dict):
        raise ConfigError(f"a configuration is a table of sections, got {type(data).__name__}")
    for section, options in data.items():
        if not isinstance(options, dict):
            home = _home_of(section)
            where = f"; it belongs in [{home}]" if home else ""
            raise ConfigError(
                f"{section} = {show_value(options)} is outside any [section]{where}; "
                f"valid sections: {', '.join(_SECTIONS)}"
            )
        _check_key(section, None)
    return data


def _check_key(section: str, key: str | None) -> None:
    """Raise on an unknown section or option, suggesting the nearest valid name."""
    if section not in _SECTIONS:
        near = difflib.get_close_matches(section, list(_SECTIONS), n=1)
        hint = f": did you mean [{near[0]}]?" if near else ";"
        raise ConfigError(
            f"unknown config section [{section}]{hint} valid sections: {', '.join(_SECTIONS)}"
        )
    if key is None:
        return
    valid = [f.name for f in fields(_SECTIONS[section])]
    if key in valid:
        return
    hint = ""
    if key in _FORMER_NAMES.get(section, {}):
        hint = f" did you mean {_FORMER_NAMES[section][key]!r}?"
    elif _home_of(key):
        hint = f" it belongs in [{_home_of(key)}]."
    else:
        near = difflib.get_close_matches(key, valid, n=1, cutoff=0.6)
        hint = f" did you mean {near[0]!r}?" if near else ""
    raise ConfigError(
        f"unknown option {key!r} in [{section}]:{hint} valid: {', '.join(valid)}"
    )


#: Command-line names semscan used before the flags took the TOML keys' names.
_FORMER_NAMES = {
    "segment": {"threshold": "method", "pixel_classifier": "classifier_path"},
    "measure": {"lines": "n_lines", "angle": "angle_deg", "window": "window_um"},
    "classify": {"model": "model_path", "classify": "enabled"},
}


def _home_of(key: str) -> str | None:
    """The section that has an option named ``key``, if any."""
    return next(
        (s for s, cls in _SECTIONS.items() if key in {f.name for f in fields(cls)}), None
    )


def toml_name(section: str, key: str) -> tuple[str, str]:
    """How a configuration file names an option (for :meth:`OptionError.message`)."""
    return f"[{section}] {key}", " = "


def _check_together(cfg: AnalysisConfig) -> None:
    parse_densities(cfg.whiskers.density)  # raises on a malformed --density
    seg = cfg.segment
    if seg.method == "manual" and seg.manual_threshold is None:
        raise OptionError(
            "segment", "manual_threshold", None, "a grey level from 0 to 1",
            unset=True, because=("segment", "method", "manual"),
        )
    if seg.method == "classifier" and seg.classifier_path is None:
        raise OptionError(
            "segment", "classifier_path", None,
            "a pixel-classifier model file (from `semscan train-pixels`)",
            unset=True, because=("segment", "method", "classifier"),
        )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)
