"""Masks -> numbers: intercepts, chords, porosity, directions, local thickness.

Each function implements one section of METHODS.md and returns a frozen result with a
``to_dict()`` row form.
"""

from __future__ import annotations

from semscan.measure.chords import ChordDistribution, chord_lengths
from semscan.measure.directional import DirectionalResult, mil_rose
from semscan.measure.intercept import Chords, InterceptResult, intercept_method
from semscan.measure.local_thickness import (
    LocalThicknessResult,
    local_thickness,
    local_thickness_update,
)
from semscan.measure.porosity import PorosityResult, porosity

__all__ = [
    "ChordDistribution",
    "Chords",
    "DirectionalResult",
    "InterceptResult",
    "LocalThicknessResult",
    "PorosityResult",
    "chord_lengths",
    "intercept_method",
    "local_thickness",
    "local_thickness_update",
    "mil_rose",
    "porosity",
]
