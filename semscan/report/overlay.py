"""Overlay images a reviewer can check by eye.

One RGB picture per analysed image: pores tinted blue, excluded pixels hatched orange,
the lines of the intercept method in yellow with their pore segments in red, a scale bar
in the image's unit, and the headline numbers in a box at the top-left. Cross-sections
also get the detected film surfaces (green) and the thickness positions (magenta).
Images analysed with ``--whiskers`` get their whiskers tinted orange-red with each
whisker's axis drawn (white: complete; grey: touching the edge, left out of the L
distribution).

The picture is in the input file's own pixel grid (:mod:`semscan.pipeline.file_grid`): the same
width and height as the file, so it lies exactly over the original. The rows of a cropped
data bar are drawn black and hatched as excluded (the reader does not keep the bar's
pixels, and they are not measured). A tilted cross-section measured in a rotated film
frame is drawn back in the file's grid: its masks mapped back, and its lines, intercepts,
surfaces and thickness positions rotated back as segments, so they lie where they were
measured.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from semscan.pipeline.drawn_layers import interface_paths

__all__ = ["OVERLAY_RGB", "headline", "nice_scale_length",
           "render_overlay", "save_overlay"]

#: The overlay's colours (RGB, 0-255); the napari layers use the same
#: (:mod:`semscan.napari.layers`).
OVERLAY_RGB: dict[str, tuple[int, int, int]] = {
    "pore": (40, 140, 255),
    "excluded": (255, 150, 30),
    "line": (255, 230, 0),
    "chord": (255, 40, 40),
    "surface": (40, 230, 60),
    "thickness": (255, 0, 255),
    "whisker": (255, 70, 20),
}
_PORE = np.array(OVERLAY_RGB["pore"], np.float32)
_HATCH = np.array(OVERLAY_RGB["excluded"], np.float32)
_WHISKER = np.array(OVERLAY_RGB["whisker"], np.float32)


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
    name = result.micrograph.name.encode("utf-8", "backslashreplace").decode("utf-8")
    lines = [" ".join(name.split()) or "(in-memory image)"]  # no newline in a drawn name
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
        if xs.layers.n_layers > 1:
            lines.append(f"{xs.layers.n_layers} layers: " + "; ".join(
                f"{la.index}: {_fmt(la.thickness.mean_um, unit)}, porosity "
                f"{la.porosity:.2f}, kappa {la.laminar.kappa:.2f}" for la in xs.layers.layers))
    wh = getattr(result, "whiskers", None)
    if wh is not None:
        row = wh.to_dict()
        from semscan.calibration import unit_suffix

        u = unit_suffix(unit)
        lines.append(
            f"whiskers: {wh.count} ({len(wh.complete)} complete), area "
            f"{100 * wh.area_fraction:.1f} %,"
            f" L {_fmt(row.get(f'whisker_length_mean_{u}'), unit)}, D "
            f"{_fmt(row.get(f'whisker_width_mean_{u}'), unit)}, L/D "
            f"{row.get('whisker_aspect_mean', float('nan')):.1f}; matrix porosity "
            f"{100 * wh.matrix_porosity:.1f} %"
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
        ``(rows, columns) = result.file_shape``: the input file's grid, data bar included.
    """
    from PIL import Image, ImageDraw

    source = result.input_micrograph or result.micrograph
    grey = source.to_file_grid(np.clip(source.image * 255.0, 0, 255).astype(np.float32), fill=0)
    labels = result.labels_full
    pore = labels == 1
    # The pore tint, 0.65 grey + 0.35 colour, channel by channel over the whole image
    # (the same float32 sums as on the pore pixels alone, five times faster).
    tint = 0.35 * _PORE
    rgb = np.empty((*grey.shape, 3), np.float32)
    for k in range(3):
        rgb[..., k] = np.where(pore, 0.65 * grey + tint[k], grey)
    whisker = labels == 3
    if whisker.any():
        rgb[whisker] = 0.5 * rgb[whisker] + 0.5 * _WHISKER
    excluded = labels == 2
    if excluded.any():
        rr, cc = np.nonzero(excluded)
        hatch = ((rr + cc) % 10) < 3
        rgb[rr, cc] *= 0.6
        rgb[rr[hatch], cc[hatch]] = _HATCH
    img = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img, "RGBA")
    rows, cols = labels.shape
    scale = max(rows, cols) / 1024.0
    width = max(1, round(scale))

    geometry = result.geometry_full
    for r0, c0, r1, c1 in geometry.pore_lines:
        draw.line([(c0, r0), (c1, r1)], fill=(*OVERLAY_RGB["line"], 200), width=width)
    for r0, c0, r1, c1 in geometry.pore_chords:
        draw.line([(c0, r0), (c1, r1)], fill=(*OVERLAY_RGB["chord"], 255), width=width + 1)
    if result.cross_section is not None:
        _draw_cross_section(draw, geometry, width)
        _draw_interfaces(draw, result, width)
    if getattr(result, "whiskers", None) is not None:
        _draw_whiskers(draw, result, width)

    size = max(11, int(15 * max(scale, 0.7)))
    font, has_mu = _font(size)

    def text_of(t: str) -> str:
        return t if has_mu else t.replace("µ", "u")

    # Scale bar, bottom-left of the image (above a cropped data bar).
    cal = result.calibration
    image_rows = source.shape[0]
    field = cols * cal.scale
    length = nice_scale_length(field)
    bar_px = length / cal.scale
    x0, y0 = int(0.03 * cols), int(image_rows - 0.05 * image_rows)
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


def _draw_cross_section(draw: Any, geometry: Any, width: int) -> None:
    """Film surfaces (green) and thickness positions (magenta), in the file's pixels."""
    for curve in (geometry.film_top, geometry.film_bottom):
        if len(curve) < 2:
            continue
        draw.line(
            [(float(c), float(r)) for r, c in curve], fill=(*OVERLAY_RGB["surface"], 230),
            width=width + 1,
        )
    for r0, c0, r1, c1 in geometry.thickness:
        draw.line([(c0, r0), (c1, r1)], fill=(*OVERLAY_RGB["thickness"], 230), width=width + 1)


def _draw_whiskers(draw: Any, result: Any, width: int) -> None:
    """Each whisker's axis, in the file's pixels: white when complete, grey at the edge."""
    for w in result.whiskers.whiskers:
        (r0, c0), (r1, c1) = w.endpoints()
        rr, cc = result.to_file_coords(np.array([r0, r1]), np.array([c0, c1]))
        colour = (150, 150, 150, 230) if w.touches_edge else (255, 255, 255, 230)
        draw.line([(float(cc[0]), float(rr[0])), (float(cc[1]), float(rr[1]))], fill=colour,
                  width=width)



def _draw_interfaces(draw: Any, result: Any, width: int) -> None:
    """Layer interfaces: cyan over a translucent dark band, in the file's pixels."""
    for curve in interface_paths(result):
        pts = [(float(c), float(r)) for r, c in curve]
        draw.line(pts, fill=(0, 0, 0, 140), width=width + 5)
        draw.line(pts, fill=(0, 230, 255, 240), width=width + 2)


def save_overlay(result: Any, path: str | Path) -> Path:
    """Render and write the overlay as PNG; returns the path.

    Encoded by OpenCV at zlib level 1 without PNG row filters: the same pixels as Pillow's
    level 3 (before issue 23). Measured on data/sample_surface.tif: 30 ms and 1.11 MB
    (level 1 with libpng's adaptive row filters: 53 ms, 1.21 MB): a micrograph's pixel
    noise leaves the filters little to predict.
    """
    import cv2

    path = Path(path)
    ok, png = cv2.imencode(".png", cv2.cvtColor(render_overlay(result), cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_PNG_COMPRESSION, 1,
                            cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 RGB image
        raise OSError(f"cannot encode the overlay {path} as PNG")
    path.write_bytes(png.tobytes())
    return path
