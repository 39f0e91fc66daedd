"""read_micrograph on constructed vendor files and on the real micrographs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import tifffile

from semscan.calibration import UNCALIBRATED
from semscan.errors import CalibrationError, ImageFormatError
from semscan.io import read_micrograph

REAL = (Path(__file__).parents[2] / ".." / "shared" / "data" / "real").resolve()

ROWS, COLS, BAR = 200, 256, 24


def _pixels(rows: int = ROWS, cols: int = COLS, bar: int = BAR, seed: int = 1) -> np.ndarray:
    """uint8 micrograph-like noise with a black FEI-style bar (white rule and text)."""
    rng = np.random.default_rng(seed)
    img = np.clip(rng.normal(120, 30, (rows + bar, cols)), 0, 255).astype(np.uint8)
    if bar:
        img[rows:] = 4
        img[rows] = 252
        img[rows + 6 : rows + 14, 10:60] = 252
        img[rows + 6 : rows + 14, 100:180] = 252
    return img


def _fei_text(pixel_m: str = "1e-08", res_y: int = ROWS, cols: int = COLS) -> str:
    return (
        "[User]\r\nDate=01/05/2026\r\n\r\n[System]\r\nSystemType=Quanta FEG\r\n\r\n"
        "[Beam]\r\nHV=10000\r\n\r\n"
        f"[Scan]\r\nPixelWidth={pixel_m}\r\nPixelHeight={pixel_m}\r\n\r\n"
        "[EBeam]\r\nWD=0.01\r\n\r\n"
        f"[Image]\r\nResolutionX={cols}\r\nResolutionY={res_y}\r\n\r\n"
        f"[PrivateFei]\r\nDatabarHeight={BAR}\r\n\r\n[Detectors]\r\nName=ETD\r\n"
    )


def _write_fei(path: Path, text: str | None = None, img: np.ndarray | None = None) -> Path:
    text = _fei_text() if text is None else text
    img = _pixels() if img is None else img
    tifffile.imwrite(path, img, extratags=[(34682, 2, None, text, True)])
    return path


def _zeiss_text(entries: dict[str, str]) -> bytes:
    lines = ["0", "0", "0", "1.000000e-009", "724"]
    for key, line in entries.items():
        lines += [key.upper(), line]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


# ----------------------------------------------------------------------------- FEI
def test_fei_tiff(tmp_path):
    path = _write_fei(tmp_path / "fei.tif")
    m = read_micrograph(path)
    assert m.calibration.pixel_size_um == pytest.approx(0.01)
    assert m.calibration.source == "file"
    assert m.calibration.detail == "FEI tag 34682 [Scan] PixelWidth"
    assert m.shape == (ROWS, COLS)
    assert (m.databar_height_px, m.databar_source) == (BAR, "metadata")
    assert m.image.dtype == np.float32 and 0 <= m.image.min() and m.image.max() <= 1
    md = m.metadata
    assert (md.vendor, md.model, md.kv, md.detector, md.dtype) == (
        "FEI",
        "Quanta FEG",
        10.0,
        "ETD",
        "uint8",
    )
    assert md.working_distance_mm == pytest.approx(10.0)
    assert md.original_shape == (ROWS + BAR, COLS) and (md.n_pages, md.page) == (1, 0)
    assert m.path == str(path)
    assert m.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert not m.excluded.any() and m.warnings == ()


def test_fei_keep_databar(tmp_path):
    m = read_micrograph(_write_fei(tmp_path / "fei.tif"), keep_databar=True)
    assert m.shape == (ROWS + BAR, COLS)
    assert (m.databar_height_px, m.databar_source) == (BAR, "kept")
    assert m.excluded[ROWS:].all() and not m.excluded[:ROWS].any()


def test_fei_malformed_pixelwidth_warns_and_goes_on(tmp_path):
    path = _write_fei(tmp_path / "bad.tif", _fei_text(pixel_m="abc"))
    with (
        pytest.warns(UserWarning, match="uncalibrated"),
        pytest.warns(UserWarning, match=r"PixelWidth = 'abc' is not a number"),
    ):
        m = read_micrograph(path)
    assert m.calibration == UNCALIBRATED
    assert m.shape == (ROWS, COLS)  # the bar height from the same tag is still used
    assert m.metadata.vendor == "FEI"


def test_fei_tag_that_is_not_fei_text(tmp_path):
    path = _write_fei(tmp_path / "junk.tif", text="just some words")
    with pytest.warns(UserWarning, match="uncalibrated"):
        m = read_micrograph(path)
    assert m.calibration.source == "none"
    assert m.databar_source == "detected" and m.shape == (ROWS, COLS)


# ----------------------------------------------------------------------------- Zeiss
def test_zeiss_tiff(tmp_path):
    text = _zeiss_text(
        {
            "ap_image_pixel_size": "Image Pixel Size = 2.000 nm",
            "ap_width": "Width = 512.0 nm",
            "ap_actualkv": "EHT = 5.00 kV",
            "ap_mag": "Mag = 200.00 K X",
            "dp_detector_channel": "Signal A = InLens",
        }
    )
    path = tmp_path / "zeiss.tif"
    tifffile.imwrite(path, _pixels(bar=0), extratags=[(34118, 2, len(text), text, True)])
    m = read_micrograph(path)
    assert m.calibration.pixel_size_um == pytest.approx(0.002)
    assert m.calibration.detail == "Zeiss tag 34118 ap_image_pixel_size"
    md = m.metadata
    assert (md.vendor, md.kv, md.magnification, md.detector) == ("Zeiss", 5.0, 2e5, "InLens")
    assert md.field_width_um == pytest.approx(0.512)
    assert m.databar_source == "none" and m.shape == (ROWS, COLS)


def test_zeiss_pixel_size_for_1024_frame(tmp_path, caplog):
    # 2048 px wide, field width 4.096 µm -> 2 nm/px; ap_pixel_size says 4 nm (1024 frame)
    text = _zeiss_text(
        {"ap_pixel_size": "Pixel Size = 4.000 nm", "ap_width": "Width = 4.096 \u00b5m"}
    )
    path = tmp_path / "zeiss2048.tif"
    tifffile.imwrite(path, _pixels(64, 2048, bar=0), extratags=[(34118, 7, len(text), text, True)])
    with pytest.warns(UserWarning, match="using the field width"):
        m = read_micrograph(path)
    assert m.calibration.pixel_size_um == pytest.approx(0.002)
    assert "ap_width" in m.calibration.detail
    assert "using the field width" in caplog.text
    with pytest.raises(CalibrationError, match="contradictory calibration"):
        read_micrograph(path, strict_calibration=True)


# ----------------------------------------------------------------------------- sidecars
def test_hitachi_sidecar(tmp_path):
    path = tmp_path / "hit.tif"
    tifffile.imwrite(path, _pixels())
    (tmp_path / "hit.txt").write_text(
        "[SemImageFile]\nInstructName=S-4800\n"
        f"DataSize={COLS}x{ROWS}\nPixelSize=12.5\nAcceleratingVoltage=3000 Volt\n",
        encoding="cp1252",
    )
    m = read_micrograph(path)
    assert m.calibration.pixel_size_um == pytest.approx(0.0125)
    assert m.calibration.source == "sidecar"
    assert "hit.txt" in m.calibration.detail
    assert (m.databar_height_px, m.databar_source, m.shape) == (BAR, "metadata", (ROWS, COLS))
    assert (m.metadata.vendor, m.metadata.kv) == ("Hitachi", 3.0)


def test_jeol_sidecar_with_png_and_unicode_path(tmp_path):
    import cv2

    path = tmp_path / "échantillon µ.png"
    ok, buf = cv2.imencode(".png", _pixels())
    assert ok
    path.write_bytes(buf.tobytes())
    (tmp_path / "échantillon µ.txt").write_text(
        f"$CM_FORMAT JEOL/SEM\n$CM_FULL_SIZE {COLS} {ROWS}\n$CM_ACCEL_VOLT 15.0\n"
        "$$SM_MICRON_BAR 100\n$$SM_MICRON_MARKER 10um\n"
    )
    m = read_micrograph(path)
    assert m.calibration.pixel_size_um == pytest.approx(0.1)
    assert m.calibration.source == "sidecar"
    assert (m.databar_height_px, m.shape, m.metadata.vendor) == (BAR, (ROWS, COLS), "JEOL")


TESCAN = "[MAIN]\r\nDevice=MIRA3\r\nPixelSizeX={px}\r\n[SEM]\r\nHV=15000\r\nImageStripSize=24\r\n"


def test_tescan_tag(tmp_path):
    path = tmp_path / "tescan.tif"
    tifffile.imwrite(path, _pixels(), extratags=[(50431, 2, None, TESCAN.format(px="5e-09"), True)])
    m = read_micrograph(path)
    assert m.calibration.pixel_size_um == pytest.approx(0.005)
    assert m.calibration.detail == "TESCAN tag 50431 [MAIN] PixelSizeX"
    assert (m.databar_source, m.shape, m.metadata.kv) == ("metadata", (ROWS, COLS), 15.0)


def test_tescan_hdr_sidecar_and_disagreement(tmp_path):
    path = tmp_path / "scan.tif"
    tifffile.imwrite(path, _pixels())
    (tmp_path / "scan-tif.hdr").write_text(TESCAN.format(px="5e-09"))
    m = read_micrograph(path)
    assert m.calibration.source == "sidecar"
    assert m.calibration.pixel_size_um == pytest.approx(0.005)
    # a tag that contradicts the sidecar: warn (tag wins), or raise when strict
    tifffile.imwrite(path, _pixels(), extratags=[(50431, 2, None, TESCAN.format(px="8e-09"), True)])
    with pytest.warns(UserWarning, match="calibrations disagree"):
        m = read_micrograph(path)
    assert m.calibration.source == "file"
    with pytest.raises(CalibrationError, match="contradictory"):
        read_micrograph(path, strict_calibration=True)
    # the user's value decides, no error even when strict
    with pytest.warns(UserWarning, match="calibrations disagree"):
        m = read_micrograph(path, pixel_size_um=0.004, strict_calibration=True)
    assert (m.calibration.source, m.calibration.pixel_size_um) == ("user", 0.004)


# ----------------------------------------------------------------------------- ImageJ / plain
def test_imagej_micron(tmp_path):
    path = tmp_path / "ij.tif"
    tifffile.imwrite(
        path, _pixels(bar=0), imagej=True, resolution=(20.0, 20.0), metadata={"unit": "micron"}
    )
    m = read_micrograph(path)
    assert m.calibration.pixel_size_um == pytest.approx(0.05)
    assert m.calibration.source == "file" and "ImageJ" in m.calibration.detail


def test_plain_tiff_dpi_is_not_a_calibration(tmp_path):
    path = tmp_path / "dpi.tif"
    tifffile.imwrite(path, _pixels(bar=0), resolution=(300, 300), resolutionunit="INCH")
    with pytest.warns(UserWarning, match="uncalibrated"):
        m = read_micrograph(path)
    assert m.calibration == UNCALIBRATED and m.calibration.unit == "px"


def test_user_override(tmp_path):
    path = _write_fei(tmp_path / "fei.tif")
    m = read_micrograph(path, pixel_size_um=0.25)
    assert (m.calibration.pixel_size_um, m.calibration.source) == (0.25, "user")
    with pytest.raises(CalibrationError, match="pixel_size_um"):
        read_micrograph(path, pixel_size_um=-1.0)


# ----------------------------------------------------------------------------- pixels
def test_multipage_selects_page(tmp_path):
    path = tmp_path / "stack.tif"
    stack = np.stack([np.full((32, 40), v, np.uint8) for v in (0, 100, 200)])
    tifffile.imwrite(path, stack, photometric="minisblack")
    m = read_micrograph(path, page=2, pixel_size_um=1.0)
    assert (m.metadata.n_pages, m.metadata.page) == (3, 2)
    assert float(m.image[0, 0]) == pytest.approx(200 / 255)
    with pytest.raises(ImageFormatError, match=r"stack\.tif.*page=3.*3 page"):
        read_micrograph(path, page=3)


def test_16bit(tmp_path):
    path = tmp_path / "u16.tif"
    tifffile.imwrite(path, np.full((32, 32), 65535 // 4, np.uint16))
    m = read_micrograph(path, pixel_size_um=1.0)
    assert m.metadata.dtype == "uint16"
    assert float(m.image.mean()) == pytest.approx(0.25, abs=1e-4)


def test_rgb_warns_luminance(tmp_path):
    path = tmp_path / "rgb.tif"
    rgb = np.zeros((32, 32, 3), np.uint8)
    rgb[..., 1] = 255
    tifffile.imwrite(path, rgb, photometric="rgb")
    with pytest.warns(UserWarning, match="colour image converted"):
        m = read_micrograph(path, pixel_size_um=1.0)
    assert float(m.image[0, 0]) == pytest.approx(0.7154, abs=1e-3)


def test_rgba_png_transparent_pixels_excluded(tmp_path):
    import cv2

    bgra = np.full((32, 32, 4), 128, np.uint8)
    bgra[:4, :, 3] = 0
    path = tmp_path / "a.png"
    path.write_bytes(cv2.imencode(".png", bgra)[1].tobytes())
    m = read_micrograph(path, pixel_size_um=1.0)  # grey RGB: no colour warning
    assert m.excluded[:4].all() and not m.excluded[4:].any()


def test_palette_png(tmp_path):
    from PIL import Image

    idx = np.zeros((32, 32), np.uint8)
    idx[:, 16:] = 1
    im = Image.fromarray(idx, mode="P")
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    path = tmp_path / "pal.png"
    im.save(path)
    with pytest.warns(UserWarning, match="colour image converted"):
        m = read_micrograph(path, pixel_size_um=1.0)
    assert float(m.image[0, 0]) == pytest.approx(0.2125, abs=2e-3)
    assert float(m.image[0, 31]) == pytest.approx(0.0721, abs=2e-3)


def test_grey_palette_tiff_is_grey(tmp_path):
    path = tmp_path / "pal.tif"
    cmap = np.tile(np.arange(256, dtype=np.uint16) * 257, (3, 1))
    tifffile.imwrite(path, np.full((32, 32), 51, np.uint8), photometric="palette", colormap=cmap)
    m = read_micrograph(path, pixel_size_um=1.0)
    assert float(m.image[0, 0]) == pytest.approx(0.2)


def test_float_image_rescaled(tmp_path):
    path = tmp_path / "f.tif"
    tifffile.imwrite(path, np.linspace(0, 1000, 32 * 32, dtype=np.float32).reshape(32, 32))
    with pytest.warns(UserWarning, match="rescaled"):
        m = read_micrograph(path, pixel_size_um=1.0)
    assert (float(m.image.min()), float(m.image.max())) == (0.0, 1.0)


# ----------------------------------------------------------------------------- errors
def test_missing_file(tmp_path):
    with pytest.raises(ImageFormatError, match=r"nope\.tif: no such file; check the path"):
        read_micrograph(tmp_path / "nope.tif")


def test_empty_file(tmp_path):
    (tmp_path / "empty.tif").write_bytes(b"")
    with pytest.raises(ImageFormatError, match=r"empty\.tif: the file is empty"):
        read_micrograph(tmp_path / "empty.tif")


def test_truncated_tiff(tmp_path):
    full = _write_fei(tmp_path / "full.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(full[: len(full) // 2])
    with pytest.raises(ImageFormatError, match=r"cut\.tif: truncated"):
        read_micrograph(tmp_path / "cut.tif")


def test_truncated_png(tmp_path):
    import cv2

    data = cv2.imencode(".png", _pixels())[1].tobytes()
    (tmp_path / "cut.png").write_bytes(data[:200])
    with pytest.raises(ImageFormatError, match=r"cut\.png: truncated PNG"):
        read_micrograph(tmp_path / "cut.png")


def test_corrupt_tiff_header(tmp_path):
    (tmp_path / "bad.tif").write_bytes(b"II*\x00" + b"\xff" * 60)
    with pytest.raises(ImageFormatError, match=r"bad\.tif: not a readable TIFF.*check that"):
        read_micrograph(tmp_path / "bad.tif")


def test_not_an_image(tmp_path):
    (tmp_path / "notes.png").write_text("hello, I am text")
    with pytest.raises(ImageFormatError, match=r"notes\.png: not an image.*use TIFF, PNG"):
        read_micrograph(tmp_path / "notes.png")


def test_directory(tmp_path):
    with pytest.raises(ImageFormatError, match="not a regular file"):
        read_micrograph(tmp_path)


def test_too_small(tmp_path):
    tifffile.imwrite(tmp_path / "tiny.tif", np.zeros((8, 64), np.uint8))
    with pytest.raises(ImageFormatError, match=r"tiny\.tif: the image is 8x64 px, smaller than"):
        read_micrograph(tmp_path / "tiny.tif")


def test_too_small_after_crop(tmp_path):
    text = _fei_text(res_y=10)
    path = _write_fei(tmp_path / "short.tif", text, img=_pixels(rows=10, bar=24))
    with pytest.raises(ImageFormatError, match=r"short\.tif: only 10 rows are left"):
        read_micrograph(path, pixel_size_um=1.0)


def test_fei_resampled_image(tmp_path):
    # saved at half the acquired width: pixel size doubled, the bar found from the pixels
    text = _fei_text().replace(f"ResolutionX={COLS}", f"ResolutionX={2 * COLS}")
    path = _write_fei(tmp_path / "half.tif", text)
    with pytest.warns(UserWarning, match="resampled"):
        m = read_micrograph(path)
    assert m.calibration.pixel_size_um == pytest.approx(0.02)
    assert (m.databar_source, m.databar_height_px, m.shape) == ("detected", BAR, (ROWS, COLS))


@pytest.mark.parametrize(
    ("array", "reason"),
    [
        (np.zeros((32, 32), np.complex64), "unsupported pixel type complex64"),
        (np.zeros((32, 32, 6), np.uint8), "6 channels"),
    ],
)
def test_unsupported_pixels(tmp_path, array, reason):
    path = tmp_path / "odd.tif"
    tifffile.imwrite(path, array, photometric="minisblack", planarconfig="contig")
    with pytest.raises(ImageFormatError, match=rf"odd\.tif: .*{reason}"):
        read_micrograph(path, pixel_size_um=1.0)


def test_error_is_oserror(tmp_path):
    with pytest.raises(OSError):
        read_micrograph(tmp_path / "missing.png")


# ----------------------------------------------------------------------------- real files
REAL_FILES = {
    # name: (pixel size in µm or None, data-bar rows; see tests/io/test_databar.py for how
    # the bar heights were determined)
    "npg_aquami_zeiss.tif": (0.000543, 77),
    "retic_skan_fei.tif": (0.001079, 70),
    "membrane_cells_hitachi.bmp": (None, 64),
    "porous_si_zeiss.tif": (0.002754, 98),
    "swollen_mat_holes.png": (None, 0),
    "particles_fei.tif": (0.1349, 79),
    "dense_crack_fei.tif": (0.1349, 79),
    "wrinkled_film_fei16.tif": (0.1457, 59),
}


@pytest.mark.real
@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_files(name):
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} absent")
    pixel, bar = REAL_FILES[name]
    if pixel is None:
        with pytest.warns(UserWarning, match="uncalibrated"):
            m = read_micrograph(path)
        assert m.calibration == UNCALIBRATED
    else:
        m = read_micrograph(path)
        assert m.calibration.pixel_size_um == pytest.approx(pixel, rel=0.01)
        assert m.calibration.source == "file"
    rows = m.metadata.original_shape[0]
    assert abs(m.databar_height_px - bar) <= 1
    assert m.shape[0] == rows - m.databar_height_px
    # no bar rows left: the last rows look like a micrograph, not a flat bar background
    q = np.rint(m.image[-3:] * 255).astype(int)
    for row in q:
        assert np.bincount(row).max() / row.size < 0.4


# ----------------------------------------------------------------------------- size limits
def _bombs(tmp_path: Path) -> dict[str, Path]:
    import cv2

    from tests.hostile import _bmp_with_size, _jpeg_with_size, png_bytes, tiff_bytes

    img = _pixels()
    jpg = cv2.imencode(".jpg", img)[1].tobytes()
    bmp = cv2.imencode(".bmp", img)[1].tobytes()
    files = {
        "a.png": png_bytes(30000, 30000, b"\x78\x9c\x03\x00\x00\x00\x00\x01"),
        "b.tif": tiff_bytes(100000, 100000),
        "c.jpg": _jpeg_with_size(jpg, 65000, 65000),
        "d.bmp": _bmp_with_size(bmp, 100000, 100000),
        "e.tif": tiff_bytes(12000, 12000, bits=64, samples=4, sample_format=3),  # 144 Mpx, 4.3 GiB
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return {name: tmp_path / name for name in files}


def test_pixel_limit_is_checked_from_the_header_before_decoding(tmp_path):
    for name, path in _bombs(tmp_path).items():
        with pytest.raises(ImageFormatError, match=rf"{name}: the \w+ header says \d+ x \d+ px "
                           r".* more than the limit of 250 Mpx / 1.86 GiB; the image is not "
                           r"decoded; .*io\.max_pixels"):
            read_micrograph(path)


def test_max_pixels_option(tmp_path):
    path = tmp_path / "small.tif"
    tifffile.imwrite(path, _pixels(bar=0))
    png = tmp_path / "small.png"
    import cv2

    cv2.imwrite(str(png), _pixels(bar=0))
    for p in (path, png):
        with pytest.raises(ImageFormatError, match=r"256 x 200 px \(0.0512 Mpx.*limit of 0.05 Mpx"):
            read_micrograph(p, pixel_size_um=0.01, max_pixels=50_000)
        assert read_micrograph(p, pixel_size_um=0.01, max_pixels=None).shape == (200, 256)
        assert read_micrograph(p, pixel_size_um=0.01, max_pixels=51_200).shape == (200, 256)


def test_pipeline_passes_the_io_max_pixels_option(tmp_path):
    from semscan.config import AnalysisConfig
    from semscan.pipeline import analyze_path

    path = tmp_path / "small.tif"
    tifffile.imwrite(path, _pixels(bar=0))
    cfg = AnalysisConfig().with_overrides({"io.max_pixels": 1000, "io.pixel_size_um": 0.01})
    assert AnalysisConfig().io.max_pixels == 250_000_000
    with pytest.raises(ImageFormatError, match=r"limit of 0\.001 Mpx"):
        analyze_path(path, config=cfg)


def test_pillow_bomb_error_is_an_image_format_error(tmp_path):
    import struct

    gif = (b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
           + b"\x2c" + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x08\x02\x00\x3b")
    path = tmp_path / "bomb.gif"
    path.write_bytes(gif)
    with pytest.raises(ImageFormatError, match=r"bomb\.gif: (too many pixels|the image header)"):
        read_micrograph(path)


@pytest.mark.parametrize(("ext", "match"), [(".jpg", "truncated JPEG"), (".bmp", "truncated BMP"),
                                            (".png", "truncated PNG")])
def test_truncated_jpeg_bmp_png(tmp_path, ext, match):
    import cv2

    data = cv2.imencode(ext, _pixels())[1].tobytes()
    path = tmp_path / f"cut{ext}"
    path.write_bytes(data[: len(data) - 10])
    with pytest.raises(ImageFormatError, match=rf"cut\{ext}: {match}"):
        read_micrograph(path)


def test_odd_file_names_read_fine(tmp_path):
    import os

    names = ["new\nline.tif", "x" * 240 + ".tif", "-dash.tif", "ünï µm.tif"]
    try:
        names.append(os.fsdecode(b"latin1_\xe9\xff.tif"))
    except UnicodeError:  # pragma: no cover - a file system without surrogateescape
        pass
    for name in names:
        try:
            tifffile.imwrite(tmp_path / name, _pixels(bar=0))
        except OSError:  # pragma: no cover - the file system refuses the name
            continue
        m = read_micrograph(tmp_path / name, pixel_size_um=0.01)
        assert m.name == name and m.shape == (200, 256)


def test_sidecar_encodings_and_size(tmp_path):
    path = tmp_path / "h.tif"
    tifffile.imwrite(path, _pixels(bar=0))
    side = tmp_path / "h.txt"
    for data in ("[SemImageFile]\nPixelSize=10\n".encode("utf-16"),
                 "[SemImageFile]\nPixelSize=10\nSignalName=µ\n".encode("cp1252"),
                 b"\xef\xbb\xbf[SemImageFile]\nPixelSize=10\n"):
        side.write_bytes(data)
        assert read_micrograph(path).calibration.pixel_size_um == pytest.approx(0.01)
    side.write_bytes(b"[SemImageFile]\nPixelSize=10\n" + b"#" * (2 << 20))
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert not read_micrograph(path).calibration.is_calibrated
    assert any("sidecar h.txt could not be read (larger than 1 MiB" in str(w.message)
               for w in caught)
