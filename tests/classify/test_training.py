"""Training and scoring the structure classifier (semscan/classify/training.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from semscan.classify.classes import CLASSES
from semscan.classify.model import (
    build_dataset,
    evaluate_structure_model,
    load_model,
    train_structure_model,
)
from semscan.errors import ConfigError


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
