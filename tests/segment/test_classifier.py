"""The trainable pixel classifier and its JSON model file (semscan/segment/classifier.py)."""

import json

import numpy as np
import pytest

from semscan._forest import TreeEnsemble
from semscan.calibration import Calibration
from semscan.errors import ModelError, SegmentationError
from semscan.micrograph import Micrograph
from semscan.segment import PixelClassifier, load_pixel_classifier, segment_micrograph
from semscan.synth.render import render_sem
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


@pytest.mark.parametrize("name", ["model.json", "model.json.gz"])
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
