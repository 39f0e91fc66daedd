"""Shared helpers of the vendor metadata parsers: the :class:`VendorInfo` record they
return, numbers, units, notes, frame sizes, text decoding.

Every helper is total: it returns a value or None (with a note), never raises on what a
file holds. Pixel sizes outside :data:`~semscan.calibration.PIXEL_SIZE_RANGE_UM` are
dropped with a warning by :func:`_calibration`.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from semscan.calibration import Calibration, pixel_size_problem
from semscan.micrograph import InstrumentMetadata

__all__ = ["REL_TOL", "VendorInfo", "parse_ini"]

#: Relative disagreement above which two pixel sizes are called contradictory.
REL_TOL = 0.02

_UNIT_TO_UM = {
    "pm": 1e-6,
    "nm": 1e-3,
    "um": 1.0,
    "µm": 1.0,
    "μm": 1.0,
    "micron": 1.0,
    "microns": 1.0,
    "mm": 1e3,
    "cm": 1e4,
    "m": 1e6,
}


class _Notes:
    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.conflicts: list[str] = []

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)

    def conflict(self, msg: str) -> None:
        self.warnings.append(msg)
        self.conflicts.append(msg)


def _short(value: Any) -> str:
    """``repr`` of a metadata value, cut to 60 characters for messages."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "<huge int>"
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value: Any, what: str, notes: _Notes | None, *, positive: bool = False) -> float | None:
    """A finite float from a metadata value, or None (with a note) when malformed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):
            raise TypeError
        number = float(str(value).strip().split()[0]) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        if notes is not None:
            notes.warn(f"{what} = {_short(value)} is not a number; ignored")
        return None
    if not math.isfinite(number) or (positive and number <= 0):
        if notes is not None:
            notes.warn(f"{what} = {_short(value)} is not a finite positive number; ignored")
        return None
    return number


def _finite(value: float | None) -> float | None:
    """``value`` when it is a finite number (derived values can overflow to inf)."""
    return value if value is not None and math.isfinite(value) else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _length_um(value: float, unit: str) -> float | None:
    factor = _UNIT_TO_UM.get(unit.strip().replace("\u00b5", "µ").lower().replace("μ", "µ"))
    if factor is None:
        factor = _UNIT_TO_UM.get(unit.strip())
    return None if factor is None else value * factor


_QUANTITY = re.compile(r"^\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*([A-Za-zµμ\u00b5]+)\s*$")


def _parse_length_um(text: str) -> float | None:
    """``'10um'``, ``'500 nm'``, ``'1.5 µm'`` -> µm, or None."""
    if len(text) > 100:  # no length is written so long (and the regex would backtrack)
        return None
    m = _QUANTITY.match(text)
    if not m:
        return None
    return _length_um(float(m.group(1)), m.group(2))


def _agree(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b))


def _calibration(
    pixel_size_um: float | None, source: str, detail: str, notes: _Notes
) -> Calibration | None:
    """The calibration, or None with a warning when the pixel size is implausible."""
    if pixel_size_um is None:
        return None
    problem = pixel_size_problem(pixel_size_um)
    if problem is not None:
        notes.warn(f"{detail}: {problem}; ignored (a unit or export error?)")
        return None
    return Calibration(float(pixel_size_um), source, detail)  # type: ignore[arg-type]


def _bar_from_sizes(total_rows: int, data_rows: float | None) -> int | None:
    if data_rows is None or not math.isfinite(data_rows):
        return None
    bar = int(total_rows - round(data_rows))
    return bar if 0 <= bar < total_rows else None


def _full_size_frame(
    full: tuple[float, float] | None,
    image_shape: tuple[int, int],
    pixel: float | None,
    detail: str,
    key: str,
    notes: _Notes,
    where: str,
) -> tuple[int | None, float | None, str]:
    """Data bar and pixel size from a sidecar's full-frame size (Hitachi, JEOL).

    When the sidecar's frame width equals the image width, the rows beyond the frame's
    height are the data bar. Otherwise the image was saved at another width: there is no
    data bar to read, and the pixel size is scaled by frame width / image width (with a
    note naming ``where``, the sidecar).

    Returns
    -------
    databar, pixel, detail
        ``detail`` says so when the pixel size was rescaled.
    """
    rows, cols = image_shape
    if full is None or cols <= 0:
        return None, pixel, detail
    if int(full[0]) == cols:
        return _bar_from_sizes(rows, full[1]), pixel, detail
    if pixel is None:
        return None, None, detail
    notes.warn(f"{where}: image width {cols} px differs from {key}; pixel size scaled")
    scaled_detail = f"{detail} scaled by {key} width {int(full[0])} / image width {cols}"
    return None, pixel * full[0] / cols, scaled_detail


def parse_ini(text: str) -> dict[str, dict[str, str]]:
    """Parse INI-style ``[Section]`` / ``key=value`` text, keeping key case; never raises.

    Parameters
    ----------
    text : str
        The text of a tag or sidecar file.

    Returns
    -------
    dict
        ``{section: {key: value}}``; keys before the first section go under ``''``.

    Examples
    --------
    >>> parse_ini("[MAIN]\\nPixelSizeX=1e-08\\n[SEM]\\nHV = 5000\\n")
    {'': {}, 'MAIN': {'PixelSizeX': '1e-08'}, 'SEM': {'HV': '5000'}}
    """
    out: dict[str, dict[str, str]] = {"": {}}
    section = out[""]
    for raw in text.splitlines():
        line = raw.strip().strip("\x00")
        if not line or line.startswith((";", "#")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = out.setdefault(line[1:-1].strip(), {})
            continue
        key, sep, value = line.partition("=")
        if sep:
            section[key.strip()] = value.strip()
    return out


def _lookup(sections: Mapping[str, Mapping[str, Any]], key: str) -> tuple[str, Any] | None:
    for name, section in sections.items():
        if isinstance(section, Mapping) and key in section:
            return name, section[key]
    return None


@dataclass(frozen=True)
class VendorInfo:
    """What one vendor's metadata says about an image.

    Attributes
    ----------
    metadata : InstrumentMetadata
        The instrument's record as this vendor's metadata gives it: ``vendor`` (``'FEI'``,
        ``'Zeiss'``, ``'TESCAN'``, ``'Hitachi'``, ``'JEOL'`` or ``'ImageJ'``), ``model``,
        ``kv``, ``magnification``, ``working_distance_mm``, ``detector`` and
        ``field_width_um`` (None when not found); the file's own fields (pages, dtype,
        shape) keep their defaults. The reader fills the
        :class:`~semscan.micrograph.InstrumentMetadata` of the micrograph from the first
        vendor record that has each field.
    calibration : Calibration or None
        Pixel size (µm) with source ``'file'`` or ``'sidecar'``; None when not found.
    databar_height_px : int or None
        Data-bar rows at the bottom of the image according to the metadata; 0 when the
        metadata says there is none, None when it does not say.
    warnings : tuple of str
        Metadata that was malformed and ignored, or disagreements that were resolved.
    conflicts : tuple of str
        Contradictory calibration values (a subset of the problems also in ``warnings``).

    Examples
    --------
    >>> info = VendorInfo(InstrumentMetadata(vendor="JEOL", kv=5.0))
    >>> info.vendor, info.metadata.kv, info.calibration
    ('JEOL', 5.0, None)
    """

    metadata: InstrumentMetadata
    calibration: Calibration | None = None
    databar_height_px: int | None = None
    warnings: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()

    @property
    def vendor(self) -> str:
        """The vendor whose metadata this is (``metadata.vendor``)."""
        return self.metadata.vendor or ""


def _scanned_info(
    vendor: str,
    notes: _Notes,
    *,
    pixel: float | None,
    source: str,
    detail: str,
    cols: int,
    databar_height_px: int | None = None,
    **instrument: Any,
) -> VendorInfo:
    """The record of a vendor whose field width is the pixel size times the image width
    (TESCAN, Hitachi, JEOL): calibration checked, notes attached; ``instrument`` holds the
    other :class:`~semscan.micrograph.InstrumentMetadata` fields."""
    cal = _calibration(pixel, source, detail, notes)
    pixel = cal.pixel_size_um if cal is not None else None
    return VendorInfo(
        InstrumentMetadata(
            vendor=vendor,
            field_width_um=_finite(pixel * cols) if pixel is not None else None,
            **instrument,
        ),
        calibration=cal,
        databar_height_px=databar_height_px,
        warnings=tuple(notes.warnings),
        conflicts=tuple(notes.conflicts),
    )


def _decode_first(raw: bytes, encodings: tuple[str, ...]) -> str:
    """``raw`` decoded by the first of ``encodings`` that fits, else latin-1 (never raises)."""
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")
