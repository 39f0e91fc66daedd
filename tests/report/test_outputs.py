"""semscan.report.outputs: tables written and read back, file names that break CSV rows."""

from __future__ import annotations

from semscan.report.outputs import atomic_write, image_stem


def test_atomic_write_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "t.txt"
    atomic_write(target, "one")
    atomic_write(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["t.txt"]


def test_image_stem_is_the_name_and_the_hash():
    sha = "0123456789abcdef" * 4
    assert image_stem("/data/lot 1/img.tif", sha) == "img-01234567"
