"""The bundled example images in data/: reproducible, calibrated, measured close to their truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from semscan.config import AnalysisConfig
from semscan.io import read_micrograph
from semscan.pipeline import analyze_micrograph

DATA = Path(__file__).resolve().parents[1] / "data"


def test_generator_reproduces_the_committed_samples(tmp_path):
    from scripts.make_example_images import main

    main(tmp_path)
    for name in ("sample_surface.tif", "sample_cross_section.tif",
                 "two_layer/sample_two_layer_xs.tif",
                 "whisker_film/sample_whisker_film.tif"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_surface_sample_reads_calibrated_and_cropped():
    m = read_micrograph(DATA / "sample_surface.tif")
    truth = json.loads((DATA / "sample_surface.json").read_text())
    assert m.calibration.pixel_size_um == pytest.approx(truth["pixel_size_um"])
    assert m.calibration.source == "file"
    assert m.databar_height_px == truth["databar_height_px"]
    assert list(m.shape) == truth["shape_rows_columns"]


def test_surface_sample_measures_near_its_truth():
    truth = json.loads((DATA / "sample_surface.json").read_text())
    m = read_micrograph(DATA / "sample_surface.tif")
    cfg = AnalysisConfig().with_overrides(
        {"classify.enabled": False, "measure.local_thickness": False}
    )
    res = analyze_micrograph(m, config=cfg, view="surface")
    exact = truth["measured_on_exact_mask"]
    assert res.porosity.porosity == pytest.approx(exact["porosity"], abs=0.02)
    assert res.chords_rows.mean == pytest.approx(exact["pore_chord_mean_rows_um"], rel=0.05)
    assert res.pore_intercept.mean == pytest.approx(
        truth["closed_form"]["pore_chord_mean_um"], rel=0.10
    )


def test_whisker_sample_measures_near_its_truth():
    truth = json.loads((DATA / "whisker_film" / "sample_whisker_film.json").read_text())["truth"]
    m = read_micrograph(DATA / "whisker_film" / "sample_whisker_film.tif")
    cfg = AnalysisConfig().with_overrides(
        {"classify.enabled": False, "measure.local_thickness": False, "whiskers.enabled": True,
         "whiskers.density": "polymer=1.38,whisker=3.3"}
    )
    wh = analyze_micrograph(m, config=cfg, view="surface").whiskers
    assert wh.count == pytest.approx(truth["whiskers_visible"], rel=0.05)
    assert wh.lengths().mean() == pytest.approx(truth["length_mean_complete_um"], rel=0.05)
    assert wh.widths().mean() == pytest.approx(truth["width_mean_um"], rel=0.05)
    assert wh.area_fraction == pytest.approx(truth["whisker_area_fraction"], abs=0.01)
    assert wh.matrix_porosity == pytest.approx(truth["matrix_porosity"], abs=0.025)
    assert wh.weight_fraction == pytest.approx(truth["whisker_weight_fraction_at_1.38_3.3"],
                                               abs=0.02)


def test_two_layer_sample_measures_its_layers():
    """data/two_layer/sample_two_layer_xs.tif through the whole analysis (rendered, segmented)."""
    record = json.loads((DATA / "two_layer" / "sample_two_layer_xs.json").read_text())
    truth = record["truth"]
    m = read_micrograph(DATA / "two_layer" / "sample_two_layer_xs.tif")
    res = analyze_micrograph(m, config=AnalysisConfig().with_overrides(
        {"classify.enabled": False, "measure.local_thickness": False}))
    assert res.view == "cross-section"
    lay = res.cross_section.layers
    assert lay.n_layers == 2
    px = record["pixel_size_um"]
    assert lay.interfaces[0].mean_depth_um == pytest.approx(
        truth["interface_depth_px"] * px, abs=0.02 * truth["thickness_px"] * px)
    for layer, t in zip(lay.layers, truth["layers"], strict=True):
        assert layer.porosity == pytest.approx(t["porosity"], abs=0.02)
    # the flat pores' kappa reads low at this resolution (19 px through; warned), the
    # round pores' does not
    assert lay.layers[0].laminar.kappa == pytest.approx(3.0, rel=0.12)
    assert lay.layers[1].laminar.kappa == pytest.approx(1.0, rel=0.05)
    assert any(w.startswith("layer 1: pores are") for w in res.warnings)
