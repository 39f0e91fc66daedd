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


def test_a_level_cross_section_from_corrected_masks():
    from semscan.pipeline.remeasure import remeasure
    from tests.napari._files import disc_image

    grey, _ = disc_image((120, 256), seed=4, n=30, r=5.0)
    img = np.full((240, 256), 0.05, np.float32)
    img[60:180] = grey
    m = Micrograph.from_array(img, pixel_size_um=0.01)
    res = analyze_micrograph(m, view="cross-section")
    labels = res.labels_full
    labels[100:140, 100:140][labels[100:140, 100:140] == 1] = 0
    new = analyze_micrograph(m, view="cross-section", labels=labels, masks_from="x.tif")
    np.testing.assert_array_equal(new.labels_full, labels)  # the masks given, not re-made
    assert new.masks_from == "x.tif" and new.to_row()["masks_from"] == "x.tif"
    assert new.cross_section is not None
    ref = remeasure(res, labels).to_row()
    row = new.to_row()
    differ = [k for k, v in ref.items() if k not in ("warnings", "masks_from")
              and row[k] != v and not (v != v and row[k] != row[k])]
    assert not differ, {k: (row[k], ref[k]) for k in differ}


def test_a_tilted_cross_section_from_corrected_masks():
    from semscan.pipeline.remeasure import remeasure
    from tests.napari._files import disc_image

    grey, _ = disc_image((300, 300), seed=5, n=60, r=5.0)
    rr, cc = np.mgrid[:300, :300]
    img = np.where(np.abs((rr - 150) - np.tan(np.radians(8)) * (cc - 150)) < 50, grey,
                   0.05).astype(np.float32)
    m = Micrograph.from_array(img, pixel_size_um=0.01)
    res = analyze_micrograph(m, view="cross-section")
    assert res.frame_rotation is not None
    same = analyze_micrograph(m, view="cross-section", labels=res.labels_full)
    assert same.frame_rotation is not None
    np.testing.assert_array_equal(same.segmentation.labels(), res.segmentation.labels())
    _same(res.to_row(), same.to_row(), skip=("warnings", "masks_from", "seg_method_reason"))
    labels = res.labels_full
    labels[130:170, 120:180][labels[130:170, 120:180] == 1] = 0
    edited = analyze_micrograph(m, view="cross-section", labels=labels)
    assert edited.porosity.n_pore_pixels < res.porosity.n_pore_pixels
    _same(remeasure(res, labels).to_row(), edited.to_row(), skip=("warnings", "masks_from"))


def _same(ref, row, *, skip):
    differ = [k for k, v in ref.items() if k not in skip
              and row[k] != v and not (v != v and row[k] != row[k])]
    assert not differ, {k: (row[k], ref[k]) for k in differ}
