"""Tests of loading, predicting, explaining and training the structure classifier."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from semscan._forest import read_json, write_json
from semscan.calibration import UNCALIBRATED
from semscan.classify.classes import CLASSES
from semscan.classify.features import FEATURE_NAMES, structure_features
from semscan.classify.model import (
    MODEL_FORMAT,
    StructureClass,
    build_dataset,
    classify_structure,
    default_model_path,
    evaluate_structure_model,
    load_model,
    train_structure_model,
)
from semscan.classify.training_data import generate, segment_for_training
from semscan.errors import ConfigError, ModelError
from tests._crafted_models import crafted_models, load_in_subprocess, reference_proba, refusals


@pytest.fixture(scope="module")
def model():
    return load_model()


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


def test_incompatible_models_are_refused(tmp_path: Path) -> None:
    data = read_json(default_model_path())
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
    data = read_json(default_model_path())
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


def test_training_is_reproducible_and_writes_a_card(tmp_path: Path) -> None:
    kwargs = dict(seed=3, n_per_class=3, n_test_per_class=1, shape=(64, 64), n_estimators=4)
    a = train_structure_model(tmp_path / "a.json", **kwargs)
    b = train_structure_model(tmp_path / "b.json", **kwargs, n_jobs=2)
    assert a.sha256 == b.sha256  # the same model for any number of data processes
    card = json.loads(Path(a.card_path).read_text(encoding="utf-8"))
    assert card["sha256"] == a.sha256
    assert card["held_out"]["n"] == len(CLASSES)
    assert card["training_data"]["sklearn_version"]
    m = load_model(a.model_path)
    assert m.training["seed"] == 3
    assert m.confidence_threshold == card["confidence_threshold"]["value"]
    with pytest.raises(ConfigError, match="n_per_class >= 2"):
        train_structure_model(tmp_path / "c.json", n_per_class=1)
    with pytest.raises(ConfigError, match="1 <= low <= high"):
        train_structure_model(tmp_path / "c.json", canvas_scale=(0.5, 1.0))
    assert not (tmp_path / "c.json").exists()


def test_evaluation_on_the_held_out_seed_reproduces_the_card(tmp_path: Path) -> None:
    report = train_structure_model(tmp_path / "m.json", seed=3, n_per_class=3,
                                   n_test_per_class=2, shape=(64, 64), n_estimators=4,
                                   canvas_scale=(1.0, 1.5))
    m = load_model(report.model_path)
    assert m.training["canvas_scale"] == [1.0, 1.5]
    # seed + 1 is the card's held-out set; the field size and the canvas scale default to
    # the model's training recipe
    ev = evaluate_structure_model(m, seed=4, n_per_class=2)
    assert ev.n == 2 * len(CLASSES)
    assert ev.confusion == report.confusion
    assert ev.per_class_accuracy == report.per_class_accuracy
    assert ev.accuracy == report.accuracy
    assert ev.classes == tuple(CLASSES) and ev.seed == 4
    assert ev.canvas_scale == (1.0, 1.5)
    # coverage and precision at the model's threshold, recomputed here
    X, y = build_dataset(seed=4, n_per_class=2, shape=(64, 64), canvas_scale=(1.0, 1.5))
    p = m.predict_proba(X)
    sure = p.max(axis=1) >= m.confidence_threshold
    assert ev.threshold == m.confidence_threshold
    assert ev.coverage == sure.mean()
    right = np.asarray(m.classes)[p.argmax(axis=1)] == y
    if sure.any():
        assert ev.precision == right[sure].mean()
    else:
        assert np.isnan(ev.precision)
    with pytest.raises(ConfigError, match="n_per_class must be at least 1"):
        evaluate_structure_model(m, n_per_class=0)
    with pytest.raises(ConfigError, match="canvas_scale"):
        evaluate_structure_model(m, n_per_class=1, canvas_scale=(0.5, 1.0))


def test_evaluation_on_other_canvases_than_the_training_ones(tmp_path: Path) -> None:
    # a field-size model scored on fields cut from 1-1.5x canvases sees exactly the
    # features build_dataset gives for that range
    report = train_structure_model(tmp_path / "m.json", seed=5, n_per_class=2,
                                   n_test_per_class=1, shape=(64, 64), n_estimators=3)
    m = load_model(report.model_path)
    assert "canvas_scale" not in m.training
    ev = evaluate_structure_model(m, seed=9, n_per_class=2, canvas_scale=(1.0, 1.5))
    assert ev.canvas_scale == (1.0, 1.5)
    X, y = build_dataset(seed=9, n_per_class=2, shape=(64, 64), canvas_scale=(1.0, 1.5))
    predicted = np.asarray(m.classes)[m.predict_proba(X).argmax(axis=1)]
    assert ev.accuracy == (predicted == y).mean()
    default = evaluate_structure_model(m, seed=9, n_per_class=2)
    assert default.canvas_scale == (1.0, 1.0)


# ------------------------------------------------------------------ crafted model files
@pytest.fixture(scope="module")
def small_payload():
    """The shipped model cut to its first three trees: real, valid and small."""
    data = read_json(default_model_path())
    data["forest"]["trees"] = data["forest"]["trees"][:3]
    return data


def test_crafted_structure_models_are_refused(tmp_path, small_payload):
    write_json(tmp_path / "valid.json", small_payload)
    assert set(load_model(tmp_path / "valid.json").classes) == set(CLASSES)
    cases = crafted_models(small_payload, tmp_path / "corpus")
    assert len(cases) >= 20
    assert refusals(load_model, cases) == []


def test_crafted_structure_models_fail_fast_in_a_fresh_process(tmp_path, small_payload):
    crafted_models(small_payload, tmp_path / "corpus")
    results, rss_mb = load_in_subprocess("semscan.classify.model", "load_model",
                                         tmp_path / "corpus", timeout=60)
    assert {r["outcome"] for r in results.values()} == {"ModelError"}, results
    assert rss_mb < 1000


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


def test_cli_refuses_crafted_structure_models(tmp_path, small_payload, sem_folder):
    from typer.testing import CliRunner

    from semscan.cli.app import app

    cases = {c.name: c for c in crafted_models(small_payload, tmp_path / "corpus")}
    for name in ("self_cycle", "backwards", "negative_index", "index_2_40", "gzip_bomb",
                 "deep_nesting", "threshold_infinity", "n_features_string", "empty"):
        out = tmp_path / f"out-{name}"
        res = CliRunner().invoke(app, ["analyze", str(sem_folder / "img0.tif"), "--out",
                                       str(out), "-j", "1", "--no-local-thickness",
                                       "--model", str(cases[name].path)])
        assert res.exit_code == 2, (name, res.stdout, res.stderr)
        assert isinstance(res.exception, SystemExit), (name, res.exception)
        text = " ".join(res.stderr.split())  # rich wraps long lines
        assert "error" in text and cases[name].path.name in text, (name, text)
        assert "Traceback" not in res.stdout + res.stderr, name
        assert not (out / "results.csv").exists()
    res = CliRunner().invoke(app, ["evaluate-classifier", "--model",
                                   str(cases["sibling_cycle"].path)])
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit)
    assert "is not after its parent" in " ".join(res.stderr.split())


def test_shipped_model_predicts_as_its_stored_trees_say(model):
    """The validated shipped model gives exactly what walking its stored lists gives."""
    rng = np.random.default_rng(0)
    X = model.feature_medians * rng.lognormal(0.0, 0.5, size=(40, len(FEATURE_NAMES)))
    expected = reference_proba(read_json(default_model_path())["forest"], X)
    assert np.array_equal(model.predict_proba(X), expected)
    assert np.array_equal(model.forest.predict_proba(X.astype(np.float32).repeat(26, axis=0)),
                          reference_proba(read_json(default_model_path())["forest"],
                                          X.astype(np.float32))
                          .repeat(26, axis=0))
