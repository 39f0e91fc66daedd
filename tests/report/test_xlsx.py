"""results.xlsx read back with openpyxl: sheets, units row, frozen header, numbers."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from semscan.report.xlsx import unit_of


def test_sheets_units_frozen_numbers(report_folder):
    wb = load_workbook(report_folder / "results.xlsx")
    assert wb.sheetnames == ["images", "samples", "failures"]
    ws = wb["images"]
    header = [c.value for c in ws[1]]
    units = [c.value for c in ws[2]]
    assert ws.freeze_panes == "A3"
    csv = pd.read_csv(report_folder / "results.csv", encoding="utf-8-sig")
    assert header == list(csv.columns)
    assert units[header.index("pore_intercept_mean_um")] == "µm"
    assert units[header.index("areal_porosity")] == "fraction"
    assert ws.max_row == 2 + len(csv)
    col = header.index("pore_intercept_mean_um")
    values = [ws.cell(row=r, column=col + 1).value for r in range(3, ws.max_row + 1)]
    assert all(isinstance(v, float) for v in values)
    # openpyxl writes a float with 16 significant digits ("%.16g"; Excel keeps 15)
    assert sorted(values) == pytest.approx(sorted(csv["pore_intercept_mean_um"]), rel=1e-15)
    names = [ws.cell(row=r, column=header.index("name") + 1).value
             for r in range(3, ws.max_row + 1)]
    assert sorted(names) == sorted(csv["name"].tolist())  # text as text, <script> as typed
    kappa = header.index("xs_kappa")
    cells = [ws.cell(row=r, column=kappa + 1).value for r in range(3, ws.max_row + 1)]
    assert sum(v is None for v in cells) == 3 and sum(isinstance(v, float) for v in cells) == 1


def test_samples_and_failures_sheets(report_folder):
    wb = load_workbook(report_folder / "results.xlsx")
    s = wb["samples"]
    assert s.freeze_panes == "A3" and s.cell(row=1, column=1).value == "sample"
    assert isinstance(s.cell(row=3, column=2).value, int)  # n_images
    f = wb["failures"]
    assert [c.value for c in f[1]] == ["file", "error"]
    assert f.cell(row=3, column=1).value.endswith("broken.tif")


def test_unit_of():
    assert unit_of("xs_thickness_mean_px") == "px"
    assert unit_of("pore_intercept_rel_accuracy_pct") == "%"
    assert unit_of("pore_intercept_n_intercepts") == ""
