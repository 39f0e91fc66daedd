"""semscan.io.headers: sizes promised by a header refused before decoding; truncated files."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from semscan.errors import ImageFormatError
from semscan.io.headers import BYTES_PER_PIXEL_LIMIT, check_other_header, check_size


def _png(width: int, height: int) -> bytes:
    """A PNG header claiming width x height grey pixels, with a tiny IDAT and IEND."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0"))
            + chunk(b"IEND", b""))


def test_check_size_at_and_over_the_limits():
    check_size(Path("a"), 100, 100, 10_000, 10_000, "PNG")
    check_size(Path("a"), 10**6, 10**6, 10**12, None, "PNG")  # no limit
    with pytest.raises(ImageFormatError, match=r"101 x 100 px .* io.max_pixels"):
        check_size(Path("a"), 101, 100, 10_100, 10_000, "PNG")
    with pytest.raises(ImageFormatError, match="GiB decoded"):  # few pixels, many bytes
        check_size(Path("a"), 10, 10, BYTES_PER_PIXEL_LIMIT * 100 + 1, 100, "TIFF")


def test_a_png_claiming_a_huge_image_is_refused_unread():
    with pytest.raises(ImageFormatError, match=r"the PNG header says 30000 x 30000 px"):
        check_other_header(Path("bomb.png"), _png(30000, 30000), 250_000_000)


def test_real_files_pass_and_truncated_ones_are_refused():
    img = np.zeros((20, 30), np.uint8)
    for ext, cut, what in ((".png", 12, "no IEND chunk"), (".jpg", 2, "no end-of-image marker"),
                           (".bmp", 20, "truncated BMP")):
        data = cv2.imencode(ext, img)[1].tobytes()
        check_other_header(Path("a" + ext), data, 10**6)
        with pytest.raises(ImageFormatError, match=what):
            check_other_header(Path("a" + ext), data[: len(data) - cut], 10**6)


def test_a_broken_header_names_the_format():
    with pytest.raises(ImageFormatError, match="not a readable PNG header"):
        check_other_header(Path("x.png"), b"\x89PNG\r\n\x1a\n" + b"\0" * 10, 10**6)
    check_other_header(Path("x.bin"), b"no image format at all", 10**6)  # left to OpenCV
