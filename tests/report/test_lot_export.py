"""semscan.report.lot_export: the long table of lot records (no database needed; the CLI
tests round-trip a real database on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import pytest

from semscan.lots.store import LotRecord
from semscan.report.folder import ReportError
from semscan.report.lot_export import export_format, export_frame, export_rows, write_export

AT = datetime(2026, 11, 30, 12, 0, 0, 123456)


def _record() -> LotRecord:
    crit = [{"name": "porosity", "value": 0.47, "limit": "0.6–0.8 fraction", "margin": -0.13,
             "status": "fail", "unit": "fraction", "source": "claim 1", "n": 1, "note": ""},
            {"name": "perm", "value": None, "limit": ">= 0.2 ml/s", "margin": None,
             "status": "incomplete", "unit": "ml/s", "source": "claim 2", "n": 0, "note": ""}]
    v = [{"id": 3, "spec": "film", "version": 2, "outcome": "fail", "criteria": crit,
          "analysis_ids": [7], "semscan_version": "0.1.0", "at": AT, "by": "qa"}]
    a = [{"id": 7, "sample": "s", "file": "a,b.tif", "sha256": "ab" * 32, "config_hash": "c",
          "semscan_version": "0.1.0", "view": "cross-section",
          "row": {"areal_porosity": 0.47, "xs_thickness_mean_um": 4.25, "class": "cellular",
                  "n_lines": 50, "flag": True, "missing": None},
          "overlay": None, "out_dir": "/x", "attached_at": AT, "attached_by": "bob"}]
    lab = [{"name": "gas_permeability", "value": 12.5, "unit": "ml/s", "at": AT, "by": "lab"}]
    return LotRecord("L1", "film", {"roll": "7"}, AT, "qa",
                     [{"name": "s", "summary": {"sample": "s", "ratio_R": "1.5", "n": "nan"}}],
                     a, lab, v, [])


def test_one_row_per_value_with_units():
    rows = export_rows([_record()])
    key = {(r["record"], r["name"]): r for r in rows}
    assert [r["record"] for r in rows] == ["lot", "lot", "sample", "sample"] + ["analysis"] * 6 \
        + ["lab", "verdict", "criterion", "criterion"]
    assert key["lot", "meta:roll"]["text"] == "7" and key["lot", "created"]["by"] == "qa"
    assert key["sample", "ratio_R"]["value"] == 1.5
    assert key["sample", "n"]["value"] is None and key["sample", "n"]["text"] is None
    thick = key["analysis", "xs_thickness_mean_um"]
    assert (thick["value"], thick["unit"], thick["sha256"], thick["by"]) == (
        4.25, "µm", "ab" * 32, "bob")
    assert key["analysis", "areal_porosity"]["unit"] == "fraction"
    assert key["analysis", "class"]["text"] == "cellular"
    assert key["analysis", "n_lines"]["value"] == 50.0
    assert key["analysis", "flag"]["text"] == "True" and key["analysis", "flag"]["value"] is None
    assert key["lab", "gas_permeability"]["unit"] == "ml/s"
    assert key["verdict", "outcome"]["text"] == "fail" and key["verdict", "outcome"]["id"] == 3
    por = key["criterion", "porosity"]
    assert (por["value"], por["margin"], por["limit"], por["spec"]) == (
        0.47, -0.13, "0.6–0.8 fraction", "film@2")
    assert key["criterion", "perm"]["value"] is None


def test_frame_dtypes_and_csv_round_trip():
    frame = export_frame([_record()])
    assert str(frame["id"].dtype) == "Int64" and str(frame["value"].dtype) == "float64"
    assert str(frame["at"].dtype).startswith("datetime64")
    buf = io.StringIO()
    assert write_export([_record()], buf, fmt="csv") == len(frame) == 14
    back = pd.read_csv(io.StringIO(buf.getvalue()), dtype={"file": "string"},
                       parse_dates=["at"])
    assert back["file"].iloc[4] == "a,b.tif"
    assert back.loc[back["name"] == "porosity", "margin"].item() == -0.13
    assert (back["at"].dropna() == AT).all()


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "x.parquet"
    write_export([_record()], path, fmt="parquet")
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, export_frame([_record()]), check_dtype=False)
    with pytest.raises(ReportError, match=r"give --out FILE\.parquet"):
        write_export([_record()], io.StringIO(), fmt="parquet")


def test_format_from_suffix_or_option():
    assert export_format(None) == "csv" and export_format("a.PQ") == "parquet"
    assert export_format("a.csv", "parquet") == "parquet"
    with pytest.raises(ReportError, match="give csv or parquet"):
        export_format("a.csv", "xlsx")
