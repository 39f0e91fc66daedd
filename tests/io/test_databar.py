"""Data-bar detection from the pixels (semscan.io.databar)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from semscan.io.databar import detect_databar

REAL = (Path(__file__).parents[2] / ".." / "shared" / "data" / "real").resolve()

# True bar heights, determined by inspection: the per-row mode and the fraction of pixels
# at that mode were printed for the bottom 130 rows of each file and the images were viewed.
# The bar starts at the first uniform row (a rule line, fraction 1.00) under a textured row.
#   FEI files: white rule at row 1024 (= [Image] ResolutionY) -> 1103 - 1024 = 79, etc.
#   membrane_cells_hitachi.bmp: black bar from row 896 -> 960 - 896 = 64.
#   npg_aquami_zeiss.tif: black box outline at row 691 -> 768 - 691 = 77 (the last row,
#     767, is a stray image row below the box and goes with it).
#   porous_si_zeiss.tif: the white data-zone box spans rows 670..745 with 22 image rows
#     under it; everything from row 670 is cropped -> 768 - 670 = 98.
TRUE_BARS = {
    "dense_crack_fei.tif": 79,
    "particles_fei.tif": 79,
    "retic_skan_fei.tif": 70,
    "wrinkled_film_fei16.tif": 59,
    "membrane_cells_hitachi.bmp": 64,
    "npg_aquami_zeiss.tif": 77,
    "porous_si_zeiss.tif": 98,
    "swollen_mat_holes.png": 0,
}


def _micrograph(rows: int = 400, cols: int = 500, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.normal(0.5, 0.12, (rows, cols))
    return np.clip(base, 0, 1).astype(np.float32)


def _black_bar(img: np.ndarray, height: int) -> np.ndarray:
    out = img.copy()
    rows = out.shape[0]
    out[rows - height :] = 0.02
    top = rows - height
    out[top + 8 : top + 20, 10:80] = 1.0  # text-like blocks
    out[top + 8 : top + 20, 120:200] = 1.0
    out[top + 25 : top + 28, 300:460] = 1.0  # a scale bar
    return out


def test_black_bar_with_white_text():
    img = _black_bar(_micrograph(), 40)
    assert detect_databar(img) == 40


def test_white_zeiss_box_with_image_rows_below():
    img = _micrograph(768, 1024)
    img[670] = 0.0
    img[671:745] = 1.0
    img[745] = 0.0
    img[690:705, 30:120] = 0.0
    img[690:700, 400:600] = 0.0
    assert detect_databar(img) == 98


def test_uint8_input():
    img = (_black_bar(_micrograph(), 30) * 255).astype(np.uint8)
    assert detect_databar(img) == 30


@pytest.mark.parametrize(
    "make",
    [
        lambda: _micrograph(),
        lambda: np.zeros((100, 100), np.float32),
        lambda: np.linspace(0, 1, 300 * 200, dtype=np.float32).reshape(300, 200),
    ],
    ids=["noise", "constant", "gradient"],
)
def test_no_bar_nothing_cropped(make):
    assert detect_databar(make()) == 0


def test_blank_band_is_not_a_bar():
    img = _micrograph()
    img[360:] = 0.0  # blank, no text: the segmentation's job, not a data bar
    assert detect_databar(img) == 0


def test_saturated_irregular_region_is_not_a_bar():
    img = _micrograph()
    yy, xx = np.mgrid[:400, :500]
    img[(yy - 420) ** 2 + (xx - 250) ** 2 < 90**2] = 1.0  # a bright blob at the bottom edge
    assert detect_databar(img) == 0


def test_tiny_image_and_bad_shape():
    assert detect_databar(np.zeros((20, 20))) == 0
    with pytest.raises(ValueError, match="2-D"):
        detect_databar(np.zeros((40, 40, 3)))


@pytest.mark.real
@pytest.mark.parametrize("name", sorted(TRUE_BARS))
def test_real_bars(name):
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} absent")
    import cv2
    import tifffile

    if name.endswith(".tif"):
        img = tifffile.imread(path)
    else:
        img = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_GRAYSCALE)
    height = detect_databar(img)
    assert abs(height - TRUE_BARS[name]) <= 1
    if height:
        assert detect_databar(img[: img.shape[0] - height]) == 0
