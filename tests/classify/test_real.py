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
    # spread, so the model says 'coarse' with high confidence (p 0.90).
    "particles_fei.tif": "faceted particle aggregate fits no class; classified 'coarse'",
}

# Known misclassifications of the shipped model (measured 2026-12-02, sixth model: ExtraTrees
# over 44 features, 800 training images per class, model threshold 0.50, through
# analyze_micrograph, in fields of the training size). They are expected failures,
# strict: the day the model gets them right, the test says so (XPASS fails) and the entry
# must go. They are an open gap of the classification issue, not accepted behaviour.
KNOWN_WRONG = {
    "wrinkled_film_fei16.tif": "coarse (p 0.76; fifth model 0.87): shaded folds segment as "
    "64% pore; no synthetic relief tried so far is told apart from fine porous networks",
}


def _analyze(name: str, model):
    """``analyze_micrograph`` of a real image as `semscan analyze` runs it (skip if absent)."""
    from semscan.config import AnalysisConfig
    from semscan.io import read_micrograph
    from semscan.pipeline import Models, analyze_micrograph

    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    cfg = AnalysisConfig().with_overrides(
        {"measure.local_thickness": False, "measure.dense_chords": False}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # uncalibrated images warn; irrelevant here
        return analyze_micrograph(read_micrograph(path), config=cfg,
                                  models=Models(structure=model))


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
    c = _analyze(name, model).structure
    assert c.label in EXPECTED[name], (c.label, c.probabilities, c.reasons)


def test_the_tilted_membrane_is_classified_at_one_scale(model) -> None:
    """membrane_cells: cells ~5x smaller at the horizon; classified after rectification."""
    result = _analyze("membrane_cells_hitachi.bmp", model)
    c = result.structure
    assert c.rectified and 4.0 <= c.scale_ratio <= 7.0
    assert result.to_row()["class_scale_ratio"] == pytest.approx(c.scale_ratio)
    assert any("resampling it to one scale" in w for w in result.warnings)
    # No other real image is seen obliquely.
    for other in ("npg_aquami_zeiss.tif", "porous_si_zeiss.tif"):
        if (REAL / other).is_file():
            r = _analyze(other, model)
            assert not r.structure.rectified and r.structure.scale_ratio < 1.5


def test_a_large_micrograph_is_classified_in_fields_of_the_training_size(model) -> None:
    """retic_skan (1536 x 1024 px analysed): six fields of about 512 px, most agreeing."""
    result = _analyze("retic_skan_fei.tif", model)
    c = result.structure
    assert c.n_fields == 6 and c.field_agreement >= 0.5
    row = result.to_row()
    assert row["class_fields"] == 6 and row["class_field_agreement"] == c.field_agreement
