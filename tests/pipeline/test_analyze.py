"""analyze_micrograph / analyze_path on images with known geometry."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.config import AnalysisConfig
from semscan.micrograph import Micrograph
from semscan.phantoms.geometry import boolean_disc_chord_mean
from semscan.pipeline import analyze_micrograph, analyze_path
from tests._synthetic import disc_pores, sem_image, write_fei_tiff

FAST = {"classify.enabled": False, "measure.local_thickness": False}


def test_clean_stripes_give_exact_intercepts():
    img = np.full((200, 200), 0.8, np.float32)
    for c in range(0, 200, 10):
        img[:, c : c + 3] = 0.1  # pores 3 px wide, solid 7 px
    cfg = AnalysisConfig().with_overrides(
        {**FAST, "segment.denoise": "none", "segment.background_um": 0.0,
         "measure.window_um": "full"}
    )
    res = analyze_micrograph(Micrograph.from_array(img, pixel_size_um=0.02), config=cfg,
                             view="surface")
    assert res.pore_intercept.mean_complete == pytest.approx(0.06)
    assert res.solid_intercept.mean_complete == pytest.approx(0.14)
    assert res.porosity.porosity == pytest.approx(0.3)
    assert res.pore_intercept.unit == "µm"
    row = res.to_row()
    assert row["pore_intercept_mean_complete_um"] == pytest.approx(0.06)
    assert row["calibration_source"] == "user"


def test_rendered_boolean_model_within_segmentation_error():
    pore = disc_pores((768, 768), porosity=0.4, radius=8.0, seed=3)
    m = Micrograph.from_array(sem_image(pore, seed=3), pixel_size_um=0.01)
    res = analyze_micrograph(m, config=AnalysisConfig().with_overrides(FAST), view="surface")
    assert res.porosity.porosity == pytest.approx(pore.mean(), abs=0.03)
    lam = -np.log(1 - 0.4) / (np.pi * 64)
    expected = boolean_disc_chord_mean(lam, 8.0, phase="grains") * 0.01
    assert res.pore_intercept.mean == pytest.approx(expected, rel=0.12)


def test_uncalibrated_reports_px():
    pore = disc_pores(seed=4)
    res = analyze_micrograph(Micrograph.from_array(sem_image(pore)),
                             config=AnalysisConfig().with_overrides(FAST), view="surface")
    assert res.pore_intercept.unit == "px"
    assert "uncalibrated image: every length is in px" in res.warnings
    row = res.to_row()
    assert "pore_intercept_mean_px" in row and "pore_intercept_mean_um" not in row
    assert row["unit"] == "px" and row["pixel_size_um"] is None


def test_analyze_path_records_file_identity(tmp_path):
    path = write_fei_tiff(tmp_path / "a.tif", sem_image(disc_pores(seed=5)))
    res = analyze_path(path, config=AnalysisConfig().with_overrides(FAST))
    row = res.to_row()
    assert row["name"] == "a.tif" and len(row["sha256"]) == 64
    assert row["pixel_size_um"] == pytest.approx(0.01)
    assert row["calibration_source"] == "file"
    assert row["config_hash"] == AnalysisConfig().with_overrides(FAST).hash()
