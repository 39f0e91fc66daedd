"""Reading a micrograph file into a calibrated :class:`~semscan.micrograph.Micrograph`.

TIFF files are read with tifffile (vendor tags: FEI, Zeiss, TESCAN, ImageJ), every other
format (PNG, BMP, JPEG, ...) with OpenCV from the file's bytes (so non-ASCII paths work).
Sidecar files beside the image (Hitachi / JEOL ``<name>.txt``, TESCAN ``<name>-tif.hdr``)
are read too. The calibration is chosen in this order: the user's value, a vendor tag in
the file, a sidecar; without any the image is uncalibrated (lengths in px) and a warning
says so. There is never a default pixel size.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from semscan.calibration import UNCALIBRATED, Calibration
from semscan.errors import CalibrationError, ImageFormatError
from semscan.io._metadata import REL_TOL, VendorInfo
from semscan.io.databar import detect_databar
from semscan.io.headers import DEFAULT_MAX_PIXELS, check_other_header, check_size
from semscan.io.sidecars import decode_text, find_sidecars, sidecar_vendors
from semscan.io.tiff_tags import tiff_vendors
from semscan.micrograph import InstrumentMetadata, Micrograph

__all__ = ["DEFAULT_MAX_PIXELS", "decode_text", "find_sidecars", "read_micrograph"]

logger = logging.getLogger(__name__)

MIN_SIZE_PX = 16
_LUMA = (0.2125, 0.7154, 0.0721)  # Rec. 709 weights, as skimage.color.rgb2gray
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


@dataclass
class _Raw:
    """What the decoder got from the file, before normalisation and cropping."""

    pixels: np.ndarray
    n_pages: int = 1
    vendors: list[VendorInfo] = field(default_factory=list)
    palette: np.ndarray | None = None  # (3, n) colour map for palette TIFFs


def _fail(path: Path, reason: str, todo: str) -> ImageFormatError:
    return ImageFormatError(f"cannot read {path}: {reason}; {todo}")




def _read_tiff(
    path: Path, data: bytes, page: int, notes: list[str], max_pixels: int | None
) -> _Raw:
    import tifffile

    try:
        tif = tifffile.TiffFile(io.BytesIO(data), name=path.name)
    except Exception as exc:  # tifffile raises many types on broken headers
        raise _fail(
            path,
            f"not a readable TIFF ({type(exc).__name__}: {exc})",
            "check that the file is complete, or re-export it from the microscope software",
        ) from exc
    with tif:
        pages = tif.pages
        n_pages = len(pages)
        if n_pages == 0:
            raise _fail(
                path,
                "not a readable TIFF (no image in it)",
                "check that the file is complete, or re-export it from the microscope software",
            )
        if not 0 <= page < n_pages:
            raise _fail(
                path,
                f"page={page} requested but the file has {n_pages} page(s)",
                f"pass page=0..{n_pages - 1}",
            )
        try:
            tp = pages[page]
            if not isinstance(tp, tifffile.TiffPage):
                tp = tp.aspage()
            width, height = int(tp.imagewidth), int(tp.imagelength) * max(1, int(tp.imagedepth))
            itemsize = tp.dtype.itemsize if tp.dtype is not None else 8
            samples = max(1, int(tp.samplesperpixel))
            end = max(
                (int(o) + int(c) for o, c in zip(tp.dataoffsets, tp.databytecounts, strict=False)),
                default=0,
            )
        except (TypeError, ValueError, OverflowError, AttributeError) as exc:  # damaged tags
            raise _fail(
                path,
                f"not a readable TIFF (damaged image tags: {exc})",
                "copy the file again from the instrument, or re-export it",
            ) from exc
        check_size(path, width, height, width * height * samples * itemsize, max_pixels, "TIFF")
        if end > len(data):
            raise _fail(
                path,
                f"truncated: the image data ends at byte {end} but the file has {len(data)}",
                "copy the file again from the instrument",
            )
        try:
            pixels = tp.asarray()
        except Exception as exc:
            raise _fail(
                path,
                f"the image data cannot be decoded ({type(exc).__name__}: {exc})",
                "check that the file is complete; compressed TIFFs need imagecodecs",
            ) from exc
        palette = None
        if tp.photometric == tifffile.PHOTOMETRIC.PALETTE and tp.colormap is not None:
            palette = np.asarray(tp.colormap)
        if tp.planarconfig == tifffile.PLANARCONFIG.SEPARATE and pixels.ndim == 3:
            pixels = np.moveaxis(pixels, 0, -1)
        shape = (int(pixels.shape[0]), int(pixels.shape[1])) if pixels.ndim >= 2 else (0, 0)
        vendors = tiff_vendors(tp, shape, notes)
    return _Raw(pixels, n_pages, vendors, palette)



def _read_other(path: Path, data: bytes, max_pixels: int | None) -> _Raw:
    import cv2

    check_other_header(path, data, max_pixels)
    buf = np.frombuffer(data, np.uint8)
    try:
        pixels = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:
        pixels = None
        logger.debug("cv2.imdecode failed on %s: %s", path, exc)
    if pixels is None:
        raise _fail(
            path,
            "not an image OpenCV or tifffile can decode (unknown format, corrupt or truncated)",
            "use TIFF, PNG, BMP or JPEG, and check that the file is complete",
        )
    if pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        order = [2, 1, 0] + ([3] if pixels.shape[2] == 4 else [])
        pixels = pixels[:, :, order]  # BGR(A) -> RGB(A)
    return _Raw(pixels)


# ----------------------------------------------------------------------------- pixels
def _to_grey(raw: _Raw, path: Path, notes: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """Float32 grey image in [0, 1] and the mask of pixels that are not specimen."""
    arr = raw.pixels
    if np.iscomplexobj(arr) or arr.dtype.kind not in "biuf":
        raise _fail(
            path,
            f"unsupported pixel type {arr.dtype}",
            "save the image as 8- or 16-bit grey, or float",
        )
    if raw.palette is not None and arr.ndim == 2 and arr.dtype.kind in "ui":
        cmap = raw.palette.astype(np.float32) / 65535.0
        idx = np.clip(arr, 0, cmap.shape[1] - 1)
        if np.allclose(cmap[0], cmap[1]) and np.allclose(cmap[1], cmap[2]):
            return cmap[0][idx].astype(np.float32), None
        arr = np.stack([cmap[c][idx] for c in range(3)], axis=-1)
    invalid: np.ndarray | None = None
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 3:
        channels = arr.shape[2]
        if channels not in (2, 3, 4):
            raise _fail(
                path,
                f"image of shape {arr.shape} is a 3-D stack or has {channels} channels, "
                "not a grey or RGB(A) micrograph",
                "save one grey or RGB image per file, or a multi-page TIFF (page=...)",
            )
        alpha = None
        if channels in (2, 4):
            alpha = arr[:, :, -1]
            arr = arr[:, :, :-1]
            invalid = alpha == 0
            if not invalid.any():
                invalid = None
        if arr.shape[2] == 3:
            same = np.array_equal(arr[:, :, 0], arr[:, :, 1]) and np.array_equal(
                arr[:, :, 1], arr[:, :, 2]
            )
            if same:
                arr = arr[:, :, 0]
            else:
                notes.append(
                    "colour image converted to grey luminance (0.2125 R + 0.7154 G + 0.0721 B)"
                )
                scaled = _scale(arr, path, notes)
                grey = scaled @ np.asarray(_LUMA, np.float32)
                return np.clip(grey, 0.0, 1.0).astype(np.float32), invalid
        else:
            arr = arr[:, :, 0]
    elif arr.ndim != 2:
        raise _fail(
            path,
            f"image of shape {arr.shape} is not a 2-D grey or RGB(A) image",
            "save one grey or RGB image per file",
        )
    grey = _scale(arr, path, notes)
    bad = ~np.isfinite(grey)
    if bad.any():
        grey = np.where(bad, 0.0, grey).astype(np.float32)
        invalid = bad if invalid is None else (invalid | bad)
    return grey, invalid


def _scale(arr: np.ndarray, path: Path, notes: list[str]) -> np.ndarray:
    if arr.dtype == bool:
        return arr.astype(np.float32)
    if arr.dtype.kind == "u":
        out = arr.astype(np.float32)
        out /= float(np.iinfo(arr.dtype).max)
        return out
    if arr.dtype.kind == "i":
        info = np.iinfo(arr.dtype)
        if arr.size and arr.min() >= 0:
            return (arr.astype(np.float32) / float(info.max)).astype(np.float32)
        return ((arr.astype(np.float64) - info.min) / (info.max - info.min)).astype(np.float32)
    out = arr.astype(np.float32)
    finite = out[np.isfinite(out)]
    if finite.size == 0:
        raise _fail(path, "the image holds no finite value", "check the export")
    lo, hi = float(finite.min()), float(finite.max())
    if lo < 0.0 or hi > 1.0:
        notes.append(f"float image with values {lo:g}..{hi:g} rescaled to [0, 1]")
        span = hi - lo if hi > lo else 1.0
        out = (out - lo) / span
    return out


# ----------------------------------------------------------------------------- main
def _check_user_pixel(pixel_size_um: float) -> Calibration:
    try:
        value = float(pixel_size_um)
    except (TypeError, ValueError) as exc:
        raise CalibrationError(
            f"pixel_size_um must be a positive number of µm, got {pixel_size_um!r}"
        ) from exc
    if not math.isfinite(value) or value <= 0:
        raise CalibrationError(
            f"pixel_size_um must be a finite positive number of µm, got {pixel_size_um!r}"
        )
    return Calibration(value, "user", f"given by the user: pixel_size_um={value:g}")


def read_micrograph(
    path: str | Path,
    *,
    pixel_size_um: float | None = None,
    page: int = 0,
    keep_databar: bool = False,
    strict_calibration: bool = False,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> Micrograph:
    """Read an SEM image file into a calibrated micrograph with its data bar removed.

    Parameters
    ----------
    path : str or Path
        TIFF (FEI, Zeiss, TESCAN, ImageJ, plain), PNG, BMP or JPEG file. Sidecars next to
        it (Hitachi / JEOL ``<stem>.txt``, TESCAN ``<name>-tif.hdr``) are read as well.
    pixel_size_um : float, optional
        Pixel size in µm; overrides every calibration in the file (source ``'user'``).
    page : int
        Page of a multi-page TIFF (0 = first). ``metadata.n_pages`` says how many exist.
    keep_databar : bool
        Keep the data-bar rows in the image and mark them True in ``excluded`` (source
        ``'kept'``) instead of cropping them.
    strict_calibration : bool
        Raise :class:`~semscan.errors.CalibrationError` when calibration values in the file
        or its sidecars contradict each other (> 2 %), instead of warning.
    max_pixels : int or None
        Largest image accepted, in pixels (default 250 Mpx; None: no limit). It is checked
        from the file's header before decoding, together with the decoded size (at most 8
        bytes per allowed pixel, 2 GB at the default), so a decompression bomb is refused
        without being decoded. Configuration option ``io.max_pixels``.

    Returns
    -------
    Micrograph
        ``image``: float32 grey in [0, 1] (colour converted to luminance, with a warning),
        data bar cropped; ``calibration`` with source ``'file'``, ``'sidecar'``,
        ``'user'`` or ``'none'``; ``metadata``; ``excluded`` (kept data bar, transparent
        or non-finite pixels); ``databar_height_px`` and ``databar_source``
        (``'metadata'``, ``'detected'``, ``'none'``, ``'kept'``); ``path``; ``sha256`` of
        the file's bytes; ``warnings``.

    Raises
    ------
    ImageFormatError
        The file is missing, empty, truncated or not an image; the page does not exist;
        the pixel type is unsupported (complex, > 4 channels, 3-D stacks); the image is
        smaller than 16 x 16 px after cropping; its header promises more than ``max_pixels``
        pixels.
    CalibrationError
        ``pixel_size_um`` is not a positive number; or ``strict_calibration=True`` and the
        calibration metadata is contradictory.

    Warns
    -----
    UserWarning
        No pixel size anywhere (the result is uncalibrated, lengths in px); malformed or
        contradictory metadata (ignored or resolved, see ``Micrograph.warnings``); colour
        converted to grey.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, tifffile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "img.tif"
    >>> tifffile.imwrite(f, np.full((64, 64), 128, np.uint8))
    >>> m = read_micrograph(f, pixel_size_um=0.01)
    >>> m.shape, m.calibration.source, m.databar_source, round(float(m.image.max()), 3)
    ((64, 64), 'user', 'none', 0.502)
    """
    p = Path(path)
    if not p.exists():
        raise _fail(p, "no such file", "check the path")
    if not p.is_file():
        raise _fail(p, "not a regular file", "pass the path of an image file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise _fail(p, f"the file cannot be opened ({exc})", "check its permissions") from exc
    if not data:
        raise _fail(p, "the file is empty (0 bytes)", "copy it again from the instrument")
    if page < 0:
        raise _fail(p, f"page={page} is negative", "pass page=0 for the first page")
    sha = hashlib.sha256(data).hexdigest()
    notes: list[str] = []

    if data[:4] in _TIFF_MAGIC:
        raw = _read_tiff(p, data, page, notes, max_pixels)
    else:
        if page != 0:
            raise _fail(p, f"page={page} requested but the file is not a TIFF", "pass page=0")
        raw = _read_other(p, data, max_pixels)
    del data

    file_dtype = str(raw.pixels.dtype)
    shape = raw.pixels.shape
    if len(shape) < 2 or shape[0] < MIN_SIZE_PX or shape[1] < MIN_SIZE_PX:
        raise _fail(
            p,
            f"the image is {'x'.join(map(str, raw.pixels.shape))} px, smaller than "
            f"{MIN_SIZE_PX}x{MIN_SIZE_PX}",
            "use a larger image",
        )
    grey, invalid = _to_grey(raw, p, notes)
    rows, cols = grey.shape
    vendors = list(raw.vendors)
    vendors += sidecar_vendors(p, (rows, cols), notes)

    # ---- calibration
    for info in vendors:
        notes.extend(info.warnings)
    conflicts = [c for info in vendors for c in info.conflicts]
    found = [info for info in vendors if info.calibration is not None]
    if len(found) > 1:
        first = found[0].calibration
        for other in found[1:]:
            cal = other.calibration
            assert first is not None and cal is not None
            if not abs(first.scale - cal.scale) <= REL_TOL * max(first.scale, cal.scale):
                msg = (
                    f"calibrations disagree: {first.detail} gives {first.scale:.6g} µm/px, "
                    f"{cal.detail} gives {cal.scale:.6g} µm/px; using the first"
                )
                notes.append(msg)
                conflicts.append(msg)
    if pixel_size_um is not None:
        calibration = _check_user_pixel(pixel_size_um)
    else:
        if conflicts and strict_calibration:
            raise CalibrationError(
                f"{p}: contradictory calibration: {'; '.join(conflicts)}; "
                "pass pixel_size_um= to decide, or strict_calibration=False to accept the "
                "choice made"
            )
        calibration = found[0].calibration if found else UNCALIBRATED
        if not found:
            assert calibration is not None
            notes.append(
                "no pixel size in the file or a sidecar: the image is uncalibrated and "
                "lengths are in px; pass pixel_size_um= to calibrate it"
            )
    assert calibration is not None

    # ---- data bar
    primary = next((v for v in vendors if v.databar_height_px is not None), None)
    bar = 0
    bar_source = "none"
    if primary is not None and primary.databar_height_px is not None:
        bar = primary.databar_height_px
        if bar >= rows:
            notes.append(
                f"{primary.vendor} metadata gives a {bar}-row data bar in a {rows}-row image; "
                "ignored, detecting it from the pixels"
            )
            primary = None
        else:
            bar_source = "metadata" if bar > 0 else "none"
    if primary is None:
        bar = detect_databar(grey)
        bar_source = "detected" if bar > 0 else "none"

    excluded = np.zeros(grey.shape, bool) if invalid is None else invalid
    if bar > 0:
        if keep_databar:
            excluded = excluded.copy()
            excluded[rows - bar :] = True
            bar_source = "kept"
        else:
            grey = grey[: rows - bar]
            excluded = excluded[: rows - bar]
    if grey.shape[0] < MIN_SIZE_PX:
        raise _fail(
            p,
            f"only {grey.shape[0]} rows are left after removing the {bar}-row data bar "
            f"(need {MIN_SIZE_PX})",
            "use keep_databar=True or a larger image",
        )

    # ---- metadata
    def first(attr: str) -> Any:
        values = (getattr(v.metadata, attr) for v in vendors)
        return next((value for value in values if value is not None), None)

    meta = InstrumentMetadata(
        vendor=vendors[0].vendor if vendors else None,
        model=first("model"),
        kv=first("kv"),
        magnification=first("magnification"),
        working_distance_mm=first("working_distance_mm"),
        detector=first("detector"),
        field_width_um=first("field_width_um"),
        n_pages=raw.n_pages,
        page=page,
        dtype=file_dtype,
        original_shape=(rows, cols),
    )
    for msg in notes:
        logger.warning("%s: %s", p.name, msg)
        warnings.warn(f"{p.name}: {msg}", UserWarning, stacklevel=2)
    return Micrograph(
        image=np.ascontiguousarray(grey, dtype=np.float32),
        calibration=calibration,
        excluded=np.ascontiguousarray(excluded),
        metadata=meta,
        databar_height_px=int(bar),
        databar_source=bar_source,
        path=str(p),
        sha256=sha,
        warnings=tuple(notes),
    )
