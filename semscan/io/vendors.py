"""Vendor metadata: pixel size, acquisition parameters and data-bar height.

One function per vendor format. Each takes metadata that has already been read (a dict
parsed by tifffile, or the text of a tag or sidecar file) plus the shape of the image in
the file, and returns a :class:`VendorInfo`. The functions never raise on malformed
metadata (any text, any values; tested by property-based fuzzing): a value that cannot be
understood, and a pixel size outside the physically plausible range
:data:`~semscan.calibration.PIXEL_SIZE_RANGE_UM` (1e-6 .. 1e4 µm), is left out and described
in ``VendorInfo.warnings``; disagreeing values are described in ``VendorInfo.conflicts``
(the reader turns those into a :class:`~semscan.errors.CalibrationError` when asked to be
strict).

============  ==========================================  ==============================
vendor        pixel size                                   data bar
============  ==========================================  ==============================
FEI/Thermo    tag 34682/34680 ``[Scan] PixelWidth`` (m),   ``TIFF height - [Image]
              else ``[EScan] PixelWidth``                  ResolutionY``, else
                                                           ``[PrivateFei] DatabarHeight``
Zeiss         tag 34118 ``ap_image_pixel_size`` (else      drawn in the pixels (detected)
              ``ap_pixel_size``), checked against
              ``ap_width`` / image width
TESCAN        tag 50431 or ``<name>-tif.hdr``:             ``ImageStripSize``
              ``[MAIN] PixelSizeX`` (m)
Hitachi       ``<name>.txt`` ``[SemImageFile] PixelSize``  TIFF height - ``DataSize``
              (nm)                                         height
JEOL          ``<name>.txt`` ``$$SM_MICRON_MARKER`` /      TIFF height - ``$CM_FULL_SIZE``
              ``$$SM_MICRON_BAR``                          height
ImageJ        description ``unit=`` + XResolution          none
============  ==========================================  ==============================
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from semscan.calibration import Calibration
from semscan.io._metadata import (
    REL_TOL,
    _agree,
    _bar_from_sizes,
    _calibration,
    _finite,
    _full_size_frame,
    _length_um,
    _lookup,
    _Notes,
    _number,
    _parse_length_um,
    _short,
    _text,
    parse_ini,
)

__all__ = [
    "REL_TOL",
    "VendorInfo",
    "fei_info",
    "hitachi_info",
    "imagej_info",
    "jeol_info",
    "parse_ini",
    "tescan_info",
    "zeiss_info",
]

@dataclass(frozen=True)
class VendorInfo:
    """What one vendor's metadata says about an image.

    Attributes
    ----------
    vendor : str
        ``'FEI'``, ``'Zeiss'``, ``'TESCAN'``, ``'Hitachi'``, ``'JEOL'`` or ``'ImageJ'``.
    calibration : Calibration or None
        Pixel size (µm) with source ``'file'`` or ``'sidecar'``; None when not found.
    model, detector : str or None
        Instrument model and detector name.
    kv : float or None
        Accelerating voltage in kV.
    magnification : float or None
        Nominal magnification.
    working_distance_mm : float or None
        Working distance in mm.
    field_width_um : float or None
        Horizontal field width in µm.
    databar_height_px : int or None
        Data-bar rows at the bottom of the image according to the metadata; 0 when the
        metadata says there is none, None when it does not say.
    warnings : tuple of str
        Metadata that was malformed and ignored, or disagreements that were resolved.
    conflicts : tuple of str
        Contradictory calibration values (a subset of the problems also in ``warnings``).
    """

    vendor: str
    calibration: Calibration | None = None
    model: str | None = None
    kv: float | None = None
    magnification: float | None = None
    working_distance_mm: float | None = None
    detector: str | None = None
    field_width_um: float | None = None
    databar_height_px: int | None = None
    warnings: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()


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
        vendor="FEI",
        calibration=cal,
        model=_text(system.get("SystemType")) or _text(system.get("Dnumber")),
        kv=kv,
        magnification=round(mag, 3) if _finite(mag) is not None else None,
        working_distance_mm=_finite(wd * 1e3) if wd is not None else None,
        detector=_text(detectors.get("Name")),
        field_width_um=_finite(hfw * 1e6) if hfw is not None else None,
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
        vendor="Zeiss",
        calibration=cal,
        model=_text(model[1]) if isinstance(model, tuple) and len(model) > 1 else None,
        kv=kv,
        magnification=mag,
        working_distance_mm=wd / 1e3 if wd is not None else None,
        detector=_text(det[1]) if isinstance(det, tuple) and len(det) > 1 else None,
        field_width_um=width,
        databar_height_px=None,
        warnings=tuple(notes.warnings),
        conflicts=tuple(notes.conflicts),
    )


# ----------------------------------------------------------------------------- TESCAN
def tescan_info(text: str, *, image_shape: tuple[int, int], where: str) -> VendorInfo:
    """Read TESCAN metadata: the text of TIFF tag 50431 or of a ``<name>-tif.hdr`` file.

    Parameters
    ----------
    text : str
        INI text with a ``[MAIN]`` section (``PixelSizeX`` in m, ``Magnification``,
        ``Device``) and usually ``[SEM]`` (``HV`` in V, ``WD`` in m, ``Detector``,
        ``ImageStripSize`` in px).
    image_shape : (int, int)
        (rows, columns) of the image in the file.
    where : str
        ``'TESCAN tag 50431'`` or the sidecar's file name; it decides the calibration
        source (``'file'`` for a tag, ``'sidecar'`` otherwise).

    Examples
    --------
    >>> hdr = "[MAIN]\\nPixelSizeX=5e-09\\nDevice=MIRA3\\n[SEM]\\nHV=5000\\nImageStripSize=64\\n"
    >>> info = tescan_info(hdr, image_shape=(832, 1024), where="s-tif.hdr")
    >>> info.calibration.pixel_size_um, info.calibration.source, info.databar_height_px, info.kv
    (0.005, 'sidecar', 64, 5.0)
    """
    notes = _Notes()
    rows, cols = image_shape
    sections = parse_ini(text)
    if not any(k.upper() == "MAIN" for k in sections):
        notes.warn(f"{where}: no [MAIN] section; TESCAN metadata ignored")
    source = "file" if "tag" in where else "sidecar"
    label = where if source == "file" else f"TESCAN sidecar {where}"

    def num(key: str, *, positive: bool = False) -> float | None:
        hit = _lookup(sections, key)
        if hit is None:
            return None
        return _number(hit[1], f"{where} [{hit[0]}] {key}", notes, positive=positive)

    px = num("PixelSizeX", positive=True)
    pixel = px * 1e6 if px is not None else None
    py = num("PixelSizeY", positive=True)
    if px is not None and py is not None and not _agree(px, py):
        notes.warn(f"{where}: PixelSizeX {px:g} m and PixelSizeY {py:g} m differ; using X")
    strip = num("ImageStripSize")
    databar = int(strip) if strip is not None and 0 <= strip < rows else None
    hv = num("HV")
    wd = num("WD", positive=True)
    mag = num("Magnification", positive=True)
    device = _lookup(sections, "Device")
    det = _lookup(sections, "Detector")
    cal = _calibration(pixel, source, f"{label} [MAIN] PixelSizeX", notes)
    pixel = cal.pixel_size_um if cal is not None else None
    return VendorInfo(
        vendor="TESCAN",
        calibration=cal,
        model=_text(device[1]) if device else None,
        kv=_finite(hv / 1000.0) if hv is not None else None,
        magnification=mag,
        working_distance_mm=_finite(wd * 1e3) if wd is not None else None,
        detector=_text(det[1]) if det else None,
        field_width_um=_finite(pixel * cols) if pixel is not None else None,
        databar_height_px=databar,
        warnings=tuple(notes.warnings),
        conflicts=tuple(notes.conflicts),
    )


# ----------------------------------------------------------------------------- Hitachi
def _size_pair(value: str | None) -> tuple[float, float] | None:
    """``'1280x960'`` -> (1280.0, 960.0); None unless both are 1 .. 2**31 - 1 px."""
    if not value:
        return None
    m = re.match(r"\s*(\d{1,10})\s*[xX*, ]\s*(\d{1,10})(?!\d)", value)
    if not m:
        return None
    width, height = float(m.group(1)), float(m.group(2))
    return (width, height) if 0 < width < 2**31 and 0 < height < 2**31 else None


def hitachi_info(text: str, *, image_shape: tuple[int, int], where: str) -> VendorInfo:
    """Read a Hitachi sidecar ``<name>.txt`` (section ``[SemImageFile]``).

    Parameters
    ----------
    text : str
        The sidecar text: ``PixelSize`` (nm), ``DataSize`` (``'1280x960'``: the image
        without the data bar), ``AcceleratingVoltage`` (``'5000 Volt'``),
        ``Magnification``, ``WorkingDistance`` (``'8000 um'``), ``SignalName``,
        ``InstructName``.
    image_shape : (int, int)
        (rows, columns) of the image in the file, data bar included.
    where : str
        Name of the sidecar, used in messages.

    Returns
    -------
    VendorInfo
        Data bar = image rows - ``DataSize`` rows when the widths agree. If the image
        width differs from ``DataSize`` the pixel size is scaled by the ratio.

    Examples
    --------
    >>> txt = "[SemImageFile]\\nPixelSize=9.921875\\nDataSize=1280x960\\nMagnification=10000\\n"
    >>> info = hitachi_info(txt, image_shape=(1024, 1280), where="a.txt")
    >>> info.calibration.pixel_size_um, info.databar_height_px
    (0.009921875, 64)
    """
    notes = _Notes()
    cols = image_shape[1]
    sections = parse_ini(text)
    sem = sections.get("SemImageFile", {})
    if not sem:
        notes.warn(f"{where}: no [SemImageFile] section; Hitachi metadata ignored")
    px_nm = _number(sem.get("PixelSize"), f"{where} [SemImageFile] PixelSize", notes, positive=True)
    pixel = px_nm * 1e-3 if px_nm is not None else None
    detail = f"Hitachi sidecar {where} [SemImageFile] PixelSize"
    databar, pixel, detail, scaled = _full_size_frame(
        _size_pair(sem.get("DataSize")), image_shape, pixel, detail, "DataSize"
    )
    if scaled:
        notes.warn(f"{where}: image width {cols} px differs from DataSize; pixel size scaled")
    hv = _number(sem.get("AcceleratingVoltage"), f"{where} AcceleratingVoltage", notes)
    wd_raw = sem.get("WorkingDistance")
    wd = _number(wd_raw, f"{where} WorkingDistance", notes, positive=True)
    wd_mm = None
    if wd is not None:
        unit = wd_raw.split()[1] if wd_raw and len(wd_raw.split()) > 1 else "um"
        wd_um = _length_um(wd, unit)
        wd_mm = _finite(wd_um / 1e3) if wd_um is not None else None
    cal = _calibration(pixel, "sidecar", detail, notes)
    pixel = cal.pixel_size_um if cal is not None else None
    return VendorInfo(
        vendor="Hitachi",
        calibration=cal,
        model=_text(sem.get("InstructName")),
        kv=_finite(hv / 1000.0) if hv is not None else None,
        magnification=_number(sem.get("Magnification"), f"{where} Magnification", notes),
        working_distance_mm=wd_mm,
        detector=_text(sem.get("SignalName")),
        field_width_um=_finite(pixel * cols) if pixel is not None else None,
        databar_height_px=databar,
        warnings=tuple(notes.warnings),
        conflicts=tuple(notes.conflicts),
    )


# ----------------------------------------------------------------------------- JEOL
def _jeol_fields(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith("$"):
            continue
        key, _, value = line.partition(" ")
        out[key.lstrip("$").upper()] = value.strip()
    return out


def jeol_info(text: str, *, image_shape: tuple[int, int], where: str) -> VendorInfo:
    """Read a JEOL sidecar ``<name>.txt`` (``$CM_...`` / ``$$SM_...`` lines).

    Parameters
    ----------
    text : str
        The sidecar text: ``$CM_FULL_SIZE 1280 960`` (the image without the data bar),
        ``$$SM_MICRON_BAR 138`` (length of the scale bar in px), ``$$SM_MICRON_MARKER 1um``
        (what the bar stands for), ``$CM_ACCEL_VOLT`` (kV), ``$CM_MAG``, ``$SM_WD`` /
        ``$CM_WD`` (mm), ``$CM_SIGNAL``, ``$CM_INSTRUMENT``.
    image_shape : (int, int)
        (rows, columns) of the image in the file, data bar included.
    where : str
        Name of the sidecar, used in messages.

    Returns
    -------
    VendorInfo
        Pixel size = marker length / bar pixels, scaled by ``CM_FULL_SIZE`` width / image
        width when the image was saved at another width. Data bar = image rows - full-size
        rows when the widths agree.

    Examples
    --------
    >>> txt = "$CM_FULL_SIZE 1280 960\\n$$SM_MICRON_BAR 200\\n$$SM_MICRON_MARKER 1um\\n"
    >>> info = jeol_info(txt, image_shape=(1024, 1280), where="a.txt")
    >>> info.calibration.pixel_size_um, info.databar_height_px
    (0.005, 64)
    """
    notes = _Notes()
    cols = image_shape[1]
    f = _jeol_fields(text)
    bar_px = _number(f.get("SM_MICRON_BAR"), f"{where} $$SM_MICRON_BAR", notes, positive=True)
    marker_raw = f.get("SM_MICRON_MARKER")
    marker_um = _parse_length_um(marker_raw) if marker_raw else None
    if marker_raw and marker_um is None:
        notes.warn(f"{where} $$SM_MICRON_MARKER = {marker_raw!r} is not a length; ignored")
    pixel = marker_um / bar_px if (marker_um and bar_px) else None
    detail = f"JEOL sidecar {where} $$SM_MICRON_MARKER / $$SM_MICRON_BAR"
    databar, pixel, detail, _ = _full_size_frame(
        _size_pair(f.get("CM_FULL_SIZE")), image_shape, pixel, detail, "CM_FULL_SIZE"
    )
    kv = _number(f.get("CM_ACCEL_VOLT"), f"{where} $CM_ACCEL_VOLT", notes)
    wd = _number(f.get("SM_WD") or f.get("CM_WD"), f"{where} $SM_WD", notes, positive=True)
    cal = _calibration(pixel, "sidecar", detail, notes)
    pixel = cal.pixel_size_um if cal is not None else None
    return VendorInfo(
        vendor="JEOL",
        calibration=cal,
        model=_text(f.get("CM_INSTRUMENT")),
        kv=kv,
        magnification=_number(f.get("CM_MAG"), f"{where} $CM_MAG", notes),
        working_distance_mm=wd,
        detector=_text(f.get("CM_SIGNAL")),
        field_width_um=_finite(pixel * cols) if pixel is not None else None,
        databar_height_px=databar,
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
        return VendorInfo(vendor="ImageJ", warnings=tuple(notes.warnings))
    cal = _calibration(
        factor / per_unit,
        "file",
        f"ImageJ description unit={unit}, XResolution {per_unit:g} px/{unit}",
        notes,
    )
    return VendorInfo(vendor="ImageJ", calibration=cal, warnings=tuple(notes.warnings))
