"""semscan.report.lock: one run at a time per output folder."""

from __future__ import annotations

import os

import pytest

from semscan.report.lock import LOCK_NAME, FolderBusyError, FolderLock, lock_is_held


def test_a_second_run_refuses_naming_the_holder_and_the_lock_is_released(tmp_path):
    messages: list[str] = []
    with FolderLock(tmp_path) as first:
        assert lock_is_held(tmp_path)
        assert (tmp_path / LOCK_NAME).read_text() == f"{os.getpid()}\n"
        with pytest.raises(FolderBusyError, match=rf"another run \(PID {os.getpid()}\) is "
                           "writing into this output folder") as info:
            with FolderLock(tmp_path, wait=False, on_wait=messages.append):
                pass
        assert isinstance(info.value, OSError) and messages == []
        assert first._fd is not None
    assert not lock_is_held(tmp_path)
    with FolderLock(tmp_path, wait=False):  # free again
        assert lock_is_held(tmp_path)


def test_no_lock_file_means_not_held(tmp_path):
    assert not lock_is_held(tmp_path)
    assert not lock_is_held(tmp_path / "missing")
