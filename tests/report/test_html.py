"""report.html: rendered by a real browser (headless Debian chromium), checked against the
tables, with no request leaving the file and file names escaped."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from semscan.report.folder import read_folder
from semscan.report.html import render_html
from tests._report_folder import HOSTILE_NAME

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it with apt)"
)


def _chromium(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--disable-dev-shm-usage", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )


class _Cells(HTMLParser):
    """Every element's attributes, and the data-col/data-value cells of each table row."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self.rows: list[tuple[str | None, dict[str, str]]] = []
        self._stem: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.attrs.append((tag, a))
        if tag == "tr":
            self._stem = a.get("data-stem")
            self.rows.append((self._stem, {}))
        if tag == "td" and "data-col" in a and self.rows:
            self.rows[-1][1][a["data-col"]] = a.get("data-value") or ""


@pytest.fixture(scope="module")
def page(report_folder) -> str:
    return (report_folder / "report.html").read_text(encoding="utf-8")


def test_numbers_in_the_page_are_those_of_results_csv(report_folder, page):
    parser = _Cells()
    parser.feed(page)
    csv = pd.read_csv(report_folder / "results.csv", encoding="utf-8-sig").set_index(
        "output_stem")
    rows = {stem: cells for stem, cells in parser.rows if stem}
    assert set(rows) == set(csv.index)
    checked = 0
    for stem, cells in rows.items():
        assert {"pore_intercept_mean_um", "areal_porosity", "xs_kappa"} <= set(cells)
        for col, text in cells.items():
            want = csv.loc[stem, col]
            if text == "":
                assert not math.isfinite(float(want)), (stem, col)
            else:
                assert float(text) == float(want), (stem, col)
                checked += 1
    assert checked >= 15  # finite numbers compared exactly
    samples = pd.read_csv(report_folder / "samples.csv", encoding="utf-8-sig")
    lot_a = samples.set_index("sample").loc["lotA"]
    r_cell = re.search(r'data-col="ratio_R" data-value="([^"]+)"', page)
    assert r_cell and float(r_cell.group(1)) == float(lot_a["ratio_R"])


def test_no_reference_leaves_the_folder(page):
    parser = _Cells()
    parser.feed(page)
    refs = [v for _, a in parser.attrs for k, v in a.items() if k in ("src", "href") and v]
    assert refs, "expected overlay links"
    assert not [r for r in refs if "http" in r or r.startswith("//")]
    assert all(r.startswith(("#", "overlays/", "plots/")) for r in refs), refs
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert "<link" not in page.lower()


def test_file_names_are_escaped(page):
    assert HOSTILE_NAME not in page
    assert "&lt;script&gt;alert(&#34;x&#34;) &amp; &lt;b&gt;co.tif" in page


def test_large_batches_collapse_and_link_plots(report_folder):
    data = read_folder(report_folder)
    many = type(data)(data.out_dir, data.images * 15, data.failures, data.samples,
                      data.provenance, data.columns)
    files = {im.stem: {"histogram": f"plots/{im.stem}-histogram.svg"} for im in data.images}
    text = render_html(many, {}, plot_files=files)
    assert text.count("<details") == 60 and " open>" not in text
    assert 'src="plots/' in text and "<svg" not in text.split('id="details"')[1]


@needs_chromium
def test_chromium_renders_a_page_with_every_section(report_folder, tmp_path):
    url = (report_folder / "report.html").resolve().as_uri()
    dom = _chromium("--dump-dom", url).stdout
    for section in ("samples", "flagged", "images", "details", "provenance"):
        assert f'id="{section}"' in dom
    assert dom.count('class="plot ') >= 10  # inline SVG plots of the images
    assert "flat.tif" in dom.split('id="flagged"')[1].split('id="images"')[0]
    shot = tmp_path / "page.png"
    _chromium(f"--screenshot={shot}", "--window-size=1000,1400", "--hide-scrollbars", url)
    pixels = np.asarray(Image.open(shot).convert("L"), float)
    assert pixels.shape == (1400, 1000)
    assert pixels.std() > 10 and (pixels < 100).mean() > 0.005  # text and plots, not blank


@needs_chromium
def test_chromium_narrow_window_phone(report_folder, tmp_path):
    url = (report_folder / "report.html").resolve().as_uri()
    shot = tmp_path / "phone.png"
    _chromium(f"--screenshot={shot}", "--window-size=390,844", "--hide-scrollbars", url)
    pixels = np.asarray(Image.open(shot).convert("L"), float)
    assert pixels.std() > 10
    # the page fits the width: the right tenth holds as much ink as a wrapped page does
    assert (pixels[:, :39] < 128).mean() < 0.2
