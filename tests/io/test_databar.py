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
# gt/ (authors' masks beside them), determined the same way:
#   bam_tio2 (Zeiss SUPRA 40, dark substrate): black bar from row 712 -> 768 - 712 = 56.
#   dealloyed_fe_ni Zeiss files: white box from row 702 of 768 (66) and 1403 of 1536 (133),
#   with two stray image rows under the box; on the 600C file the rows above the box are
#   flat black vacuum (level 10), which is not a rule line of the bar.
GT_BARS = {
    **{f"bam_tio2/SEM/{i}.tif": 56 for i in (1908252, 1908258, 1908264, 1908272, 1908280,
                                          1908292, 1908304, 1908318)},
    "dealloyed_fe_ni/Radealloying__500C__RAC__RAC_13.tif": 133,
    "dealloyed_fe_ni/Stadealloying__500C__3__CO_00.tif": 66,
    "dealloyed_fe_ni/Stadealloying__600C__1__CO_01.tif": 133,
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


def test_black_bar_under_a_flat_dark_substrate():
    # particles on a dark, flat wafer: the rows above the bar are flat too, at another level
    rng = np.random.default_rng(3)
    img = np.clip(rng.normal(0.165, 0.004, (400, 500)), 0, 1).astype(np.float32)
    yy, xx = np.mgrid[:400, :500]
    for cy, cx in rng.uniform((20, 20), (330, 480), (25, 2)):
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < 15**2] = 0.8
    assert detect_databar(img) == 0
    assert detect_databar(_black_bar(img, 40)) == 40


def test_flat_vacuum_above_a_white_box_is_not_its_rule_line():
    img = _micrograph(600, 500)
    img[380:520] = 0.04  # flat vacuum at the bottom of the micrograph
    img[520:] = 1.0  # white data zone with dark text
    img[540:555, 20:120] = 0.0
    img[560:565, 300:450] = 0.0
    assert detect_databar(img) == 80


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


@pytest.mark.real
@pytest.mark.parametrize("name", sorted(GT_BARS))
def test_gt_bars(name):
    import tifffile

    path = REAL / "gt" / name
    if not path.is_file():
        pytest.skip(f"{path} absent")
    img = tifffile.imread(path)
    assert detect_databar(img) == GT_BARS[name]
    mask = REAL / "gt" / name.replace("/SEM/", "/masks/").replace(".tif", "_m.tif")
    if mask.is_file():  # the authors' masks have no bar: nothing to crop
        assert detect_databar(tifffile.imread(mask)) == 0
