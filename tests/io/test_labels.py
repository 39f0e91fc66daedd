"""Corrected label TIFFs: the matching rule, and `semscan analyze --masks DIR` measuring a
batch from them."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile

from semscan.cli.app import app
from semscan.config import AnalysisConfig
from semscan.io.labels import MaskFileError, attach_masks, find_mask, read_label_image
from semscan.io.tasks import BatchTask
from semscan.pipeline import analyze_path
from semscan.pipeline.remeasure import remeasure
from semscan.report.outputs import write_label_tiff
from tests.cli._helpers import runner
from tests.napari._files import disc_image, write_fei

# What differs by design between a batch from masks and a review's re-measure.
_PROVENANCE = ("warnings", "masks_from", "file")


def _rows(out):
    return {json.loads(p.read_text())["row"]["name"]: json.loads(p.read_text())["row"]
            for p in (out / "images").glob("*.json")}


def test_batch_from_corrected_masks_equals_remeasure(tmp_path):
    lot = tmp_path / "lot"
    lot.mkdir()
    for i, name in enumerate(("a", "b", "c")):
        write_fei(lot / f"{name}.tif", disc_image(seed=10 + i)[0], bar=16)
    out = tmp_path / "out"
    r = runner.invoke(app, ["analyze", str(lot), "--out", str(out), "--jobs", "1",
                            "--view", "surface", "--save-masks", "--no-overlays"])
    assert r.exit_code == 0, r.output
    # The reviewer corrects a's saved mask in place (erases 300 pore pixels, excludes a
    # corner) and writes b's under its plain name; c has no mask.
    [a_mask] = (out / "masks").glob("a-*_labels.tif")
    assert find_mask(lot / "a.tif", out) == a_mask
    [record] = (out / "images").glob("a-*.json")
    cfg = AnalysisConfig.from_dict(json.loads(record.read_text())["config"])
    res_a = analyze_path(lot / "a.tif", config=cfg)
    labels_a = tifffile.imread(a_mask)
    np.testing.assert_array_equal(labels_a, res_a.labels_full)
    labels_a[tuple(np.argwhere(labels_a == 1)[:300].T)] = 0
    labels_a[:20, :30] = 2
    corrected = tmp_path / "corrected"
    corrected.mkdir()
    write_label_tiff(corrected / a_mask.name, labels_a, res_a.calibration)
    res_b = analyze_path(lot / "b.tif", config=cfg)
    labels_b = res_b.labels_full
    labels_b[60:90, 100:140] = 1
    write_label_tiff(corrected / "b_labels.tif", labels_b, res_b.calibration)

    out2 = tmp_path / "out2"
    r = runner.invoke(app, ["analyze", str(lot), "--out", str(out2), "--jobs", "1",
                            "--view", "surface", "--masks", str(corrected), "--no-overlays"])
    assert r.exit_code == 0, r.output
    assert "no label TIFF for" in r.output and "c.tif" in r.output
    rows = _rows(out2)
    for name, res, labels, mask in (("a.tif", res_a, labels_a, corrected / a_mask.name),
                                    ("b.tif", res_b, labels_b, corrected / "b_labels.tif")):
        expected = json.loads(json.dumps(remeasure(res, labels).to_row(), default=str))
        row = rows[name]
        assert row["masks_from"] == str(mask)
        differ = {k for k in expected if k not in _PROVENANCE and row[k] != expected[k]
                  and not (row[k] != row[k] and expected[k] != expected[k])}
        assert not differ, {k: (row[k], expected[k]) for k in differ}
        assert "measured from the corrected masks" in row["warnings"]
    before = _rows(out)
    assert rows["a.tif"]["areal_porosity"] < before["a.tif"]["areal_porosity"]
    assert rows["b.tif"]["areal_porosity"] > before["b.tif"]["areal_porosity"]
    # c, without a mask, is segmented and measured as in the first batch.
    assert rows["c.tif"]["masks_from"] == ""
    assert {k: v for k, v in rows["c.tif"].items() if k not in ("warnings", "mask")} == {
        k: v for k, v in before["c.tif"].items() if k not in ("warnings", "mask")}


def test_a_mask_of_the_wrong_shape_fails_that_image_by_name(tmp_path):
    lot = tmp_path / "lot"
    lot.mkdir()
    write_fei(lot / "a.tif", disc_image(seed=1)[0])
    write_fei(lot / "b.tif", disc_image(seed=2)[0])
    masks = tmp_path / "masks"
    masks.mkdir()
    tifffile.imwrite(masks / "a_labels.tif", np.zeros((10, 10), np.uint8))
    out = tmp_path / "out"
    r = runner.invoke(app, ["analyze", str(lot), "--out", str(out), "--jobs", "1",
                            "--view", "surface", "--masks", str(masks), "--no-overlays"])
    assert r.exit_code == 1
    assert "FAILED" in r.output and "a.tif" in r.output and "(10, 10)" in r.output
    rows = _rows(out)
    assert list(rows) == ["b.tif"] and rows["b.tif"]["masks_from"] == ""


def test_the_mask_is_part_of_the_run_key(tmp_path):
    from semscan.io.tasks import BatchTask
    from semscan.report.batch import task_key

    sha, chash = "ab" * 32, AnalysisConfig().hash()
    a, b = tmp_path / "a_labels.tif", tmp_path / "b_labels.tif"
    a.write_bytes(b"one")
    b.write_bytes(b"one")
    plain = task_key(BatchTask("a.tif"), sha, chash)
    with_a = task_key(BatchTask("a.tif", masks=str(a)), sha, chash)
    assert plain != with_a
    # keyed by the mask's content, not its path
    assert with_a == task_key(BatchTask("a.tif", masks=str(b)), sha, chash)
    b.write_bytes(b"two")
    assert with_a != task_key(BatchTask("a.tif", masks=str(b)), sha, chash)


def _statuses(out):
    run = json.loads((out / "run.json").read_text())
    return {i["file"].rsplit("/", 1)[-1]: i["status"] for i in run["inputs"]}


def test_an_edited_mask_is_measured_again_an_unchanged_one_skipped(tmp_path):
    lot = tmp_path / "lot"
    lot.mkdir()
    for i, name in enumerate(("a", "b")):
        write_fei(lot / f"{name}.tif", disc_image(seed=20 + i)[0])
    out = tmp_path / "out"
    args = ["--jobs", "1", "--view", "surface", "--no-overlays"]
    r = runner.invoke(app, ["analyze", str(lot), "--out", str(out), "--save-masks", *args])
    assert r.exit_code == 0, r.output
    masks = tmp_path / "corrected"
    masks.mkdir()
    for m in (out / "masks").glob("*_labels.tif"):
        (masks / m.name).write_bytes(m.read_bytes())
    out2 = tmp_path / "out2"
    cmd = ["analyze", str(lot), "--out", str(out2), "--masks", str(masks), *args]
    assert runner.invoke(app, cmd).exit_code == 0
    assert not any(s.startswith("skipped") for s in _statuses(out2).values())
    first = _rows(out2)
    # nothing changed: both skipped
    assert runner.invoke(app, cmd).exit_code == 0
    assert all(s.startswith("skipped") for s in _statuses(out2).values()), _statuses(out2)
    # a's mask edited in place (same path): a measured again, b skipped
    [a_mask] = masks.glob("a-*_labels.tif")
    labels = tifffile.imread(a_mask)
    labels[tuple(np.argwhere(labels == 1)[:250].T)] = 0
    res = analyze_path(lot / "a.tif", config=AnalysisConfig.from_dict(
        json.loads(next((out2 / "images").glob("a-*.json")).read_text())["config"]))
    write_label_tiff(a_mask, labels, res.calibration)
    assert runner.invoke(app, cmd).exit_code == 0
    status = _statuses(out2)
    assert status["b.tif"].startswith("skipped") and not status["a.tif"].startswith("skipped")
    rows = _rows(out2)
    assert rows["a.tif"]["areal_porosity_n_pore_pixels"] == (
        first["a.tif"]["areal_porosity_n_pore_pixels"] - 250)
    # the same masks moved to another folder, unchanged: skipped (the content is the key)
    moved = tmp_path / "moved"
    masks.rename(moved)
    cmd[cmd.index(str(masks))] = str(moved)
    assert runner.invoke(app, cmd).exit_code == 0
    assert all(s.startswith("skipped") for s in _statuses(out2).values()), _statuses(out2)


def test_matching_rule(tmp_path):
    lot, masks = tmp_path / "lot", tmp_path / "m"
    lot.mkdir()
    masks.mkdir()
    for name in ("a.tif", "b.tif", "c.tif", "d e.tif"):
        (lot / name).write_bytes(name.encode())
    (masks / "a_labels.tif").write_bytes(b"")
    (masks / "b.tiff").write_bytes(b"")
    (masks / "d_e-0123abcd_labels.tif").write_bytes(b"")
    assert find_mask(lot / "a.tif", masks) == masks / "a_labels.tif"
    assert find_mask(lot / "b.tif", masks) == masks / "b.tiff"
    assert find_mask(lot / "c.tif", masks) is None
    assert find_mask(lot / "d e.tif", masks) == masks / "d_e-0123abcd_labels.tif"
    assert find_mask(lot / "a.tif", lot) is None  # an image is never its own mask
    tasks, missing = attach_masks([BatchTask(str(lot / n)) for n in ("a.tif", "c.tif")], masks)
    assert [t.masks for t in tasks] == [str(masks / "a_labels.tif"), None]
    assert missing == [str(lot / "c.tif")]
    with pytest.raises(MaskFileError, match="not a folder"):
        attach_masks(tasks, masks / "a_labels.tif")


def test_read_label_image_refuses_what_is_not_one_image(tmp_path):
    tifffile.imwrite(tmp_path / "stack.tif", np.zeros((2, 4, 4), np.uint8))
    with pytest.raises(MaskFileError, match=r"\(2, 4, 4\)"):
        read_label_image(tmp_path / "stack.tif")
    (tmp_path / "bad.tif").write_bytes(b"not a tiff")
    with pytest.raises(MaskFileError, match="cannot read"):
        read_label_image(tmp_path / "bad.tif")


def test_a_reviewed_mask_brings_its_layer_depths_unless_the_task_gives_its_own(tmp_path):
    out = tmp_path / "out"
    (out / "masks").mkdir(parents=True)
    (out / "images").mkdir()
    (out / "masks" / "a-0123abcd_labels.tif").write_bytes(b"")
    (out / "masks" / "b_labels.tif").write_bytes(b"")
    (out / "images" / "a-0123abcd.json").write_text(json.dumps({"layer_depths_um": [1.25]}))
    tasks, missing = attach_masks([BatchTask("lot/a.tif"), BatchTask("lot/b.tif"),
                                   BatchTask("lot/a.tif", layer_depths_um=(2.0,))], out)
    assert missing == []
    assert [t.layer_depths_um for t in tasks] == [(1.25,), (), (2.0,)]


def test_layer_depths_given_in_a_review_reach_analyze_masks(tmp_path):
    """A review that gives the interface (a depth, as a napari line does) saves it with the
    mask; ``semscan analyze --masks`` of that folder measures the same given layers, with
    the re-measure's numbers."""
    from pathlib import Path

    from semscan.pipeline.remeasure import label_edit
    from semscan.report.review import save_reviewed

    sample = Path(__file__).resolve().parents[2] / "data" / "two_layer" / "sample_two_layer_xs.tif"
    lot = tmp_path / "lot"
    lot.mkdir()
    (lot / sample.name).write_bytes(sample.read_bytes())
    out = tmp_path / "out"
    r = runner.invoke(app, ["analyze", str(lot), "--out", str(out), "--jobs", "1",
                            "--save-masks", "--no-overlays"])
    assert r.exit_code == 0, r.output
    [record] = (out / "images").glob("*.json")
    cfg = AnalysisConfig.from_dict(json.loads(record.read_text())["config"])
    res = analyze_path(lot / sample.name, config=cfg)
    assert res.cross_section.layers.mode == "auto" and res.layer_depths_um == ()
    labels = res.labels_full
    new = remeasure(res, labels, layer_depths_um=(1.75,))
    assert new.cross_section.layers.mode == "given"
    row = save_reviewed(out, record.stem, new, edit=label_edit(res.labels_full, labels))
    assert row["layer_depths_um"] == "1.75" and row["xs_layers_mode"] == "given"
    saved = json.loads(record.read_text())
    assert saved["layer_depths_um"] == [1.75]
    import pandas as pd

    table = pd.read_csv(out / "results.csv")
    assert table["layer_depths_um"].tolist() == [1.75]
    out2 = tmp_path / "out2"
    r = runner.invoke(app, ["analyze", str(lot), "--out", str(out2), "--jobs", "1",
                            "--masks", str(out), "--no-overlays"])
    assert r.exit_code == 0, r.output
    [again] = _rows(out2).values()
    assert again["layer_depths_um"] == "1.75" and again["xs_layers_mode"] == "given"
    expected = json.loads(json.dumps(new.to_row(), default=str))
    differ = {k for k in expected if k.startswith("xs_") and again[k] != expected[k]
              and not (again[k] != again[k] and expected[k] != expected[k])}
    assert not differ, {k: (again[k], expected[k]) for k in differ}
