"""semscan.report.lot: the lot report page from a lot record (no database needed)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

pytest.importorskip("jinja2")

from semscan.lots.store import LotRecord
from semscan.report.lot import render_lot_html, write_lot_report

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
