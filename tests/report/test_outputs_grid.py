"""Masks and overlays in the input file's own pixel grid, label TIFFs with their pixel size.

Issue 18, item 1: every saved mask and overlay has exactly the file's shape (the data bar's
rows included, as label 2 = excluded), a tilted cross-section measured in a rotated film
frame is mapped back, and the label TIFF carries the pixel size the ImageJ way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from semscan.config import AnalysisConfig
from semscan.io import read_micrograph
from semscan.micrograph import Micrograph
from semscan.phantoms.films import imaged_cross_section
from semscan.pipeline import analyze_micrograph, analyze_path
from semscan.report.outputs import LABELS_INFO, ImageOutputWriter
from tests._synthetic import disc_pores, sem_image, write_fei_tiff_with_bar

FAST = AnalysisConfig().with_overrides(
    {"classify.enabled": False, "measure.local_thickness": False,
     "measure.dense_chords": False, "measure.mil_step_deg": 0.0}
)
ROWS, COLS, BAR = 200, 256, 40
HATCH = (255, 150, 30)


def _write(result, out: Path) -> tuple[np.ndarray, np.ndarray, Path]:
    row = ImageOutputWriter(out, save_masks=True)(result)
    mask_path = out / row["mask"]
    overlay = np.asarray(Image.open(out / row["overlay"]))
    return tifffile.imread(mask_path), overlay, mask_path


def _bar_is_drawn_excluded(overlay: np.ndarray) -> bool:
    colours = {tuple(c) for c in overlay[ROWS:].reshape(-1, 3).tolist()}
    return colours == {(0, 0, 0), HATCH}


def test_fei_surface_mask_and_overlay_have_the_file_shape(tmp_path):
    true_pore = disc_pores((ROWS, COLS), porosity=0.35, radius=7.0, seed=3)
    path = write_fei_tiff_with_bar(tmp_path / "surf.tif", sem_image(true_pore, seed=3),
                                   pixel_size_um=0.0125, bar_rows=BAR)
    result = analyze_path(path, config=FAST, view="surface")
    assert result.micrograph.shape == (ROWS, COLS) and result.micrograph.databar_height_px == BAR
    labels, overlay, mask_path = _write(result, tmp_path / "out")
    file_shape = tifffile.imread(path).shape
    assert labels.shape == file_shape == (ROWS + BAR, COLS) and labels.dtype == np.uint8
    assert overlay.shape == (*file_shape, 3)
    # rows above the bar: exactly the segmentation; the bar's rows: excluded
    assert np.array_equal(labels[:ROWS], result.segmentation.labels())
    assert (labels[ROWS:] == 2).all()
    assert _bar_is_drawn_excluded(overlay)
    # pores where the model's pores are (measured IoU 0.946)
    found = labels[:ROWS] == 1
    assert (found & true_pore).sum() / (found | true_pore).sum() > 0.9
    # the pixel size, the ImageJ way, read back by tifffile and by semscan
    with tifffile.TiffFile(mask_path) as tif:
        ij = tif.imagej_metadata
        page = tif.pages[0]
        num, den = page.tags["XResolution"].value
        assert (ij["unit"], ij["Info"], ij["min"], ij["max"]) == ("micron", LABELS_INFO, 0, 2)
        assert page.compression == 1  # ImageJ opens no compressed hyperstacks
        assert den / num == pytest.approx(0.0125, rel=1e-7)
        assert page.tags["YResolution"].value == (num, den)
    back = read_micrograph(mask_path, keep_databar=True)
    assert back.shape == file_shape
    assert back.calibration.pixel_size_um == pytest.approx(0.0125, rel=1e-7)
    assert (back.calibration.source, back.metadata.vendor) == ("file", "ImageJ")
    assert "ImageJ description unit=micron" in back.calibration.detail


def test_tilted_cross_section_outputs_are_mapped_back(tmp_path):
    img, pore, spec, _ = imaged_cross_section(
        (ROWS + 56, COLS + 64), supersample=2, thickness_px=140, a_px=18, b_px=6,
        tilt_deg=-18.0, porosity=0.5, seed=2, render_seed=2,
    )
    rows, cols = img.shape
    path = write_fei_tiff_with_bar(tmp_path / "xs.tif", img, bar_rows=BAR)
    # 10 lines (14 px apart) so that a line drawn 1 px off the mapped place shows
    result = analyze_path(path, config=FAST.with_overrides({"measure.n_lines": 10}),
                          view="cross-section")
    assert result.frame_rotation is not None and result.micrograph.shape != (rows, cols)
    labels, overlay, _ = _write(result, tmp_path / "out")
    assert labels.shape == overlay.shape[:2] == (rows + BAR, cols)
    assert (labels[rows:] == 2).all()
    # what is kept is the film (measured IoU 0.987), and its pores are the model's (0.919)
    kept = labels[:rows] != 2
    assert (kept & spec).sum() / (kept | spec).sum() > 0.95
    found = labels[:rows] == 1
    assert (found & pore & kept).sum() / ((found | pore) & kept & spec).sum() > 0.88
    # the lines are drawn rotated back, where they were measured: the overlay's line
    # pixels (yellow lines, red pore intercepts) lie on the mapped-back lines, not on the
    # film-frame positions
    px = overlay[:rows].astype(int)
    yellow = (px[..., 0] > 190) & (px[..., 1] > 170) & (px[..., 2] < 110)
    red = (px[..., 0] > 230) & (px[..., 1] < 80) & (px[..., 2] < 80)
    points = np.argwhere(yellow | red).astype(float)
    assert len(points) > 500
    mapped = result.geometry_full.pore_lines
    assert len(mapped) == 10  # measured: 100 % of the line pixels on them, 15 % unrotated
    assert _near(points, mapped, 1.5).mean() > 0.97
    assert _near(points, np.asarray(result.pore_intercept.lines, float), 1.5).mean() < 0.4
    # and every mapped line is drawn (away from the headline box at the top)
    t = np.linspace(0.0, 1.0, 200)[:, None]
    samples = (mapped[None, :, :2] + t[..., None] * (mapped[None, :, 2:] - mapped[None, :, :2]))
    samples = samples.reshape(-1, 2)
    samples = samples[samples[:, 0] > 0.5 * rows]
    hit = np.zeros(len(samples), bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            rr = np.clip(np.rint(samples[:, 0]).astype(int) + dr, 0, rows - 1)
            cc = np.clip(np.rint(samples[:, 1]).astype(int) + dc, 0, cols - 1)
            hit |= (yellow | red)[rr, cc]
    assert len(samples) > 500 and hit.mean() > 0.9


def _near(points: np.ndarray, segments: np.ndarray, tol: float) -> np.ndarray:
    """For each (row, col) point: within ``tol`` px of one of the segments?"""
    a, b = segments[None, :, :2], segments[None, :, 2:]
    ab = b - a
    p = points[:, None, :]
    t = np.clip(((p - a) * ab).sum(-1) / (ab * ab).sum(-1), 0.0, 1.0)
    dist = np.linalg.norm(p - (a + t[..., None] * ab), axis=-1)
    return dist.min(axis=1) <= tol


def test_uncalibrated_labels_have_no_unit(tmp_path):
    img = sem_image(disc_pores((96, 96), seed=5), seed=5)
    result = analyze_micrograph(Micrograph.from_array(img), config=FAST, view="surface")
    labels, overlay, mask_path = _write(result, tmp_path / "out")
    assert labels.shape == overlay.shape[:2] == (96, 96)
    with tifffile.TiffFile(mask_path) as tif:
        assert "unit" not in tif.imagej_metadata
    with pytest.warns(UserWarning, match="no pixel size"):
        back = read_micrograph(mask_path, keep_databar=True)
    assert not back.calibration.is_calibrated


@pytest.mark.real
def test_real_tilted_cross_section_mask_has_the_input_shape(real_dir, tmp_path):
    path = real_dir / "membrane_cells_hitachi.bmp"
    if not path.exists():
        pytest.skip(f"{path.name} is absent")
    with pytest.warns(UserWarning, match="no pixel size"):
        result = analyze_path(path, config=FAST)
    assert result.view == "cross-section"
    labels, overlay, _ = _write(result, tmp_path / "out")
    with Image.open(path) as im:
        width, height = im.size
    assert labels.shape == overlay.shape[:2] == (height, width)
    bar = result.micrograph.databar_height_px
    assert bar > 0 and (labels[height - bar :] == 2).all()
