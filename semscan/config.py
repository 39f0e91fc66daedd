"""Analysis options: one frozen, validated, hashable configuration.

:class:`AnalysisConfig` groups every option of an analysis in sections (``io``,
``segment``, ``measure``, ``cross_section``, ``classify``). It reads and writes TOML, and
:meth:`AnalysisConfig.hash` is a stable digest of the values that is stored with every
result, so that a re-run can tell which images were done with the same options.

Lengths are µm (``*_um``), angles degrees (``*_deg``).

Examples
--------
>>> cfg = AnalysisConfig().with_overrides({"measure.n_lines": 20})
>>> cfg.measure.n_lines
20
>>> AnalysisConfig.from_toml(cfg.to_toml()) == cfg
True
>>> len(cfg.hash())
16
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from semscan.errors import ConfigError

__all__ = [
    "AnalysisConfig",
    "ClassifyConfig",
    "CrossSectionConfig",
    "IOConfig",
    "MeasureConfig",
    "SegmentConfig",
]


@dataclass(frozen=True)
class IOConfig:
    """Reading micrographs.

    Attributes
    ----------
    pixel_size_um : float or None
        Overrides the calibration of every input (source recorded as ``'user'``).
    keep_databar : bool
        Keep the instrument's data bar rows (they are then excluded, not cropped).
    strict_calibration : bool
        Raise :class:`~semscan.errors.CalibrationError` on contradictory calibration
        metadata instead of warning.
    page : int
        Page of multi-page TIFFs to read.
    max_pixels : int or None
        Largest image read, in pixels, checked from the file header before decoding (with
        at most 8 decoded bytes per allowed pixel); None: no limit.
    """

    pixel_size_um: float | None = None
    keep_databar: bool = False
    strict_calibration: bool = False
    page: int = 0
    max_pixels: int | None = 250_000_000


@dataclass(frozen=True)
class SegmentConfig:
    """Segmentation of a micrograph into pore / solid / excluded.

    Attributes
    ----------
    pores : {'dark', 'bright'}
        Grey level of the pores (dark in secondary-electron images).
    method : {'auto', 'otsu', 'li', 'triangle', 'multiotsu', 'sauvola', 'manual', 'classifier'}
        Threshold method; ``'auto'`` chooses one and records why.
    manual_threshold : float or None
        Grey level in [0, 1] for ``method='manual'``.
    classifier_path : str or None
        Pixel-classifier model file for ``method='classifier'``.
    background_um : float or None
        Gaussian sigma of the background flattening (µm); None chooses 1/8 of the image's
        short side, 0 disables.
    denoise : {'auto', 'none', 'median', 'gaussian', 'bilateral', 'nlmeans'}
        Denoising before thresholding. ``'auto'``: a 3 px median, or a Gaussian of sigma
        1-2 px when the noise exceeds 0.4 of the grey difference between the phases (the choice is
        recorded in ``seg_preprocessing``).
    denoise_um : float or None
        Size of the denoising filter in µm; None uses the filter's default in px (median
        3, gaussian sigma 1, bilateral 5, nlmeans 7).
    min_feature_um : float or None
        Pores and solid islands smaller than this equivalent diameter (µm) are removed;
        None chooses 2 px.
    sauvola_window_um : float or None
        Window of the local Sauvola threshold (µm); None chooses 1/8 of the image's short
        side (at least 15 px).
    exclude_saturated : bool
        Exclude large saturated (white) or blank (black) regions.
    """

    pores: Literal["dark", "bright"] = "dark"
    method: Literal[
        "auto", "otsu", "li", "triangle", "multiotsu", "sauvola", "manual", "classifier"
    ] = "auto"
    manual_threshold: float | None = None
    classifier_path: str | None = None
    background_um: float | None = None
    denoise: Literal["auto", "none", "median", "gaussian", "bilateral", "nlmeans"] = "auto"
    denoise_um: float | None = None
    min_feature_um: float | None = None
    sauvola_window_um: float | None = None
    exclude_saturated: bool = True


@dataclass(frozen=True)
class MeasureConfig:
    """The intercept method (METHODS.md 1), directional analysis (3), local thickness (7).

    Attributes
    ----------
    window_um : 'auto', 'full' or float
        Square window side in µm, ``'auto'`` (start at 16 µm, grow until lines cross >= 10
        voids) or ``'full'`` (the whole usable field).
    n_lines : int
        Number of parallel lines (50 in the patent).
    angle_deg : float
        Line direction, 0 = along image rows, counter-clockwise in the displayed image.
    min_voids_per_line : int
        Validity threshold: each line should cross at least this many voids.
    mil_step_deg : float
        Angular step of the MIL rose (0 .. 180 degrees).
    local_thickness : bool
        Compute the local thickness of the pore phase (METHODS.md 7).
    dense_chords : bool
        Compute the dense chord-length distribution (every row and column).
    ci_method : {'ratio', 'bootstrap'}
        Confidence interval of the mean intercept.
    seed : int
        Seed for the bootstrap.
    """

    window_um: float | Literal["auto", "full"] = "auto"
    n_lines: int = 50
    angle_deg: float = 0.0
    min_voids_per_line: int = 10
    mil_step_deg: float = 15.0
    local_thickness: bool = True
    dense_chords: bool = True
    ci_method: Literal["ratio", "bootstrap"] = "ratio"
    seed: int = 0


@dataclass(frozen=True)
class CrossSectionConfig:
    """Views, cross-section geometry and surface layers (METHODS.md 4 and 6).

    Attributes
    ----------
    view : {'auto', 'surface', 'cross-section'}
        The view of every image unless a manifest or pattern says otherwise.
    film_direction_deg : float or None
        Film-plane direction when no film edge is visible (None: image rows).
    band_um : float
        Height of the depth-profile bands (µm).
    skin_tolerance : float
        Relative departure from the interior value that makes a surface layer.
    skin_exclusion_um : float or None
        Band excluded at each surface for the laminar coefficient; None uses the detected
        surface layers.
    n_thickness_positions : int
        Number of positions across the image where thickness is measured (>= 5).
    """

    view: Literal["auto", "surface", "cross-section"] = "auto"
    film_direction_deg: float | None = None
    band_um: float = 0.1
    skin_tolerance: float = 0.25
    skin_exclusion_um: float | None = None
    n_thickness_positions: int = 9


@dataclass(frozen=True)
class ClassifyConfig:
    """Structure classification (METHODS.md 8).

    Attributes
    ----------
    enabled : bool
        Classify each image.
    model_path : str or None
        Model file (``.json`` / ``.json.gz``); None uses the model shipped with semscan
        (``semscan/classify/models/structure.json.gz``; its card is ``models/``).
    confidence_threshold : float or None
        Below this probability the class is ``'uncertain'``. None uses the model's own
        threshold, chosen when it was trained (for the shipped model: the lowest at which
        99 % of the held-out synthetic images it classifies are right).
    """

    enabled: bool = True
    model_path: str | None = None
    confidence_threshold: float | None = None

    def __post_init__(self) -> None:
        t = self.confidence_threshold
        if isinstance(t, int | float) and not isinstance(t, bool) and not 0.0 <= t <= 1.0:
            raise ConfigError(
                f"option classify.confidence_threshold = {t!r} is invalid; expected a "
                "probability in [0, 1], or leave it unset for the model's own threshold"
            )


_SECTIONS = {
    "io": IOConfig,
    "segment": SegmentConfig,
    "measure": MeasureConfig,
    "cross_section": CrossSectionConfig,
    "classify": ClassifyConfig,
}


@dataclass(frozen=True)
class AnalysisConfig:
    """Every option of an analysis, in sections. See the section classes for the fields."""

    io: IOConfig = field(default_factory=IOConfig)
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    measure: MeasureConfig = field(default_factory=MeasureConfig)
    cross_section: CrossSectionConfig = field(default_factory=CrossSectionConfig)
    classify: ClassifyConfig = field(default_factory=ClassifyConfig)

    def __post_init__(self) -> None:
        for name, cls in _SECTIONS.items():
            section = getattr(self, name)
            if not isinstance(section, cls):
                raise ConfigError(f"config section {name!r} must be a {cls.__name__}")
            for f in fields(section):
                object.__setattr__(
                    section, f.name, _check(cls, f.name, getattr(section, f.name))
                )

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
            if section not in _SECTIONS:
                raise ConfigError(
                    f"unknown config section {section!r} in {dotted!r}; "
                    f"valid sections: {', '.join(_SECTIONS)}"
                )
            valid = [f.name for f in fields(_SECTIONS[section])]
            if key not in valid:
                raise ConfigError(
                    f"unknown option {dotted!r}; valid options in [{section}]: {', '.join(valid)}"
                )
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
        try:
            data = tomllib.loads(text)
        except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4300 digits
            raise ConfigError(f"the configuration is not valid TOML: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> AnalysisConfig:
        """Read a TOML configuration file.

        Raises
        ------
        ConfigError
            If the file cannot be read or holds invalid options.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read configuration file {path}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"configuration file {path} is not UTF-8 text ({exc}); save it as UTF-8"
            ) from exc
        try:
            return cls.from_toml(text)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from exc

    def hash(self) -> str:
        """Stable 16-hex-digit digest of every option value."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _as_sections(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if not isinstance(data, dict):
        raise ConfigError(f"a configuration is a table of sections, got {type(data).__name__}")
    for section, options in data.items():
        if not isinstance(options, dict):
            raise ConfigError(
                f"config entry {section!r} must be a [section] table; "
                f"valid sections: {', '.join(_SECTIONS)}"
            )
    return data


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _check(cls: type, name: str, value: Any) -> Any:
    """Validate and normalise one option value against its annotation."""
    hint = typing.get_type_hints(cls)[name]
    where = f"{_section_name(cls)}.{name}"
    ok, normalised = _match(hint, value)
    if not ok:
        raise ConfigError(f"option {where} = {value!r} is invalid; expected {_describe(hint)}")
    return normalised


def _section_name(cls: type) -> str:
    return next((k for k, v in _SECTIONS.items() if v is cls), cls.__name__)


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
            except OverflowError:  # an int beyond the float range
                return False, value
            return math.isfinite(number), number
        return False, value
    if hint is str:
        return isinstance(value, str), value
    return isinstance(value, hint), value


def _describe(hint: Any) -> str:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in get_args(hint))
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(hint))
    if hint is type(None):
        return "nothing (omit it)"
    return getattr(hint, "__name__", str(hint))
