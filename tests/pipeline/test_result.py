"""ImageResult: typed, frozen, nothing changed after it is built (timings included)."""

from __future__ import annotations

import dataclasses
import pickle
import types
import typing

import numpy as np
import pytest

from semscan.config import AnalysisConfig
from semscan.micrograph import Micrograph
from semscan.pipeline import ImageResult, analyze_micrograph
from semscan.pipeline.result import Timings

STRIPES = {"segment.denoise": "none", "segment.background_um": 0.0,
           "measure.window_um": "full", "measure.angle_deg": 0.0, "classify.enabled": False}


@pytest.fixture(scope="module")
def result() -> ImageResult:
    img = np.full((128, 128), 0.8, np.float32)
    img[:, ::8] = 0.1
    img[:, 1::8] = 0.1
    return analyze_micrograph(Micrograph.from_array(img, pixel_size_um=0.01),
                              config=AnalysisConfig().with_overrides(STRIPES), view="surface")


def test_result_fields_cannot_be_set(result):
    for name in ("porosity", "timings", "warnings", "structure"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(result, name, None)


def test_timings_cannot_be_changed(result):
    timings = result.timings
    assert isinstance(timings, Timings)
    # the view comes first: it decides whether dark voids are looked for (issue 18)
    assert list(timings)[:3] == ["models", "view", "segment"] and timings["segment"] >= 0.0
    before = dict(timings)
    with pytest.raises(TypeError):
        timings["segment"] = 0.0  # type: ignore[index]
    with pytest.raises(TypeError):
        del timings["segment"]  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        timings._items = ()  # type: ignore[misc]
    assert not hasattr(timings, "update") and not hasattr(timings, "__dict__")
    assert dict(result.timings) == before


def test_timings_given_as_a_dict_are_copied():
    source = {"segment": 1.0}
    t = Timings(source)
    source["segment"] = 2.0
    assert t["segment"] == 1.0 and t == {"segment": 1.0} and t.total == 1.0
    assert pickle.loads(pickle.dumps(t)) == t
    with pytest.raises(KeyError):
        t["read"]


def test_analyze_path_adds_read_without_changing_the_result(tmp_path):
    from semscan.pipeline import analyze_path
    from tests._synthetic import disc_pores, sem_image, write_fei_tiff

    path = write_fei_tiff(tmp_path / "a.tif", sem_image(disc_pores(seed=5)))
    cfg = AnalysisConfig().with_overrides({"classify.enabled": False,
                                           "measure.local_thickness": False})
    res = analyze_path(path, config=cfg)
    assert list(res.timings)[-1] == "read" and res.timings["read"] >= 0.0
    assert isinstance(res.timings, Timings)


def _any_inside(tp: object) -> bool:
    if tp is typing.Any:
        return True
    return any(_any_inside(arg) for arg in typing.get_args(tp))


def test_every_field_has_a_real_type():
    hints = typing.get_type_hints(ImageResult)
    fields = {f.name for f in dataclasses.fields(ImageResult)}
    assert fields <= set(hints)
    loose = sorted(name for name in fields if _any_inside(hints[name]))
    assert loose == []
    for prop in ("geometry_full", "sample_intercept", "calibration", "file_shape",
                 "labels_full"):
        ret = typing.get_type_hints(getattr(ImageResult, prop).fget)["return"]
        assert not _any_inside(ret), prop
    # Spot checks that the names resolved to the measurement types themselves.
    from semscan.measure import InterceptResult
    from semscan.segment import Segmentation

    assert hints["segmentation"] is Segmentation
    assert hints["pore_intercept"] is InterceptResult
    ret = typing.get_type_hints(ImageResult.sample_intercept.fget)["return"]
    assert typing.get_args(ret) == (InterceptResult, types.NoneType)


def test_the_helper_sees_any_nested():
    # The check above could not fail if it missed Any inside Optional/Union/tuple.
    assert _any_inside(dict[str, typing.Any])
    assert _any_inside(tuple[int, typing.Any | None])
    assert not _any_inside(tuple[int, str | None])
