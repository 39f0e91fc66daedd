"""semscan.report.review: a corrected image saved into its batch folder, marked reviewed."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import tifffile

from semscan.config import AnalysisConfig
from semscan.pipeline import analyze_path
from semscan.pipeline.remeasure import label_edit, remeasure
from semscan.report.review import save_reviewed
from tests.napari._files import disc_image, write_fei


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
