"""The structure classes of real micrographs (../shared/data/real; skipped when absent).

The expected classes are the visual judgements in that folder's README. 'uncertain' is
accepted for the images the README calls borderline or that no class describes exactly.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

REAL = Path(__file__).parents[2] / ".." / "shared" / "data" / "real"

# file -> accepted labels
EXPECTED = {
    "npg_aquami_zeiss.tif": {"percolation"},
    "retic_skan_fei.tif": {"percolation"},
    "membrane_cells_hitachi.bmp": {"cellular"},
    "porous_si_zeiss.tif": {"cellular", "percolation", "uncertain"},  # borderline
    "swollen_mat_holes.png": {"cellular"},
    # a faceted (not spherical) particle aggregate: no class fits exactly
    "particles_fei.tif": {"spherical-particle", "uncertain"},
    "dense_crack_fei.tif": {"non-porous"},
    "wrinkled_film_fei16.tif": {"non-porous", "uncertain"},  # textured
}

pytestmark = [
    pytest.mark.real,
    pytest.mark.skipif(not REAL.is_dir(), reason=f"{REAL} is absent"),
]


@pytest.fixture(scope="module")
def model():
    from semscan.classify.model import load_model

    return load_model()


AMBIGUOUS = {
    # Faceted, not spherical, particles with a few dark pores: no class describes it, and
    # its segmentation (shaded facets split into pore and solid) has a wide pore-size
    # spread, so the model says 'coarse' with high confidence (p 0.88).
    "particles_fei.tif": "faceted particle aggregate fits no class; classified 'coarse'",
}

# Known misclassifications of the shipped model (measured 2026-11-23: ExtraTrees over 44
# features, model threshold 0.51, through analyze_micrograph). They are expected
# failures, strict: the day the model gets them right, the test says so (XPASS fails)
# and the entry must go. They are an open gap of the classification issue, not accepted
# behaviour.
KNOWN_WRONG = {
    "membrane_cells_hitachi.bmp": "coarse (p 0.56; cellular 0.30): tilted cells, about "
    "9x smaller at the horizon than at the bottom, read as a wide pore-size spread. (Its "
    "segmentation is now right: cell openings are pore, porosity 0.50 of the specimen; "
    "it read uncertain, cellular 0.40, when only the dark cell floors were pore.)",
    "wrinkled_film_fei16.tif": "coarse (p 0.86): shaded folds segment as 64% pore; no "
    "synthetic relief tried so far is told apart from fine porous networks",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=AMBIGUOUS[n], strict=False))
        if n in AMBIGUOUS
        else pytest.param(n, marks=pytest.mark.xfail(reason=KNOWN_WRONG[n], strict=True))
        if n in KNOWN_WRONG
        else n
        for n in sorted(EXPECTED)
    ],
)
def test_real_class(name: str, model) -> None:
    """The class `semscan analyze` reports (a cross-section is classified in its film)."""
    from semscan.config import AnalysisConfig
    from semscan.io import read_micrograph
    from semscan.pipeline import analyze_micrograph

    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    cfg = AnalysisConfig().with_overrides(
        {"measure.local_thickness": False, "measure.dense_chords": False}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # uncalibrated images warn; irrelevant here
        micrograph = read_micrograph(path)
        result = analyze_micrograph(micrograph, config=cfg, models={"structure": model})
    c = result.structure
    assert c.label in EXPECTED[name], (c.label, c.probabilities, c.reasons)
