#!/usr/bin/env python3
"""Generate the bundled example micrographs in data/ (deterministic; run from the repo root).

    .venv/bin/python scripts/make_example_images.py

Each image is an SEM-like rendering (semscan.phantoms.render) of a mask with exact, known
geometry, saved as an FEI-style TIFF (pixel size and data-bar height in the FEI metadata
tag, a drawn data bar at the bottom) with a JSON beside it holding every generation
parameter, the closed-form expectations and the values measured on the exact mask.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import tifffile

from semscan.calibration import Calibration
from semscan.measure import chord_lengths
from semscan.phantoms.geometry import (
    boolean_disc_chord_mean,
    boolean_disc_porosity,
    boolean_discs,
)
from semscan.phantoms.render import RenderParams, add_databar, render_sem

DATA = Path(__file__).resolve().parents[1] / "data"


def fei_text(*, pixel_size_m: float, width: int, height: int, databar: int, mag: float) -> str:
    """The [section] key=value text FEI/Thermo instruments write into TIFF tag 34682."""
    return (
        "[User]\r\nUser=semscan\r\n"
        "[System]\r\nType=DualBeam\r\nDnumber=9922000\r\nSoftware=semscan synthetic\r\n"
        "[Beam]\r\nHV=5000\r\nSpot=3\r\n"
        "[EBeam]\r\nHV=5000\r\nWD=0.005\r\n"
        f"[Scan]\r\nPixelWidth={pixel_size_m:.6e}\r\nPixelHeight={pixel_size_m:.6e}\r\n"
        f"HorFieldsize={pixel_size_m * width:.6e}\r\n"
        f"[Image]\r\nResolutionX={width}\r\nResolutionY={height}\r\nMagCanvasRealWidth=0.127\r\n"
        f"[PrivateFei]\r\nDatabarHeight={databar}\r\n"
        "[Detectors]\r\nName=ETD\r\nMode=SE\r\n"
        f"[GIS]\r\n[Stage]\r\nWorkingDistance=0.005\r\n[Vacuum]\r\n[Specimen]\r\n"
        f"[Processing]\r\n[Display]\r\nMagnification={mag:g}\r\n"
    )


def save_fei(path: Path, image: np.ndarray, *, pixel_size_um: float, databar: int) -> None:
    height = image.shape[0] - databar
    text = fei_text(
        pixel_size_m=pixel_size_um * 1e-6,
        width=image.shape[1],
        height=height,
        databar=databar,
        mag=round(0.127 / (pixel_size_um * 1e-6 * image.shape[1])),
    )
    u8 = np.clip(np.round(image * 255), 0, 255).astype(np.uint8)
    tifffile.imwrite(path, u8, photometric="minisblack", extratags=[(34682, "s", 0, text, True)])


def measured_truth(pore: np.ndarray, pixel_size_um: float) -> dict[str, float]:
    cal = Calibration(pixel_size_um, "user", "generation")
    rows = chord_lengths(pore, calibration=cal, direction="rows")
    solid_rows = chord_lengths(~pore, calibration=cal, direction="rows")
    return {
        "porosity": float(pore.mean()),
        "pore_chord_mean_rows_um": float(rows.mean),
        "solid_chord_mean_rows_um": float(solid_rows.mean),
    }


def surface_sample(out: Path = DATA) -> None:
    """Overlapping round pores (a Boolean model of discs) in a solid surface."""
    shape, radius, pixel = (768, 1024), 9.0, 0.01
    target = 0.45  # pore fraction = 1 - exp(-λπr²)
    lam = -math.log(1 - target) / (math.pi * radius**2)
    pore = boolean_discs(shape, intensity_per_px2=lam, radius_px=radius, seed=2026)
    img = render_sem(pore, seed=7, params=RenderParams(noise=0.06, gradient=0.15))
    img = _databar(img, "semscan synthetic  HV 5.00 kV  WD 5.0 mm  ETD SE")
    save_fei(out / "sample_surface.tif", img, pixel_size_um=pixel, databar=64)
    truth = {
        "file": "sample_surface.tif",
        "view": "surface",
        "structure": "cellular (overlapping round pores in a continuous solid)",
        "generator": "semscan.phantoms.geometry.boolean_discs, pores = the discs",
        "seed_mask": 2026,
        "seed_render": 7,
        "shape_rows_columns": list(shape),
        "databar_height_px": 64,
        "pixel_size_um": pixel,
        "intensity_per_px2": lam,
        "radius_px": radius,
        "closed_form": {
            "porosity": boolean_disc_porosity(lam, radius, pores="grains"),
            "pore_chord_mean_um": boolean_disc_chord_mean(lam, radius, phase="grains") * pixel,
            "solid_chord_mean_um": boolean_disc_chord_mean(lam, radius, phase="complement") * pixel,
        },
        "measured_on_exact_mask": measured_truth(pore, pixel),
    }
    (out / "sample_surface.json").write_text(json.dumps(truth, indent=2) + "\n")


def cross_section_sample(out: Path = DATA) -> None:
    """A tilted, slightly wavy film with flattened pores and a dense skin on top."""
    try:
        from semscan.phantoms.films import synthetic_cross_section
    except ImportError:
        print("cross-section generator not available; skipped", file=sys.stderr)
        return
    from semscan.phantoms.films import render_cross_section

    shape, pixel = (768, 1024), 0.01
    pore, specimen, truth = synthetic_cross_section(
        shape,
        thickness_px=420,
        tilt_deg=6.0,
        waviness_px=8.0,
        a_px=15.0,
        b_px=5.0,
        porosity=0.5,
        skin_px=40,
        skin_scale=0.4,
        seed=2027,
    )
    img = render_cross_section(pore, specimen, seed=8)
    img = _databar(img, "semscan synthetic  cross-section  HV 3.00 kV")
    save_fei(out / "sample_cross_section.tif", img, pixel_size_um=pixel, databar=64)
    record = {
        "file": "sample_cross_section.tif",
        "view": "cross-section",
        "generator": "semscan.phantoms.films.synthetic_cross_section",
        "seed_mask": 2027,
        "seed_render": 8,
        "pixel_size_um": pixel,
        "databar_height_px": 64,
        "truth": truth,
        "measured_on_exact_mask": measured_truth(pore & specimen, pixel),
    }
    (out / "sample_cross_section.json").write_text(
        json.dumps(record, indent=2, default=float) + "\n"
    )


def whisker_sample(out: Path = DATA) -> None:
    """A surface of a whisker-filled porous film: straight bright rods crossing in a
    porous polymer (``semscan analyze --whiskers``). In its own folder, so that it is its
    own sample (``whisker_film``) and does not pool with the demo's views."""
    from semscan.phantoms.whiskers import render_whisker_film, whisker_film

    shape, pixel = (768, 1024), 0.05
    film = whisker_film(shape, n_rods=100, length_px=150.0, width_px=8.0, length_cv=0.3,
                        width_cv=0.12, min_width_px=4.0, porosity=0.45, pore_radius_px=6.0,
                        seed=2028)
    img = render_whisker_film(film, seed=9, params=RenderParams(noise=0.05, gradient=0.1))
    img = add_databar(img, height_px=64, text="semscan synthetic  whisker film  HV 5.00 kV",
                      scale_bar_px=200, scale_label="10 um")
    folder = out / "whisker_film"
    folder.mkdir(parents=True, exist_ok=True)
    save_fei(folder / "sample_whisker_film.tif", img, pixel_size_um=pixel, databar=64)
    visible = [r for r in film.rods if r.visible_length_px(shape) > 3 * r.width_px]
    complete = film.complete()
    polymer = 1.0 - film.whisker_fraction - float(film.pore.mean())
    mw, mp = 3.3 * film.whisker_fraction, 1.38 * polymer
    record = {
        "file": "whisker_film/sample_whisker_film.tif",
        "view": "surface",
        "generator": "semscan.phantoms.whiskers.whisker_film (analyse with --whiskers)",
        "seed_mask": 2028,
        "seed_render": 9,
        "pixel_size_um": pixel,
        "databar_height_px": 64,
        "shape_rows_columns": list(shape),
        "truth": {
            "rods_drawn": len(film.rods),
            "whiskers_visible": len(visible),
            "whiskers_complete": len(complete),
            "length_mean_complete_um": float(np.mean([r.length_px for r in complete])) * pixel,
            "width_mean_um": float(np.mean([r.width_px for r in visible])) * pixel,
            "aspect_median_complete": float(np.median([r.aspect for r in complete])),
            "whisker_area_fraction": film.whisker_fraction,
            "matrix_porosity": film.matrix_porosity,
            "whisker_weight_fraction_at_1.38_3.3": mw / (mw + mp),
        },
    }
    (folder / "sample_whisker_film.json").write_text(json.dumps(record, indent=2) + "\n")


def two_layer_sample(out: Path = DATA) -> None:
    """A laminated separator section: an aramid layer (flat pores) on a polyolefin layer
    (round pores), with a wavy interface (semscan.phantoms.layers). In its own folder, so
    that it is its own sample (``two_layer``) and does not pool with the demo's views."""
    from semscan.phantoms.films import render_cross_section
    from semscan.phantoms.layers import two_layer_cross_section

    shape, pixel = (768, 1024), 0.01
    pore, specimen, truth = two_layer_cross_section(
        shape, thickness_px=440, waviness_px=12.0, seed=2028
    )
    img = render_cross_section(pore, specimen, seed=9)
    img = _databar(img, "semscan synthetic  two-layer cross-section  HV 3.00 kV")
    folder = out / "two_layer"
    folder.mkdir(parents=True, exist_ok=True)
    save_fei(folder / "sample_two_layer_xs.tif", img, pixel_size_um=pixel, databar=64)
    record = {
        "file": "two_layer/sample_two_layer_xs.tif",
        "view": "cross-section",
        "generator": "semscan.phantoms.layers.two_layer_cross_section",
        "seed_mask": 2028,
        "seed_render": 9,
        "pixel_size_um": pixel,
        "databar_height_px": 64,
        "truth": {k: v for k, v in truth.items() if k != "interface_px"},
        "measured_on_exact_mask": measured_truth(pore & specimen, pixel),
    }
    (folder / "sample_two_layer_xs.json").write_text(
        json.dumps(record, indent=2, default=float) + "\n"
    )


def _databar(img, text: str):
    """The data bar of both images: 64 px high, a 200 px scale bar labelled 2 um."""
    return add_databar(img, height_px=64, text=text, scale_bar_px=200, scale_label="2 um")


def main(out: Path = DATA) -> None:
    """Write every sample and its JSON into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    surface_sample(out)
    cross_section_sample(out)
    whisker_sample(out)
    two_layer_sample(out)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    main(target)
    print(f"samples written to {target}")
