"""analyze_batch: one bad file never stops the others; results do not depend on jobs."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from semscan.config import AnalysisConfig
from semscan.pipeline import BatchItem, BatchTask, analyze_batch, load_models
from tests._synthetic import disc_pores, sem_image, write_fei_tiff

FAST = {"classify.enabled": False, "measure.local_thickness": False}


def test_batch_isolates_a_bad_file(tmp_path):
    good = write_fei_tiff(tmp_path / "good.tif", sem_image(disc_pores(seed=6)))
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"II*\x00garbage")
    items = list(analyze_batch([bad, good], config=AnalysisConfig().with_overrides(FAST)))
    assert [i.ok for i in items] == [False, True]
    assert "ImageFormatError" in items[0].error and "bad.tif" in items[0].error
    stopped = list(analyze_batch([bad, good], config=AnalysisConfig().with_overrides(FAST),
                                 fail_fast=True))
    assert len(stopped) == 1


def test_batch_two_jobs_equal_one_job(tmp_path):
    paths = [write_fei_tiff(tmp_path / f"i{k}.tif", sem_image(disc_pores(seed=k), seed=k))
             for k in range(3)]
    cfg = AnalysisConfig().with_overrides(FAST)
    one = {i.path: i.value for i in analyze_batch(paths, config=cfg, jobs=1)}
    two = {i.path: i.value for i in analyze_batch([BatchTask(str(p)) for p in paths],
                                                  config=cfg, jobs=2)}
    assert set(map(str, one)) == set(two)
    for path, row in one.items():
        assert row == two[str(path)]


def test_the_models_given_are_the_models_used(tmp_path):
    # A batch hands the caller's Models to every file; its rows equal a batch that loads
    # its own (default: the shipped structure model, loaded once before the first file).
    paths = [write_fei_tiff(tmp_path / f"m{k}.tif", sem_image(disc_pores(seed=k), seed=k))
             for k in range(2)]
    cfg = AnalysisConfig().with_overrides({"measure.local_thickness": False})
    models = load_models(cfg)
    given = [i.value for i in analyze_batch(paths, config=cfg, models=models)]
    loaded = [i.value for i in analyze_batch(paths, config=cfg)]
    assert all(row["class"] for row in given)
    assert given == loaded


def test_batch_items_are_frozen_and_picklable():
    item = BatchItem("a.tif", {"x": 1}, "", 0.5, ("note",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.error = "changed"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(item)) == item and item.ok
