"""The Dask worker plugin (semscan._dask_plugin), without a cluster: what a worker runs."""

import sys

import pytest

pytest.importorskip("distributed")

from semscan import _dask_plugin


def test_setup_holds_the_state_and_teardown_drops_it():
    state = object()
    plugin = _dask_plugin.StatePlugin("batch-1", state)
    plugin.setup(worker=None)
    try:
        assert _dask_plugin.STATES["batch-1"] is state
    finally:
        plugin.teardown(worker=None)
    assert "batch-1" not in _dask_plugin.STATES
    plugin.teardown(worker=None)  # twice is harmless (a worker leaving after the batch)


def test_heap_thresholds_are_glibcs_own_ceiling():
    assert _dask_plugin.MMAP_THRESHOLD == 32 * 2**20
    assert _dask_plugin.TRIM_THRESHOLD == 2 * _dask_plugin.MMAP_THRESHOLD
    # glibc's mallopt accepts both values; elsewhere there is nothing to undo
    assert _dask_plugin.heap_for_images() is sys.platform.startswith("linux")
