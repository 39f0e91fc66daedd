"""Re-measuring from an edited label image, and saving it into an output folder."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import tifffile

from semscan.config import AnalysisConfig
from semscan.micrograph import Micrograph
from semscan.pipeline import analyze_micrograph, analyze_path
from semscan.remeasure import RemeasureError, label_edit, remeasure, save_reviewed
from tests.napari._files import disc_image, write_fei


@pytest.fixture(scope="module")
def surface():
    grey, _ = disc_image(seed=3)
    return analyze_micrograph(Micrograph.from_array(grey, pixel_size_um=0.01), view="surface")


def test_unchanged_labels_give_the_same_numbers(surface):
    new = remeasure(surface, surface.labels_full)
    old_row, new_row = surface.to_row(), new.to_row()
    for key, value in old_row.items():
        if key in ("seg_method_reason", "warnings"):
            continue
        assert new_row[key] == value or (value != value and new_row[key] != new_row[key]), key
    assert "re-measured from masks edited by a reviewer" in new_row["warnings"]


def test_erasing_pores_changes_porosity_by_exactly_that_area(surface):
    labels = surface.labels_full
    pore_px = np.argwhere(labels == 1)[::7][:400]
    labels[tuple(pore_px.T)] = 0
    new = remeasure(surface, labels)
    region = int((labels != 2).sum())
    assert new.porosity.n_pixels == region
    assert surface.porosity.porosity - new.porosity.porosity == pytest.approx(400 / region,
                                                                              abs=1e-15)
    assert new.porosity.n_pore_pixels == surface.porosity.n_pore_pixels - 400
    assert label_edit(surface.labels_full, labels).to_dict() == {
        "review_pixels_changed": 400, "review_to_pore": 0, "review_to_solid": 400,
        "review_to_excluded": 0}


def test_excluding_shrinks_the_region(surface):
    labels = surface.labels_full
    labels[:50] = 2
    new = remeasure(surface, labels)
    assert new.porosity.n_pixels == int((labels != 2).sum())
    assert new.segmentation.excluded_fraction == pytest.approx((labels == 2).mean(), abs=1e-6)


def test_quick_skips_only_the_slow_parts(surface):
    labels = surface.labels_full
    labels[10:20, 10:20] = 1
    quick, full = remeasure(surface, labels, quick=True), remeasure(surface, labels)
    assert quick.porosity.porosity == full.porosity.porosity
    assert quick.pore_intercept.mean == full.pore_intercept.mean
    assert quick.local_thickness is None and quick.structure is None and quick.verdict == ""
    assert full.local_thickness is not None and full.verdict in ("ok", "review", "unreliable")


def test_bad_labels_are_refused(surface):
    with pytest.raises(RemeasureError, match="shape"):
        remeasure(surface, np.zeros((3, 3), np.uint8))
    bad = surface.labels_full
    bad[0, 0] = 7
    with pytest.raises(RemeasureError, match=r"values \[7\]"):
        remeasure(surface, bad)


def test_a_tilted_cross_section_is_refused_clearly():
    import dataclasses

    grey, _ = disc_image(seed=1)
    cfg = AnalysisConfig().with_overrides({"classify.enabled": False})
    res = analyze_micrograph(Micrograph.from_array(grey, pixel_size_um=0.01), config=cfg,
                             view="surface")
    with pytest.raises(RemeasureError, match="rotated film frame"):
        remeasure(dataclasses.replace(res, frame_rotation=object()), res.labels_full)


def test_save_reviewed_updates_the_tables(tmp_path):
    lot = tmp_path / "lot"
    lot.mkdir()
    grey, _ = disc_image(seed=5)
    write_fei(lot / "a.tif", grey, bar=16)
    out = tmp_path / "out"
    subprocess.run([sys.executable, "-c", "from semscan.cli import main; main()", "analyze",
                    str(lot), "--out", str(out), "--jobs", "1", "--view", "surface"],
                   check=True, capture_output=True)
    [record] = (out / "images").glob("*.json")
    before = json.loads(record.read_text())
    res = analyze_path(before["input"], config=AnalysisConfig.from_dict(before["config"]),
                       view="surface")
    assert res.porosity.porosity == before["row"]["areal_porosity"]
    labels = res.labels_full
    assert (labels[-16:] == 2).all()  # the data bar, in the file's grid
    pore = np.argwhere(labels == 1)[:250]
    labels[tuple(pore.T)] = 0
    new = remeasure(res, labels)
    row = save_reviewed(out, record.stem, new, edit=label_edit(res.labels_full, labels),
                        reviewer="test")
    region = int((labels != 2).sum())
    expected = before["row"]["areal_porosity"] - 250 / region
    table = pd.read_csv(out / "results.csv")
    assert len(table) == 1
    assert table.loc[0, "areal_porosity"] == pytest.approx(expected, abs=1e-12)
    assert bool(table.loc[0, "reviewed"]) and table.loc[0, "review_pixels_changed"] == 250
    assert table.loc[0, "reviewer"] == "test" and table.loc[0, "reviewed_at"].endswith("Z")
    after = json.loads(record.read_text())
    assert after["row"]["areal_porosity"] == pytest.approx(expected, abs=1e-12) == row[
        "areal_porosity"]
    assert after["review"]["review_pixels_changed"] == 250
    assert after["input"] == before["input"] and after["task_key"] == before["task_key"]
    with tifffile.TiffFile(out / "masks" / f"{record.stem}_labels.tif") as tif:
        np.testing.assert_array_equal(tif.asarray(), labels)
        assert tif.imagej_metadata["unit"] == "micron"
    chords = pd.read_parquet(out / "chords.parquet")
    assert len(chords) == len(new.pore_intercept.chords.length) + len(
        new.solid_intercept.chords.length)


def _same_row(a, b):
    for key, value in a.items():
        if key in ("seg_method_reason", "warnings"):
            continue
        assert b[key] == value or (value != value and b[key] != b[key]), key


def test_a_level_cross_section_is_remeasured_on_its_film():
    grey, _ = disc_image((120, 256), seed=4, n=30, r=5.0)
    img = np.full((240, 256), 0.05, np.float32)
    img[60:180] = grey
    res = analyze_micrograph(Micrograph.from_array(img, pixel_size_um=0.01), view="cross-section")
    assert res.frame_rotation is None and res.cross_section is not None
    _same_row(res.to_row(), remeasure(res, res.labels_full).to_row())
    labels = res.labels_full
    labels[100:140, 100:140][labels[100:140, 100:140] == 1] = 0
    new = remeasure(res, labels)
    assert new.cross_section.film is res.cross_section.film  # the film found before
    assert new.porosity.n_pore_pixels < res.porosity.n_pore_pixels
