"""Tests for semscan.classify.fields: classification in fields of the training size.

The expected numbers are exact: a field's probabilities are those of
:func:`classify_structure` on that field's own features, and the image's are their
area-weighted mean.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED
from semscan.classify.features import structure_features
from semscan.classify.fields import MIN_FIELD_FILL, classify_fields, field_slices
from semscan.classify.model import classify_structure, load_model
from semscan.errors import MeasurementError


@pytest.fixture(scope="module")
def model():
    return load_model()


def _holes(shape: tuple[int, int], *, spacing: int = 40, radius: int = 12) -> np.ndarray:
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    return ((yy % spacing) - spacing // 2) ** 2 + ((xx % spacing) - spacing // 2) ** 2 < radius**2


def _grains(shape: tuple[int, int], seed: int) -> np.ndarray:
    """A fine random two-phase texture (a thresholded smoothed noise field)."""
    import cv2

    rng = np.random.default_rng(seed)
    field = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), 3.0)
    return field > 0


def _proba(c) -> np.ndarray:
    return np.array(list(c.probabilities.values()))


def test_field_slices_divide_the_region_bounding_box() -> None:
    region = np.zeros((1200, 2000), bool)
    region[100:1100, 200:1736] = True  # 1000 x 1536
    fields = field_slices(region, field_px=512)
    assert len(fields) == 2 * 3
    assert {(r.start, r.stop) for r, _ in fields} == {(100, 600), (600, 1100)}
    assert {(c.start, c.stop) for _, c in fields} == {(200, 712), (712, 1224), (1224, 1736)}
    # Fields tile the box exactly: every box pixel in one field.
    count = np.zeros(region.shape, int)
    for sl in fields:
        count[sl] += 1
    assert (count[region] == 1).all() and count[~region].sum() == 0


def test_field_slices_small_and_empty_regions() -> None:
    assert field_slices(np.ones((300, 700), bool), field_px=512) == [
        (slice(0, 300), slice(0, 700))
    ]
    assert field_slices(np.zeros((50, 50), bool), field_px=512) == []
    with pytest.raises(ValueError, match="field_px"):
        field_slices(np.ones((5, 5), bool), field_px=0)


def test_a_training_size_image_is_one_field_and_matches_classify_structure(model) -> None:
    pore = _grains((512, 512), seed=3)
    one = classify_fields(pore, ~pore, calibration=UNCALIBRATED, model=model)
    ref = classify_structure(structure_features(pore, ~pore, calibration=UNCALIBRATED),
                             model=model)
    assert one.n_fields == 1 and one.field_agreement == 1.0
    np.testing.assert_array_equal(_proba(one), _proba(ref))
    assert one.label == ref.label and one.reasons == ref.reasons


def test_probabilities_are_the_area_weighted_mean_of_the_fields(model) -> None:
    # 1024 x 1536: 2 x 3 fields of 512 x 512. Holes on the left 1024 columns, a fine
    # grain texture on the right 512: four fields of one structure, two of another.
    pore = _holes((1024, 1536))
    pore[:, 1024:] = _grains((1024, 512), seed=1)
    c = classify_fields(pore, ~pore, calibration=UNCALIBRATED, model=model)
    assert c.n_fields == 6
    per_field = [
        classify_structure(
            structure_features(pore[r0:r0 + 512, c0:c0 + 512], ~pore[r0:r0 + 512, c0:c0 + 512],
                               calibration=UNCALIBRATED, rectify=False),
            model=model, confidence_threshold=0.0,
        )
        for r0 in (0, 512) for c0 in (0, 512, 1024)
    ]
    expected = np.mean([_proba(f) for f in per_field], axis=0)
    np.testing.assert_allclose(_proba(c), expected, rtol=0, atol=1e-12)
    tops = [f.top_class for f in per_field]
    assert tops[0] == tops[1] == tops[3] == tops[4]  # the holes agree
    assert c.field_agreement == pytest.approx(tops.count(c.top_class) / 6)


def test_region_weights_and_fields_outside_the_region(model) -> None:
    pore = _holes((1024, 1024))
    region = np.zeros_like(pore)
    region[:700] = True  # bounding box 700 x 1024: one row of two fields
    c = classify_fields(pore, ~pore, calibration=UNCALIBRATED, region=region, model=model)
    assert c.n_fields == 2
    # A thin strip in a corner field is below MIN_FIELD_FILL and is skipped.
    region[:] = False
    region[:1024, :512] = True
    region[1000:1024, 512:1024] = True  # 24 rows: 24/512 < MIN_FIELD_FILL of a field
    assert 24 / 512 < MIN_FIELD_FILL
    c = classify_fields(pore, ~pore, calibration=UNCALIBRATED, region=region, model=model)
    assert c.n_fields == 2  # the two left fields; the strip's field is skipped


def test_a_rectified_region_is_one_field(model) -> None:
    from tests.classify.test_perspective import _tapered_lattice

    pore = _tapered_lattice(6.0, size=1024, radius_top=3.0)
    c = classify_fields(pore, ~pore, calibration=UNCALIBRATED, model=model)
    assert c.rectified and c.scale_ratio > 4.0
    assert c.n_fields == 1
    flat = classify_fields(pore, ~pore, calibration=UNCALIBRATED, model=model, rectify=False)
    assert not flat.rectified and flat.n_fields == 4


def test_bad_input_is_refused(model) -> None:
    pore = np.zeros((64, 64), bool)
    with pytest.raises(MeasurementError, match="equal shapes"):
        classify_fields(pore, np.zeros((64, 65), bool), calibration=UNCALIBRATED, model=model)
    with pytest.raises(MeasurementError, match="overlap"):
        classify_fields(pore | True, pore | True, calibration=UNCALIBRATED, model=model)
    with pytest.raises(MeasurementError, match="16x16"):
        classify_fields(pore, ~pore, calibration=UNCALIBRATED, region=np.zeros_like(pore),
                        model=model)
    with pytest.raises(MeasurementError, match="grey"):
        classify_fields(pore, ~pore, calibration=UNCALIBRATED, grey=np.zeros((3, 3)),
                        model=model)
    assert math.isfinite(classify_fields(pore, ~pore, calibration=UNCALIBRATED,
                                         model=model).confidence)


def test_the_feature_cache_recomputes_only_the_edited_field(model, monkeypatch) -> None:
    import importlib

    fields_mod = importlib.import_module("semscan.classify.fields")
    pore = _grains((1024, 1536), seed=5)
    cache: dict = {}
    first = classify_fields(pore, ~pore, calibration=UNCALIBRATED, model=model,
                            feature_cache=cache)
    assert first.n_fields == 6 and len(cache) == 6
    calls = []
    real = fields_mod.checked_features  # what each field's features are computed by
    monkeypatch.setattr(fields_mod, "checked_features",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    edited = pore.copy()
    edited[100:160, 100:180] = False  # inside the first field only
    again = classify_fields(edited, ~edited, calibration=UNCALIBRATED, model=model,
                            feature_cache=cache)
    assert len(calls) == 1
    monkeypatch.setattr(fields_mod, "checked_features", real)
    fresh = classify_fields(edited, ~edited, calibration=UNCALIBRATED, model=model)
    assert again.probabilities == fresh.probabilities and again.reasons == fresh.reasons
    assert again.label == fresh.label
