"""collect_inputs: files, folders, globs, and links that lead nowhere."""

from __future__ import annotations

import os

import pytest

from semscan.inputs import collect_inputs


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs symlinks")
def test_broken_and_looping_links_are_reported_not_skipped(tmp_path):
    (tmp_path / "ok.tif").write_bytes(b"II*\x00")
    (tmp_path / "dangling.tif").symlink_to(tmp_path / "gone.tif")
    (tmp_path / "loop1.tif").symlink_to(tmp_path / "loop2.tif")
    (tmp_path / "loop2.tif").symlink_to(tmp_path / "loop1.tif")
    for args in ([tmp_path], [tmp_path / "*.tif"], [tmp_path / "dangling.tif",
                                                    tmp_path / "loop1.tif", tmp_path / "ok.tif"]):
        files, problems = collect_inputs(args)
        assert files == [tmp_path / "ok.tif"]
        assert f"{tmp_path / 'dangling.tif'}: broken symbolic link (-> {tmp_path / 'gone.tif'}, " \
            "which does not exist); skipped" in problems
        assert f"{tmp_path / 'loop1.tif'}: symbolic link loop (-> {tmp_path / 'loop2.tif'}); " \
            "skipped" in problems
        assert len(problems) == len(set(problems))
