"""Synthetic films for the cross-section tests: masks with known geometry and their image."""

from __future__ import annotations

from semscan.calibration import Calibration
from semscan.phantoms.films import synthetic_cross_section

CAL = Calibration(0.01, "user")


def film_image(shape, **kw):
    """``(pore, specimen, truth, image)``: the image is the solid of the specimen, 1.0."""
    pore, spec, truth = synthetic_cross_section(shape, **kw)
    return pore, spec, truth, (spec & ~pore).astype(float)
