"""semscan.report.build: which reports are written, from what, and the errors."""

from __future__ import annotations

import shutil

import pytest

from semscan.errors import SemscanError
from semscan.report.build import FORMATS, build_report, missing_packages, parse_formats


def test_parse_formats_normalises_and_deduplicates():
    assert parse_formats(" PDF,html,pdf ") == ("pdf", "html")


@pytest.mark.parametrize("text", ["", "docx", "html,odt"])
def test_parse_formats_names_the_valid_ones(text):
    with pytest.raises(SemscanError, match="html, pdf, xlsx"):
        parse_formats(text)


def test_missing_packages_is_empty_where_the_extra_is_installed(report_folder):
    assert missing_packages(FORMATS) == []


def test_only_the_formats_asked_for_are_written(report_folder, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(report_folder, out)
    for name in ("report.html", "report.pdf", "results.xlsx"):
        (out / name).unlink()
    files = build_report(out, formats=("xlsx",))
    assert files.xlsx == out / "results.xlsx" and files.xlsx.is_file()
    assert files.html is None and files.pdf is None
    assert not (out / "report.html").exists() and not (out / "report.pdf").exists()
    assert files.plots > 0


def test_a_folder_without_results_is_refused(tmp_path):
    with pytest.raises(SemscanError):
        build_report(tmp_path, formats=("html",))
