"""Classifying, explaining and thresholding (semscan/classify/predict.py)."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED
from semscan.classify.classes import CLASSES
from semscan.classify.features import FEATURE_NAMES, structure_features
from semscan.classify.model import (
    StructureClass,
    classify_structure,
)
from semscan.classify.training_data import generate, segment_for_training
from semscan.errors import ConfigError, ModelError


def _classify(cls: str, seed: int, model) -> StructureClass:
    s = generate(cls, seed=seed, shape=(384, 384))
    seg = segment_for_training(s.image)
    f = structure_features(seg.pore, seg.solid, calibration=UNCALIBRATED, grey=seg.grey)
    return classify_structure(f, model=model, confidence_threshold=0.0)


def test_synthetic_structures_with_unseen_seeds(model) -> None:
    hits = [
        _classify(cls, 900_000 + k, model).label == cls for cls in CLASSES for k in range(2)
    ]
    assert sum(hits) >= 8, hits


def test_result_fields_and_row_form(model) -> None:
    c = _classify("cellular", 5, model)
    assert sum(c.probabilities.values()) == pytest.approx(1.0)
    assert c.confidence == max(c.probabilities.values())
    assert len(c.reasons) == 3 and all(" = " in r for r in c.reasons)
    assert c.reasons[0].split(" = ")[0] in FEATURE_NAMES
    row = c.to_dict()
    assert list(row) == [
        "class", "class_confidence", "p_percolation", "p_spherical_particle", "p_cellular",
        "p_non_porous", "p_coarse", "class_reasons", "class_scale_ratio", "class_fields",
        "class_field_agreement",
    ]


def test_threshold_makes_uncertain(model) -> None:
    solid = np.ones((64, 64), bool)
    f = structure_features(~solid, solid, calibration=UNCALIBRATED)
    sure = classify_structure(f, model=model, confidence_threshold=0.0)
    assert sure.label == "non-porous" and not sure.is_uncertain
    unsure = classify_structure(f, model=model, confidence_threshold=1.0)
    if unsure.confidence < 1.0:
        assert unsure.label == "uncertain" and unsure.is_uncertain
        assert unsure.top_class == "non-porous"
    with pytest.raises(ConfigError, match=r"in \[0, 1\]"):
        classify_structure(f, model=model, confidence_threshold=1.5)


def test_raw_values_are_checked(model) -> None:
    with pytest.raises(ModelError, match="feature values"):
        classify_structure(np.zeros(3), model=model)
    with pytest.raises(ModelError, match="finite"):
        classify_structure(np.full(len(FEATURE_NAMES), np.nan), model=model)


def test_attributions_batch_equals_one_call_per_row():
    from semscan.classify.model_file import default_model
    from semscan.classify.predict import attribution, attributions

    model = default_model()
    rng = np.random.default_rng(7)
    xs = model.feature_medians * rng.uniform(0.3, 3.0, size=(5, len(model.feature_medians)))
    p, drops = attributions(xs, model)
    for k, x in enumerate(xs):
        p1, d1 = attribution(x, model)
        assert np.array_equal(p[k], p1) and np.array_equal(drops[k], d1)
