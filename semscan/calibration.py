"""Pixel size and where it came from.

semscan has no default pixel size. A :class:`Calibration` either holds a pixel size in µm
together with its source (a vendor tag, a sidecar file, the user, a scale bar), or says
plainly that the image is uncalibrated, in which case every length is reported in pixels
and labelled ``"px"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from semscan.errors import CalibrationError

__all__ = [
    "PIXEL_SIZE_RANGE_UM",
    "UNCALIBRATED",
    "Calibration",
    "CalibrationSource",
    "pixel_size_problem",
    "unit_suffix",
]

CalibrationSource = Literal["file", "sidecar", "user", "scale_bar", "none"]
_SOURCES = get_args(CalibrationSource)

#: Physically plausible pixel sizes in µm: 1 fm ... 1 cm per pixel (1e-6 .. 1e4 µm). An SEM
#: pixel is ~0.1 nm at the highest and ~100 µm at the lowest magnification; values outside
#: this range are unit or parsing errors, not calibrations.
PIXEL_SIZE_RANGE_UM = (1e-6, 1e4)


def unit_suffix(unit: str) -> str:
    """The suffix of a length's row key: ``'um'`` for µm, ``'px'`` for pixels.

    The one place that maps a result's ``unit`` to the ``_um`` / ``_px`` ending of its
    table columns (``pore_intercept_mean_um``), so that uncalibrated rows say "px".

    Examples
    --------
    >>> unit_suffix("µm"), unit_suffix("px")
    ('um', 'px')
    """
    return "um" if unit == "µm" else "px"


def pixel_size_problem(value: object) -> str | None:
    """What is wrong with a pixel size in µm, or None when it is usable.

    Examples
    --------
    >>> pixel_size_problem(0.01) is None
    True
    >>> pixel_size_problem(1e305)
    'pixel size 1e+305 µm is outside the physically plausible range 1e-06 .. 1e+04 µm'
    >>> pixel_size_problem(float("nan"))
    'pixel size nan µm is not a finite positive number'
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"pixel size {value!r} is not a number of µm"
    try:
        number = float(value)
    except OverflowError:
        return f"pixel size {value} µm is outside the physically plausible range"
    if not math.isfinite(number) or number <= 0:
        return f"pixel size {number:g} µm is not a finite positive number"
    lo, hi = PIXEL_SIZE_RANGE_UM
    if not lo <= number <= hi:
        return (
            f"pixel size {number:g} µm is outside the physically plausible range "
            f"{lo:.0e} .. {hi:.0e} µm"
        )
    return None


@dataclass(frozen=True)
class Calibration:
    """Pixel size of an image and its provenance.

    Parameters
    ----------
    pixel_size_um : float or None
        Edge length of one (square) pixel in µm, or ``None`` when the image is uncalibrated.
    source : {'file', 'sidecar', 'user', 'scale_bar', 'none'}
        Where the pixel size came from. ``'none'`` exactly when ``pixel_size_um`` is None.
    detail : str
        Human-readable provenance, e.g. ``"FEI tag 34682 [Scan] PixelWidth"``.

    Raises
    ------
    CalibrationError
        If the pixel size is not a finite positive number in the plausible range
        :data:`PIXEL_SIZE_RANGE_UM` (1e-6 .. 1e4 µm), or the source does not match.

    Examples
    --------
    >>> cal = Calibration(0.01, "user", "given on the command line")
    >>> cal.unit, cal.to_um(250)
    ('µm', 2.5)
    >>> UNCALIBRATED.unit, UNCALIBRATED.to_um(250)
    ('px', 250.0)
    """

    pixel_size_um: float | None
    source: CalibrationSource = "none"
    detail: str = ""

    def __post_init__(self) -> None:
        if self.source not in _SOURCES:
            raise CalibrationError(
                f"calibration source {self.source!r} is not one of {', '.join(_SOURCES)}"
            )
        if self.pixel_size_um is None:
            if self.source != "none":
                raise CalibrationError(
                    f"calibration source {self.source!r} given without a pixel size; "
                    "use source='none' for an uncalibrated image"
                )
            return
        value = self.pixel_size_um
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CalibrationError(f"pixel size must be a number in µm, got {value!r}")
        problem = pixel_size_problem(value)
        if problem is not None:
            raise CalibrationError(
                f"{problem}; a pixel size must be a finite positive number of µm "
                "(check the unit: 10 nm is 0.01 µm)"
            )
        if self.source == "none":
            raise CalibrationError("a pixel size was given with source='none'; name its source")
        object.__setattr__(self, "pixel_size_um", float(value))

    @property
    def is_calibrated(self) -> bool:
        """True when a pixel size is known."""
        return self.pixel_size_um is not None

    @property
    def unit(self) -> str:
        """Length unit of every reported value: ``'µm'`` or ``'px'``."""
        return "µm" if self.is_calibrated else "px"

    @property
    def scale(self) -> float:
        """Length of one pixel in :attr:`unit` (1.0 when uncalibrated)."""
        return self.pixel_size_um if self.pixel_size_um is not None else 1.0

    def to_um(self, pixels: float) -> float:
        """Convert a length in pixels to the reported unit (µm, or px when uncalibrated)."""
        return float(pixels) * self.scale

    def to_px(self, length: float) -> float:
        """Convert a length in the reported unit (µm, or px when uncalibrated) to pixels."""
        return float(length) / self.scale

    def require(self, what: str) -> float:
        """Return the pixel size in µm, or raise if the image is uncalibrated.

        Parameters
        ----------
        what : str
            What needs the calibration, used in the error message.
        """
        if self.pixel_size_um is None:
            raise CalibrationError(
                f"{what} needs a pixel size, but the image is uncalibrated; "
                "pass pixel_size_um= (CLI: --pixel-size-um) or add a sidecar file"
            )
        return self.pixel_size_um

    def to_dict(self) -> dict[str, object]:
        """Row form: ``pixel_size_um``, ``calibration_source``, ``calibration_detail``, ``unit``."""
        return {
            "pixel_size_um": self.pixel_size_um,
            "calibration_source": self.source,
            "calibration_detail": self.detail,
            "unit": self.unit,
        }


UNCALIBRATED = Calibration(None, "none", "no pixel size found")
