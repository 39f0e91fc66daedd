"""npe2 sample data: the bundled example micrographs, generated when ``data/`` is absent.

A source checkout has ``data/sample_surface.tif`` and ``data/sample_cross_section.tif``
(``scripts/make_example_images.py``); an installed wheel does not, so the surface sample is
then rendered again by the same phantom code, with the same seeds (the image without its
data bar, at 0.01 µm per pixel). Imports no napari.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from semscan.napari.layers import micrograph_layer

__all__ = ["DATA", "cross_section_sample", "generated_surface", "surface_sample"]

DATA = Path(__file__).resolve().parents[2] / "data"
# The parameters of scripts/make_example_images.py surface_sample().
_SHAPE, _RADIUS, _PIXEL_UM, _POROSITY, _SEED_MASK, _SEED_RENDER = (768, 1024), 9.0, 0.01, 0.45, \
    2026, 7


def generated_surface() -> Any:
    """The surface sample rendered by the phantom code (no data bar), as a Micrograph."""
    import numpy as np

    from semscan.micrograph import Micrograph
    from semscan.phantoms.geometry import boolean_discs
    from semscan.phantoms.render import RenderParams, render_sem

    lam = -math.log(1 - _POROSITY) / (math.pi * _RADIUS**2)
    pore = boolean_discs(_SHAPE, intensity_per_px2=lam, radius_px=_RADIUS, seed=_SEED_MASK)
    img = render_sem(pore, seed=_SEED_RENDER, params=RenderParams(noise=0.06, gradient=0.15))
    u8 = np.clip(np.round(img[: _SHAPE[0]] * 255), 0, 255).astype(np.uint8)  # as saved
    return Micrograph.from_array(u8, pixel_size_um=_PIXEL_UM)


def _read(name: str) -> Any:
    from semscan.io import read_micrograph

    return read_micrograph(DATA / name)


def surface_sample() -> list[Any]:
    """The surface example: ``data/sample_surface.tif``, or generated when not installed."""
    if (DATA / "sample_surface.tif").is_file():
        return [micrograph_layer(_read("sample_surface.tif"))]
    return [micrograph_layer(generated_surface(), name="sample_surface (generated)")]


def cross_section_sample() -> list[Any]:
    """The cross-section example, ``data/sample_cross_section.tif``.

    Raises
    ------
    semscan.errors.PluginError
        When ``data/`` is not installed (only the surface sample is generated).
    """
    from semscan.errors import PluginError

    if not (DATA / "sample_cross_section.tif").is_file():
        raise PluginError(
            f"{DATA / 'sample_cross_section.tif'} is not installed; run "
            "scripts/make_example_images.py from a source checkout, or open the surface sample"
        )
    return [micrograph_layer(_read("sample_cross_section.tif"))]
