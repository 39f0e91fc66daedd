"""Sidecar metadata files beside an image: finding, reading and parsing them.

Hitachi and JEOL write ``<name>.txt`` beside the image, TESCAN ``<name>-tif.hdr`` (the same
INI text TESCAN also stores in TIFF tag 50431, parsed here by :func:`tescan_info` for
both). Each parser follows the rules of :mod:`semscan.io.vendors`: it never raises on
malformed metadata and describes what it ignored in ``VendorInfo.warnings``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from semscan._files import read_capped
from semscan.io._metadata import (
    VendorInfo,
    _agree,
    _decode_first,
    _finite,
    _full_size_frame,
    _length_um,
    _lookup,
    _Notes,
    _number,
    _parse_length_um,
    _scanned_info,
    _text,
    parse_ini,
)

__all__ = [
    "MAX_SIDECAR_BYTES",
    "decode_text",
    "find_sidecars",
    "hitachi_info",
    "jeol_info",
    "read_sidecar_text",
    "sidecar_vendors",
    "tescan_info",
]

logger = logging.getLogger(__name__)

MAX_SIDECAR_BYTES = 1 << 20  # vendor sidecars are a few KiB


def find_sidecars(path: str | Path) -> list[Path]:
    """Sidecar metadata files that belong to an image, in the order they are used.

    Parameters
    ----------
    path : str or Path
        The image file.

    Returns
    -------
    list of Path
        Existing files among ``<stem>.txt`` / ``<stem>.TXT`` (Hitachi or JEOL) and
        ``<name with '.' replaced by '-'>.hdr`` / ``<stem>.hdr`` (TESCAN).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.tif").write_bytes(b""); _ = (d / "a-tif.hdr").write_text("[MAIN]")
    >>> [p.name for p in find_sidecars(d / "a.tif")]
    ['a-tif.hdr']
    """
    p = Path(path)
    names = [
        p.with_suffix(".txt"),
        p.with_suffix(".TXT"),
        p.with_name(p.name.replace(".", "-") + ".hdr"),
        p.with_suffix(".hdr"),
    ]
    out: list[Path] = []
    for cand in names:
        if cand != p and cand.is_file() and cand not in out:
            out.append(cand)
    return out


def decode_text(data: bytes) -> str:
    """Text of a sidecar or tag: UTF-16 with a BOM, UTF-8 (BOM or not), cp1252, else latin-1.

    Never raises: latin-1 decodes any byte string.

    Examples
    --------
    >>> decode_text("µm".encode("cp1252")), decode_text("µm".encode("utf-16"))
    ('µm', 'µm')
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    return _decode_first(data, ("utf-8-sig", "cp1252"))


def read_sidecar_text(path: Path) -> str:
    """The text of a sidecar (:func:`decode_text`), at most :data:`MAX_SIDECAR_BYTES`.

    Raises
    ------
    OSError
        If it cannot be read or is larger.
    """
    data = read_capped(path, MAX_SIDECAR_BYTES)
    if data is None:
        raise OSError(f"larger than {MAX_SIDECAR_BYTES >> 20} MiB, not a vendor sidecar")
    return decode_text(data)


def sidecar_vendors(path: Path, shape: tuple[int, int], notes: list[str]) -> list[VendorInfo]:
    """What the sidecars of an image say (unreadable ones are noted in ``notes``)."""
    infos: list[VendorInfo] = []
    for side in find_sidecars(path):
        try:
            text = read_sidecar_text(side)
        except OSError as exc:  # includes a sidecar that vanished or became a folder
            notes.append(f"sidecar {side.name} could not be read ({exc}); ignored")
            continue
        if "[SemImageFile]" in text:
            infos.append(hitachi_info(text, image_shape=shape, where=side.name))
        elif "$CM_" in text or "$$SM_" in text:
            infos.append(jeol_info(text, image_shape=shape, where=side.name))
        elif "[MAIN]" in text:
            infos.append(tescan_info(text, image_shape=shape, where=side.name))
        else:
            logger.debug("%s: not a known sidecar format; ignored", side)
    return infos


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
    >>> info.calibration.pixel_size_um, info.calibration.source, info.databar_height_px
    (0.005, 'sidecar', 64)
    >>> info.metadata.kv, info.metadata.model
    (5.0, 'MIRA3')
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
    return _scanned_info(
        "TESCAN", notes, pixel=pixel, source=source, detail=f"{label} [MAIN] PixelSizeX",
        cols=cols,
        model=_text(device[1]) if device else None,
        kv=_finite(hv / 1000.0) if hv is not None else None,
        magnification=mag,
        working_distance_mm=_finite(wd * 1e3) if wd is not None else None,
        detector=_text(det[1]) if det else None,
        databar_height_px=databar,
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
    databar, pixel, detail = _full_size_frame(
        _size_pair(sem.get("DataSize")), image_shape, pixel, detail, "DataSize", notes, where
    )
    hv = _number(sem.get("AcceleratingVoltage"), f"{where} AcceleratingVoltage", notes)
    wd_raw = sem.get("WorkingDistance")
    wd = _number(wd_raw, f"{where} WorkingDistance", notes, positive=True)
    wd_mm = None
    if wd is not None:
        unit = wd_raw.split()[1] if wd_raw and len(wd_raw.split()) > 1 else "um"
        wd_um = _length_um(wd, unit)
        wd_mm = _finite(wd_um / 1e3) if wd_um is not None else None
    mag = _number(sem.get("Magnification"), f"{where} Magnification", notes)
    return _scanned_info(
        "Hitachi", notes, pixel=pixel, source="sidecar", detail=detail, cols=cols,
        model=_text(sem.get("InstructName")),
        kv=_finite(hv / 1000.0) if hv is not None else None,
        magnification=mag,
        working_distance_mm=wd_mm,
        detector=_text(sem.get("SignalName")),
        databar_height_px=databar,
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
    databar, pixel, detail = _full_size_frame(
        _size_pair(f.get("CM_FULL_SIZE")), image_shape, pixel, detail, "CM_FULL_SIZE", notes,
        where,
    )
    kv = _number(f.get("CM_ACCEL_VOLT"), f"{where} $CM_ACCEL_VOLT", notes)
    wd = _number(f.get("SM_WD") or f.get("CM_WD"), f"{where} $SM_WD", notes, positive=True)
    mag = _number(f.get("CM_MAG"), f"{where} $CM_MAG", notes)
    return _scanned_info(
        "JEOL", notes, pixel=pixel, source="sidecar", detail=detail, cols=cols,
        model=_text(f.get("CM_INSTRUMENT")),
        kv=kv,
        magnification=mag,
        working_distance_mm=wd,
        detector=_text(f.get("CM_SIGNAL")),
        databar_height_px=databar,
    )
