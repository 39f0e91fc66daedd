"""run_batch: outputs, failures that lose nothing, resume, --force, interruption."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import tifffile

from semscan.config import AnalysisConfig
from semscan.pipeline import BatchTask
from semscan.report.batch import run_batch
from tests._procs import CLI, cli_env, needs_proc, worker_pids
from tests._synthetic import disc_pores, sem_image, write_fei_tiff

FAST = AnalysisConfig().with_overrides(
    {"classify.enabled": False, "measure.local_thickness": False}
)


def _tasks(folder: Path) -> list[BatchTask]:
    return [BatchTask(str(p)) for p in sorted(folder.iterdir())]


def test_outputs_and_a_bad_file(sem_folder, tmp_path):
    (sem_folder / "broken.tif").write_bytes(b"II*\x00" + b"\x00" * 50)
    out = tmp_path / "out"
    summary = run_batch(_tasks(sem_folder), out_dir=out, config=FAST, save_masks=True)
    assert summary.analysed == 3 and len(summary.failures) == 1
    assert "broken.tif" in summary.failures[0][0]
    table = pd.read_csv(out / "results.csv")
    assert sorted(table["name"]) == ["img0.tif", "img1.tif", "img2.tif"]
    assert table["pore_intercept_mean_um"].between(0.01, 0.5).all()
    assert (table["calibration_source"] == "file").all()
    assert len(pd.read_parquet(out / "results.parquet")) == 3
    chords = pd.read_parquet(out / "chords.parquet")
    assert set(chords["phase"]) == {"pore", "solid"}
    assert chords.groupby("sha256").size().size == 3
    fails = pd.read_csv(out / "failures.csv")
    assert list(fails["file"].map(lambda p: Path(p).name)) == ["broken.tif"]
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "finished" and run["config_hash"] == FAST.hash()
    statuses = {Path(i["file"]).name: i["status"] for i in run["inputs"]}
    assert statuses["broken.tif"] == "failed" and statuses["img0.tif"] == "analysed"
    assert "numpy" in run["versions"]
    assert (out / "config.toml").exists()
    stem = table["output_stem"][0]
    assert (out / "overlays" / f"{stem}.png").stat().st_size > 1000
    labels = tifffile.imread(out / "masks" / f"{stem}_labels.tif")
    assert set(map(int, labels.ravel()[::97])) <= {0, 1, 2}
    detail = json.loads((out / "images" / f"{stem}.json").read_text())
    assert len(detail["pore_intercept_lines"]["voids_per_line"]) == 50


def test_rerun_skips_done_and_keeps_results(sem_folder, tmp_path):
    out = tmp_path / "out"
    first = run_batch(_tasks(sem_folder), out_dir=out, config=FAST)
    before = (out / "results.csv").read_text()
    again = run_batch(_tasks(sem_folder), out_dir=out, config=FAST)
    assert (again.analysed, again.skipped) == (0, 3)
    assert (out / "results.csv").read_text() == before
    forced = run_batch(_tasks(sem_folder), out_dir=out, config=FAST, force=True)
    assert forced.analysed == 3
    other = run_batch(_tasks(sem_folder), out_dir=out,
                      config=FAST.with_overrides({"measure.n_lines": 30}))
    assert other.analysed == 3, "a new configuration redoes every image"
    assert first.ok


def test_two_jobs_write_identical_tables(sem_folder, tmp_path):
    a = run_batch(_tasks(sem_folder), out_dir=tmp_path / "a", config=FAST, jobs=1)
    b = run_batch(_tasks(sem_folder), out_dir=tmp_path / "b", config=FAST, jobs=2)
    assert a.ok and b.ok
    ta = pd.read_csv(tmp_path / "a" / "results.csv")
    tb = pd.read_csv(tmp_path / "b" / "results.csv")
    pd.testing.assert_frame_equal(ta, tb)


@needs_proc
def test_interrupted_run_leaves_complete_rows_and_resumes(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    n = 10
    for i in range(n):
        write_fei_tiff(folder / f"m{i}.tif", sem_image(disc_pores((384, 384), seed=i), seed=i))
    out = tmp_path / "out"
    args = ["analyze", str(folder), "--out", str(out), "--jobs", "1", "--no-classify"]
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=cli_env())
    while len(list((out / "images").glob("*.json"))) < 2 and proc.poll() is None:
        time.sleep(0.05)
    # Freeze the run (main process, then its worker) so that what is done when the
    # signal lands is known: at most the image in flight can still finish afterwards.
    os.kill(proc.pid, signal.SIGSTOP)
    workers = worker_pids(proc.pid)
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    frozen = len(list((out / "images").glob("*.json")))
    if proc.poll() is not None or frozen >= n - 1:
        for pid in [proc.pid, *workers]:
            os.kill(pid, signal.SIGCONT)
        proc.communicate(timeout=300)
        pytest.skip("the batch finished before it could be interrupted")
    os.kill(proc.pid, signal.SIGINT)
    for pid in [proc.pid, *workers]:
        os.kill(pid, signal.SIGCONT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    done = len(list((out / "images").glob("*.json")))
    assert frozen <= done <= frozen + 1 and done < n
    assert f"interrupted: {done} of {n} image(s) finished ({done} analysed now, 0 done before" \
        in stderr
    resume = stderr.split("to finish the batch, run again: ")[1].strip()
    assert shlex.split(resume) == ["semscan", *args]
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "interrupted"
    assert sum(i["status"] == "analysed" for i in run["inputs"]) == done
    assert sum(i["status"] == "not run" for i in run["inputs"]) == n - done
    table = pd.read_csv(out / "results.csv")
    assert len(table) == done and table["pore_intercept_mean_um"].notna().all()
    resumed = subprocess.run([*CLI, *shlex.split(resume)[1:]], capture_output=True, text=True,
                             env=cli_env())
    assert resumed.returncode == 0, resumed.stderr
    assert f"analysed {n - done}, skipped {done}" in resumed.stdout
    assert len(pd.read_csv(out / "results.csv")) == n


def test_the_tables_import_nothing_after_the_warm_up(sem_folder, tmp_path):
    """What the tables import on first use is imported beside the workers
    (``_import_pandas``): rebuilding them afterwards, in a fresh process, imports nothing."""
    import sys

    out = tmp_path / "out"
    run_batch(_tasks(sem_folder)[:1], out_dir=out, config=FAST)
    code = ("import sys\nimport pyarrow.parquet\nimport semscan.report.batch as rb\n"
            "rb._import_pandas()\nbefore = set(sys.modules)\n"
            f"rb.rebuild_tables({str(out)!r})\n"
            "print(sorted(set(sys.modules) - before))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=cli_env(), timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split("\n")[-2] == "[]"
