"""What a file's header promises, checked before decoding: pixel count, decoded size, end.

A decompression bomb (a 0.9 MB PNG of 30000 x 30000 zeros) or a header claiming
100000 x 100000 px must be refused before a decoder allocates its pixels: a worker that
runs out of memory is killed without a word. :func:`check_size` compares the header's size
with ``max_pixels`` (configuration option ``io.max_pixels``) and :func:`check_other_header`
reads PNG / JPEG / BMP headers with Pillow's format plugins, which parse the size without
decoding, and refuses truncated files (no IEND chunk, no end-of-image marker, a short BMP).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from semscan.errors import ImageFormatError

__all__ = ["BYTES_PER_PIXEL_LIMIT", "DEFAULT_MAX_PIXELS", "check_other_header", "check_size"]

#: Largest image read by default (``io.max_pixels``): 250 Mpx, e.g. 16384 x 15258, above
#: the largest common SEM frames (16384 x 12288 = 201 Mpx). An analysis peaks at ~80-95
#: bytes per pixel (measured on 2048² and 4096² images), ~20-24 GB at this limit.
DEFAULT_MAX_PIXELS = 250_000_000
#: Decoded bytes allowed per allowed pixel: 8 B (16-bit RGBA); 2 GB at the default.
BYTES_PER_PIXEL_LIMIT = 8


def _fail(path: Path, reason: str, todo: str) -> ImageFormatError:
    return ImageFormatError(f"cannot read {path}: {reason}; {todo}")


def check_size(
    path: Path, width: int, height: int, decoded_bytes: int, max_pixels: int | None, what: str
) -> None:
    """Refuse an image whose header promises more pixels or bytes than allowed.

    Raises
    ------
    ImageFormatError
        Naming the file, its size in px, Mpx and GiB, the limit and the option to raise.

    Examples
    --------
    >>> check_size(Path("a.png"), 1000, 1000, 10**6, 10**6, "PNG")  # at the limit: fine
    >>> check_size(Path("a.png"), 1001, 1000, 10**6, 10**6, "PNG")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semscan.errors.ImageFormatError: cannot read a.png: the PNG header says 1001 x 1000 px ...
    """
    if max_pixels is None:
        return
    pixels = int(width) * int(height)
    limit_bytes = BYTES_PER_PIXEL_LIMIT * max_pixels
    if pixels > max_pixels or decoded_bytes > limit_bytes:
        raise _fail(
            path,
            f"the {what} header says {width} x {height} px ({pixels / 1e6:.4g} Mpx, "
            f"{decoded_bytes / 2**30:.3g} GiB decoded), more than the limit of "
            f"{max_pixels / 1e6:.4g} Mpx / {limit_bytes / 2**30:.3g} GiB; the image is not "
            "decoded",
            "if it is a real micrograph, raise the limit with the option io.max_pixels "
            "(max_pixels= in Python) or crop or downsample the image",
        )


_MODE_BYTES = {"1": 1, "L": 1, "P": 3, "PA": 4, "LA": 2, "RGB": 3, "YCbCr": 3}


def check_other_header(path: Path, data: bytes, max_pixels: int | None) -> None:
    """Size and completeness of a PNG / JPEG / BMP from its header, before decoding.

    The header is parsed by Pillow's format plugins, which read the size without decoding
    (and without Pillow's own decompression-bomb limit, so that ``max_pixels`` decides).
    Other formats go to ``Image.open``, whose bomb warnings and errors become
    :class:`~semscan.errors.ImageFormatError`; formats Pillow cannot size are left to OpenCV.
    """
    from PIL import BmpImagePlugin, Image, JpegImagePlugin, PngImagePlugin

    plugins = (
        (b"\x89PNG\r\n\x1a\n", "PNG", PngImagePlugin.PngImageFile),
        (b"\xff\xd8", "JPEG", JpegImagePlugin.JpegImageFile),
        (b"BM", "BMP", BmpImagePlugin.BmpImageFile),
    )
    todo = "check that the file is complete, or save it again"
    for magic, fmt, plugin in plugins:
        if not data.startswith(magic):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                im = plugin(io.BytesIO(data))
            (width, height), mode = im.size, im.mode
        except Exception as exc:  # Pillow raises many types on broken headers
            raise _fail(
                path, f"not a readable {fmt} header ({type(exc).__name__}: {exc})", todo
            ) from exc
        per_px = _MODE_BYTES.get(mode, 4)
        if fmt == "PNG" and len(data) > 24 and data[24] == 16:
            per_px *= 2
        check_size(path, width, height, width * height * per_px, max_pixels, fmt)
        _check_complete(path, data, fmt, width, height)
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                (width, height), mode = im.size, im.mode
    except Image.DecompressionBombError as exc:
        raise _fail(path, f"too many pixels to decode ({exc})", "crop or downsample it") from exc
    except Exception:  # not a format Pillow knows: OpenCV decides
        return
    check_size(path, width, height, width * height * _MODE_BYTES.get(mode, 4), max_pixels,
                "image")


def _check_complete(path: Path, data: bytes, fmt: str, width: int, height: int) -> None:
    """Refuse a truncated PNG (no IEND), JPEG (no end-of-image marker) or BMP (short)."""
    todo = "copy the file again from the instrument or save it again"
    if fmt == "PNG":
        end = data.rfind(b"IEND")
        if end < 0 or len(data) < end + 8:
            raise _fail(path, f"truncated PNG ({len(data)} bytes, no IEND chunk)", todo)
    elif fmt == "JPEG":
        if data.rfind(b"\xff\xd9") < 2:
            raise _fail(path, f"truncated JPEG ({len(data)} bytes, no end-of-image marker)", todo)
    elif fmt == "BMP" and len(data) >= 34:
        offset = int.from_bytes(data[10:14], "little")
        bits = int.from_bytes(data[28:30], "little")
        compression = int.from_bytes(data[30:34], "little")
        if compression == 0 and bits:
            need = offset + ((width * bits + 31) // 32) * 4 * height
            if len(data) < need:
                raise _fail(
                    path, f"truncated BMP ({len(data)} bytes, the header needs {need})", todo
                )
