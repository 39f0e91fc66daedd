"""Vendor metadata parsers (semscan.io.vendors), on parsed dicts and texts."""

from __future__ import annotations

import pytest

from semscan.io.vendors import (
    fei_info,
    hitachi_info,
    imagej_info,
    jeol_info,
    parse_ini,
    tescan_info,
    zeiss_info,
)

FEI = {
    "System": {"SystemType": "Quanta FEG"},
    "Beam": {"HV": 10000},
    "Scan": {"PixelWidth": 1.34896e-07, "HorFieldsize": 0.0002072},
    "EScan": {"PixelWidth": 1.34896e-07},
    "EBeam": {"WD": 0.0130525, "HFW": 0.0002072},
    "Image": {"ResolutionX": 1536, "ResolutionY": 1024, "MagCanvasRealWidth": 0.2072},
    "PrivateFei": {"DatabarHeight": 79},
    "Detectors": {"Name": "ETD"},
}


def test_fei_full():
    info = fei_info(FEI, image_shape=(1103, 1536))
    assert info.calibration.pixel_size_um == pytest.approx(0.134896)
    assert info.calibration.detail == "FEI tag 34682 [Scan] PixelWidth"
    assert info.databar_height_px == 79
    md = info.metadata
    assert (md.kv, md.magnification, md.detector) == (10.0, 1000.0, "ETD")
    assert md.working_distance_mm == pytest.approx(13.0525)
    assert md.field_width_um == pytest.approx(207.2)
    assert info.warnings == () and info.conflicts == ()


def test_fei_databar_from_resolution_even_if_databarheight_zero():
    md = {**FEI, "PrivateFei": {"DatabarHeight": 0}}
    assert fei_info(md, image_shape=(1094, 1536)).databar_height_px == 70


def test_fei_no_bar_when_height_equals_resolution():
    assert fei_info(FEI, image_shape=(1024, 1536)).databar_height_px == 0


def test_fei_escan_only_and_malformed():
    md = {"EScan": {"PixelWidth": 2e-9}, "Scan": {"PixelWidth": "abc"}}
    info = fei_info(md, image_shape=(100, 100), tag="FEI tag 34680")
    assert info.calibration.pixel_size_um == pytest.approx(0.002)
    assert info.calibration.detail == "FEI tag 34680 [EScan] PixelWidth"
    assert any("PixelWidth = 'abc' is not a number" in w for w in info.warnings)
    assert info.databar_height_px is None


def test_fei_conflicting_scan_escan():
    md = {**FEI, "EScan": {"PixelWidth": 2e-07}}
    info = fei_info(md, image_shape=(1103, 1536))
    assert len(info.conflicts) == 1 and "disagree" in info.conflicts[0]


def test_fei_resampled_image_scales_pixel():
    info = fei_info(FEI, image_shape=(551, 768))
    assert info.calibration.pixel_size_um == pytest.approx(2 * 0.134896)
    assert info.databar_height_px is None
    assert "resampled" in info.warnings[0]


ZEISS = {
    "ap_image_pixel_size": ("Image Pixel Size", 2.754, "nm"),
    "ap_pixel_size": ("Pixel Size", 2.754, "nm"),
    "ap_width": ("Width", 2.82, "µm"),
    "ap_actualkv": ("EHT", 2.0, "kV"),
    "ap_wd": ("WD", 5.012, "mm"),
    "ap_mag": ("Mag", "100.00 K X"),
    "dp_detector_channel": ("Signal A", "HE-SE2"),
    "dp_sem": ("Sem", "Merlin"),
}


def test_zeiss_agreeing():
    info = zeiss_info(ZEISS, image_shape=(768, 1024))
    assert info.calibration.pixel_size_um == pytest.approx(0.002754)
    assert info.calibration.detail == "Zeiss tag 34118 ap_image_pixel_size"
    md = info.metadata
    assert (md.kv, md.magnification, md.detector, md.model) == (2.0, 100000.0, "HE-SE2", "Merlin")
    assert md.working_distance_mm == pytest.approx(5.012)
    assert info.databar_height_px is None and info.conflicts == ()


def test_zeiss_pixel_size_of_1024_frame_field_width_wins():
    md = {"ap_pixel_size": ("Pixel Size", 4.0, "nm"), "ap_width": ("Width", 4.096, "µm")}
    info = zeiss_info(md, image_shape=(1536, 2048))
    assert info.calibration.pixel_size_um == pytest.approx(0.002)
    assert "ap_width" in info.calibration.detail
    assert len(info.conflicts) == 1 and "using the field width" in info.conflicts[0]


def test_zeiss_malformed_entries():
    md = {"ap_image_pixel_size": ("Image Pixel Size", "n/a", "nm"), "ap_width": "junk"}
    info = zeiss_info(md, image_shape=(768, 1024))
    assert info.calibration is None
    assert len(info.warnings) == 2


def test_tescan_tag_and_sidecar_source():
    text = "[MAIN]\nDevice=VEGA3\nMagnification=2000\nPixelSizeX=1e-07\nPixelSizeY=1e-07\n"
    text += "[SEM]\nHV=20000\nWD=0.01\nDetector=SE\nImageStripSize=80\n"
    tag = tescan_info(text, image_shape=(1104, 1024), where="TESCAN tag 50431")
    side = tescan_info(text, image_shape=(1104, 1024), where="x-tif.hdr")
    assert tag.calibration.source == "file" and side.calibration.source == "sidecar"
    assert tag.calibration.pixel_size_um == pytest.approx(0.1)
    meta = tag.metadata
    assert (tag.databar_height_px, meta.kv, meta.model, meta.detector) == (80, 20.0, "VEGA3", "SE")
    assert meta.working_distance_mm == pytest.approx(10.0)


def test_tescan_without_main():
    info = tescan_info("[SEM]\nHV=1\n", image_shape=(100, 100), where="x-tif.hdr")
    assert info.calibration is None and "no [MAIN]" in info.warnings[0]


HITACHI = """[SemImageFile]
InstructName=S-4800
DataSize=1280x960
PixelSize=39.6875
SignalName=SE(U)
AcceleratingVoltage=5000 Volt
Magnification=2500
WorkingDistance=8100 um
"""


def test_hitachi():
    info = hitachi_info(HITACHI, image_shape=(1024, 1280), where="a.txt")
    assert info.calibration.pixel_size_um == pytest.approx(0.0396875)
    assert info.calibration.source == "sidecar"
    assert info.databar_height_px == 64
    md = info.metadata
    assert (md.kv, md.magnification, md.model, md.detector) == (5.0, 2500.0, "S-4800", "SE(U)")
    assert md.working_distance_mm == pytest.approx(8.1)


def test_hitachi_malformed_pixel():
    info = hitachi_info(HITACHI.replace("39.6875", "x"), image_shape=(1024, 1280), where="a")
    assert info.calibration is None and "PixelSize" in info.warnings[0]


JEOL = """$CM_FORMAT JEOL/SEM
$CM_INSTRUMENT JSM-7600F
$CM_ACCEL_VOLT 15.00
$CM_MAG 5000
$CM_FULL_SIZE 1280 960
$CM_SIGNAL SEI
$SM_WD 8.0
$$SM_MICRON_BAR 128
$$SM_MICRON_MARKER 5um
"""


def test_jeol():
    info = jeol_info(JEOL, image_shape=(1024, 1280), where="a.txt")
    assert info.calibration.pixel_size_um == pytest.approx(5 / 128)
    assert info.databar_height_px == 64
    md = info.metadata
    assert (md.kv, md.magnification, md.model, md.detector) == (15.0, 5000.0, "JSM-7600F", "SEI")


def test_jeol_scaled_when_saved_smaller():
    info = jeol_info(JEOL, image_shape=(512, 640), where="a.txt")
    assert info.calibration.pixel_size_um == pytest.approx(2 * 5 / 128)
    assert info.databar_height_px is None
    assert info.warnings == ("a.txt: image width 640 px differs from CM_FULL_SIZE; pixel size "
                             "scaled",)


def test_jeol_marker_in_nm_and_bad_marker():
    nm = jeol_info(JEOL.replace("5um", "500nm"), image_shape=(1024, 1280), where="a")
    assert nm.calibration.pixel_size_um == pytest.approx(0.5 / 128)
    bad = jeol_info(JEOL.replace("5um", "five"), image_shape=(1024, 1280), where="a")
    assert bad.calibration is None and "not a length" in bad.warnings[0]


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("micron", 0.1), ("um", 0.1), ("\\u00B5m", 0.1), ("nm", 1e-4), ("mm", 100.0)],
)
def test_imagej_units(unit, expected):
    info = imagej_info(f"ImageJ=1.54f\nunit={unit}\n", x_resolution=(10, 1))
    assert info.calibration.pixel_size_um == pytest.approx(expected)
    assert info.calibration.source == "file"


@pytest.mark.parametrize("desc", ["ImageJ=1.54f\nunit=pixel\n", "ImageJ=1.54f\n", "hello"])
def test_imagej_not_calibrated(desc):
    assert imagej_info(desc, x_resolution=(300, 1)) is None


def test_parse_ini_keeps_going_on_junk():
    out = parse_ini("junk line\n[A]\nk = v\n\x00")
    assert out == {"": {}, "A": {"k": "v"}}


# ----------------------------------------------------------------------------- hostile values
BIG = "9" * 400


@pytest.mark.parametrize(
    "metadata",
    [
        {"Scan": {"PixelWidth": int(BIG)}},  # tifffile parses digits as int
        {"Scan": {"PixelWidth": 1e305}},
        {"Scan": {"PixelWidth": 1e-320}},
        {"Scan": {"PixelWidth": -1e-8}},
        {"EScan": {"PixelWidth": float("nan")}},
    ],
)
def test_fei_absurd_pixel_is_a_warning(metadata):
    info = fei_info(metadata, image_shape=(100, 100))
    assert info.calibration is None
    assert len(info.warnings) == 1 and "ignored" in info.warnings[0]


def test_fei_400_digit_sizes_and_bar():
    md = {"Scan": {"PixelWidth": 1e-8}, "Image": {"ResolutionX": int(BIG),
                                                  "ResolutionY": int(BIG)},
          "PrivateFei": {"DatabarHeight": int(BIG)}, "Beam": {"HV": int(BIG)}}
    info = fei_info(md, image_shape=(100, 100))
    assert info.calibration.pixel_size_um == pytest.approx(0.01)
    assert info.databar_height_px is None and info.metadata.kv is None
    assert any("ResolutionX" in w and "ignored" in w for w in info.warnings)


@pytest.mark.parametrize("mag", ["..x", "X", f"{BIG} K X", "-3 X", "1e305 X"])
def test_zeiss_odd_magnification_is_a_warning(mag):
    info = zeiss_info({"ap_mag": ("Mag", mag), "ap_image_pixel_size": ("Pixel", 2.0, "nm")},
                      image_shape=(100, 100))
    md = info.metadata
    assert md.magnification is None and info.calibration.pixel_size_um == pytest.approx(0.002)
    assert any("ap_mag" in w for w in info.warnings)


def test_zeiss_absurd_pixel_and_width():
    info = zeiss_info({"ap_image_pixel_size": ("Pixel", 1e305, "nm"),
                       "ap_width": ("Width", 1e-320, "µm")}, image_shape=(100, 100))
    assert info.calibration is None
    assert any("physically plausible" in w for w in info.warnings)


def test_hitachi_and_jeol_400_digits():
    h = hitachi_info(f"[SemImageFile]\nPixelSize={BIG}\nDataSize={BIG}x{BIG}\n",
                     image_shape=(100, 100), where="a.txt")
    assert h.calibration is None and h.databar_height_px is None and h.warnings
    j = jeol_info(f"$CM_FULL_SIZE {BIG} {BIG}\n$$SM_MICRON_BAR 100\n$$SM_MICRON_MARKER 1um\n",
                  image_shape=(100, 100), where="a.txt")
    assert j.calibration.pixel_size_um == pytest.approx(0.01) and j.databar_height_px is None
    k = jeol_info("$$SM_MICRON_BAR 1\n$$SM_MICRON_MARKER 1e305um\n", image_shape=(100, 100),
                  where="b.txt")
    assert k.calibration is None and "physically plausible" in " ".join(k.warnings)


def test_imagej_absurd_resolution():
    info = imagej_info("ImageJ=1.54f\nunit=micron\n", x_resolution=(10**400, 1))
    assert info.calibration is None and info.warnings
    tiny = imagej_info("ImageJ=1.54f\nunit=nm\n", x_resolution=(1, 4294967295))
    assert tiny.calibration is None and "physically plausible" in tiny.warnings[0]
