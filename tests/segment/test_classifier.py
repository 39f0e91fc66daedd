"""The trainable pixel classifier and its model file (semscan/segment/classifier.py)."""

import json

import numpy as np
import pytest

from semscan._forest import TreeEnsemble
from semscan.calibration import Calibration
from semscan.errors import ModelError, SegmentationError
from semscan.micrograph import Micrograph
from semscan.phantoms.render import render_sem
from semscan.segment import PixelClassifier, load_pixel_classifier, segment_micrograph
from tests._crafted_binary import crafted_binary_models, stored_forest
from tests._crafted_models import (
    assert_refused,
    assert_refused_in_a_fresh_process,
    load_in_subprocess,
    reference_proba,
    refusals,
)
from tests._synthetic import random_discs


def discs(shape=(128, 128), n=40, r=7.0, seed=0):
    """Random discs (radii 0.6 r .. 1.4 r): the true pore mask."""
    return random_discs(shape, n=n, r=r, seed=seed)


def strokes(truth):
    """A few labelled lines: every 16th row and column, labelled with the truth."""
    labels = np.zeros(truth.shape, np.uint8)
    lines = np.zeros(truth.shape, bool)
    lines[::16, :] = True
    lines[:, ::16] = True
    labels[lines & truth] = 1
    labels[lines & ~truth] = 2
    return labels


CAL = Calibration(0.01, "user")


@pytest.fixture(scope="module")
def trained():
    truth = discs(seed=0)
    img = render_sem(truth, seed=0)
    clf = PixelClassifier.train(img, strokes(truth), calibration=CAL, sigma_max_px=8,
                                n_estimators=12, max_depth=10, seed=0)
    return clf, truth, img


@pytest.fixture(scope="module")
def second():
    truth = discs(seed=7)
    return truth, render_sem(truth, seed=7)


def test_learns_from_strokes_and_generalises(trained, second):
    clf, _, _ = trained
    truth, img = second
    pred = clf.predict(img, calibration=CAL)
    assert pred.dtype == np.uint8 and set(np.unique(pred)) <= {1, 2}
    assert ((pred == 1) == truth).mean() >= 0.9
    assert clf.classes == (1, 2)
    assert clf.sigmas_px == (1.0, 2.0, 4.0, 8.0)
    assert clf.pixel_size_um == 0.01 and len(clf.labels_sha256) == 64


@pytest.mark.parametrize("name", ["model.smodel", "model.json", "model.json.gz"])
def test_save_load_round_trip(tmp_path, trained, second, name):
    clf, _, _ = trained
    _, img = second
    path = tmp_path / name
    clf.save(path)
    loaded = load_pixel_classifier(path)
    assert np.array_equal(loaded.predict(img), clf.predict(img))
    assert loaded.to_dict() == clf.to_dict()


def test_segment_micrograph_with_classifier(tmp_path, trained, second):
    clf, _, _ = trained
    truth, img = second
    path = tmp_path / "m.json"
    clf.save(path)
    m = Micrograph.from_array(img, pixel_size_um=0.01)
    by_path = segment_micrograph(m, method="classifier", classifier_path=str(path))
    by_object = segment_micrograph(m, method="classifier", classifier=clf)
    assert np.array_equal(by_path.pore, by_object.pore)
    assert by_path.method == "classifier" and by_path.threshold is None
    assert (by_path.pore == truth).mean() >= 0.9
    assert by_path.preprocessing.startswith("classifier features on the raw grey (sigmas 1, 2")
    assert by_path.warnings == ()
    # at another pixel size the feature scales are converted, and that is said
    far = Micrograph.from_array(img, pixel_size_um=0.05)
    seg = segment_micrograph(far, method="classifier", classifier=clf)
    assert any("feature scales converted by 0.2" in w for w in seg.warnings)


def test_excluded_class(second):
    truth, img = second
    img = img.copy()
    img[:, :20] = 0.95  # a bright band the user marks as excluded
    labels = strokes(truth)
    labels[:, :20] = 0
    labels[::8, 2:18] = 3
    clf = PixelClassifier.train(img, labels, sigma_max_px=4, n_estimators=8)
    assert clf.classes == (1, 2, 3)
    seg = segment_micrograph(Micrograph.from_array(img), method="classifier", classifier=clf)
    assert seg.excluded[:, 2:16].mean() > 0.9
    assert not (seg.pore | seg.solid)[seg.excluded].any()


def tamper(tmp_path, trained, change):
    clf, _, _ = trained
    data = clf.to_dict()
    change(data)
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.update(format="semscan-tree-ensemble/1"),
         "not a semscan pixel-classifier model"),
        (lambda d: d["features"].update(kind="skimage-multiscale/1"),
         "trained with other pixel features"),
        (lambda d: d["features"].update(sigmas_px=[1.0, 2.0]),
         "feature parameters do not match"),
        (lambda d: d["features"].update(sigmas_px=[1.0, 2.0], n_features=8),
         "the forest expects 16 features"),
        (lambda d: d["features"].update(sigmas_px=[1.0, 2.0, 4.0, -8.0]),
         "sigmas must be 1 to 32 positive numbers"),
        (lambda d: d.update(classes=[1, 5]), "classes must be two or more of 1, 2, 3"),
        (lambda d: d.update(classes=[2, 1]), "forest classes"),
        (lambda d: d["forest"]["trees"][0].update(left=[1, 2]),
         r"tree 0: 'left' has 2 entries but 'right' has \d+; the model file is corrupt"),
        (lambda d: d.pop("forest"), "the field 'forest' is missing"),
        (lambda d: d["forest"].update(format="x"), "not a semscan tree-ensemble model"),
    ],
)
def test_tampered_model_refused(tmp_path, trained, change, match):
    with pytest.raises(ModelError, match=match):
        load_pixel_classifier(tamper(tmp_path, trained, change))


def test_unreadable_model_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelError, match="is not valid JSON"):
        load_pixel_classifier(bad)
    with pytest.raises(ModelError, match="does not exist"):
        load_pixel_classifier(tmp_path / "missing.json")
    other = tmp_path / "list.json"
    other.write_text("[1, 2]")
    with pytest.raises(ModelError, match="not a semscan pixel-classifier model"):
        load_pixel_classifier(other)


def test_bad_training_input():
    img = np.zeros((16, 16), np.float32)
    labels = np.zeros((16, 16), np.uint8)
    with pytest.raises(SegmentationError, match="at least two classes"):
        PixelClassifier.train(img, labels)
    labels[0, 0], labels[1, 1] = 1, 7
    with pytest.raises(SegmentationError, match=r"found \[7\]"):
        PixelClassifier.train(img, labels)
    with pytest.raises(SegmentationError, match="must equal the 2-D image shape"):
        PixelClassifier.train(img, labels[:4])
    labels[1, 1] = 2
    with pytest.raises(SegmentationError, match="sigma_max_px"):
        PixelClassifier.train(img, labels, sigma_min_px=4, sigma_max_px=2)
    with pytest.raises(SegmentationError, match="n_estimators must be a positive integer"):
        PixelClassifier.train(img, labels, n_estimators=0)


def test_forest_compiled_path_equals_numpy_path(trained, second):
    clf, _, _ = trained
    _, img = second
    from semscan.segment.classifier import pixel_features

    X = pixel_features(img, sigmas_px=clf.sigmas_px).reshape(-1, 16)
    forest = TreeEnsemble.from_dict(clf.ensemble.to_dict())
    fast = forest.predict_proba(X)
    slow = forest._predict_proba_numpy(X.astype(np.float64))
    assert np.array_equal(fast, slow)


# ------------------------------------------------------------------ crafted model files
@pytest.fixture(scope="module")
def small_payload():
    """A real pixel classifier, small: 3 trees of depth 6 on a 64 x 64 image."""
    truth = discs((64, 64), n=10, r=5.0, seed=3)
    img = render_sem(truth, seed=3)
    clf = PixelClassifier.train(img, strokes(truth), sigma_max_px=4, n_estimators=3,
                                max_depth=6, seed=0)
    return clf.to_dict()


def test_crafted_pixel_classifiers_are_refused(tmp_path, small_payload):
    assert_refused(small_payload, tmp_path, load_pixel_classifier)


def test_crafted_pixel_classifiers_fail_fast_in_a_fresh_process(tmp_path, small_payload):
    assert_refused_in_a_fresh_process(small_payload, tmp_path / "corpus",
                                      "semscan.segment.classifier", "load_pixel_classifier")


def test_crafted_binary_pixel_classifiers_are_refused(tmp_path, small_payload):
    cases = crafted_binary_models(small_payload, tmp_path)
    assert len(cases) >= 45
    loaded = load_pixel_classifier(tmp_path / "valid.smodel")
    assert loaded.to_dict() == json.loads(json.dumps(small_payload))
    assert refusals(load_pixel_classifier, cases) == []
    (tmp_path / "valid.smodel").unlink()
    results, _ = load_in_subprocess("semscan.segment.classifier", "load_pixel_classifier",
                                    tmp_path, timeout=60)
    assert {r["outcome"] for r in results.values()} == {"ModelError"}, results


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d["features"].update(sigmas_px="1,2,4,8"), "'sigmas_px' is str, expected list"),
        (lambda d: d["features"].update(sigmas_px=[1.0, 1e6]), "up to 4096"),
        (lambda d: d["features"].update(sigmas_px=[1.0] * 33), "1 to 32 positive numbers"),
        (lambda d: d["features"].update(sigmas_px=[1, True]), "1 to 32 positive numbers"),
        (lambda d: d["features"].update(pixel_size_um="0.01"), "'pixel_size_um' is str"),
        (lambda d: d["features"].update(pixel_size_um=1e305), "'pixel_size_um' is 1e\\+305"),
        (lambda d: d["features"].update(pixel_size_um=0), "'pixel_size_um' is 0, expected"),
        (lambda d: d["features"].update(n_features=True), "'n_features' is bool"),
        (lambda d: d["features"].update(n_features=16.0), "'n_features' is float"),
        (lambda d: d["features"].pop("kind"), "the field 'kind' is missing"),
        (lambda d: d.update(features=[1]), "'features' is list, expected dict"),
        (lambda d: d.update(classes=["1", "2"]), "classes must be integers"),
        (lambda d: d.update(classes=[1, 1]), "classes must be two or more of 1, 2, 3"),
        (lambda d: d.update(labels_sha256=5), "'labels_sha256' is int, expected str"),
        (lambda d: d.update(n_training_pixels=-1), "'n_training_pixels' is -1, expected 0"),
        (lambda d: d.update(semscan_version=None), "'semscan_version' is null, expected str"),
        (lambda d: d.update(forest=[]), "'forest' is list, expected dict"),
    ],
)
def test_pixel_classifier_fields_are_type_checked(tmp_path, small_payload, change, match):
    data = json.loads(json.dumps(small_payload))
    change(data)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelError, match=match) as info:
        load_pixel_classifier(path)
    assert str(path) in str(info.value)


def test_train_pixels_models_predict_as_the_stored_trees_say(tmp_path):
    """A model from `semscan train-pixels` loads and predicts exactly what walking its
    stored trees by hand gives, on the compiled (float32) and the numpy path."""
    import cv2
    from typer.testing import CliRunner

    from semscan.cli.app import app
    from semscan.segment.classifier import pixel_features
    from tests._synthetic import disc_pores, sem_image, write_fei_tiff

    pore = disc_pores((96, 96), seed=4)
    img = write_fei_tiff(tmp_path / "train.tif", sem_image(pore, seed=4))
    labels = np.zeros(pore.shape, np.uint8)
    labels[::8][pore[::8]] = 1
    labels[::8][~pore[::8]] = 2
    cv2.imwrite(str(tmp_path / "labels.png"), labels)
    model = tmp_path / "px.smodel"  # the binary format, as train-pixels writes by default
    res = CliRunner().invoke(app, ["train-pixels", str(img), str(tmp_path / "labels.png"),
                                   "--out", str(model), "--trees", "4", "--sigma-max-px", "4"])
    assert res.exit_code == 0, res.stderr
    clf = load_pixel_classifier(model)
    grey = sem_image(disc_pores((48, 48), seed=5), seed=5)
    X = pixel_features(grey, sigmas_px=clf.sigmas_px).reshape(-1, 12)
    assert X.dtype == np.float32 and len(X) >= 1024  # the compiled path
    expected = reference_proba(stored_forest(model), X)
    assert np.array_equal(clf.ensemble.predict_proba(X), expected)
    assert np.array_equal(clf.ensemble.predict_proba(X[:100]), expected[:100])  # numpy path
    proba = clf.predict_proba(grey)
    assert np.array_equal(proba, expected.astype(np.float32).reshape(48, 48, 2))
