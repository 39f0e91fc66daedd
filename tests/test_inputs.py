"""semscan.inputs: files, folders and globs -> image files, with every skip reported."""

from __future__ import annotations

import os

from semscan.inputs import collect_inputs, link_problem


def test_folder_with_links(tmp_path):
    (tmp_path / "good.tif").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.PNG").write_bytes(b"x")
    os.symlink("missing.tif", tmp_path / "dangling.tif")
    os.symlink("loop_b.tif", tmp_path / "loop_a.tif")
    os.symlink("loop_a.tif", tmp_path / "loop_b.tif")
    os.symlink(tmp_path, tmp_path / "sub" / "back")  # a folder loop is not followed
    (tmp_path / "notes.txt").write_text("not an image")
    files, problems = collect_inputs([tmp_path])
    assert [f.name for f in files] == ["good.tif", "b.PNG"]
    assert problems == [
        f"{tmp_path / 'dangling.tif'}: skipped: dangling link (to missing.tif)",
        f"{tmp_path / 'loop_a.tif'}: skipped: symlink loop",
        f"{tmp_path / 'loop_b.tif'}: skipped: symlink loop",
    ]


def test_named_links_and_globs(tmp_path):
    os.symlink("missing.tif", tmp_path / "dangling.tif")
    os.symlink("self.tif", tmp_path / "self.tif")
    files, problems = collect_inputs(
        [tmp_path / "dangling.tif", tmp_path / "self.tif", str(tmp_path / "*.tif"),
         tmp_path / "nothing.tif"]
    )
    assert files == []
    assert problems == [
        f"{tmp_path / 'dangling.tif'}: skipped: dangling link (to missing.tif)",
        f"{tmp_path / 'self.tif'}: skipped: symlink loop",
        f"{tmp_path / 'dangling.tif'}: skipped: dangling link (to missing.tif)",
        f"{tmp_path / 'self.tif'}: skipped: symlink loop",
        f"{tmp_path / 'nothing.tif'}: no such file or folder",
    ]


def test_odd_names_are_inputs(tmp_path):
    names = ["new\nline.tif", "l" * 240 + ".tif", "-dash.tif", " sp ace .tif"]
    try:
        names.append(os.fsdecode(b"latin1_\xe9\xff.tif"))
        (tmp_path / names[-1]).write_bytes(b"x")
    except (OSError, UnicodeError):  # pragma: no cover - file system refuses it
        names.pop()
    for name in names[:4]:
        (tmp_path / name).write_bytes(b"x")
    files, problems = collect_inputs([tmp_path])
    assert sorted(f.name for f in files) == sorted(names) and problems == []


def test_link_problem_is_none_for_plain_paths(tmp_path):
    (tmp_path / "a.tif").write_bytes(b"x")
    os.symlink("a.tif", tmp_path / "ok.tif")
    assert link_problem(tmp_path / "a.tif") is None
    assert link_problem(tmp_path / "ok.tif") is None
    assert link_problem(tmp_path / "absent.tif") is None
