"""Batch hardening, with real processes: dying workers, killed runs, shared output folders.

Workers are killed with real signals (``kill -9``), runs are real ``semscan analyze``
subprocesses; nothing is mocked.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from semscan.config import AnalysisConfig
from semscan.pipeline import BatchTask, analyze_batch, make_tasks
from semscan.report.batch import run_batch
from semscan.report.lock import FolderBusyError, FolderLock
from semscan.report.records import read_run_json
from tests._procs import CLI, cli_env, needs_proc, process_state, worker_pids
from tests._synthetic import disc_pores, sem_image, write_fei_tiff

FAST = AnalysisConfig().with_overrides(
    {"classify.enabled": False, "measure.local_thickness": False}
)
FAST_FLAGS = ["--no-classify", "--no-local-thickness", "--no-overlays"]


def _images(folder: Path, n: int, *, shape=(256, 256), first: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_fei_tiff(folder / f"m{i}.tif", sem_image(disc_pores(shape, seed=i), seed=i))
        for i in range(first, first + n)
    ]


# --------------------------------------------------------------- workers that die
def kill_on_poison(result):
    """on_result of the tests: a real SIGKILL of the worker analysing a 'poison' file."""
    if "poison" in Path(result.micrograph.path).name:
        os.kill(os.getpid(), signal.SIGKILL)
    return result.to_row()


def kill_once(result):
    """Kill the worker the first time it reaches a 'poison' file (a marker remembers)."""
    path = Path(result.micrograph.path)
    marker = path.with_suffix(".killed")
    if "poison" in path.name and not marker.exists():
        marker.write_text("killed once")
        os.kill(os.getpid(), signal.SIGKILL)
    return result.to_row()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_killed_twice_fails_by_name_and_the_others_finish(tmp_path, jobs):
    paths = _images(tmp_path / "lot", 4)
    poison = write_fei_tiff(tmp_path / "lot" / "poison.tif", sem_image(disc_pores(seed=9)))
    tasks = [BatchTask(str(p)) for p in [paths[0], poison, *paths[1:]]]
    items = list(analyze_batch(tasks, config=FAST, on_result=kill_on_poison, jobs=jobs,
                               isolate=True))
    assert sorted(i.path for i in items) == sorted(t.path for t in tasks)
    bad = [i for i in items if not i.ok]
    assert [i.path for i in bad] == [str(poison)]
    assert bad[0].error.startswith(
        f"WorkerDied: the worker died (killed by SIGKILL) while analysing {poison}, twice"
    )
    assert "probably out of memory; it is retried alone once" in bad[0].notes[0]
    assert all(i.ok and i.value["pore_intercept_mean_um"] > 0 for i in items if i not in bad)


def test_a_worker_killed_once_is_retried_alone_and_succeeds(tmp_path):
    paths = _images(tmp_path / "lot", 3)
    poison = write_fei_tiff(tmp_path / "lot" / "poison.tif", sem_image(disc_pores(seed=9)))
    tasks = [BatchTask(str(p)) for p in [poison, *paths]]
    items = {i.path: i for i in analyze_batch(tasks, config=FAST, on_result=kill_once,
                                             jobs=2, isolate=True)}
    assert all(i.ok for i in items.values()) and len(items) == 4
    (note,) = items[str(poison)].notes
    assert note.startswith(f"the worker died (killed by SIGKILL) while analysing {poison}")
    assert note.endswith("it is retried alone once: retried alone, it succeeded")
    assert all(not items[str(p)].notes for p in paths)


@needs_proc
def test_kill_9_of_a_worker_mid_batch_finishes_every_image(tmp_path):
    _images(tmp_path / "lot", 8, shape=(384, 384))
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*CLI, "analyze", str(tmp_path / "lot"), "--out", str(out), "-j", "2", *FAST_FLAGS],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(),
    )
    while not any((out / "images").glob("*.json")) and proc.poll() is None:
        time.sleep(0.02)
    # Every worker has had a task by now; the one that wrote that image takes a few ms to
    # pick up its next, so leave it that time: then a running worker is analysing.
    time.sleep(0.3)
    victim = None
    while victim is None and proc.poll() is None:
        busy = [c for c in worker_pids(proc.pid) if process_state(c) == "R"]
        if busy:
            victim = busy[0]
            os.kill(victim, signal.SIGKILL)
        time.sleep(0.02)
    stdout, stderr = proc.communicate(timeout=300)
    if victim is None:
        pytest.skip("the batch finished before a worker could be killed")
    assert proc.returncode == 0, stderr
    assert "the worker died (killed by SIGKILL) while analysing" in stderr
    assert "retried alone, it succeeded" in stderr
    assert "analysed 8, skipped 0 (already done), failed 0" in stdout
    table = pd.read_csv(out / "results.csv")
    assert sorted(table["name"]) == [f"m{i}.tif" for i in range(8)]
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "finished"
    assert sum("notes" in entry for entry in run["inputs"]) == 1


@needs_proc
def test_kill_9_of_the_main_process_leaves_no_worker(tmp_path):
    _images(tmp_path / "lot", 6, shape=(384, 384))
    out = tmp_path / "out"
    cmd = [*CLI, "analyze", str(tmp_path / "lot"), "--out", str(out), "-j", "2", *FAST_FLAGS]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=cli_env())
    workers: list[int] = []
    while len(workers) < 2 and proc.poll() is None:
        workers = worker_pids(proc.pid)
        time.sleep(0.02)
    if proc.poll() is not None:
        pytest.skip("the batch finished before it could be killed")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5.0
    alive = workers
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [w for w in workers if process_state(w) not in ("gone", "Z")]
    assert alive == []
    run = read_run_json(out)
    assert run is not None and run["status"] == "interrupted"
    assert json.loads((out / "run.json").read_text())["status"] == "running"  # as it was left
    again = subprocess.run(cmd, capture_output=True, text=True, env=cli_env())
    assert again.returncode == 0, again.stderr
    assert f"(PID {proc.pid}," in again.stderr and "was interrupted" in again.stderr
    assert len(pd.read_csv(out / "results.csv")) == 6
    assert read_run_json(out)["status"] == "finished"


# ------------------------------------------------------------ shared output folders
def test_two_concurrent_runs_take_turns_lose_no_row_and_analyse_nothing_twice(tmp_path):
    _images(tmp_path / "lot", 4)
    out = tmp_path / "out"
    out.mkdir()
    cmd = [*CLI, "analyze", str(tmp_path / "lot"), "--out", str(out), "-j", "1", *FAST_FLAGS]
    logs = [tmp_path / "a.err", tmp_path / "b.err"]
    with contextlib.ExitStack() as files, FolderLock(out):  # both runs must wait for the test
        refused = subprocess.run([*cmd, "--no-wait"], capture_output=True, text=True,
                                 env=cli_env())
        assert refused.returncode == 2
        assert f"another run (PID {os.getpid()}) is writing into this output folder" in (
            refused.stderr.replace("\n", " "))
        procs = [
            subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=files.enter_context(
                log.open("w")), text=True, env=cli_env())
            for log in logs
        ]
        while not all(f"waiting for the run in PID {os.getpid()}" in log.read_text()
                      for log in logs):
            assert all(p.poll() is None for p in procs), [log.read_text() for log in logs]
            time.sleep(0.05)
        files.close()
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [log.read_text() for log in logs]
    summaries = sorted(line for o in outs for line in o.splitlines() if line.startswith("analysed"))
    assert [s.split(" in ")[0] for s in summaries] == [
        "analysed 0, skipped 4 (already done), failed 0",
        "analysed 4, skipped 0 (already done), failed 0",
    ]
    log_text = (out / "semscan.log").read_text()
    assert log_text.count(" INFO semscan.report.batch: done ") == 4
    assert sorted(pd.read_csv(out / "results.csv")["name"]) == [f"m{i}.tif" for i in range(4)]


def test_no_wait_refuses_a_busy_folder(tmp_path):
    paths = _images(tmp_path / "lot", 1)
    out = tmp_path / "out"
    out.mkdir()
    with FolderLock(out), pytest.raises(FolderBusyError, match=f"PID {os.getpid()}"):
        run_batch([BatchTask(str(paths[0]))], out_dir=out, config=FAST, wait=False)
    assert not (out / "images").exists()


def test_run_a_then_run_b_into_one_folder_keeps_both_and_failures_follow(tmp_path):
    a = _images(tmp_path / "a", 2)
    b = _images(tmp_path / "b", 1, first=5)
    broken = tmp_path / "b" / "broken.tif"
    broken.write_bytes(b"II*\x00" + b"\x00" * 50)
    out = tmp_path / "out"
    run_batch([BatchTask(str(p)) for p in a], out_dir=out, config=FAST)
    second = run_batch([BatchTask(str(p)) for p in [*b, broken]], out_dir=out, config=FAST)
    assert second.analysed == 1 and len(second.failures) == 1
    table = pd.read_csv(out / "results.csv")
    assert sorted(table["file"]) == sorted(map(str, [*a, *b]))
    assert len(pd.read_parquet(out / "results.parquet")) == 3
    assert pd.read_parquet(out / "chords.parquet")["sha256"].nunique() == 3
    assert list(pd.read_csv(out / "failures.csv")["file"]) == [str(broken)]
    # run A again: its inputs are done; B's rows and B's failure stay
    again = run_batch([BatchTask(str(p)) for p in a], out_dir=out, config=FAST)
    assert (again.analysed, again.skipped) == (0, 2)
    assert len(pd.read_csv(out / "results.csv")) == 3
    assert list(pd.read_csv(out / "failures.csv")["file"]) == [str(broken)]
    # the broken file is replaced by a good image: it leaves failures.csv
    write_fei_tiff(broken, sem_image(disc_pores(seed=7), seed=7))
    fixed = run_batch([BatchTask(str(broken))], out_dir=out, config=FAST)
    assert fixed.analysed == 1 and fixed.ok
    assert not (out / "failures.csv").exists() and not list((out / "failures").glob("*"))
    assert sorted(pd.read_csv(out / "results.csv")["file"]) == sorted(
        map(str, [*a, *b, broken]))


def test_a_changed_manifest_row_is_redone(tmp_path):
    paths = _images(tmp_path / "lot", 2)
    manifest = tmp_path / "manifest.csv"

    def write_manifest(pixel_um: float) -> None:
        manifest.write_text(
            "path,sample,view,pixel_size_um\n"
            f"{paths[0]},s1,surface,{pixel_um}\n{paths[1]},s1,surface,0.01\n"
        )

    out = tmp_path / "out"
    write_manifest(0.01)
    first = run_batch(make_tasks([], manifest=manifest), out_dir=out, config=FAST)
    assert first.analysed == 2
    write_manifest(0.02)
    second = run_batch(make_tasks([], manifest=manifest), out_dir=out, config=FAST)
    assert (second.analysed, second.skipped) == (1, 1)
    table = pd.read_csv(out / "results.csv").set_index("name")
    assert len(table) == 2
    assert table.loc["m0.tif", "pixel_size_um"] == pytest.approx(0.02)
    assert table.loc["m1.tif", "pixel_size_um"] == pytest.approx(0.01)
    # the sample named by the manifest is part of the key too
    manifest.write_text(manifest.read_text().replace(f"{paths[1]},s1", f"{paths[1]},s2"))
    third = run_batch(make_tasks([], manifest=manifest), out_dir=out, config=FAST)
    assert (third.analysed, third.skipped) == (1, 1)
    assert pd.read_csv(out / "results.csv").set_index("name").loc["m1.tif", "sample"] == "s2"


def test_the_same_content_under_two_names_gives_two_rows(tmp_path):
    (src,) = _images(tmp_path / "lot", 1)
    twin = tmp_path / "lot" / "twin.tif"
    twin.write_bytes(src.read_bytes())
    elsewhere = tmp_path / "other" / "m0.tif"  # same name and content in another folder
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(src.read_bytes())
    tasks = [BatchTask(str(p)) for p in (src, twin, elsewhere)]
    out = tmp_path / "out"
    first = run_batch(tasks, out_dir=out, config=FAST)
    again = run_batch(tasks, out_dir=out, config=FAST)
    assert (first.analysed, again.skipped) == (3, 3)
    for summary in (first, again):
        assert sorted(r["file"] for r in summary.rows) == sorted(t.path for t in tasks)
    table = pd.read_csv(out / "results.csv")
    assert sorted(table["file"]) == sorted(t.path for t in tasks)
    assert table["output_stem"].nunique() == 3 and table["sha256"].nunique() == 1
    assert len(list((out / "images").glob("*.json"))) == 3


# -------------------------------------------------------------- files and permissions
def test_files_follow_the_umask_and_csv_has_a_bom(tmp_path):
    paths = _images(tmp_path / "lot", 1)
    out = tmp_path / "out"
    old = os.umask(0o002)
    try:
        run_batch([BatchTask(str(paths[0]))], out_dir=out, config=FAST)
    finally:
        os.umask(old)
    for name in ("results.csv", "results.parquet", "run.json", "chords.parquet"):
        assert (out / name).stat().st_mode & 0o777 == 0o664, name
    (image,) = (out / "images").glob("*.json")
    assert image.stat().st_mode & 0o777 == 0o664
    raw = (out / "results.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbffile,")
    assert "µm".encode() in raw
    for frame in (pd.read_csv(out / "results.csv"),
                  pd.read_csv(out / "results.csv", encoding="utf-8-sig")):
        assert frame.columns[0] == "file" and frame.loc[0, "unit"] == "µm"
