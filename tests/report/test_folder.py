"""Reading an output folder for a report: the numbers are the tables' numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from semscan.report.folder import ReportError, column, read_folder
from tests._report_folder import HOSTILE_NAME


def test_images_rows_are_results_csv(report_folder):
    data = read_folder(report_folder)
    csv = pd.read_csv(report_folder / "results.csv", encoding="utf-8-sig")
    assert len(data.images) == len(csv) == 4
    by_stem = csv.set_index("output_stem")
    for im in data.images:
        ref = by_stem.loc[im.stem]
        for col in ("pore_intercept_mean_um", "areal_porosity", "class_confidence"):
            assert im.row[col] == pytest.approx(float(ref[col]), rel=0, abs=0)
    assert {im.name for im in data.images} >= {HOSTILE_NAME, "flat.tif"}


def test_flagged_and_failures(report_folder):
    data = read_folder(report_folder)
    assert [im.name for im in data.flagged] == ["flat.tif"]
    assert data.flagged[0].verdict == "unreliable"
    assert [f.name for f in data.failures] == ["broken.tif"]
    assert "ImageFormatError" in data.failures[0].error
    assert data.failures[0].sha256  # from failures/<name>.json


def test_sample_stats_are_mean_and_sd_across_images(report_folder):
    data = read_folder(report_folder)
    lot_a = next(s for s in data.samples if s.name == "lotA")
    assert (lot_a.n_view("surface"), lot_a.n_view("cross-section")) == (1, 1)
    values = [im.row["pore_intercept_mean_um"] for im in lot_a.images]
    stat = next(st for st in lot_a.stats if st.key == "pore_intercept_mean_um")
    assert stat.n == 2
    assert stat.mean == pytest.approx(sum(values) / 2, rel=1e-12)
    assert stat.sd == pytest.approx(abs(values[0] - values[1]) / math.sqrt(2), rel=1e-12)
    assert lot_a.row is not None and lot_a.row["ratio_verdict"]
    lot_b = next(s for s in data.samples if s.name == "lotB")
    assert math.isnan(next(st for st in lot_b.stats if st.key == "pore_intercept_mean_um").sd)


def test_one_sample_and_errors(report_folder, tmp_path):
    data = read_folder(report_folder, sample="lotB")
    assert [im.name for im in data.images] == [HOSTILE_NAME]
    with pytest.raises(ReportError, match="lotA, lotB, lotC"):
        read_folder(report_folder, sample="nope")
    with pytest.raises(ReportError, match=r"no results\.csv"):
        read_folder(tmp_path)


def test_provenance(report_folder):
    prov = read_folder(report_folder).provenance
    assert len(prov.config_hash) == 16 and "[measure]" in prov.config_toml
    assert all(len(sha) == 64 for _, sha, _ in prov.inputs)
    assert any("FEI" in cal for _, _, cal in prov.inputs)
    assert prov.command and prov.status


def test_column_finds_px_columns():
    assert column({"a_px": 1.0}, "a") == ("a_px", 1.0)
    assert column({}, "a") == ("a_um", None)
