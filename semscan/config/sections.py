"""The sections of an analysis configuration: one frozen dataclass per step, each value
checked when a section is made.

Each section's fields are, but for a few switches the pipeline reads itself, the keyword
options of the function it feeds (``segment`` -> :func:`~semscan.segment.segment_micrograph`,
...), with the same defaults (a test checks it); numbers have their ranges in the section's
``LIMITS`` (a field without a range is still type-checked). A bad value raises
:class:`~semscan._options.OptionError`. :class:`~semscan.config.AnalysisConfig` holds one of
each and reads and writes them as TOML; import them from :mod:`semscan.config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, dataclass_transform

from semscan._choices import (
    CIMethod,
    ConfigView,
    DenoiseMethod,
    LayersChoice,
    PoreTone,
    ThresholdMethod,
    WindowChoice,
)
from semscan._options import Range, check_fields
from semscan.errors import ConfigError

__all__ = [
    "ClassifyConfig",
    "CrossSectionConfig",
    "IOConfig",
    "MeasureConfig",
    "SegmentConfig",
    "WhiskerConfig",
    "parse_densities",
]

#: Largest length option accepted (µm): 10 cm, far beyond any SEM field.
MAX_LENGTH_UM = 1e5


_LEN = Range(0.0, MAX_LENGTH_UM, lo_open=True)  # a length that must be > 0
_LEN0 = Range(0.0, MAX_LENGTH_UM)  # a length where 0 switches the step off
_PROB = Range(0.0, 1.0)


def _validated(section: Any) -> None:
    """Type- and range-check every field of a section (its ``__post_init__``)."""
    check_fields(section, _section_name(type(section)))


_S = TypeVar("_S")


@dataclass_transform(frozen_default=True)
def _section(cls: type[_S]) -> type[_S]:
    """A configuration section: a frozen dataclass whose values are checked when made."""
    cls.__post_init__ = _validated  # type: ignore[attr-defined]
    return dataclass(frozen=True)(cls)


@_section
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

    LIMITS: ClassVar[dict[str, Range]] = {
        "pixel_size_um": Range(1e-6, 1e4, note="1 pm to 1 cm per pixel"),
        "page": Range(0, 1_000_000, note="0 is the first page"),
        "max_pixels": Range(1, 10**12, note="pixels per image, checked before decoding"),
    }


@_section
class SegmentConfig:
    """Segmentation of a micrograph into pore / solid / excluded.

    Attributes
    ----------
    pores : PoreTone
        Grey level of the pores (dark in secondary-electron images).
    method : ThresholdMethod
        Threshold method; ``'auto'`` chooses one and records why (and takes a two-level
        image as the mask it is, ``'two-level'``).
    manual_threshold : float or None
        Grey level in [0, 1] for ``method='manual'``.
    classifier_path : str or None
        Pixel-classifier model file for ``method='classifier'``.
    background_um : float or None
        Gaussian sigma of the background flattening (µm); None chooses 1/8 of the image's
        short side, 0 disables.
    denoise : DenoiseMethod
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
        Window of the local Sauvola threshold (µm); None follows the structure: 4 periods
        (mean pore + mean solid chord of a first Otsu pass), at least 15 px.
    exclude_saturated : bool
        Exclude large saturated (white) or blank (black) regions.
    """

    pores: PoreTone = "dark"
    method: ThresholdMethod = "auto"
    manual_threshold: float | None = None
    classifier_path: str | None = None
    background_um: float | None = None
    denoise: DenoiseMethod = "auto"
    denoise_um: float | None = None
    min_feature_um: float | None = None
    sauvola_window_um: float | None = None
    exclude_saturated: bool = True

    LIMITS: ClassVar[dict[str, Range]] = {
        "manual_threshold": _PROB,
        "background_um": _LEN0,
        "denoise_um": _LEN0,
        "min_feature_um": _LEN0,
        "sauvola_window_um": _LEN,
    }


@_section
class MeasureConfig:
    """The intercept method (METHODS.md 1), directional analysis (3), local thickness (7).

    Attributes
    ----------
    window_um : float or WindowChoice
        Square window side in µm, ``'auto'`` (start at 16 µm, grow until lines cross >= 10
        voids) or ``'full'`` (the whole usable field).
    n_lines : int
        Number of parallel lines (50 in the patent).
    angle_deg : float
        Line direction, 0 = along image rows, counter-clockwise in the displayed image.
    min_voids_per_line : int
        Validity threshold: each line should cross at least this many voids.
    mil_step_deg : float
        Angular step of the MIL rose, 1 to 90 degrees (directions 0, step, 2 step, ...
        below 180; a step that does not divide 180 leaves a smaller last gap), or 0 for
        no MIL rose.
    local_thickness : bool
        Compute the local thickness of the pore phase (METHODS.md 7).
    dense_chords : bool
        Compute the dense chord-length distribution (every row and column).
    ci_method : CIMethod
        Confidence interval of the mean intercept.
    seed : int
        Seed for the bootstrap.
    """

    window_um: float | WindowChoice = "auto"
    n_lines: int = 50
    angle_deg: float = 0.0
    min_voids_per_line: int = 10
    mil_step_deg: float = 15.0
    local_thickness: bool = True
    dense_chords: bool = True
    ci_method: CIMethod = "ratio"
    seed: int = 0

    LIMITS: ClassVar[dict[str, Range]] = {
        "window_um": _LEN,
        "n_lines": Range(1, 10_000),
        "angle_deg": Range(-360.0, 360.0),
        "min_voids_per_line": Range(1, 100_000),
        "mil_step_deg": Range(1.0, 90.0, off=0.0, note="directions every step below 180"),
        "seed": Range(0, 2**32 - 1),
    }


@_section
class CrossSectionConfig:
    """Views, cross-section geometry and surface layers (METHODS.md 4 and 6).

    Attributes
    ----------
    view : ConfigView
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
    layers : int or LayersChoice
        Layers of a laminated film: ``'auto'`` (find how many; a single-layer film is one
        layer), ``'off'`` (not looked for) or the number of layers to cut the film into.
    interface_floor : int
        Surrogates for each found interface's noise floor (the interface search run on
        self-spliced sections with a straight interface; each costs about one search,
        ~40 ms on a 1200 px film). 0: no floor (the floor columns empty).
    """

    view: ConfigView = "auto"
    film_direction_deg: float | None = None
    band_um: float = 0.1
    skin_tolerance: float = 0.25
    skin_exclusion_um: float | None = None
    n_thickness_positions: int = 9
    layers: int | LayersChoice = "auto"
    interface_floor: int = 0

    LIMITS: ClassVar[dict[str, Range]] = {
        "film_direction_deg": Range(-180.0, 180.0),
        "band_um": _LEN,
        "skin_tolerance": Range(0.0, 1.0, lo_open=True),
        "skin_exclusion_um": _LEN0,
        "n_thickness_positions": Range(5, 1000, note="at least 5, patent item (4)"),
        "layers": Range(1, 20, note="a number of layers"),
        "interface_floor": Range(0, 64, note="surrogates per interface"),
    }


@_section
class ClassifyConfig:
    """Structure classification (METHODS.md 8).

    Attributes
    ----------
    enabled : bool
        Classify each image.
    model_path : str or None
        Model file (``.smodel``, or JSON ``.json`` / ``.json.gz``); None uses the model
        shipped with semscan (``semscan/classify/models/structure.smodel``; its card is
        ``models/``).
    confidence_threshold : float or None
        Below this probability the class is ``'uncertain'``. None uses the model's own
        threshold, chosen when it was trained (for the shipped model: the lowest at which
        99 % of the held-out synthetic images it classifies are right).
    """

    enabled: bool = True
    model_path: str | None = None
    confidence_threshold: float | None = None

    LIMITS: ClassVar[dict[str, Range]] = {
        "confidence_threshold": Range(0.0, 1.0, note="a probability"),
    }


@_section
class WhiskerConfig:
    """Whiskers as a third phase (:mod:`semscan.measure.whiskers`); off by default.

    Attributes
    ----------
    enabled : bool
        Look for whiskers (bright straight rods) apart from polymer and pores; the
        porosity is then that of the matrix, pore / (pore + polymer).
    min_width_um : float or None
        Least whisker width D (µm); None: 3 px.
    min_aspect : float
        Least L / D of a whisker. The claims' whiskers have L / D >= 1.5: set 1.5 to
        measure them down to there (tested on rendered films with D >= 8 px: rods of
        L/D 1.5-3 found, no pore rims or edge-lit polymer counted while the edge effect
        stays below the whiskers' grey). The default 3 keeps pieces of whiskers cut by
        the image border (which reach L/D 1.5 more often than 3) out of the count.
    density : str or None
        Polymer and whisker densities in g/cm³, ``"polymer=1.38,whisker=3.3"``, for the
        polymer : whisker weight ratio; None: no weight ratio.
    """

    enabled: bool = False
    min_width_um: float | None = None
    min_aspect: float = 3.0
    density: str | None = None

    LIMITS: ClassVar[dict[str, Range]] = {
        "min_width_um": _LEN,
        "min_aspect": Range(1.0, 1000.0),
    }


def parse_densities(text: str | None) -> tuple[float, float] | None:
    """``'polymer=1.38,whisker=3.3'`` (g/cm³) to ``(1.38, 3.3)``; None or '' to None.

    Raises
    ------
    ConfigError
        If the text is not two positive numbers named polymer and whisker.

    Examples
    --------
    >>> parse_densities("whisker=3.3, polymer=1.38")
    (1.38, 3.3)
    """
    if text is None or not str(text).strip():
        return None
    found: dict[str, float] = {}
    for part in str(text).split(","):
        name, eq, value = part.partition("=")
        name = name.strip().lower()
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not eq or name not in ("polymer", "whisker") or not 0 < number < float("inf"):
            raise ConfigError(
                f"density {text!r} is not understood at {part.strip()!r}; give the two "
                "densities in g/cm³ as polymer=1.38,whisker=3.3"
            )
        found[name] = number
    if set(found) != {"polymer", "whisker"}:
        raise ConfigError(
            f"density {text!r} names {', '.join(sorted(found)) or 'nothing'}; give both as "
            "polymer=1.38,whisker=3.3 (g/cm³)"
        )
    return found["polymer"], found["whisker"]


#: Each section of :class:`~semscan.config.AnalysisConfig` by its name (and TOML table).
_SECTIONS = {
    "io": IOConfig,
    "segment": SegmentConfig,
    "measure": MeasureConfig,
    "cross_section": CrossSectionConfig,
    "classify": ClassifyConfig,
    "whiskers": WhiskerConfig,
}


def _section_name(cls: type) -> str:
    return next((k for k, v in _SECTIONS.items() if v is cls), cls.__name__)
