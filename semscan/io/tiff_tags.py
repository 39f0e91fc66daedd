"""Vendor metadata stored in TIFF tags: FEI / Thermo, Zeiss, TESCAN and ImageJ.

:func:`tiff_vendors` reads the tags of a tifffile page and hands each vendor's metadata to
its parser (FEI tag 34682 / 34680, Zeiss tag 34118, TESCAN tag 50431, an ImageJ
description); TESCAN's INI text is parsed by :func:`semscan.io.sidecars.tescan_info`, as
its sidecar is. The parsers follow the rules of :mod:`semscan.io.vendors`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from semscan.io._metadata import (
    VendorInfo,
    _agree,
    _bar_from_sizes,
    _calibration,
    _decode_first,
    _finite,
    _length_um,
    _Notes,
    _number,
    _short,
    _text,
)
from semscan.io.sidecars import tescan_info
from semscan.micrograph import InstrumentMetadata

__all__ = ["fei_info", "imagej_info", "tiff_vendors", "zeiss_info"]

_IMAGEJ = InstrumentMetadata(vendor="ImageJ")


def tiff_vendors(tp: Any, shape: tuple[int, int], notes: list[str]) -> list[VendorInfo]:
    """What the vendor tags of a tifffile page say (unparsable tags noted in ``notes``)."""
    tags = tp.tags
    out: list[VendorInfo] = []
    for code, name in ((34682, "FEI tag 34682"), (34680, "FEI tag 34680")):
        value = tags.valueof(code)
        if value is None:
            continue
        if isinstance(value, dict):
            out.append(fei_info(value, image_shape=shape, tag=name))
        else:
            notes.append(f"{name} could not be parsed as FEI metadata; ignored")
        break
    sem = tags.valueof(34118)
    if sem is not None:
        if isinstance(sem, dict):
            out.append(zeiss_info(sem, image_shape=shape))
        else:
            notes.append("Zeiss tag 34118 could not be parsed as SmartSEM metadata; ignored")
    tescan = _tag_text(tags.valueof(50431))
    if tescan is not None:
        out.append(tescan_info(tescan, image_shape=shape, where="TESCAN tag 50431"))
    desc = tags.valueof(270)
    if isinstance(desc, str) and desc.startswith("ImageJ="):
        info = imagej_info(desc, x_resolution=tags.valueof(282))
        if info is not None:
            out.append(info)
    return out


def _tag_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return _decode_first(bytes(value).split(b"\x00", 1)[0], ("utf-8", "cp1252"))
    if isinstance(value, str):
        return value
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return _tag_text(bytes(v & 0xFF for v in value))
    return None


# ----------------------------------------------------------------------------- FEI
def fei_info(
    metadata: Mapping[str, Any], *, image_shape: tuple[int, int], tag: str = "FEI tag 34682"
) -> VendorInfo:
    """Read FEI / Thermo Fisher metadata (TIFF tag 34682 FEI_HELIOS or 34680 FEI_SFEG).

    Parameters
    ----------
    metadata : mapping
        ``{section: {key: value}}`` as parsed by tifffile (``TiffFile.fei_metadata``) or
        :func:`parse_ini`. Lengths are in metres, the voltage in volts.
    image_shape : (int, int)
        (rows, columns) of the image in the file, data bar included.
    tag : str
        Name of the tag, used in ``Calibration.detail`` and messages.

    Returns
    -------
    VendorInfo
        Pixel size from ``[Scan] PixelWidth`` (else ``[EScan] PixelWidth``), checked
        against ``[EScan] PixelWidth`` and ``HorFieldsize / [Image] ResolutionX``. The data
        bar is the file height minus ``[Image] ResolutionY``, else
        ``[PrivateFei] DatabarHeight``. If the image width differs from ``ResolutionX`` the
        image was resampled: the pixel size is scaled and the bar is left to detection.

    Examples
    --------
    >>> md = {"Scan": {"PixelWidth": 1.0e-8, "HorFieldsize": 1.024e-5},
    ...       "Image": {"ResolutionX": 1024, "ResolutionY": 884}}
    >>> info = fei_info(md, image_shape=(943, 1024))
    >>> round(info.calibration.pixel_size_um, 6), info.databar_height_px
    (0.01, 59)
    >>> info.calibration.detail
    'FEI tag 34682 [Scan] PixelWidth'
    """
    notes = _Notes()
    rows, cols = image_shape
    sec = {k: v for k, v in metadata.items() if isinstance(v, Mapping)}

    def get(section: str, key: str, *, positive: bool = False) -> float | None:
        value = sec.get(section, {}).get(key)
        return _number(value, f"{tag} [{section}] {key}", notes, positive=positive)

    pixel: float | None = None
    detail = ""
    scan_px = get("Scan", "PixelWidth", positive=True)
    escan_px = get("EScan", "PixelWidth", positive=True)
    if scan_px is not None:
        pixel, detail = scan_px * 1e6, f"{tag} [Scan] PixelWidth"
        if escan_px is not None and not _agree(scan_px, escan_px):
            notes.conflict(
                f"{tag}: [Scan] PixelWidth {scan_px:g} m and [EScan] PixelWidth "
                f"{escan_px:g} m disagree; using [Scan]"
            )
    elif escan_px is not None:
        pixel, detail = escan_px * 1e6, f"{tag} [EScan] PixelWidth"

    hfw = get("Scan", "HorFieldsize", positive=True)
    if hfw is None:
        hfw = get("EScan", "HorFieldsize", positive=True)
    if hfw is None:
        hfw = get("EBeam", "HFW", positive=True)
    res_x = get("Image", "ResolutionX", positive=True)
    res_y = get("Image", "ResolutionY", positive=True)
    if pixel is not None and hfw is not None and res_x is not None:
        from_hfw = hfw * 1e6 / res_x
        if not _agree(pixel, from_hfw):
            notes.conflict(
                f"{tag}: PixelWidth gives {pixel:.6g} µm/px but HorFieldsize / ResolutionX "
                f"gives {from_hfw:.6g} µm/px; using PixelWidth"
            )

    databar: int | None = None
    if res_x is not None and res_x >= 2**31:
        notes.warn(f"{tag} [Image] ResolutionX = {res_x:g} is not an image width; ignored")
        res_x = None
    if res_x is not None and round(res_x) != cols:
        if pixel is not None:
            pixel *= res_x / cols
            detail += f" scaled by ResolutionX {int(res_x)} / image width {cols}"
        notes.warn(
            f"{tag}: image width {cols} px differs from [Image] ResolutionX {int(res_x)}; "
            "the image was resampled after acquisition, pixel size scaled"
        )
    else:
        databar = _bar_from_sizes(rows, res_y)
        if databar is None:
            bar = get("PrivateFei", "DatabarHeight")
            if bar is not None and 0 < bar < rows:  # also excludes huge values
                databar = int(bar)

    kv = get("Beam", "HV")
    if kv is None:
        kv = get("EBeam", "HV")
    wd = get("EBeam", "WD", positive=True)
    if wd is None:
        wd = get("Stage", "WorkingDistance", positive=True)
    canvas = get("Image", "MagCanvasRealWidth", positive=True)
    mag = canvas / hfw if (canvas is not None and hfw is not None) else None
    system = sec.get("System", {})
    detectors = sec.get("Detectors", {})
    kv = _finite(kv / 1000.0) if kv is not None else None
    cal = _calibration(pixel, "file", detail, notes)
    pixel = cal.pixel_size_um if cal is not None else None
    return VendorInfo(
        InstrumentMetadata(
            vendor="FEI",
            model=_text(system.get("SystemType")) or _text(system.get("Dnumber")),
            kv=kv,
            magnification=round(mag, 3) if _finite(mag) is not None else None,
            working_distance_mm=_finite(wd * 1e3) if wd is not None else None,
            detector=_text(detectors.get("Name")),
            field_width_um=_finite(hfw * 1e6) if hfw is not None else None,
        ),
        calibration=cal,
        databar_height_px=databar,
        warnings=tuple(notes.warnings),
        conflicts=tuple(notes.conflicts),
    )


# ----------------------------------------------------------------------------- Zeiss
def _zeiss_quantity(
    metadata: Mapping[str, Any], key: str, notes: _Notes
) -> tuple[float, str] | None:
    entry = metadata.get(key)
    if entry is None:
        return None
    where = f"Zeiss tag 34118 {key}"
    if not isinstance(entry, tuple) or len(entry) < 2:
        notes.warn(f"{where} = {entry!r} is not a 'name = value unit' entry; ignored")
        return None
    value = _number(entry[1], where, notes)
    if value is None:
        return None
    unit = str(entry[2]) if len(entry) > 2 else ""
    return value, unit


def _zeiss_length_um(metadata: Mapping[str, Any], key: str, notes: _Notes) -> float | None:
    q = _zeiss_quantity(metadata, key, notes)
    if q is None:
        return None
    value, unit = q
    um = _length_um(value, unit)
    if um is None or not math.isfinite(um) or um <= 0:
        notes.warn(
            f"Zeiss tag 34118 {key} = {value} {unit!r}: unknown unit or not positive; ignored"
        )
        return None
    return um


def _parse_zeiss_mag(value: Any, notes: _Notes) -> float | None:
    """``'25.00 K X'`` -> 25000.0; None (with a note) when it is not a magnification."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        mag = _number(value, "Zeiss tag 34118 ap_mag", notes, positive=True)
    else:
        m = re.match(r"\s*(\d+\.?\d*|\.\d+)\s*([KkMm]?)\s*[Xx]", str(value)[:100])
        factor = {"": 1.0, "k": 1e3, "m": 1e6}[m.group(2).lower()] if m else 0.0
        mag = float(m.group(1)) * factor if m else None
        if mag is None or not math.isfinite(mag) or mag <= 0:
            notes.warn(f"Zeiss tag 34118 ap_mag = {_short(value)} is not a magnification; ignored")
            mag = None
    return mag


def zeiss_info(metadata: Mapping[str, Any], *, image_shape: tuple[int, int]) -> VendorInfo:
    """Read Zeiss SmartSEM metadata (TIFF tag 34118 CZ_SEM, ``TiffFile.sem_metadata``).

    Parameters
    ----------
    metadata : mapping
        ``{key: (name, value[, unit])}`` as parsed by tifffile, e.g.
        ``{'ap_image_pixel_size': ('Image Pixel Size', 2.754, 'nm')}``.
    image_shape : (int, int)
        (rows, columns) of the image in the file.

    Returns
    -------
    VendorInfo
        Pixel size from ``ap_image_pixel_size`` (else ``ap_pixel_size``), cross-checked
        against the field width ``ap_width`` divided by the image width. Some instruments
        store ``ap_pixel_size`` for a 1024-px frame whatever the stored resolution, so when
        the two disagree by more than 2 % the field width wins; the disagreement is a
        warning and a conflict. The data zone is drawn in the pixels: no bar height.

    Examples
    --------
    >>> md = {"ap_pixel_size": ("Pixel Size", 2.0, "nm"), "ap_width": ("Width", 2.048, "µm")}
    >>> info = zeiss_info(md, image_shape=(1536, 2048))
    >>> round(info.calibration.pixel_size_um, 6), len(info.conflicts)
    (0.001, 1)
    """
    notes = _Notes()
    cols = image_shape[1]
    pixel: float | None = None
    detail = ""
    for key in ("ap_image_pixel_size", "ap_pixel_size"):
        pixel = _zeiss_length_um(metadata, key, notes)
        if pixel is not None:
            detail = f"Zeiss tag 34118 {key}"
            break
    width = _zeiss_length_um(metadata, "ap_width", notes)
    if width is not None and cols > 0:
        from_width = width / cols
        if pixel is None:
            pixel, detail = from_width, f"Zeiss tag 34118 ap_width / {cols} px"
        elif not _agree(pixel, from_width):
            notes.conflict(
                f"{detail} = {pixel * 1e3:.6g} nm disagrees with field width ap_width "
                f"{width:.6g} µm / {cols} px = {from_width * 1e3:.6g} nm; using the field width"
            )
            pixel, detail = from_width, f"Zeiss tag 34118 ap_width / {cols} px"
    kv_q = _zeiss_quantity(metadata, "ap_actualkv", notes) or _zeiss_quantity(
        metadata, "ap_manualkv", notes
    )
    kv = None
    if kv_q is not None:
        kv = _finite(kv_q[0] / 1000.0 if kv_q[1].lower() == "v" else kv_q[0])
    wd = _zeiss_length_um(metadata, "ap_wd", notes)
    mag_entry = metadata.get("ap_mag")
    mag = None
    if isinstance(mag_entry, tuple) and len(mag_entry) > 1:
        mag = _parse_zeiss_mag(mag_entry[1], notes)
    det = metadata.get("dp_detector_channel")
    model = metadata.get("dp_sem") or metadata.get("sv_serial_number")
    cal = _calibration(pixel, "file", detail, notes)
    pixel = cal.pixel_size_um if cal is not None else None
    return VendorInfo(
        InstrumentMetadata(
            vendor="Zeiss",
            model=_text(model[1]) if isinstance(model, tuple) and len(model) > 1 else None,
            kv=kv,
            magnification=mag,
            working_distance_mm=wd / 1e3 if wd is not None else None,
            detector=_text(det[1]) if isinstance(det, tuple) and len(det) > 1 else None,
            field_width_um=width,
        ),
        calibration=cal,
        databar_height_px=None,
        warnings=tuple(notes.warnings),
        conflicts=tuple(notes.conflicts),
    )


# ----------------------------------------------------------------------------- ImageJ
def imagej_info(description: str, *, x_resolution: Any) -> VendorInfo | None:
    """Read an ImageJ spatial calibration (``unit=`` in the description + XResolution).

    ImageJ stores the scale as XResolution = pixels per ``unit``. The plain TIFF
    XResolution of other files holds a printing resolution (dpi) and is never used.

    Parameters
    ----------
    description : str
        The ImageDescription starting with ``ImageJ=``.
    x_resolution : (int, int) or float
        The XResolution tag: a rational (numerator, denominator) or a number.

    Returns
    -------
    VendorInfo or None
        None when the description is not ImageJ's or has no length unit (``pixel``,
        ``inch`` and missing units are not calibrations).

    Examples
    --------
    >>> info = imagej_info("ImageJ=1.54f\\nunit=micron\\n", x_resolution=(50, 1))
    >>> info.calibration.pixel_size_um, info.calibration.detail
    (0.02, 'ImageJ description unit=micron, XResolution 50 px/micron')
    >>> imagej_info("ImageJ=1.54f\\nunit=inch\\n", x_resolution=(300, 1)) is None
    True
    """
    if not description.startswith("ImageJ="):
        return None
    fields = dict(line.split("=", 1) for line in description.splitlines() if "=" in line)
    unit = fields.get("unit", "").strip()
    unit_clean = unit.replace("\\u00B5", "µ").replace("\\u00b5", "µ")
    factor = _length_um(1.0, unit_clean)
    if factor is None:
        return None
    notes = _Notes()
    try:
        if isinstance(x_resolution, tuple):
            per_unit = x_resolution[0] / x_resolution[1]
        else:
            per_unit = float(x_resolution)
    except (TypeError, ValueError, ZeroDivisionError, IndexError, OverflowError):
        per_unit = float("nan")
    if not math.isfinite(per_unit) or per_unit <= 0:
        notes.warn(
            f"ImageJ XResolution {_short(x_resolution)} is not a positive number; ignored"
        )
        return VendorInfo(_IMAGEJ, warnings=tuple(notes.warnings))
    cal = _calibration(
        factor / per_unit,
        "file",
        f"ImageJ description unit={unit}, XResolution {per_unit:g} px/{unit}",
        notes,
    )
    return VendorInfo(_IMAGEJ, calibration=cal, warnings=tuple(notes.warnings))
