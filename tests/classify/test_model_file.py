"""Loading and validating structure-model files (semscan/classify/model_file.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from semscan._forest import write_json
from semscan.calibration import UNCALIBRATED
from semscan.classify.classes import CLASSES
from semscan.classify.features import FEATURE_NAMES, structure_features
from semscan.classify.model import (
    MODEL_FORMAT,
    classify_structure,
    default_model_path,
    load_model,
)
from semscan.errors import ModelError
from tests._crafted_binary import crafted_binary_models, stored_forest
from tests._crafted_models import (
    assert_refused,
    assert_refused_in_a_fresh_process,
    load_in_subprocess,
    reference_proba,
    refusals,
)


def _shipped_payload() -> dict:
    """The JSON payload of the shipped model (as ``semscan train-classifier --out x.json``
    would write it)."""
    return load_model().to_dict()


def test_shipped_model_matches_this_semscan(model) -> None:
    assert default_model_path().is_file()
    assert model.feature_names == FEATURE_NAMES
    assert set(model.classes) == set(CLASSES)
    assert len(model.sha256) == 64


def test_shipped_model_has_a_matching_card(model) -> None:
    card_path = Path(__file__).parents[2] / "models" / "structure.card.json"
    if not card_path.is_file():
        pytest.skip("models/ folder not present (installed package)")
    card = json.loads(card_path.read_text(encoding="utf-8"))
    assert card["sha256"] == model.sha256
    assert [f["name"] for f in card["features"]] == list(FEATURE_NAMES)


def test_incompatible_models_are_refused(tmp_path: Path) -> None:
    data = _shipped_payload()
    wrong_version = {**data, "format": "semscan-structure-model/0"}
    write_json(tmp_path / "v0.json", wrong_version)
    with pytest.raises(ModelError, match="expected 'semscan-structure-model/1'"):
        load_model(tmp_path / "v0.json")
    renamed = {**data, "feature_names": ["porosity_x", *data["feature_names"][1:]]}
    write_json(tmp_path / "names.json", renamed)
    with pytest.raises(ModelError, match=r"other features.*missing \['porosity'\]"):
        load_model(tmp_path / "names.json")
    reordered = {**data, "feature_names": list(reversed(data["feature_names"]))}
    write_json(tmp_path / "order.json", reordered)
    with pytest.raises(ModelError, match="another order"):
        load_model(tmp_path / "order.json")
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="not valid JSON"):
        load_model(tmp_path / "bad.json")
    assert data["format"] == MODEL_FORMAT


def test_model_threshold_is_the_default(tmp_path: Path, model) -> None:
    solid = np.ones((64, 64), bool)
    f = structure_features(~solid, solid, calibration=UNCALIBRATED)
    c = classify_structure(f, model=model)
    assert c.is_uncertain == (c.confidence < model.confidence_threshold)
    data = _shipped_payload()
    assert data["confidence_threshold"] == model.confidence_threshold
    strict = {**data, "confidence_threshold": 1.0}
    write_json(tmp_path / "strict.json", strict)
    if c.confidence < 1.0:
        assert classify_structure(f, model=load_model(tmp_path / "strict.json")).is_uncertain
    older = {k: v for k, v in data.items() if k != "confidence_threshold"}
    write_json(tmp_path / "older.json", older)
    assert load_model(tmp_path / "older.json").confidence_threshold == 0.6
    write_json(tmp_path / "bad.json", {**data, "confidence_threshold": 2})
    with pytest.raises(ModelError, match="'confidence_threshold' is 2, expected a number from 0"):
        load_model(tmp_path / "bad.json")


@pytest.fixture(scope="module")
def small_payload():
    """The shipped model cut to its first three trees: real, valid and small."""
    data = _shipped_payload()
    data["forest"]["trees"] = data["forest"]["trees"][:3]
    return data


def test_crafted_structure_models_are_refused(tmp_path, small_payload):
    write_json(tmp_path / "valid.json", small_payload)
    assert set(load_model(tmp_path / "valid.json").classes) == set(CLASSES)
    assert_refused(small_payload, tmp_path / "corpus", load_model)


def test_crafted_structure_models_fail_fast_in_a_fresh_process(tmp_path, small_payload):
    assert_refused_in_a_fresh_process(small_payload, tmp_path / "corpus",
                                      "semscan.classify.model", "load_model")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.update(feature_names="porosity"), "'feature_names' is str, expected list"),
        (lambda d: d.update(feature_names=[1, 2]), "'feature_names' holds int 1"),
        (lambda d: d.pop("feature_medians"), "the field 'feature_medians' is missing"),
        (lambda d: d["feature_medians"].__setitem__(0, "1"), "'feature_medians' is not 44"),
        (lambda d: d["feature_medians"].__setitem__(0, "@1e999@"), "not finite"),
        (lambda d: d.update(confidence_threshold=True), "'confidence_threshold' is bool"),
        (lambda d: d.update(confidence_threshold="0.6"), "'confidence_threshold' is str"),
        (lambda d: d.update(classes="cellular"), "'classes' is str, expected list"),
        (lambda d: d.update(classes=list(reversed(d["classes"]))), "the forest's classes"),
        (lambda d: d.update(training=[]), "'training' is list, expected dict"),
        (lambda d: d["training"].update(image_shape=[0, 0]), "'training.image_shape' is"),
        (lambda d: d["training"].update(image_shape=[512.0, 512]), "two integers from 32"),
        (lambda d: d["training"].update(image_shape="512"), "'training.image_shape' is '512'"),
        (lambda d: d["training"].update(canvas_scale=[0.5, 1]), "1 <= low <= high <= 100"),
        (lambda d: d["training"].update(canvas_scale=[1, 1e9]), "1 <= low <= high <= 100"),
        (lambda d: d["forest"].update(n_features=43), "split feature 43 is not one of"),
        (lambda d: d.update(forest=None), "'forest' is null, expected dict"),
    ],
)
def test_structure_model_fields_are_type_checked(tmp_path, small_payload, change, match):
    data = json.loads(json.dumps(small_payload))
    change(data)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data).replace('"@1e999@"', "1e999"))  # parsed as inf
    with pytest.raises(ModelError, match=match) as info:
        load_model(path)
    assert str(path) in str(info.value)


def test_shipped_model_predicts_as_its_stored_trees_say(model):
    """The validated shipped model gives exactly what walking its stored lists gives."""
    rng = np.random.default_rng(0)
    X = model.feature_medians * rng.lognormal(0.0, 0.5, size=(40, len(FEATURE_NAMES)))
    expected = reference_proba(stored_forest(default_model_path()), X)
    assert np.array_equal(model.predict_proba(X), expected)
    assert np.array_equal(model.forest.predict_proba(X.astype(np.float32).repeat(26, axis=0)),
                          reference_proba(stored_forest(default_model_path()),
                                          X.astype(np.float32))
                          .repeat(26, axis=0))


# ------------------------------------------------------------------ the binary format
def test_shipped_model_is_binary_and_loads_as_its_json(tmp_path, model):
    """The shipped .smodel and its JSON form are the same model: the same payload and
    bit-for-bit the same probabilities on 6000 inputs (half near the training medians,
    half spread over every split's threshold), through both prediction paths."""
    assert default_model_path().suffix == ".smodel"
    model.save(tmp_path / "m.json.gz")
    as_json = load_model(tmp_path / "m.json.gz")
    assert as_json.to_dict() == model.to_dict()
    rng = np.random.default_rng(1)
    X = model.feature_medians * rng.lognormal(0.0, 0.5, size=(3000, len(FEATURE_NAMES)))
    thresholds = np.concatenate([t.threshold[t.left >= 0] for t in model.forest.trees])
    spread = rng.choice(thresholds, size=(3000, len(FEATURE_NAMES)))
    X = np.vstack([X, spread])
    for dtype in (np.float64, np.float32):  # numpy path, compiled path (>= 1024 float32)
        a = model.forest.predict_proba(X.astype(dtype))
        assert np.array_equal(a, as_json.forest.predict_proba(X.astype(dtype)))
    assert len(np.unique(a.argmax(axis=1))) >= 3  # the inputs reach several classes
    model.save(tmp_path / "again.smodel", compress=True)  # the same bytes every time
    assert (tmp_path / "again.smodel").read_bytes() == default_model_path().read_bytes()
    model.save(tmp_path / "plain.smodel")
    plain = load_model(tmp_path / "plain.smodel")
    assert plain.to_dict() == model.to_dict()
    assert default_model_path().stat().st_size < (tmp_path / "plain.smodel").stat().st_size / 3


def test_crafted_binary_structure_models_are_refused(tmp_path, small_payload):
    cases = crafted_binary_models(small_payload, tmp_path)
    assert len(cases) >= 45
    assert load_model(tmp_path / "valid.smodel").to_dict() == json.loads(
        json.dumps(small_payload))
    assert refusals(load_model, cases) == []


def test_crafted_binary_structure_models_fail_fast_in_a_fresh_process(tmp_path, small_payload):
    crafted_binary_models(small_payload, tmp_path)
    (tmp_path / "valid.smodel").unlink()
    results, rss_mb = load_in_subprocess("semscan.classify.model", "load_model", tmp_path,
                                         timeout=60)
    assert len(results) >= 45
    assert {r["outcome"] for r in results.values()} == {"ModelError"}, results
    assert rss_mb < 1000
