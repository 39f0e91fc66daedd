"""A corpus of hostile inputs for `semscan analyze`: what a new user's folder can hold.

:func:`write_corpus` writes more than 100 cases into a folder and returns what each one is
and what `semscan analyze` must do with it:

- ``good``: a valid micrograph (odd name, absurd but ignorable metadata, a bad sidecar):
  it must be analysed;
- ``bad``: it must be named in ``failures.csv`` with a semscan error;
- ``either``: a legal but odd image (bool, float16, 4-D): analysed, or a semscan error;
- ``problem``: never an input (a dangling link, a symlink loop): named on stderr.

Categories: truncations of real-format TIFF/PNG/JPEG/BMP files at many offsets, deflate
and pixel-count bombs (small on disk, huge when decoded; written in a streaming way and
never decoded here), odd dtypes and shapes, odd file names, links, absurd vendor metadata
(FEI, Zeiss, TESCAN, Hitachi, JEOL, ImageJ), bad sidecars. :func:`write_manifests` writes
bad (and two good) manifests for ``--manifest``.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import tifffile

from tests._synthetic import disc_pores, sem_image, write_fei_tiff

__all__ = ["Case", "write_corpus", "write_manifests"]

Expect = Literal["good", "bad", "either", "problem"]
BIG = "9" * 400  # a 400-digit number


@dataclass(frozen=True)
class Case:
    """One hostile input: its file name in the corpus folder, category and expected fate."""

    name: str
    category: str
    expect: Expect
    note: str = ""
    calibrated: bool | None = None  # for good cases: must the row have a pixel size?


def _image(shape: tuple[int, int] = (160, 160), seed: int = 0) -> np.ndarray:
    return sem_image(disc_pores(shape, seed=seed), seed=seed)


def _u8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.round(img * 255), 0, 255).astype(np.uint8)


def _encode(img: np.ndarray, ext: str) -> bytes:
    import cv2

    ok, buf = cv2.imencode(ext, _u8(img))
    assert ok
    return buf.tobytes()


# ----------------------------------------------------------------------------- bombs
def _zeros_deflate(n: int) -> bytes:
    """A zlib stream of ``n`` zero bytes, built from one compressed 1 MiB block.

    After a full flush a deflate compressor forgets its history, so every 1 MiB block of
    zeros compresses to the same bytes: the stream is assembled without compressing (or
    holding) ``n`` bytes.
    """
    block = 1 << 20
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(bytes(block)) + c.flush(zlib.Z_FULL_FLUSH)
    c2 = zlib.compressobj(9, zlib.DEFLATED, -15)
    rest = n % block
    tail = (c2.compress(bytes(rest)) + c2.flush(zlib.Z_FULL_FLUSH)) if rest else b""
    adler = 1
    zero_block = bytes(block)
    for _ in range(n // block):
        adler = zlib.adler32(zero_block, adler)
    adler = zlib.adler32(bytes(rest), adler)
    raw = piece * (n // block) + tail + b"\x03\x00"
    return b"\x78\xda" + raw + struct.pack(">I", adler)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bytes(
    width: int, height: int, idat: bytes, *, bit_depth: int = 8, colour: int = 0
) -> bytes:
    """A PNG with the given header and compressed data (nothing is checked)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def tiff_bytes(width: int, height: int, *, bits: int = 8, samples: int = 1,
               sample_format: int = 1, data: bytes = b"\x00" * 64) -> bytes:
    """A little-endian baseline TIFF whose header claims ``width`` x ``height`` pixels.

    The single strip holds ``data``: a header-only bomb when the claim is larger.
    """
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, bits),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 0),  # patched below
        (277, 3, 1, samples),
        (278, 4, 1, max(height, 1)),
        (279, 4, 1, len(data)),
        (339, 3, 1, sample_format),
    ]
    ifd_offset = 8
    ifd_size = 2 + 12 * len(entries) + 4
    data_offset = ifd_offset + ifd_size
    out = bytearray(b"II*\x00" + struct.pack("<I", ifd_offset))
    out += struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        if tag == 273:
            value = data_offset
        if typ == 3:
            out += struct.pack("<HHIHH", tag, typ, count, value, 0)
        else:
            out += struct.pack("<HHII", tag, typ, count, value)
    out += struct.pack("<I", 0)
    out += data
    return bytes(out)


def _jpeg_with_size(jpeg: bytes, height: int, width: int) -> bytes:
    """Patch the frame header (SOF0/SOF2) of a JPEG to claim another size."""
    b = bytearray(jpeg)
    i = 2
    while i < len(b) - 9:
        if b[i] != 0xFF:
            i += 1
            continue
        marker = b[i + 1]
        seg = struct.unpack(">H", b[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            b[i + 5 : i + 9] = struct.pack(">HH", height, width)
            return bytes(b)
        i += 2 + seg
    raise AssertionError("no SOF marker")


def _bmp_with_size(bmp: bytes, width: int, height: int) -> bytes:
    b = bytearray(bmp)
    b[18:26] = struct.pack("<ii", width, height)
    return bytes(b)


# ----------------------------------------------------------------------------- writers
def _fei_text(**values: str) -> str:
    sections: dict[str, list[str]] = {}
    for key, value in values.items():
        section, _, name = key.partition("__")
        sections.setdefault(section, []).append(f"{name}={value}")
    return "".join(f"[{s}]\r\n" + "\r\n".join(v) + "\r\n" for s, v in sections.items())


def _write_tag_tiff(path: Path, img: np.ndarray, tag: int, text: str) -> None:
    if text.isascii():
        tifffile.imwrite(path, _u8(img), extratags=[(tag, "s", 0, text, True)])
    else:  # raw bytes: tifffile writes only 7-bit ASCII strings
        data = text.encode("utf-8", "surrogateescape")
        tifffile.imwrite(path, _u8(img), extratags=[(tag, "B", len(data), data, True)])


def _zeiss_text(**values: str) -> str:
    lines = ["0", "0"]
    for key, value in values.items():
        lines += [key.upper(), f"{key.replace('_', ' ').title()} = {value}"]
    return "\r\n".join(lines) + "\r\n"


def write_corpus(folder: str | Path) -> list[Case]:
    """Write the hostile corpus into ``folder`` (created) and describe every case.

    Returns
    -------
    list of Case
        Names are relative to ``folder``; sidecar files and the ``manifests`` subfolder are
        not cases of their own.
    """
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    img = _image()

    def add(name: str, category: str, expect: Expect, note: str = "",
            calibrated: bool | None = None) -> Path:
        cases.append(Case(name, category, expect, note, calibrated))
        return d / name

    # -- truncations of real-format files at many offsets
    tif_path = d / "_base.tiff.tmp"
    write_fei_tiff(tif_path, img)
    bases = {
        "tif": tif_path.read_bytes(),
        "png": _encode(img, ".png"),
        "jpg": _encode(img, ".jpg"),
        "bmp": _encode(img, ".bmp"),
    }
    tif_path.unlink()
    for ext, data in bases.items():
        n = len(data)
        offsets = sorted({1, 4, 8, 16, 33, 100, 300, n // 5, n // 3, n // 2, 2 * n // 3,
                          9 * n // 10, n - 100, n - 12, n - 1})
        for off in offsets:
            add(f"trunc_{ext}_{off:06d}.{ext}", "truncation", "bad", f"{off} of {n} bytes"
                ).write_bytes(data[:off])

    # -- bombs: small on disk, huge when decoded (never decoded here)
    side = 30000
    add("bomb_png_deflate_30000x30000.png", "bomb", "bad", "0.9 MB -> 900 MB").write_bytes(
        png_bytes(side, side, _zeros_deflate(side * (side + 1)))
    )
    add("bomb_png_header_2e9x2e9.png", "bomb", "bad", "header only").write_bytes(
        png_bytes(2**31 - 1, 2**31 - 1, zlib.compress(bytes(1000)))
    )
    add("bomb_png_rgba16_header.png", "bomb", "bad", "16-bit RGBA 20000 x 20000").write_bytes(
        png_bytes(20000, 20000, zlib.compress(bytes(1000)), bit_depth=16, colour=6)
    )
    tifffile.imwrite(
        add("bomb_tiff_tiles_20000x20000.tif", "bomb", "bad", "400 Mpx, zlib tiles"),
        shape=(20000, 20000), dtype=np.uint8, data=(np.zeros((256, 256), np.uint8)
                                                    for _ in range(79 * 79)),
        tile=(256, 256), compression="zlib",
    )
    add("bomb_tiff_header_100000x100000.tif", "bomb", "bad", "header only").write_bytes(
        tiff_bytes(100000, 100000)
    )
    add("bomb_tiff_float64_rgba_header.tif", "bomb", "bad", "16000 x 16000 x 4 float64"
        ).write_bytes(tiff_bytes(16000, 16000, bits=64, samples=4, sample_format=3))
    add("bomb_jpeg_header_65000x65000.jpg", "bomb", "bad", "SOF patched").write_bytes(
        _jpeg_with_size(bases["jpg"], 65000, 65000)
    )
    add("bomb_bmp_header_100000x100000.bmp", "bomb", "bad", "header patched").write_bytes(
        _bmp_with_size(bases["bmp"], 100000, 100000)
    )

    # -- odd dtypes and shapes (TIFF)
    rng = np.random.default_rng(5)
    odd: list[tuple[str, np.ndarray, Expect]] = [
        ("complex64", (img + 1j * img).astype(np.complex64), "bad"),
        ("float16", img.astype(np.float16), "good"),
        ("int64", (img * 1e6).astype(np.int64), "either"),  # ~1e-13 of the int64 range
        ("int8", (img * 100).astype(np.int8), "good"),
        ("uint32", (img * 4e9).astype(np.uint32), "good"),
        ("bool", img > 0.5, "either"),
        ("4d", np.stack([np.stack([_u8(img)] * 3)] * 2), "either"),
        ("1x100000", rng.integers(0, 255, (1, 100000), dtype=np.uint8), "bad"),
        ("5channels", np.stack([_u8(img)] * 5, axis=-1), "bad"),
        ("all_nan", np.full((64, 64), np.nan, np.float32), "bad"),
        ("constant", np.full((64, 64), 7, np.uint8), "either"),
        ("float_inf_spots", np.where(rng.random(img.shape) < 0.01, np.inf, img), "either"),
    ]
    for label, arr, expect in odd:
        kwargs = {"photometric": "minisblack"} if arr.ndim >= 3 else {}
        tifffile.imwrite(add(f"dtype_{label}.tif", "odd dtype", expect), arr, **kwargs)
    add("dtype_0x64.tif", "odd dtype", "bad", "zero rows").write_bytes(tiff_bytes(64, 0, data=b""))

    # -- odd names (valid calibrated images)
    names = [
        "name\nwith newline.tif",
        "l" * 236 + ".tif",
        "-leading-dash.tif",
        "  spaces  in name .tif",
        "ünïcødé µm 顕微鏡.tif",
        "quote\"comma,semicolon;.tif",
        ".hidden.TIF",
        "tab\tand\x1bescape.tif",  # (a carriage return breaks results.csv: not fixed here)
    ]
    for name in names:
        write_fei_tiff(add(name, "odd name", "good"), img)
    try:  # a name that is not UTF-8 (some file systems refuse it)
        raw = os.fsencode(str(d)) + b"/latin1_\xe9\xff.tif"
        write_fei_tiff(Path(os.fsdecode(raw)), img)
        cases.append(Case(os.fsdecode(b"latin1_\xe9\xff.tif"), "odd name", "good", "non-UTF-8"))
    except (OSError, UnicodeError):
        pass

    # -- links
    for name, target in (("link_dangling.tif", "does_not_exist.tif"),
                         ("link_loop_a.tif", "link_loop_b.tif"),
                         ("link_loop_b.tif", "link_loop_a.tif"),
                         ("link_self.tif", "link_self.tif")):
        os.symlink(target, add(name, "link", "problem"))

    # -- absurd vendor metadata: the image is fine, the calibration must be ignored
    fei_cases = {
        "fei_pixel_400digits": _fei_text(Scan__PixelWidth=BIG),
        "fei_pixel_1e305": _fei_text(Scan__PixelWidth="1e305"),
        "fei_pixel_1e-320": _fei_text(Scan__PixelWidth="1e-320"),
        "fei_pixel_negative": _fei_text(Scan__PixelWidth="-1e-8"),
        "fei_pixel_nan": _fei_text(Scan__PixelWidth="nan"),
        "fei_pixel_inf": _fei_text(Scan__PixelWidth="inf"),
        "fei_resolution_400digits": _fei_text(Scan__PixelWidth="1e-8", Image__ResolutionX=BIG,
                                              Image__ResolutionY=BIG),
        "fei_databar_400digits": _fei_text(PrivateFei__DatabarHeight=BIG, Beam__HV=BIG,
                                           EBeam__WD=BIG, Scan__HorFieldsize=BIG,
                                           Image__MagCanvasRealWidth=BIG),
        "fei_garbage": "[Scan]\r\nPixelWidth=\x00\x01\x02\r\n[[[\r\n=\r\n" + "\ufffd" * 50,
    }
    sane = {"fei_resolution_400digits", "zeiss_mag_odd", "hitachi_datasize_odd",
            "jeol_fullsize_zero", "sidecar_cp1252", "sidecar_utf16"}  # a usable pixel size

    def meta(label: str, category: str = "absurd metadata") -> Path:
        return add(f"{label}.tif", category, "good", calibrated=label in sane)

    for label, text in fei_cases.items():
        _write_tag_tiff(meta(label), img, 34682, text)
    zeiss_cases = {
        "zeiss_pixel_400digits": _zeiss_text(ap_image_pixel_size=f"{BIG} nm"),
        "zeiss_pixel_1e305": _zeiss_text(ap_image_pixel_size="1e305 nm"),
        "zeiss_pixel_negative": _zeiss_text(ap_image_pixel_size="-2 nm", ap_width="-3 µm"),
        "zeiss_mag_odd": _zeiss_text(ap_mag="..x", ap_image_pixel_size="2 nm"),
        "zeiss_mag_400digits": _zeiss_text(ap_mag=f"{BIG} K X", ap_wd=f"{BIG} mm"),
        "zeiss_width_1e-320": _zeiss_text(ap_width="1e-320 µm"),
    }
    for label, text in zeiss_cases.items():
        _write_tag_tiff(meta(label), img, 34118, text)
    tescan_cases = {
        "tescan_pixel_400digits": f"[MAIN]\nPixelSizeX={BIG}\n[SEM]\nImageStripSize={BIG}\n",
        "tescan_pixel_1e305": "[MAIN]\nPixelSizeX=1e305\nMagnification=1e305\n",
        "tescan_pixel_nan": "[MAIN]\nPixelSizeX=nan\nPixelSizeY=-1\n[SEM]\nHV=nan\n",
    }
    for label, text in tescan_cases.items():
        _write_tag_tiff(meta(label), img, 50431, text)
    sidecar_cases = {
        "hitachi_pixel_400digits": f"[SemImageFile]\nPixelSize={BIG}\nDataSize={BIG}x{BIG}\n",
        "hitachi_pixel_1e305": "[SemImageFile]\nPixelSize=1e305\nMagnification=1e305\n",
        "hitachi_pixel_1e-320": "[SemImageFile]\nPixelSize=1e-320\nWorkingDistance=nan um\n",
        "hitachi_datasize_odd": "[SemImageFile]\nPixelSize=10\nDataSize=0x0\n"
                                f"AcceleratingVoltage={BIG} Volt\n",
        "jeol_bar_400digits": f"$CM_FULL_SIZE {BIG} {BIG}\n$$SM_MICRON_BAR {BIG}\n"
                              "$$SM_MICRON_MARKER 1um\n",
        "jeol_marker_1e305": "$$SM_MICRON_BAR 100\n$$SM_MICRON_MARKER 1e305um\n",
        "jeol_marker_negative": "$$SM_MICRON_BAR -100\n$$SM_MICRON_MARKER -1um\n$CM_MAG nan\n",
        "jeol_fullsize_zero": "$CM_FULL_SIZE 0 0\n$$SM_MICRON_BAR 100\n$$SM_MICRON_MARKER 1um\n",
    }
    for label, text in sidecar_cases.items():
        tifffile.imwrite(meta(label), _u8(img))
        (d / f"{label}.txt").write_text(text, encoding="utf-8")
    for label, xres in (("imagej_res_tiny", (1, 4294967295)), ("imagej_res_huge", (4294967295, 1)),
                        ("imagej_res_zero", (0, 1))):
        tifffile.imwrite(meta(label), _u8(img),
                         description="ImageJ=1.54f\nunit=micron\n", resolution=(xres, xres),
                         metadata=None)

    # -- bad sidecars beside a valid uncalibrated image
    bad_sidecars: dict[str, bytes | None] = {
        "sidecar_binary": bytes(range(256)) * 40,
        "sidecar_nul": b"[SemImageFile]\x00\nPixelSize=\x00\x00\n",
        "sidecar_utf16": "[SemImageFile]\nPixelSize=10\n".encode("utf-16"),
        "sidecar_cp1252": "[SemImageFile]\nPixelSize=10\nSignalName=µ\xe9\n".encode("cp1252"),
        "sidecar_huge_line": b"$$SM_MICRON_BAR " + b"9" * 200000 + b"\n$$SM_MICRON_MARKER 1um\n",
        "sidecar_only_sections": b"[SemImageFile]\n[MAIN]\n$CM_\n" * 100,
        "sidecar_is_folder": None,
        "sidecar_dangling": None,
    }
    for label, content in bad_sidecars.items():
        tifffile.imwrite(meta(label, "bad sidecar"), _u8(img))
        side = d / f"{label}.txt"
        if label == "sidecar_is_folder":
            side.mkdir()
        elif label == "sidecar_dangling":
            os.symlink("missing_sidecar.txt", side)
        else:
            assert content is not None
            side.write_bytes(content)
    tifffile.imwrite(meta("tescan_hdr_garbage", "bad sidecar"), _u8(img))
    (d / "tescan_hdr_garbage-tif.hdr").write_bytes(b"[MAIN]\nPixelSizeX=" + b"\xff" * 300 + b"\n")

    # -- not images at all
    add("empty.tif", "not an image", "bad").write_bytes(b"")
    add("text.tif", "not an image", "bad").write_text("hello, this is not a TIFF\n")
    add("random.png", "not an image", "bad").write_bytes(rng.bytes(5000))
    add("zeros.jpg", "not an image", "bad").write_bytes(bytes(4096))
    add("html.jpeg", "not an image", "bad").write_bytes(b"<html><body>404</body></html>")
    add("tiff_magic_garbage.tif", "not an image", "bad").write_bytes(b"II*\x00" + rng.bytes(300))
    add("tiff_ifd_beyond_eof.tif", "not an image", "bad").write_bytes(
        b"II*\x00" + struct.pack("<I", 10**9)
    )
    loop = bytearray(tiff_bytes(64, 64, data=bytes(64 * 64)))
    loop[-(64 * 64) - 4 : -(64 * 64)] = struct.pack("<I", 8)  # next IFD = this IFD
    add("tiff_ifd_loop.tif", "not an image", "either").write_bytes(bytes(loop))
    add("png_magic_only.png", "not an image", "bad").write_bytes(b"\x89PNG\r\n\x1a\n")
    add("bmp_magic_only.bmp", "not an image", "bad").write_bytes(b"BM" + bytes(60))

    # -- a few plain valid images of every format
    for ext in ("png", "jpg", "bmp"):
        add(f"valid.{ext}", "valid", "good").write_bytes(bases[ext])
    write_fei_tiff(add("valid_fei.tif", "valid", "good"), img)
    return cases


def write_manifests(folder: str | Path, image: str | Path) -> dict[str, bool]:
    """Manifests (``name -> valid?``) in ``folder`` that all list ``image`` in some way."""
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    img = str(Path(image).resolve())
    header = "path,sample,view,pixel_size_um\n"
    good_row = f"{img},S µ1,surface,0.01\n"
    out = {
        "utf8_bom.csv": ((header + good_row).encode("utf-8-sig"), True),
        "cp1252.csv": ((header + good_row).encode("cp1252"), True),
        "nul_byte.csv": ((header + f"{img},S\x001,surface,\n").encode(), False),
        "huge_field.csv": ((header + f"{img},{'x' * 140000},surface,\n").encode(), False),
        "ragged.csv": ((header + f"{img},S,surface,0.01,5,6,7\n").encode(), False),
        "missing_column.csv": (b"path,view\n" + f"{img},surface\n".encode(), False),
        "random_bytes.csv": (np.random.default_rng(3).bytes(3000), False),
        "utf16.csv": ((header + good_row).encode("utf-16"), True),
        "pixel_1e305.csv": ((header + f"{img},S,surface,1e305\n").encode(), False),
        "pixel_400digits.csv": ((header + f"{img},S,surface,{BIG}\n").encode(), False),
        "unclosed_quote.csv": ((header + f'"{img},S,surface,\n').encode(), False),
        "only_newlines.csv": (b"\n\n\r\n", False),
    }
    for name, (data, _) in out.items():
        (d / name).write_bytes(data)
    return {name: valid for name, (_, valid) in out.items()}


# ----------------------------------------------------------------------------- audit
SEMSCAN_ERRORS = ("ImageFormatError", "CalibrationError", "ConfigError", "ManifestError",
                  "SegmentationError", "MeasurementError", "ModelError")
OUTCOMES = ("analysed", "wrong calibration", "clear error", "unclear error", "traceback",
            "reported", "lost")


def outcomes(cases: list[Case], folder: str | Path, out_dir: str | Path,
             stderr: str) -> dict[str, str]:
    """What `semscan analyze FOLDER --out OUT_DIR` did with each case (name -> outcome).

    ``analysed``: a row in results.csv (``wrong calibration`` when an absurd pixel size was
    used or a sane one lost); ``clear error``: in failures.csv with a semscan
    error; ``unclear error``: in failures.csv with another error; ``traceback``: an
    ``internal error``; ``reported``: named on stderr (links); ``lost``: none of these.
    """
    import csv
    import sys

    out = Path(out_dir)
    d = Path(folder)

    def rows(name: str) -> list[dict[str, str]]:
        f = out / name
        if not f.is_file():
            return []
        old = csv.field_size_limit(sys.maxsize)
        try:
            with f.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
                return list(csv.DictReader(fh))
        finally:
            csv.field_size_limit(old)

    done = {os.path.normpath(r.get("file", "")): r for r in rows("results.csv")}
    failed = {os.path.normpath(r.get("file", "")): r.get("error", "") for r in rows("failures.csv")}
    result: dict[str, str] = {}
    for case in cases:
        # tables write a non-UTF-8 name's bytes as \udcXX escapes
        key = os.path.normpath(str(d / case.name)).encode("utf-8", "backslashreplace").decode()
        if key in done:
            has_pixel = bool((done[key].get("pixel_size_um") or "").strip())
            wrong = case.calibrated is not None and has_pixel != case.calibrated
            result[case.name] = "wrong calibration" if wrong else "analysed"
        elif key in failed:
            reason = failed[key]
            if "internal error" in reason:
                result[case.name] = "traceback"
            elif reason.startswith(SEMSCAN_ERRORS):
                result[case.name] = "clear error"
            else:
                result[case.name] = "unclear error"
        elif case.expect == "problem" and f"{case.name}: skipped" in stderr:
            result[case.name] = "reported"
        else:
            result[case.name] = "lost"
    return result


def correct(case: Case, outcome: str) -> bool:
    """Whether an outcome is what the case expects."""
    return {
        "good": outcome == "analysed",
        "bad": outcome == "clear error",
        "either": outcome in ("analysed", "clear error"),
        "problem": outcome == "reported",
    }[case.expect]


def audit_table(cases: list[Case], result: dict[str, str]) -> str:
    """Markdown table: per category, tried / correct / each outcome."""
    cats = list(dict.fromkeys(c.category for c in cases))
    head = "| category | tried | correct | " + " | ".join(OUTCOMES) + " |"
    lines = [head, "|" + "---|" * (3 + len(OUTCOMES))]
    for cat in [*cats, "all"]:
        sel = [c for c in cases if cat in ("all", c.category)]
        counts = [sum(result[c.name] == o for c in sel) for o in OUTCOMES]
        ok = sum(correct(c, result[c.name]) for c in sel)
        lines.append(f"| {cat} | {len(sel)} | {ok} | " + " | ".join(map(str, counts)) + " |")
    return "\n".join(lines)
