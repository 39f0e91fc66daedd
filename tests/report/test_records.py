"""semscan.report.records: the folder's tables rebuilt from its records."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from semscan.report.outputs import CSV_ENCODING
from semscan.report.records import write_failures, write_tables

ROWS = [
    {"name": "a.tif", "pore_intercept_mean_um": 0.125, "n": 50, "ok": True, "note": None},
    {"name": "µ b,\"c\".tif", "pore_intercept_mean_um": 2.5, "n": 7, "ok": False,
     "note": "segmentation review: low contrast"},
]


def _read(path):
    return pd.read_csv(path, encoding=CSV_ENCODING, keep_default_na=False, na_values=[""])


def test_results_csv_and_parquet_round_trip(tmp_path):
    write_tables(tmp_path, ROWS)
    csv = _read(tmp_path / "results.csv")
    assert list(csv.columns) == list(ROWS[0])
    assert csv["name"].tolist() == ["a.tif", "µ b,\"c\".tif"]
    assert csv["pore_intercept_mean_um"].tolist() == [0.125, 2.5]
    assert csv["n"].tolist() == [50, 7] and csv["ok"].tolist() == [True, False]
    assert math.isnan(csv["note"][0]) and csv["note"][1] == ROWS[1]["note"]
    parquet = pd.read_parquet(tmp_path / "results.parquet")
    assert parquet["name"].tolist() == csv["name"].tolist()
    assert parquet["pore_intercept_mean_um"].tolist() == [0.125, 2.5]
    raw = (tmp_path / "results.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte-order mark, for Excel
    assert b"\r" not in raw  # plain names: LF rows, as always


@pytest.mark.parametrize("brk", ["\r", "\n", "\r\n"])
def test_a_line_break_in_a_file_name_keeps_one_row_per_image(tmp_path, brk):
    rows = [{"name": f"bad{brk}name.tif", "porosity": 0.25},
            {"name": "good.tif", "porosity": 0.5}]
    write_tables(tmp_path, rows, parquet=False)
    back = _read(tmp_path / "results.csv")
    assert back["name"].tolist() == [f"bad{brk}name.tif", "good.tif"]
    assert back["porosity"].tolist() == [0.25, 0.5]


def test_failures_csv_round_trip_and_removal(tmp_path):
    failures = [("x\r.tif", "cannot read x: truncated"), ("y.tif", "no such file")]
    write_failures(tmp_path, failures)
    back = _read(tmp_path / "failures.csv")
    assert list(back.itertuples(index=False, name=None)) == failures
    write_failures(tmp_path, [])
    assert not (tmp_path / "failures.csv").exists()
