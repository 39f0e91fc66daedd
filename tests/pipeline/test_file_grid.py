"""semscan.pipeline.file_grid: every output in the input file's pixel grid (issue 18, item 1).

A tilted film is measured in a rotated film frame (:mod:`semscan.pipeline.section`), but
its labels, lines and surfaces come back in the input's grid; a cropped data bar's rows
come back as excluded.
"""

from __future__ import annotations

import numpy as np
import pytest

from semscan.config import AnalysisConfig
from semscan.micrograph import Micrograph
from semscan.phantoms.films import imaged_cross_section
from semscan.pipeline import analyze_micrograph, analyze_path
from semscan.pipeline.file_grid import file_geometry, to_file_coords, to_file_grid
from tests._synthetic import write_fei_tiff_with_bar

CFG = AnalysisConfig().with_overrides(
    {"classify.enabled": False, "measure.local_thickness": False,
     "measure.dense_chords": False, "measure.mil_step_deg": 0.0}
)

GRID_SHAPE, GRID_THICK = (384, 512), 200


def _grid_film(tilt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    img, pore, spec, _ = imaged_cross_section(
        GRID_SHAPE, supersample=2, thickness_px=GRID_THICK, a_px=24, b_px=8, tilt_deg=tilt,
        porosity=0.5, seed=1, render_seed=1,
    )
    return img, pore, spec


@pytest.fixture(scope="module")
def grid_runs():
    out = {}
    for tilt in (0.0, 20.0):
        img, pore, spec = _grid_film(tilt)
        mic = Micrograph.from_array(img, pixel_size_um=0.01)
        out[tilt] = (mic, pore, spec, analyze_micrograph(mic, config=CFG, view="cross-section"))
    return out


def _iou(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    return float((a & b & where).sum() / ((a | b) & where).sum())


def test_untilted_labels_are_the_segmentation(grid_runs):
    mic, _, _, res = grid_runs[0.0]
    assert res.frame_rotation is None and res.micrograph is mic
    assert np.array_equal(res.labels_full, res.segmentation.labels())
    assert res.file_shape == GRID_SHAPE


def test_tilted_labels_come_back_in_the_input_grid(grid_runs):
    from semscan.segment import segment_micrograph

    mic, pore, spec, res = grid_runs[20.0]
    rot = res.frame_rotation
    assert rot is not None and rot.angle_deg == pytest.approx(20.0, abs=1.0)
    assert res.micrograph.shape == rot.frame_shape != GRID_SHAPE  # measured in the frame
    assert res.input_micrograph is mic
    labels = res.labels_full
    assert labels.shape == GRID_SHAPE and labels.dtype == np.uint8
    assert (res.to_row()["rows"], res.to_row()["columns"]) == GRID_SHAPE
    # exactly the measured labels, mapped back nearest-pixel
    assert np.array_equal(labels, rot.frame_to_image(res.segmentation.labels(), fill=2))
    assert np.array_equal(res.to_file_grid(res.segmentation.pore, fill=False), labels == 1)
    kept = labels != 2
    # the specimen is where the synthetic film is (measured IoU 0.982), the pores where its
    # pores are (0.942 inside both; 0.945 for the untilted film)
    assert _iou(kept, spec, np.ones_like(spec)) > 0.96
    assert _iou(labels == 1, pore, kept & spec) > 0.90
    _, pore0, spec0, flat = grid_runs[0.0]
    assert _iou(flat.labels_full == 1, pore0, spec0 & (flat.labels_full != 2)) > 0.90
    # and agree with a segmentation made in the input grid (measured IoU 0.971)
    alone = segment_micrograph(mic, region_excluded=~kept)
    assert _iou(labels == 1, alone.pore, kept & ~alone.excluded) > 0.94


def test_tilted_geometry_is_drawn_where_it_was_measured(grid_runs):
    import math

    _, _, _, res = grid_runs[20.0]
    direction = res.frame_rotation.angle_deg
    geo = res.geometry_full
    # the 50 lines along the film frame's rows run along the film in the input
    lines = geo.pore_lines
    assert len(lines) == 50
    angles = np.degrees(np.arctan2(-(lines[:, 2] - lines[:, 0]), lines[:, 3] - lines[:, 1]))
    assert np.allclose(angles, direction, atol=1e-6)
    # chords lie on their lines: perpendicular distance below a pixel
    t = math.radians(direction)
    normal = np.array([math.cos(t), math.sin(t)])  # (row, col) weights of y'
    ch = geo.pore_chords
    assert len(ch) == len(res.pore_intercept.chords) > 50
    y_chord = ch[:, 0] * normal[0] + ch[:, 1] * normal[1]
    y_lines = lines[:, 0] * normal[0] + lines[:, 1] * normal[1]
    assert np.abs(y_chord[:, None] - y_lines[None, :]).min(axis=1).max() < 1.0
    # surfaces at y' = -+100 px of the synthetic film (about the image centre)
    r0, c0 = (GRID_SHAPE[0] - 1) / 2, (GRID_SHAPE[1] - 1) / 2
    for curve, side in ((geo.film_top, -1), (geo.film_bottom, 1)):
        y = (curve[:, 1] - c0) * math.sin(math.radians(20.0)) + (curve[:, 0] - r0) * math.cos(
            math.radians(20.0))
        assert len(curve) >= 3
        assert float(np.median(y)) == pytest.approx(side * GRID_THICK / 2, abs=1.5)
    # thickness segments along the film normal (the film frame's own residual direction
    # added), as long as the film is thick
    th = geo.thickness
    seg_angle = np.degrees(np.arctan2(-(th[:, 2] - th[:, 0]), th[:, 3] - th[:, 1]))
    residual = res.cross_section.film.direction_deg
    assert abs(residual) < 1.0
    assert np.allclose(seg_angle, direction + residual - 90.0, atol=1e-6)
    assert np.median(np.hypot(th[:, 2] - th[:, 0], th[:, 3] - th[:, 1])) == pytest.approx(
        GRID_THICK, rel=0.02)


def test_fei_cross_section_labels_have_the_file_shape(tmp_path):
    import tifffile

    from semscan.io import read_micrograph
    from tests._synthetic import write_fei_tiff_with_bar

    for tilt in (0.0, 20.0):
        img, _, _ = _grid_film(tilt)
        path = write_fei_tiff_with_bar(tmp_path / f"xs{tilt:g}.tif", img, bar_rows=40)
        mic = read_micrograph(path)
        assert mic.shape == GRID_SHAPE
        res = analyze_micrograph(mic, config=CFG, view="cross-section")
        labels = res.labels_full
        assert labels.shape == tifffile.imread(path).shape == (GRID_SHAPE[0] + 40, GRID_SHAPE[1])
        assert (labels[GRID_SHAPE[0]:] == 2).all()
        if tilt == 0.0:
            assert res.frame_rotation is None
            assert np.array_equal(labels[: GRID_SHAPE[0]], res.segmentation.labels())
        else:
            assert res.frame_rotation is not None
            assert np.array_equal(
                labels[: GRID_SHAPE[0]],
                res.frame_rotation.frame_to_image(res.segmentation.labels(), fill=2),
            )


ROWS, COLS, BAR = 160, 240, 32


@pytest.fixture(scope="module")
def stripes(tmp_path_factory):
    """Vertical pore stripes (columns c % 12 < 4) above a 32-row FEI data bar."""
    img = np.full((ROWS, COLS), 0.8)
    img[:, (np.arange(COLS) % 12) < 4] = 0.2
    path = write_fei_tiff_with_bar(tmp_path_factory.mktemp("fg") / "s.tif", img, bar_rows=BAR)
    cfg = AnalysisConfig().with_overrides({
        "segment.denoise": "none", "segment.background_um": 0.0, "segment.method": "otsu",
        "measure.window_um": "full", "measure.local_thickness": False,
        "measure.mil_step_deg": 0.0, "classify.enabled": False})
    return analyze_path(path, config=cfg, view="surface")


def test_labels_in_the_file_grid_include_the_cropped_bar_as_excluded(stripes):
    labels = stripes.segmentation.labels()
    assert labels.shape == (ROWS, COLS)
    full = to_file_grid(stripes, labels, fill=2)
    assert full.shape == (ROWS + BAR, COLS)
    assert np.array_equal(full[:ROWS], labels)
    assert (full[ROWS:] == 2).all()
    expected_pore = np.broadcast_to((np.arange(COLS) % 12) < 4, (ROWS, COLS))
    assert np.array_equal(full[:ROWS] == 1, expected_pore)


def test_coordinates_of_an_unrotated_image_are_unchanged(stripes):
    r, c = to_file_coords(stripes, np.array([0.0, 10.5]), np.array([3.0, 7.25]))
    assert r.tolist() == [0.0, 10.5] and c.tolist() == [3.0, 7.25]


def test_geometry_lines_and_chords_lie_on_the_measured_pores(stripes):
    geo = file_geometry(stripes)
    assert geo.pore_lines.shape == (50, 4)
    assert (geo.pore_lines[:, 0] == geo.pore_lines[:, 2]).all()  # angle 0: along rows
    assert geo.pore_lines[:, 0].max() < ROWS  # never in the data bar
    assert geo.film_top.size == 0 and geo.thickness.size == 0  # a surface view
    full = to_file_grid(stripes, stripes.segmentation.labels(), fill=2)
    for r0, c0, _, c1 in geo.pore_chords[:20]:
        cols = np.arange(round(c0), round(c1) + 1)
        assert (full[int(r0), cols] == 1).all()
