"""Overlay images a reviewer can check by eye.

One RGB picture per analysed image: pores tinted blue, excluded pixels hatched orange,
the lines of the intercept method in yellow with their pore segments in red, a scale bar
in the image's unit, and the headline numbers in a box at the top-left. Cross-sections
also get the detected film surfaces (green) and the thickness positions (magenta).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["headline", "nice_scale_length", "render_overlay", "save_overlay"]

_PORE = np.array([40, 140, 255], np.float32)
_HATCH = np.array([255, 150, 30], np.float32)


def nice_scale_length(field_width: float) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^k) near a fifth of ``field_width``.

    Examples
    --------
    >>> nice_scale_length(12.3), nice_scale_length(1000)
    (2.0, 200.0)
    """
    target = field_width / 5.0
    if target <= 0 or not math.isfinite(target):
        return 1.0
    power = 10.0 ** math.floor(math.log10(target))
    for step in (5.0, 2.0, 1.0):
        if step * power <= target:
            return step * power
    return power


def _fmt(value: float, unit: str) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    digits = 3 if unit == "µm" else 1
    if unit == "µm" and abs(value) < 0.1:
        digits = 4
    return f"{value:.{digits}f} {unit}"


def headline(result: Any) -> list[str]:
    """The lines of text shown in the overlay box (also used in the CLI summary)."""
    ic, sic, por = result.pore_intercept, result.solid_intercept, result.porosity
    unit = ic.unit
    lines = [result.micrograph.name or "(in-memory image)"]
    verdict = getattr(result, "verdict", "")
    if verdict:
        reason = getattr(result, "verdict_reason", "")
        lines.append("segmentation ok" if verdict == "ok"
                     else f"segmentation {verdict.upper()}: {reason}")
    lo, hi = ic.ci95
    lines.append(
        f"pore intercept d = {_fmt(ic.mean, unit)}  (95% CI {_fmt(lo, unit)} - {_fmt(hi, unit)},"
        f" n = {ic.n_intercepts})"
    )
    lines.append(
        f"areal porosity {100 * por.porosity:.1f} %   solid intercept {_fmt(sic.mean, unit)}"
    )
    h, w = ic.window_size
    lines.append(
        f"window {h:.3g} x {w:.3g} {unit} ({ic.window_mode}), {ic.n_lines} lines at "
        f"{ic.angle_deg:g} deg; {ic.lines_below_min} lines < {ic.min_voids_per_line} voids"
    )
    cal = result.calibration
    lines.append(
        f"pixel {cal.pixel_size_um:.5g} µm ({cal.source})"
        if cal.is_calibrated
        else "UNCALIBRATED: lengths in px"
    )
    xs = result.cross_section
    if xs is not None:
        row = xs.to_dict()
        kappa = row.get("xs_kappa")
        thick = next((v for k, v in row.items() if k.startswith("xs_thickness_mean")), None)
        if kappa is not None:
            lines.append(
                f"cross-section: laminar kappa = {kappa:.2f}; thickness {_fmt(thick, unit)}"
            )
    st = result.structure
    if st is not None:
        row = st.to_dict()
        lines.append(f"structure: {row.get('class')} (p = {row.get('class_confidence', 0):.2f})")
    return lines


_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)


def _font(size: int) -> tuple[Any, bool]:
    """A TrueType font with the µ glyph if one is installed, else Pillow's own.

    Returns the font and whether it can draw "µ" (if not, the text says "um").
    """
    from PIL import ImageFont

    for candidate in _FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size), True
    try:
        return ImageFont.load_default(size=size), False
    except TypeError:  # pragma: no cover - Pillow < 10.1
        return ImageFont.load_default(), False


def render_overlay(result: Any) -> np.ndarray:
    """Render the overlay of an :class:`~semscan.pipeline.ImageResult`.

    Parameters
    ----------
    result : ImageResult
        An analysed image.

    Returns
    -------
    ndarray of uint8, shape (rows, columns, 3)
    """
    from PIL import Image, ImageDraw

    grey = np.clip(result.micrograph.image * 255.0, 0, 255).astype(np.float32)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    seg = result.segmentation
    rgb[seg.pore] = 0.65 * rgb[seg.pore] + 0.35 * _PORE
    if seg.excluded.any():
        rr, cc = np.nonzero(seg.excluded)
        hatch = ((rr + cc) % 10) < 3
        rgb[rr, cc] *= 0.6
        rgb[rr[hatch], cc[hatch]] = _HATCH
    img = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img, "RGBA")
    rows, cols = seg.pore.shape
    scale = max(rows, cols) / 1024.0
    width = max(1, round(scale))

    ic = result.pore_intercept
    for r0, c0, r1, c1 in ic.lines:
        draw.line([(c0, r0), (c1, r1)], fill=(255, 230, 0, 200), width=width)
    ch = ic.chords
    for r0, c0, r1, c1 in zip(ch.r0, ch.c0, ch.r1, ch.c1, strict=True):
        draw.line([(c0, r0), (c1, r1)], fill=(255, 40, 40, 255), width=width + 1)

    xs = result.cross_section
    if xs is not None:
        _draw_cross_section(draw, xs, width)

    size = max(11, int(15 * max(scale, 0.7)))
    font, has_mu = _font(size)

    def text_of(t: str) -> str:
        return t if has_mu else t.replace("µ", "u")

    # Scale bar, bottom-left.
    cal = result.calibration
    field = cols * cal.scale
    length = nice_scale_length(field)
    bar_px = length / cal.scale
    x0, y0 = int(0.03 * cols), int(rows - 0.05 * rows)
    thick = max(3, int(4 * scale))
    label = text_of(f"{length:g} {cal.unit}")
    tw = draw.textlength(label, font=font)
    draw.rectangle(
        [x0 - 6, y0 - size - 10, x0 + max(bar_px, tw) + 6, y0 + thick + 6], fill=(0, 0, 0, 150)
    )
    draw.rectangle([x0, y0, x0 + bar_px, y0 + thick], fill=(255, 255, 255, 255))
    draw.text((x0, y0 - size - 6), label, fill=(255, 255, 255, 255), font=font)

    # Headline box, top-left.
    text_lines = [text_of(t) for t in headline(result)]
    pad = 6
    box_w = max(draw.textlength(t, font=font) for t in text_lines) + 2 * pad
    box_h = len(text_lines) * (size + 4) + 2 * pad
    draw.rectangle([0, 0, box_w, box_h], fill=(0, 0, 0, 170))
    for i, text in enumerate(text_lines):
        draw.text((pad, pad + i * (size + 4)), text, fill=(255, 255, 255, 255), font=font)
    return np.asarray(img)


def _draw_cross_section(draw: Any, xs: Any, width: int) -> None:
    """Film surfaces (green) and thickness positions (magenta) of a cross-section."""
    film = xs.film
    for ys in (film.top_px, film.bottom_px):
        ok = np.isfinite(ys)
        if ok.sum() < 2:
            continue
        rows, cols = film.to_image(film.positions_px[ok], ys[ok])
        draw.line(
            list(zip(cols.tolist(), rows.tolist(), strict=True)),
            fill=(40, 230, 60, 230),
            width=width + 1,
        )
    for r0, c0, r1, c1 in xs.thickness.segments:
        draw.line([(c0, r0), (c1, r1)], fill=(255, 0, 255, 230), width=width + 1)


def save_overlay(result: Any, path: str | Path) -> Path:
    """Render and write the overlay as PNG; returns the path."""
    from PIL import Image

    path = Path(path)
    Image.fromarray(render_overlay(result)).save(path, optimize=False, compress_level=3)
    return path
