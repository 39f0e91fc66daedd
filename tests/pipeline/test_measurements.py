"""semscan.pipeline.measurements: the measurement stage shared by analysis and review."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.config import AnalysisConfig
from semscan.micrograph import Micrograph
from semscan.pipeline import Models, analyze_micrograph
from semscan.pipeline.measurements import measure_masks
from semscan.segment import segment_micrograph

CFG = AnalysisConfig().with_overrides({
    "segment.denoise": "none", "segment.background_um": 0.0, "segment.method": "otsu",
    "measure.window_um": "full", "measure.angle_deg": 0.0, "classify.enabled": False,
})


@pytest.fixture(scope="module")
def stripes():
    """Vertical pore stripes 4 px wide every 16 px: porosity 1/4, pore intercept 4 px."""
    img = np.full((128, 128), 0.8, np.float32)
    img[:, (np.arange(128) % 16) < 4] = 0.1
    mic = Micrograph.from_array(img, pixel_size_um=0.5)
    seg = segment_micrograph(mic, denoise="none", background_um=0.0, method="otsu")
    return mic, seg


def test_exact_numbers_on_stripes(stripes):
    mic, seg = stripes
    m = measure_masks(mic, seg, config=CFG, models=Models())
    assert m.porosity.porosity == 0.25
    assert m.pore_intercept.mean_complete == pytest.approx(4 * 0.5)  # 4 px at 0.5 µm
    assert m.solid_intercept.mean_complete == pytest.approx(12 * 0.5)
    assert m.verdict is not None and m.structure is None  # classification switched off
    assert {k for k, _ in m.timings} >= {"intercepts", "porosity", "verdict"}


def test_quick_skips_the_slow_stages_and_says_so(stripes):
    mic, seg = stripes
    full = measure_masks(mic, seg, config=CFG, models=Models())
    quick = measure_masks(mic, seg, config=CFG, models=Models(), quick=True)
    assert quick.local_thickness is None and quick.verdict is None and quick.structure is None
    assert full.local_thickness is not None
    assert quick.porosity.porosity == full.porosity.porosity
    assert quick.pore_intercept.mean == full.pore_intercept.mean
    assert any("quick re-measure" in w for w in quick.warnings)


def test_analysis_reports_what_the_stage_measures(stripes):
    mic, _ = stripes
    res = analyze_micrograph(mic, config=CFG, view="surface", models=Models())
    m = measure_masks(mic, res.segmentation, config=CFG, models=Models())
    assert res.porosity.porosity == m.porosity.porosity
    assert res.pore_intercept.mean == m.pore_intercept.mean
    assert res.solid_intercept.mean == m.solid_intercept.mean
    assert res.local_thickness.to_dict() == m.local_thickness.to_dict()
    assert res.verdict == m.verdict.verdict


def test_each_layer_of_a_laminated_film_gets_a_structure_class():
    from pathlib import Path

    from semscan.io import read_micrograph
    from semscan.pipeline import analyze_micrograph

    data = Path(__file__).resolve().parents[2] / "data"
    res = analyze_micrograph(read_micrograph(data / "two_layer" / "sample_two_layer_xs.tif"))
    layers = res.cross_section.layers.layers
    assert len(layers) == 2
    for layer in layers:   # separate pores in a continuous solid, both layers
        assert layer.structure == "cellular" and 0.5 < layer.structure_confidence <= 1.0
        assert layer.to_dict()["structure_class"] == "cellular"
    single = analyze_micrograph(read_micrograph(data / "sample_cross_section.tif"))
    (only,) = single.cross_section.layers.layers
    assert only.structure == ""                      # one layer: the image's class says it
