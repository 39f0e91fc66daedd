"""semscan.report.image_plots: the plots of one image of an output folder."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd

from semscan.report.folder import read_folder
from semscan.report.image_plots import (
    class_probabilities,
    class_reasons,
    image_svgs,
    intercept_lengths,
    write_plot_files,
)

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def test_every_plot_of_the_sample_images(report_folder):
    data = read_folder(report_folder)
    xs = next(im for im in data.images if im.row["view"] == "cross-section")
    svgs = image_svgs(report_folder, xs)
    assert set(svgs) == {"histogram", "chords", "rose", "depth", "classes"}
    for svg in svgs.values():
        _parse(svg)
    n = int(xs.row["pore_intercept_n_intercepts"])
    assert f"(n = {n})" in svgs["histogram"]
    for direction in ("rows", "columns"):
        n_dense = int(xs.detail[f"chords_{direction}"]["pore_chord_n"])
        assert f"along {direction} (n = {n_dense})" in svgs["chords"]
    surface = next(im for im in data.images if im.name == "sample_surface.tif")
    assert "depth" not in image_svgs(report_folder, surface)
    for kind in ("histogram", "rose", "classes"):
        assert (report_folder / "plots" / f"{xs.stem}-{kind}.svg").is_file()


def test_class_reasons_in_words():
    row = {"class": "coarse", "class_reasons": "porosity = 0.47 (+0.05); solidity = 0.9 (-0.1)"}
    assert class_reasons(row) == [
        "porosity 0.47 raised the probability of coarse by 0.05",
        "solidity 0.9 lowered the probability of coarse by 0.1",
    ]


def test_intercept_lengths_are_the_pore_chords_of_the_chord_file(report_folder):
    data = read_folder(report_folder)
    for im in data.images:
        frame = pd.read_parquet(report_folder / "chords" / f"{im.stem}.parquet")
        col = next(c for c in frame.columns if c.startswith("length_"))
        want = frame.loc[frame["phase"] == "pore", col].to_numpy(float)
        got = intercept_lengths(report_folder, im)
        assert np.array_equal(got, want)
        assert got.size > 0


def test_class_probabilities_sorted_and_only_finite():
    row = {"p_cellular": 0.2, "p_coarse": 0.7, "p_percolation": float("nan"), "pore_d": 3}
    assert class_probabilities(row) == [("coarse", 0.7), ("cellular", 0.2)]


def test_write_plot_files_names_each_kind(tmp_path):
    files = write_plot_files(tmp_path, "img-1", {"histogram": "<svg/>", "rose": "<svg/>"})
    assert sorted(files) == ["histogram", "rose"]
    for kind, rel in files.items():
        assert rel == f"plots/img-1-{kind}.svg"
        text = (tmp_path / rel).read_text(encoding="utf-8")
        assert text.endswith("<svg/>") and text.startswith("<?xml")
