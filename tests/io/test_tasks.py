"""semscan.io.tasks: files -> tasks (manifest, patterns), and the identity of a file."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path

from semscan.io.tasks import BatchTask, file_sha256, make_tasks
from semscan.pipeline import analyze_path
from semscan.report.batch import task_key

DATA = Path(__file__).parents[2] / "data"


def test_manifest_rows_win_and_name_their_source():
    tasks = make_tasks([], manifest=DATA / "manifest_example.csv")
    got = {Path(t.path).name: (t.view, t.view_source, t.sample, t.sample_source) for t in tasks}
    assert got == {
        "sample_surface.tif": ("surface", "manifest", "demo", "manifest"),
        "sample_cross_section.tif": ("cross-section", "manifest", "demo", "manifest"),
    }
    # A file the manifest lists keeps its row even when named on the command line.
    listed = make_tasks([DATA / "sample_surface.tif"], manifest=DATA / "manifest_example.csv")
    assert [(t.view, t.sample) for t in listed] == [("surface", "demo")]


def test_patterns_and_folder_decide_without_a_manifest():
    tasks = make_tasks(["lot7/a_xs2.tif", "lot7/b.tif", "lot7/c_top.tif"],
                       surface_pattern="*_top*")
    assert [(t.view, t.view_source) for t in tasks] == [
        ("cross-section", "pattern"), (None, ""), ("surface", "pattern")
    ]
    assert {t.sample for t in tasks} == {"lot7"}
    named = make_tasks(["x/L12-s3_xs.tif"], sample_pattern=r"(?P<sample>L\d+)-")
    assert named[0].sample == "L12"


def test_task_options_are_analyze_path_keywords():
    # Every field but the path is a keyword of analyze_path, so a task says all it knows.
    keywords = set(inspect.signature(analyze_path).parameters) - {"path", "config", "models"}
    task = BatchTask("a.tif", "surface", "given", "S", "given", 0.02, 3.0)
    only_when_set = {"masks", "state", "layer_depths_um"}  # run keys of before stay
    assert set(task.analysis_options()) == keywords - only_when_set
    full = BatchTask("a.tif", masks="m/a_labels.tif", state="as-made", layer_depths_um=(2.0,))
    assert set(full.analysis_options()) == keywords
    assert task.analysis_options() == {
        "view": "surface", "view_source": "given", "sample": "S", "sample_source": "given",
        "pixel_size_um": 0.02, "film_direction_deg": 3.0,
    }


def test_run_keys_are_those_of_earlier_versions():
    # Keys computed with semscan before tasks moved to semscan.io: an output folder made
    # then is still recognised as done (a re-run skips it).
    task = BatchTask("lot/a_xs.tif", "cross-section", "manifest", "S1", "manifest", 0.01, 12.5)
    assert task_key(task, "ab" * 32, "c1") == "4ec717dea2ebc4b99b13eb47c711ecf3"
    assert task_key(BatchTask("b.tif"), "cd" * 32, "c2") == "c27cb17320161c46bdab014f5b1727da"


def test_file_sha256_reads_in_blocks(tmp_path):
    data = bytes(range(256)) * 9000  # 2.2 MiB: three blocks
    (tmp_path / "f.bin").write_bytes(data)
    assert file_sha256(tmp_path / "f.bin") == hashlib.sha256(data).hexdigest()
    (tmp_path / "empty").write_bytes(b"")
    assert file_sha256(tmp_path / "empty") == hashlib.sha256(b"").hexdigest()


def test_manifest_state_and_layer_depths_reach_the_task(tmp_path):
    (tmp_path / "m.csv").write_text(
        "path,sample,view,state,layer_depths_um\n"
        "a_xs.tif,S,xs,as-made,4.5; 2\n"
        "b_xs.tif,S,xs,150C-10min,\n")
    tasks = make_tasks([], manifest=tmp_path / "m.csv")
    assert [(t.state, t.layer_depths_um) for t in tasks] == [
        ("as-made", (2.0, 4.5)), ("150C-10min", ())]
    assert tasks[0].analysis_options()["layer_depths_um"] == (2.0, 4.5)
    assert "layer_depths_um" not in tasks[1].analysis_options()


def test_a_manifest_without_views_leaves_them_to_the_patterns(tmp_path):
    """A manifest row without a view (no column, or an empty cell) takes it as a file
    without a row does: the file-name patterns, else the pipeline (None, source '')."""
    (tmp_path / "m.csv").write_text("path,sample,view\na_xs.tif,S,\nb.tif,S,\nc.tif,S,surface\n")
    tasks = make_tasks([], manifest=tmp_path / "m.csv")
    assert [(Path(t.path).name, t.view, t.view_source, t.sample_source) for t in tasks] == [
        ("a_xs.tif", "cross-section", "pattern", "manifest"), ("b.tif", None, "", "manifest"),
        ("c.tif", "surface", "manifest", "manifest")]
