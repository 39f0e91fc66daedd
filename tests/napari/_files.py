"""Vendor files the napari tests open: each with a known calibration and data bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile

ROWS, COLS, BAR = 120, 160, 24


def pixels(bar: int = BAR, seed: int = 1) -> np.ndarray:
    """uint8 noise with a black FEI-style data bar (white rule and text blocks)."""
    rng = np.random.default_rng(seed)
    img = np.clip(rng.normal(120, 30, (ROWS + bar, COLS)), 0, 255).astype(np.uint8)
    if bar:
        img[ROWS:] = 4
        img[ROWS] = 252
        img[ROWS + 6 : ROWS + 14, 10:60] = 252
        img[ROWS + 6 : ROWS + 14, 100:150] = 252
    return img


def _fei(d: Path) -> Path:
    text = (f"[Scan]\r\nPixelWidth=1e-08\r\nPixelHeight=1e-08\r\n[Image]\r\nResolutionX={COLS}"
            f"\r\nResolutionY={ROWS}\r\n[PrivateFei]\r\nDatabarHeight={BAR}\r\n")
    tifffile.imwrite(d / "fei.tif", pixels(), extratags=[(34682, 2, None, text, True)])
    return d / "fei.tif"


def _zeiss(d: Path) -> Path:
    lines = ["0", "0", "0", "1.000000e-009", "724", "AP_IMAGE_PIXEL_SIZE",
             "Image Pixel Size = 2.000 nm"]
    text = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    tifffile.imwrite(d / "zeiss.tif", pixels(bar=0),
                     extratags=[(34118, 2, len(text), text, True)])
    return d / "zeiss.tif"


def _tescan(d: Path) -> Path:
    text = ("[MAIN]\r\nDevice=MIRA3\r\nPixelSizeX=5e-09\r\n[SEM]\r\nHV=15000\r\n"
            "ImageStripSize=24\r\n")
    tifffile.imwrite(d / "tescan.tif", pixels(), extratags=[(50431, 2, None, text, True)])
    return d / "tescan.tif"


def _hitachi(d: Path) -> Path:
    tifffile.imwrite(d / "hit.tif", pixels())
    (d / "hit.txt").write_text(f"[SemImageFile]\nInstructName=S-4800\nDataSize={COLS}x{ROWS}\n"
                               "PixelSize=12.5\n", encoding="cp1252")
    return d / "hit.tif"


def _jeol(d: Path) -> Path:
    import cv2

    ok, buf = cv2.imencode(".png", pixels())
    assert ok
    (d / "jeol.png").write_bytes(buf.tobytes())
    (d / "jeol.txt").write_text(f"$CM_FORMAT JEOL/SEM\n$CM_FULL_SIZE {COLS} {ROWS}\n"
                                "$$SM_MICRON_BAR 100\n$$SM_MICRON_MARKER 10um\n")
    return d / "jeol.png"


def _imagej(d: Path) -> Path:
    tifffile.imwrite(d / "imagej.tif", pixels(bar=0), imagej=True, resolution=(20.0, 20.0),
                     metadata={"unit": "micron"})
    return d / "imagej.tif"


def _plain_bmp(d: Path) -> Path:
    from PIL import Image

    Image.fromarray(pixels(bar=0)).save(d / "plain.bmp")
    return d / "plain.bmp"


#: name -> (writer, pixel size in µm or None, source, vendor, rows after cropping the bar)
VENDOR_FILES = {
    "fei": (_fei, 0.01, "file", "FEI", ROWS),
    "zeiss": (_zeiss, 0.002, "file", "Zeiss", ROWS),
    "tescan": (_tescan, 0.005, "file", "TESCAN", ROWS),
    "hitachi": (_hitachi, 0.0125, "sidecar", "Hitachi", ROWS),
    "jeol": (_jeol, 0.1, "sidecar", "JEOL", ROWS),
    "imagej": (_imagej, 0.05, "file", "ImageJ", ROWS),
    "plain_bmp": (_plain_bmp, None, "none", None, ROWS),
}


def disc_image(shape=(192, 256), *, seed=0, n=40, r=7.0) -> tuple[np.ndarray, np.ndarray]:
    """A grey image of dark round pores on a bright solid, and its pore mask."""
    rng = np.random.default_rng(seed)
    rr, cc = np.mgrid[: shape[0], : shape[1]]
    pore = np.zeros(shape, bool)
    for y, x in zip(rng.uniform(0, shape[0], n), rng.uniform(0, shape[1], n), strict=True):
        pore |= (rr - y) ** 2 + (cc - x) ** 2 <= r * r
    grey = np.where(pore, 0.15, 0.8) + rng.normal(0, 0.02, shape)
    return np.clip(grey, 0, 1).astype(np.float32), pore


def write_fei(path: Path, grey: np.ndarray, *, pixel_size_um: float = 0.01, bar: int = 0) -> Path:
    """A [0, 1] image as an 8-bit FEI TIFF (with a data bar of ``bar`` rows)."""
    rows, cols = grey.shape
    u8 = np.zeros((rows + bar, cols), np.uint8)
    u8[:rows] = np.clip(np.round(grey * 255), 0, 255).astype(np.uint8)
    if bar:
        u8[rows] = 252
        u8[rows + 6 : rows + 14, 10 : cols // 4] = 252
    text = (f"[Scan]\r\nPixelWidth={pixel_size_um * 1e-6:.6e}\r\nPixelHeight="
            f"{pixel_size_um * 1e-6:.6e}\r\n[Image]\r\nResolutionX={cols}\r\nResolutionY={rows}"
            f"\r\n[PrivateFei]\r\nDatabarHeight={bar}\r\n")
    tifffile.imwrite(path, u8, extratags=[(34682, 2, None, text, True)])
    return path


def by_name(layers):
    """Layer-data tuples by their layer name."""
    return {kw["name"]: (data, kw, kind) for data, kw, kind in layers}
