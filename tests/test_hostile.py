"""`semscan analyze` on a corpus of hostile files (tests/hostile.py): no traceback, no loss.

The CLI runs for real in a subprocess (``python -c 'from semscan.cli import main; main()'``
with this checkout first on PYTHONPATH), on ~145 cases, with ``--jobs 1`` and the slow
steps off. About 20 s on one core.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from semscan.errors import ManifestError
from semscan.io.manifest import read_manifest
from tests.hostile import audit_table, correct, outcomes, write_corpus, write_manifests

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    corpus, out = d / "corpus", d / "out"
    cases = write_corpus(corpus)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run(
        [sys.executable, "-c", "from semscan.cli import main; main()", "analyze", str(corpus),
         "-o", str(out), "--jobs", "1", "--no-classify", "--no-local-thickness"],
        capture_output=True, env=env, timeout=900, cwd=d,
    )
    stdout = res.stdout.decode("utf-8", "replace")
    stderr = res.stderr.decode("utf-8", "replace")
    return cases, corpus, out, res.returncode, stdout, stderr


def test_corpus_is_large_and_covers_every_category(corpus_run):
    cases = corpus_run[0]
    assert len(cases) >= 100
    assert {c.category for c in cases} >= {
        "truncation", "bomb", "odd dtype", "odd name", "link", "absurd metadata",
        "bad sidecar", "not an image", "valid",
    }
    assert sum(c.expect == "good" for c in cases) >= 40


def test_exit_code_and_no_traceback(corpus_run):
    _, _, out, code, stdout, stderr = corpus_run
    assert code == 1, stderr[-3000:]
    assert "Traceback" not in stdout and "Traceback" not in stderr, stderr[-3000:]
    log = (out / "semscan.log").read_text(encoding="utf-8", errors="replace")
    # The log keeps a DEBUG traceback of each expected failure; each must end in a semscan
    # error, and no record may be an unexpected (internal) error.
    records = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ )", log)
    assert len(records) > 100
    for rec in records:
        assert "unexpected error" not in rec and "internal error" not in rec, rec[:2000]
        if "Traceback" in rec:
            assert " DEBUG semscan.pipeline: failed on " in rec.splitlines()[0], rec[:2000]
            assert rec.rstrip().splitlines()[-1].startswith("semscan.errors."), rec[-2000:]


def test_every_case_has_the_expected_fate(corpus_run):
    cases, corpus, out, _, _, stderr = corpus_run
    result = outcomes(cases, corpus, out, stderr)
    wrong = [(c.name, c.expect, result[c.name]) for c in cases if not correct(c, result[c.name])]
    assert not wrong, f"{wrong}\n{audit_table(cases, result)}"


def test_failures_name_the_file_and_the_reason(corpus_run):
    cases, corpus, out, _, _, _ = corpus_run
    with (out / "failures.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    bad = {str(corpus / c.name) for c in cases if c.expect == "bad"}
    assert bad <= {r["file"] for r in rows}
    for r in rows:
        assert r["error"].split(":", 1)[0].endswith("Error") and len(r["error"]) > 30
        if Path(r["file"]).name.startswith("bomb_"):
            assert "io.max_pixels" in r["error"] and "not decoded" in r["error"], r["error"]


def test_links_are_reported_not_skipped_silently(corpus_run):
    _, corpus, _, _, _, stderr = corpus_run
    assert f"{corpus / 'link_dangling.tif'}: skipped: dangling link (to does_not_exist.tif)" in (
        stderr
    )
    for name in ("link_loop_a.tif", "link_loop_b.tif", "link_self.tif"):
        assert f"{corpus / name}: skipped: symlink loop" in stderr


def test_absurd_calibration_is_ignored_with_a_warning(corpus_run):
    out = corpus_run[2]
    with (out / "results.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {Path(r["file"]).name: r for r in csv.DictReader(fh)}
    for name in ("fei_pixel_1e305.tif", "hitachi_pixel_1e-320.tif", "imagej_res_huge.tif"):
        assert rows[name]["pixel_size_um"] == "" and rows[name]["unit"] == "px"
        assert re.search(r"pixel size .* (outside the physically plausible range [^;]*|not a "
                         r"finite positive number); ignored", rows[name]["warnings"]), name
    assert float(rows["fei_resolution_400digits.tif"]["pixel_size_um"]) == pytest.approx(0.01)
    assert float(rows["sidecar_cp1252.tif"]["pixel_size_um"]) == pytest.approx(0.01)


def test_manifests(tmp_path):
    from semscan.cli.app import app

    image = tmp_path / "img.tif"
    from tests._synthetic import disc_pores, sem_image, write_fei_tiff

    write_fei_tiff(image, sem_image(disc_pores((96, 96), seed=2), seed=2))
    manifests = write_manifests(tmp_path / "manifests", image)
    assert len(manifests) >= 10
    runner = CliRunner()
    for name, valid in manifests.items():
        path = tmp_path / "manifests" / name
        if valid:
            (entry,) = read_manifest(path).values()
            assert (entry.sample, entry.pixel_size_um) == ("S µ1", 0.01)
            continue
        with pytest.raises(ManifestError, match=r"manifest .*(line \d+|empty|larger)") as info:
            read_manifest(path)
            pytest.fail(f"{name} was read")
        assert str(path) in str(info.value)
        res = runner.invoke(app, ["analyze", "--manifest", str(path), "-o", str(tmp_path / "o"),
                                  "--jobs", "1"])
        assert res.exit_code == 2, (name, res.output)
        assert isinstance(res.exception, SystemExit), (name, res.exception)
        assert "line" in res.stderr or "empty" in res.stderr
