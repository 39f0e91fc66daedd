"""semscan._files.read_capped: a small file whole, a large one refused unread."""

from __future__ import annotations

import pytest

from semscan._files import read_capped


def test_at_the_limit_the_file_is_read_whole(tmp_path):
    f = tmp_path / "a.txt"
    f.write_bytes(b"x" * 100)
    assert read_capped(f, 100) == b"x" * 100
    assert read_capped(str(f), 1000) == b"x" * 100
    assert read_capped(f, 99) is None


def test_an_empty_file_is_empty_bytes(tmp_path):
    (tmp_path / "e").write_bytes(b"")
    assert read_capped(tmp_path / "e", 0) == b""


def test_missing_files_and_folders_raise_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_capped(tmp_path / "none.toml", 10)
    with pytest.raises(IsADirectoryError):
        read_capped(tmp_path, 10)


@pytest.mark.parametrize(
    ("reader", "error", "match"),
    [
        ("config", "ConfigError", r"over 1024 KiB; a semscan configuration is a short TOML"),
        ("manifest", "ManifestError", r"larger than 64 MiB; is it a CSV list of images"),
        ("sidecar", "OSError", r"larger than 1 MiB, not a vendor sidecar"),
    ],
)
def test_the_three_readers_refuse_a_large_file_naming_what_it_should_be(tmp_path, reader,
                                                                        error, match):
    from semscan import errors
    from semscan.config import MAX_CONFIG_BYTES, read_config_text
    from semscan.io.manifest import MAX_MANIFEST_BYTES, read_manifest
    from semscan.io.sidecars import MAX_SIDECAR_BYTES, read_sidecar_text

    read, limit = {"config": (read_config_text, MAX_CONFIG_BYTES),
                   "manifest": (read_manifest, MAX_MANIFEST_BYTES),
                   "sidecar": (read_sidecar_text, MAX_SIDECAR_BYTES)}[reader]
    f = tmp_path / "big"
    with f.open("wb") as fh:  # sparse: no disk used
        fh.truncate(limit + 1)
    with pytest.raises(getattr(errors, error, OSError), match=match):
        read(f)
