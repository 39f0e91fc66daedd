"""Test helpers: small SEM-like images with known geometry, written as FEI TIFFs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import tifffile

from semscan.phantoms.geometry import boolean_discs
from semscan.phantoms.render import RenderParams, render_sem

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real"


def write_fei_tiff(path: Path, image01: np.ndarray, *, pixel_size_um: float = 0.01) -> Path:
    """Save a [0, 1] image as an 8-bit FEI-style TIFF with its pixel size in tag 34682."""
    text = (
        f"[Scan]\r\nPixelWidth={pixel_size_um * 1e-6:.6e}\r\n"
        f"PixelHeight={pixel_size_um * 1e-6:.6e}\r\n"
        f"[Image]\r\nResolutionX={image01.shape[1]}\r\nResolutionY={image01.shape[0]}\r\n"
    )
    u8 = np.clip(np.round(np.asarray(image01) * 255), 0, 255).astype(np.uint8)
    tifffile.imwrite(path, u8, extratags=[(34682, "s", 0, text, True)])
    return path


def write_fei_tiff_with_bar(
    path: Path, image01: np.ndarray, *, pixel_size_um: float = 0.01, bar_rows: int = 40
) -> Path:
    """As :func:`write_fei_tiff`, with an FEI data bar of ``bar_rows`` rows below the image
    (black, a white rule and text blocks; ``[Image] ResolutionY`` = the image's rows)."""
    rows, cols = image01.shape
    text = (
        f"[Scan]\r\nPixelWidth={pixel_size_um * 1e-6:.6e}\r\n"
        f"PixelHeight={pixel_size_um * 1e-6:.6e}\r\n"
        f"[Image]\r\nResolutionX={cols}\r\nResolutionY={rows}\r\n"
        f"[PrivateFei]\r\nDatabarHeight={bar_rows}\r\n"
    )
    u8 = np.zeros((rows + bar_rows, cols), np.uint8)
    u8[:rows] = np.clip(np.round(np.asarray(image01) * 255), 0, 255).astype(np.uint8)
    u8[rows] = 252
    u8[rows + 8 : rows + 18, 10 : cols // 4] = 252
    tifffile.imwrite(path, u8, extratags=[(34682, "s", 0, text, True)])
    return path


def disc_pores(shape=(256, 256), *, porosity=0.4, radius=6.0, seed=0) -> np.ndarray:
    """Overlapping round pores (Boolean model) with the given expected porosity."""
    lam = -math.log(1 - porosity) / (math.pi * radius**2)
    return boolean_discs(shape, intensity_per_px2=lam, radius_px=radius, seed=seed)


def sem_image(pore: np.ndarray, seed: int = 0) -> np.ndarray:
    return render_sem(pore, seed=seed, params=RenderParams(noise=0.03, gradient=0.05))




def random_discs(shape: tuple[int, int], *, n: int, r: float, seed: int) -> np.ndarray:
    """``n`` discs of radii 0.6 r .. 1.4 r at uniform random centres (the true pore mask)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    mask = np.zeros(shape, bool)
    for y, x, q in zip(
        rng.uniform(0, shape[0], n), rng.uniform(0, shape[1], n), rng.uniform(0.6, 1.4, n) * r,
        strict=True,
    ):
        mask |= (yy - y) ** 2 + (xx - x) ** 2 <= q * q
    return mask
