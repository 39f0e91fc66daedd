"""semscan.file_grid: results mapped back to the input file's own pixel grid."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.config import AnalysisConfig
from semscan.file_grid import file_geometry, to_file_coords, to_file_grid
from semscan.pipeline import analyze_path
from tests._synthetic import write_fei_tiff_with_bar

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
