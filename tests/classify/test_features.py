"""Tests of semscan.classify.features on masks with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED, Calibration
from semscan.classify.features import (
    FEATURE_DESCRIPTIONS,
    FEATURE_NAMES,
    FEATURE_UNITS,
    StructureFeatures,
    structure_features,
)
from semscan.errors import MeasurementError


def _holes(n: int = 256, period: int = 16, radius: float = 5.0) -> np.ndarray:
    yy, xx = np.mgrid[0:n, 0:n]
    return ((yy % period) - period / 2) ** 2 + ((xx % period) - period / 2) ** 2 < radius**2


def _features(pore: np.ndarray, **kw: object) -> dict[str, float]:
    return structure_features(pore, ~pore, calibration=UNCALIBRATED, **kw).to_dict()


def test_names_units_descriptions_agree() -> None:
    assert len(FEATURE_NAMES) == len(set(FEATURE_NAMES))
    assert set(FEATURE_UNITS) == set(FEATURE_NAMES) == set(FEATURE_DESCRIPTIONS)
    assert set(FEATURE_UNITS.values()) <= {"1", "1/L^2", "1/L", "L", "ln"}


def test_result_is_frozen_and_ordered() -> None:
    f = structure_features(_holes(), ~_holes(), calibration=UNCALIBRATED)
    assert isinstance(f, StructureFeatures)
    assert f.values.shape == (len(FEATURE_NAMES),)
    assert np.isfinite(f.values).all()
    assert list(f.to_dict()) == list(FEATURE_NAMES)
    with pytest.raises(AttributeError):
        f.period = 1.0  # type: ignore[misc]


def test_round_holes_are_isolated_convex_cells() -> None:
    d = _features(_holes())
    assert d["porosity"] == pytest.approx(np.mean(_holes()))
    assert d["pore_largest_component_fraction"] < 0.01
    assert d["solid_largest_component_fraction"] == 1.0
    assert d["pore_solidity_aw"] > 0.9
    assert d["pore_circularity_aw"] > 0.75
    assert d["pore_aspect_aw"] == pytest.approx(1.0, abs=0.05)
    assert d["boundary_convexity_fine"] > 0.05  # pores convex, surrounded by solid
    assert d["pore_size_cv"] < 0.3


def test_round_particles_have_the_opposite_convexity() -> None:
    particles = _holes()  # the same discs as solid
    d = structure_features(~particles, particles, calibration=UNCALIBRATED).to_dict()
    holes = _features(_holes())
    assert d["boundary_convexity_fine"] < -0.05
    assert d["boundary_convexity_fine"] == pytest.approx(-holes["boundary_convexity_fine"])
    assert d["pore_largest_component_fraction"] == 1.0


def test_stripes_are_anisotropic() -> None:
    pore = np.zeros((128, 128), bool)
    pore[(np.arange(128) % 10) < 4] = True  # horizontal stripes
    d = _features(pore)
    assert d["anisotropy"] == pytest.approx(1.0)
    assert d["porosity"] == pytest.approx(0.4, abs=0.01)
    assert _features(_holes())["anisotropy"] < 0.1


def test_features_are_scale_free() -> None:
    small = _holes(128, 16, 5.0)
    large = _holes(384, 48, 15.0)  # the same structure drawn at 3x the magnification
    a = structure_features(small, ~small, calibration=UNCALIBRATED).values
    b = structure_features(large, ~large, calibration=UNCALIBRATED).values
    for name in ("porosity", "pore_component_density", "euler_density", "pore_solidity_aw",
                 "pore_circularity_aw", "boundary_convexity_fine", "solid_branch_density",
                 "pore_largest_component_fraction", "corr_minimum"):
        i = FEATURE_NAMES.index(name)
        assert a[i] == pytest.approx(b[i], rel=0.2, abs=0.05), name


def test_calibration_changes_period_not_values() -> None:
    pore = _holes()
    px = structure_features(pore, ~pore, calibration=UNCALIBRATED)
    um = structure_features(pore, ~pore, calibration=Calibration(0.01, "user"))
    np.testing.assert_array_equal(px.values, um.values)
    assert px.unit == "px" and um.unit == "µm"
    assert um.period == pytest.approx(px.period * 0.01)


@pytest.mark.parametrize("all_pore", [False, True])
def test_single_phase(all_pore: bool) -> None:
    pore = np.full((64, 64), all_pore)
    d = _features(pore)
    assert d["porosity"] == float(all_pore)
    assert np.isfinite(list(d.values())).all()
    key = "pore_largest_component_fraction" if all_pore else "solid_largest_component_fraction"
    assert d[key] == 1.0


def test_region_and_excluded_pixels_are_left_out() -> None:
    pore = _holes(128)
    region = np.zeros_like(pore)
    region[:, :64] = True
    masked = structure_features(pore, ~pore, calibration=UNCALIBRATED, region=region)
    assert masked.to_dict()["porosity"] == pytest.approx(pore[:, :64].mean())
    # Excluded = in neither mask: same porosity as the region form.
    excl = structure_features(pore & region, ~pore & region, calibration=UNCALIBRATED)
    assert excl.to_dict()["porosity"] == pytest.approx(masked.to_dict()["porosity"])


def test_errors_name_the_problem() -> None:
    pore = _holes(64)
    with pytest.raises(MeasurementError, match="equal shapes"):
        structure_features(pore, ~pore[:32], calibration=UNCALIBRATED)
    with pytest.raises(MeasurementError, match="overlap"):
        structure_features(pore, np.ones_like(pore), calibration=UNCALIBRATED)
    with pytest.raises(MeasurementError, match="16x16"):
        structure_features(pore[:8, :8], ~pore[:8, :8], calibration=UNCALIBRATED)
    with pytest.raises(MeasurementError, match="region shape"):
        structure_features(pore, ~pore, calibration=UNCALIBRATED, region=pore[:10])


def test_granulometry_of_stripes() -> None:
    pore = np.zeros((256, 256), bool)
    pore[(np.arange(256) % 32) < 16] = True  # 16 px pore / 16 px solid stripes
    d = _features(pore)
    # The isotropic intercept estimate of a stripe pattern is ~26.5 px: a disc of half
    # that diameter fits in a 16 px stripe, a disc of the full diameter does not.
    for phase in ("pore", "solid"):
        assert d[f"{phase}_opening_0_5"] > 0.95
        # only the two edge stripes survive: the replicated border widens them
        assert d[f"{phase}_opening_1"] == pytest.approx(2 / 16)
        assert d[f"{phase}_opening_2_5"] == 0.0
    assert d["speckle_fraction"] == 0.0


def test_solid_specks_are_filled_into_the_pores() -> None:
    pore = _holes(256, 16, 6.0)  # fine enough not to be block-averaged
    clean = _features(pore)
    specked = pore.copy()
    centres = np.arange(8, 256, 16)
    specked[np.ix_(centres, centres)] = False  # one solid pixel in the middle of each pore
    d = _features(specked)
    assert d["speckle_fraction"] == pytest.approx(centres.size**2 / pore.size)
    assert clean["speckle_fraction"] == 0.0
    assert d["filled_pore_largest_component_fraction"] == pytest.approx(
        clean["pore_largest_component_fraction"])
    # every speck is a hole in its pore: Euler number 1 - 1 = 0 per pore, unless filled
    assert d["euler_density"] == pytest.approx(0.0)
    assert d["filled_euler_density"] == pytest.approx(d["filled_pore_component_density"])
    assert clean["filled_euler_density"] == pytest.approx(clean["euler_density"])


def test_grey_features_of_an_ideal_two_level_image() -> None:
    pore = _holes()
    f = _features(pore)  # no grey: the ideal image, pore 0 and solid 1
    # a step edge: the gradient on the boundary is many times the region's median
    assert f["grey_boundary_gradient_ratio"] > 10.0
    assert f["grey_pore_darkness"] == 0.0
    assert f == _features(pore, grey=(~pore).astype(np.float32))


def test_grey_features_tell_dark_pores_from_shading() -> None:
    rng = np.random.default_rng(0)
    pore = _holes()
    # dark, sharp-edged pores with noise: two separate histogram peaks
    pores_img = np.where(pore, 0.1, 0.7) + rng.normal(0, 0.05, pore.shape)
    dark = _features(pore, grey=pores_img.astype(np.float32))
    # smooth shading cut at its median: one broad histogram peak, no edges at the cut
    from scipy import ndimage as ndi

    shade = ndi.gaussian_filter(rng.normal(size=pore.shape), 6.0)
    cut = shade < np.median(shade)
    shading = _features(cut, grey=shade.astype(np.float32))
    assert dark["grey_boundary_gradient_ratio"] > 2.0 * shading["grey_boundary_gradient_ratio"]
    # dark pores sit at the bottom of the grey range; the lower half of a Gaussian has its
    # mean 0.8 SD below the middle of a range about 5 SD wide
    assert dark["grey_pore_darkness"] < 0.2 < shading["grey_pore_darkness"]


def test_grey_image_must_match_the_masks() -> None:
    with pytest.raises(MeasurementError, match="grey image shape"):
        _features(_holes(), grey=np.zeros((10, 10), np.float32))
