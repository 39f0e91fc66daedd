"""semscan.cli.train: the training commands, run through Typer's runner."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from semscan.classify.model import evaluate_structure_model, load_model
from semscan.cli.app import app
from tests.cli._helpers import _fei_tiff, runner


def test_train_pixels_then_analyze_with_it(tmp_path):
    import cv2

    from tests._synthetic import disc_pores, sem_image, write_fei_tiff

    pore = disc_pores((192, 192), porosity=0.4, radius=6.0, seed=21)
    img = write_fei_tiff(tmp_path / "train.tif", sem_image(pore, seed=21))
    labels = np.zeros(pore.shape, np.uint8)
    labels[::12][pore[::12]] = 1  # strokes: every 12th row, labelled from the truth
    labels[::12][~pore[::12]] = 2
    cv2.imwrite(str(tmp_path / "labels.png"), labels)
    model = tmp_path / "px.json"
    res = runner.invoke(app, ["train-pixels", str(img), str(tmp_path / "labels.png"),
                              "--out", str(model), "--trees", "10", "--sigma-max-px", "8"])
    assert res.exit_code == 0, res.stderr
    assert model.exists() and model.read_text().startswith("{")
    other = write_fei_tiff(tmp_path / "other.tif",
                           sem_image(disc_pores((192, 192), seed=22), seed=22))
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(other), "--out", str(out), "-j", "1",
                              "--pixel-classifier", str(model), "--no-classify",
                              "--no-local-thickness"])
    assert res.exit_code == 0, res.stderr
    row = pd.read_csv(out / "results.csv").iloc[0]
    assert row["seg_method"] == "classifier"
    assert 0.3 < row["areal_porosity"] < 0.5


def test_train_pixels_rejects_mismatched_labels(tmp_path):
    import cv2

    img = _fei_tiff(tmp_path / "a.tif", np.full((64, 64), 100, np.uint8))
    cv2.imwrite(str(tmp_path / "l.png"), np.zeros((32, 32), np.uint8))
    res = runner.invoke(app, ["train-pixels", str(img), str(tmp_path / "l.png")])
    assert res.exit_code == 1
    assert "paint the labels on the same image" in res.stderr


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A small structure model trained by the CLI (seed 3, fields cut from canvases up to
    1.5x larger), and the CLI's result."""
    model = tmp_path_factory.mktemp("tiny") / "tiny.json.gz"
    res = runner.invoke(app, ["train-classifier", "--out", str(model), "--n-per-class", "3",
                              "--n-test-per-class", "1", "--trees", "5", "--seed", "3",
                              "--max-canvas", "1.5"])
    return model, res


def test_train_classifier_small_run_then_analyze_with_it(tmp_path, sem_folder, tiny_model):
    model, res = tiny_model
    assert res.exit_code == 0, res.stderr
    assert model.exists() and (model.parent / "tiny.card.json").exists()
    assert "held-out accuracy" in res.stdout
    card = json.loads((model.parent / "tiny.card.json").read_text(encoding="utf-8"))
    assert card["training_data"]["canvas_scale"] == [1.0, 1.5]
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(sem_folder / "img0.tif"), "--out", str(out),
                              "-j", "1", "--no-local-thickness", "--model", str(model)])
    assert res.exit_code == 0, res.stderr
    row = pd.read_csv(out / "results.csv").iloc[0]
    probs = [row[c] for c in ("p_percolation", "p_spherical_particle", "p_cellular",
                              "p_non_porous", "p_coarse")]
    assert sum(probs) == pytest.approx(1.0, abs=1e-6)
    assert isinstance(row["class"], str) and row["class"]


def test_evaluate_classifier_prints_the_confusion_table(tmp_path, tiny_model):
    model, res = tiny_model
    assert res.exit_code == 0, res.stderr
    res = runner.invoke(app, ["evaluate-classifier", "--model", str(model), "--seed", "4",
                              "--n-per-class", "1"])
    assert res.exit_code == 0, res.stderr
    card = json.loads((model.parent / "tiny.card.json").read_text(encoding="utf-8"))
    # seed 4 is this model's held-out set (same canvases, read from the model file): the
    # same accuracy as its card
    assert f"accuracy {100 * card['held_out']['accuracy']:.1f} % of 5 images" in res.stdout
    assert "images: fields cut from canvases 1-1.5x their side" in res.stdout
    assert "confidence threshold" in res.stdout
    # --max-canvas 1 scores the same model on field-size images instead: the figure the
    # library gives for that protocol
    res = runner.invoke(app, ["evaluate-classifier", "--model", str(model), "--seed", "4",
                              "--n-per-class", "1", "--max-canvas", "1"])
    assert res.exit_code == 0, res.stderr
    ev = evaluate_structure_model(load_model(model), seed=4, n_per_class=1,
                                  canvas_scale=(1.0, 1.0))
    assert f"accuracy {100 * ev.accuracy:.1f} % of 5 images" in res.stdout
    assert "images: field-size, each segmented on its own" in res.stdout
    res = runner.invoke(app, ["evaluate-classifier", "--model", str(model),
                              "--n-per-class", "1", "--max-canvas", "0.5"])
    assert res.exit_code == 1
    assert "canvas_scale" in res.stderr
    res = runner.invoke(app, ["evaluate-classifier", "--model", str(tmp_path / "no.json")])
    assert res.exit_code == 1
    assert "no.json" in res.stderr
