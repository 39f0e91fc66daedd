"""semscan.report.overlay: the picture is the file's grid, its colours say what was found."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from semscan.config import AnalysisConfig
from semscan.pipeline import analyze_path
from semscan.report.overlay import nice_scale_length, render_overlay, save_overlay
from tests._synthetic import write_fei_tiff_with_bar

ROWS, COLS, BAR, PERIOD, WIDTH = 192, 320, 40, 16, 6
PORE_GREY, SOLID_GREY = 0.2, 0.8  # written as 8-bit 51 and 204


@pytest.fixture(scope="module")
def stripes(tmp_path_factory):
    """Vertical dark pore stripes (columns c % 16 < 6) above an FEI data bar."""
    img = np.full((ROWS, COLS), SOLID_GREY)
    img[:, (np.arange(COLS) % PERIOD) < WIDTH] = PORE_GREY
    path = write_fei_tiff_with_bar(tmp_path_factory.mktemp("ov") / "stripes.tif", img,
                                   bar_rows=BAR)
    cfg = AnalysisConfig().with_overrides({
        "segment.denoise": "none", "segment.background_um": 0.0, "segment.method": "otsu",
        "measure.window_um": "full", "measure.local_thickness": False,
        "measure.mil_step_deg": 0.0, "classify.enabled": False})
    return analyze_path(path, config=cfg, view="surface")


def _far_from_lines(result, row):
    rows_of_lines = [r0 for r0, _, r1, _ in result.geometry_full.pore_lines if r0 == r1]
    assert len(rows_of_lines) == len(result.geometry_full.pore_lines)  # angle 0: rows
    return min(abs(row - r) for r in rows_of_lines) > 1  # 1-px lines, 2-px chords


def test_overlay_has_the_shape_of_the_input_file(stripes, tmp_path):
    assert stripes.micrograph.shape == (ROWS, COLS)  # the bar was cropped for measuring
    rgb = render_overlay(stripes)
    assert rgb.shape == (ROWS + BAR, COLS, 3) and rgb.dtype == np.uint8
    path = save_overlay(stripes, tmp_path / "o.png")
    with Image.open(path) as im:
        assert im.size == (COLS, ROWS + BAR) and im.mode == "RGB"
        assert np.array_equal(np.asarray(im), rgb)


def test_pores_are_tinted_blue_solid_stays_grey_the_bar_is_hatched(stripes):
    rgb = render_overlay(stripes).astype(int)
    # below the headline box (top, full width here) and right of the scale bar
    row = next(r for r in range(150, ROWS - 10) if _far_from_lines(stripes, r))
    pore_col, solid_col = 18 * PERIOD + 2, 18 * PERIOD + 10
    pore_grey, solid_grey = round(PORE_GREY * 255), round(SOLID_GREY * 255)
    tint = 0.65 * pore_grey + 0.35 * np.array([40, 140, 255])
    assert np.abs(rgb[row, pore_col] - tint).max() <= 1
    assert rgb[row, pore_col, 2] > rgb[row, pore_col, 0] + 60  # blue
    assert rgb[row, solid_col].tolist() == [solid_grey] * 3
    # The cropped data bar is excluded: black (0.6 x 0), every 10th diagonal hatched orange
    bar = rgb[ROWS + 25, COLS - 60 : COLS - 20]
    hatched = ((ROWS + 25 + np.arange(COLS - 60, COLS - 20)) % 10) < 3
    assert (bar[hatched] == [255, 150, 30]).all()
    assert (bar[~hatched] == 0).all()


def test_the_lines_of_the_intercept_method_are_drawn(stripes):
    rgb = render_overlay(stripes).astype(int)
    lines = stripes.geometry_full.pore_lines
    r0 = int(lines[-5][0])  # below the headline box
    solid_on_line = rgb[r0, 18 * PERIOD + 10]
    assert solid_on_line[0] > 200 and solid_on_line[1] > 200 and solid_on_line[2] < 150  # yellow
    pore_on_line = rgb[r0, 18 * PERIOD + 2]
    assert pore_on_line[0] > 200 and pore_on_line[1] < 100  # a pore chord, red


@pytest.mark.parametrize(("field", "expected"), [(10.0, 2.0), (1.0, 0.2), (350.0, 50.0)])
def test_scale_bar_length_is_a_round_number(field, expected):
    assert nice_scale_length(field) == expected


def test_whiskers_are_tinted_with_their_axes_and_headline():
    from semscan.micrograph import Micrograph
    from semscan.phantoms.whiskers import render_whisker_film, whisker_film
    from semscan.pipeline import analyze_micrograph
    from semscan.report.overlay import headline

    film = whisker_film((256, 320), n_rods=8, length_px=80, width_px=8, seed=4)
    mic = Micrograph.from_array(render_whisker_film(film, seed=5), pixel_size_um=0.05)
    cfg = AnalysisConfig().with_overrides({"whiskers.enabled": True, "classify.enabled": False,
                                           "measure.local_thickness": False})
    res = analyze_micrograph(mic, config=cfg, view="surface")
    rgb = render_overlay(res).astype(int)
    whisker = res.labels_full == 3
    assert whisker.sum() > 0.5 * film.whisker.sum()
    # tinted orange-red: red well above blue on whisker pixels, not on polymer
    polymer = res.labels_full == 0
    assert (rgb[whisker, 0] - rgb[whisker, 2]).mean() > 80
    assert abs((rgb[polymer, 0] - rgb[polymer, 2]).mean()) < 30
    assert any(line.startswith(f"whiskers: {res.whiskers.count} (") for line in headline(res))
