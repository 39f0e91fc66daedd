"""The pixel-classifier core of the napari widget, without a viewer: strokes -> model ->
preview, and the saved model gives the preview's masks in `semscan analyze`."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

pytest.importorskip("sklearn", reason="training needs the train extra (scikit-learn)")

from semscan.cli.app import app
from semscan.errors import SegmentationError
from semscan.io import read_micrograph
from semscan.napari.classifier import preview_labels, train_from_strokes
from semscan.segment.classifier import load_pixel_classifier
from tests.cli._helpers import runner
from tests.napari._files import disc_image, write_fei


def strokes_of(pore: np.ndarray, step: int = 23) -> np.ndarray:
    """Sparse strokes from the true masks: every ``step``-th pore and solid pixel."""
    s = np.zeros(pore.shape, np.uint8)
    for value, mask in ((1, pore), (2, ~pore)):
        s[tuple(np.argwhere(mask)[::step].T)] = value
    return s


def analyzed_mask(lot, model, out) -> np.ndarray:
    """The mask `semscan analyze --classifier-path model --save-masks` writes for a.tif."""
    r = runner.invoke(app, ["analyze", str(lot), "--out", str(out), "--jobs", "1",
                            "--view", "surface", "--classifier-path", str(model),
                            "--save-masks", "--no-overlays"])
    assert r.exit_code == 0, r.output
    [mask] = (out / "masks").glob("a-*_labels.tif")
    return tifffile.imread(mask)


def test_a_saved_model_gives_the_preview_masks_in_analyze(tmp_path):
    grey, pore = disc_image(seed=4)
    lot = tmp_path / "lot"
    lot.mkdir()
    path = write_fei(lot / "a.tif", grey, bar=16)
    m = read_micrograph(path)
    clf = train_from_strokes(m, strokes_of(pore), n_estimators=20)
    preview = preview_labels(m, clf)
    assert preview.shape == m.file_shape and (preview[-16:] == 2).all()
    # The classifier finds the pores: > 97 % of the true pore/solid pixels agree.
    agree = ((preview[:-16] == 1) == pore).mean()
    assert agree > 0.97, agree
    model = tmp_path / "model.json"
    clf.save(model)
    assert load_pixel_classifier(model).n_training_pixels == clf.n_training_pixels
    np.testing.assert_array_equal(analyzed_mask(lot, model, tmp_path / "out"), preview)


def test_strokes_in_the_file_grid_and_wrong_shapes(tmp_path):
    grey, pore = disc_image(seed=6, shape=(96, 128))
    m = read_micrograph(write_fei(tmp_path / "a.tif", grey, bar=10))
    s = strokes_of(pore)
    full = np.zeros(m.file_shape, np.uint8)
    full[:96] = s
    full[-5:] = 1  # strokes on the data bar are ignored
    a = train_from_strokes(m, s, n_estimators=5)
    b = train_from_strokes(m, full, n_estimators=5)
    assert a.labels_sha256 == b.labels_sha256
    with pytest.raises(SegmentationError, match=r"\(5, 5\)"):
        train_from_strokes(m, np.zeros((5, 5), np.uint8))
    with pytest.raises(SegmentationError, match="two classes"):
        train_from_strokes(m, np.where(s == 2, 0, s))
