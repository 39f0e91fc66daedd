"""Models: loaded once, read-only, and the same results as loading them per image."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from semscan.classify.model import StructureModel
from semscan.config import AnalysisConfig
from semscan.errors import ModelError
from semscan.pipeline import Models, analyze_path, load_models

DATA = Path(__file__).parents[2] / "data"


def test_models_are_frozen():
    models = load_models(AnalysisConfig())
    assert isinstance(models.structure, StructureModel) and models.pixel_classifier is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        models.structure = None  # type: ignore[misc]
    none = load_models(AnalysisConfig().with_overrides({"classify.enabled": False}))
    assert none.structure is None and none.pixel_classifier is None


@pytest.mark.parametrize(("name", "view"), [("sample_surface.tif", "surface"),
                                            ("sample_cross_section.tif", "cross-section")])
def test_given_models_give_the_same_rows(name, view):
    cfg = AnalysisConfig()
    models = load_models(cfg)
    given = analyze_path(DATA / name, config=cfg, models=models)
    loaded = analyze_path(DATA / name, config=cfg)
    assert given.view == view and given.structure is not None
    row, again = given.to_row(), loaded.to_row()
    timing = [k for k in row if "timing" in k or k.endswith("_seconds")]
    assert timing == []  # the row holds no timings: every value must be the same
    assert row == again  # local thickness too: the distance transform is thread-independent
    # the analysis loaded its own only when none were given
    assert "models" in loaded.timings and "models" not in given.timings


def test_models_without_a_structure_model_still_classify():
    cfg = AnalysisConfig()
    full = analyze_path(DATA / "sample_surface.tif", config=cfg, models=load_models(cfg))
    bare = analyze_path(DATA / "sample_surface.tif", config=cfg, models=Models())
    assert bare.structure is not None
    assert bare.to_row() == full.to_row()


def test_models_of_another_kind_are_refused():
    from semscan.errors import ConfigError
    from semscan.micrograph import Micrograph
    from semscan.pipeline import analyze_micrograph

    mic = Micrograph.from_array(np.full((64, 64), 0.5, np.float32), pixel_size_um=0.01)
    with pytest.raises(ConfigError, match=r"models= takes a semscan\.pipeline\.Models, got dict"):
        analyze_micrograph(mic, models={"structure": None})  # the old form


def test_structure_model_cached_per_path_and_content(tmp_path):
    import shutil

    from semscan.classify.model_file import default_model_path
    from semscan.pipeline.models import cached_structure_model

    copy = tmp_path / default_model_path().name
    shutil.copyfile(default_model_path(), copy)
    first = cached_structure_model(copy)
    assert cached_structure_model(copy) is first  # same bytes: not loaded again
    assert cached_structure_model(None) is not first  # another path, its own entry
    assert cached_structure_model(None).sha256 == first.sha256
    copy.write_bytes(copy.read_bytes())  # rewritten (its change time moves): checked again
    again = cached_structure_model(copy)
    assert again is not first and again.sha256 == first.sha256
    assert cached_structure_model(copy) is again
    copy.write_bytes(b"\0" * copy.stat().st_size)  # same size, damaged: refused, not cached
    with pytest.raises(ModelError, match=r"not a semscan binary model|not valid JSON"):
        cached_structure_model(copy)
