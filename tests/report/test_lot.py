"""semscan.report.lot: the lot report page from a lot record (no database needed)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

pytest.importorskip("jinja2")

from semscan.lots.store import LotRecord
from semscan.report.lot import analysis_plots, render_lot_html, write_lot_report

AT = datetime(2026, 11, 30, 12, 0)


def _record(tmp_path, *, verdicts=True) -> LotRecord:
    overlay = tmp_path / "ov.png"
    overlay.write_bytes(b"\x89PNG\r\n\x1a\n")
    crit = [{"name": "porosity", "value": 0.47, "limit": "0.6–0.8 fraction", "margin": -0.13,
             "status": "fail", "unit": "fraction", "source": "claim <1>", "n": 1, "note": ""},
            {"name": "perm", "value": None, "limit": ">= 0.2 ml/s", "margin": None,
             "status": "incomplete", "unit": "ml/s", "source": "claim 2", "n": 0,
             "note": "no lab value"}]
    v = [{"id": 1, "spec": "film", "version": 2, "outcome": "fail", "criteria": crit,
          "analysis_ids": [7], "semscan_version": "0.1.0", "at": AT, "by": "qa"}]
    a = [{"id": 7, "sample": "s", "file": "<img>.tif", "sha256": "ab" * 32, "config_hash": "c",
          "semscan_version": "0.1.0", "view": "cross-section",
          "row": {"areal_porosity": 0.47, "xs_kappa": 2.6, "class": "cellular"},
          "overlay": str(overlay), "out_dir": str(tmp_path), "attached_at": AT,
          "attached_by": "qa"}]
    return LotRecord("L<1>", "film", {"roll": "7"}, AT, "qa", [{"name": "s", "summary": {}}],
                     a, [], v if verdicts else [], [{"at": AT, "user": "qa", "action": "create",
                                                    "detail": {"product": "film"}}])


def test_page_shows_the_verdict_with_value_limit_margin_and_escapes_names(tmp_path):
    html = render_lot_html(_record(tmp_path), overlays={7: "overlays/7-ov.png"})
    assert "<h1>semscan lot report: L&lt;1&gt;</h1>" in html and "<img>.tif" not in html
    row = re.search(r'<tr data-criterion="porosity">.*?</tr>', html).group(0)
    assert 'data-value="0.47"' in row and 'data-margin="-0.13"' in row
    assert "0.6–0.8 fraction" in row and 'class="fail"' in row and "claim &lt;1&gt;" in row
    perm = re.search(r'<tr data-criterion="perm">.*?</tr>', html).group(0)
    assert 'data-value=""' in perm and 'class="incomplete"' in perm
    assert 'data-outcome="fail"' in html and 'src="overlays/7-ov.png"' in html
    assert '<td class="num" data-col="xs_kappa">2.6</td>' in html


def test_not_judged_yet(tmp_path):
    html = render_lot_html(_record(tmp_path, verdicts=False))
    assert "Not judged yet." in html and "semscan lots judge L&lt;1&gt; --spec NAME" in html


def test_write_copies_the_overlays(tmp_path):
    files = write_lot_report(_record(tmp_path), tmp_path / "rep", pdf=False)
    assert files.overlays == 1 and files.pdf is None
    assert (tmp_path / "rep" / "overlays" / "7-ov.png").read_bytes().startswith(b"\x89PNG")
    assert 'src="overlays/7-ov.png"' in files.html.read_text(encoding="utf-8")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def lot_report(report_folder, tmp_path_factory):
    """The analysed report folder attached to a lot in a SQLite database, and its lot
    report (HTML and PDF) written through the store and the report writer."""
    pytest.importorskip("sqlalchemy")
    from semscan.lots import db, store

    root = tmp_path_factory.mktemp("lotrep")
    e = db.engine_for(root / "lots.db")
    db.upgrade(e)
    with db.session_scope(e) as s:
        store.create_lot(s, "L-7", user="qa", product="film")
        store.attach(s, "L-7", report_folder, user="qa", sample="lotA")
        record = store.lot_record(s, "L-7")
    e.dispose()
    files = write_lot_report(record, root / "rep", pdf=importlib.util.find_spec("weasyprint")
                             is not None)
    return record, files


def test_each_image_has_the_batch_reports_structure_plots(report_folder, lot_report):
    """The same plots (byte for byte) as the folder's own report, per image, inline and as
    files, next to the overlay."""
    record, files = lot_report
    html = files.html.read_text(encoding="utf-8")
    views = sorted(a["view"] for a in record.analyses)
    assert views == ["cross-section", "surface"]
    total = 0
    for a in record.analyses:
        stem = Path(a["json"]).stem
        batch = {p.name[len(stem) + 1:-4]: p.read_text(encoding="utf-8").split("\n", 1)[1]
                 for p in (report_folder / "plots").glob(f"{stem}-*.svg")}
        assert {"histogram", "rose", "classes"} <= set(batch)
        assert ("depth" in batch) == (a["view"] == "cross-section")
        assert analysis_plots(a) == batch
        block = re.search(rf'<article class="image" id="analysis-{a["id"]}".*?</article>', html,
                          re.S).group(0)
        assert block.count('<figure class="overlay">') == 1
        assert re.findall(r'<figure class="plot (\w+)"><svg', block) == list(analysis_plots(a))
        for kind, svg in batch.items():
            assert svg in block
            assert (files.html.parent / "plots" / f"{a['id']}-{stem}-{kind}.svg").read_text(
                encoding="utf-8").endswith(svg)
        total += len(batch)
    assert files.plots == total and files.overlays == 2


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run "
                                             "installs it with apt)")
def test_chromium_renders_the_plots_of_every_image(lot_report, tmp_path):
    record, files = lot_report
    dom = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--disable-dev-shm-usage", "--dump-dom",
         files.html.resolve().as_uri()], capture_output=True, text=True, timeout=120,
        check=True).stdout
    for a in record.analyses:
        block = re.search(rf'<article class="image" id="analysis-{a["id"]}".*?</article>', dom,
                          re.S).group(0)
        kinds = re.findall(r'<figure class="plot (\w+)"><svg', block)
        assert kinds == list(analysis_plots(a)) and "<img" in block
    assert "MIL rose (pores)" in dom and "depth profile and surface layers" in dom


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed "
                                                              "(.ci/run installs it with apt)")
def test_pdf_holds_the_plots(lot_report):
    pytest.importorskip("weasyprint")
    record, files = lot_report
    text = subprocess.run(["pdftotext", "-layout", str(files.pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    for title in ("pore intercepts, 50-line method", "MIL rose (pores)",
                  "depth profile and surface layers", "structure class probabilities"):
        assert title in text, title
    assert text.count("MIL rose (pores)") == 2  # one per image
    for a in record.analyses:
        assert Path(a["file"]).name in text


def test_a_moved_folder_leaves_the_numbers_and_says_why(tmp_path):
    record = _record(tmp_path)
    record.analyses[0]["json"] = "gone.json"
    assert analysis_plots(record.analyses[0]) == {}
    files = write_lot_report(record, tmp_path / "rep", pdf=False)
    html = files.html.read_text(encoding="utf-8")
    assert files.plots == 0 and "No structure plots" in html and "images/gone.json" in html
    assert '<td class="num" data-col="xs_kappa">2.6</td>' in html
