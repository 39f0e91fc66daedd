"""report.pdf: text through pdftotext, page 1 rendered by pdftoppm (poppler-utils)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from semscan.report.folder import read_folder
from semscan.report.html import _fmt

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) is not installed (.ci/run installs it with apt)",
)


@pytest.fixture(scope="module")
def pdf_text(report_folder) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed (.ci/run installs it with apt)")
    return subprocess.run(["pdftotext", "-layout", str(report_folder / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout


@needs_poppler
def test_pdf_names_every_flagged_image_and_failure(report_folder, pdf_text):
    data = read_folder(report_folder)
    names = [im.name for im in data.flagged] + [f.name for f in data.failures]
    assert names == ["flat.tif", "broken.tif"]
    for name in names:
        assert name in pdf_text
    assert "ImageFormatError" in pdf_text


@needs_poppler
def test_pdf_holds_every_samples_numbers(report_folder, pdf_text):
    data = read_folder(report_folder)
    for sample in data.samples:
        assert f"Sample {sample.name}" in pdf_text
        for st in sample.stats:
            if st.n:
                assert _fmt(st.mean) in pdf_text, (sample.name, st.label)
    samples = pd.read_csv(report_folder / "samples.csv", encoding="utf-8-sig")
    paired = samples.dropna(subset=["ratio_R"])
    assert list(paired["sample"]) == ["lotA"]
    for r in paired.itertuples():
        assert _fmt(r.ratio_R) in pdf_text and r.ratio_verdict in pdf_text
        assert f"{_fmt(r.ratio_ci95_low)}–{_fmt(r.ratio_ci95_high)}" in pdf_text


@needs_poppler
def test_pdf_pages_are_numbered_a4_and_page_one_is_not_blank(report_folder, tmp_path,
                                                                pdf_text):
    pages = pdf_text.count("\f")
    assert pages >= 2 and f"page 1 of {pages}" in pdf_text
    info = subprocess.run(["pdfinfo", str(report_folder / "report.pdf")], capture_output=True,
                          text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1",
                    str(report_folder / "report.pdf"), str(tmp_path / "p")], check=True,
                   timeout=60)
    (png,) = tmp_path.glob("p*.png")
    pixels = np.asarray(Image.open(png).convert("L"), float)
    assert pixels.std() > 10 and (pixels < 128).mean() > 0.005


@needs_poppler
def test_table_headers_repeat_on_every_page(report_folder, pdf_text):
    # the image table of a long batch spans pages; its header row is on each of them
    pages = [p for p in pdf_text.split("\f") if "95 % CI" in p and "porosity" in p]
    assert pages
