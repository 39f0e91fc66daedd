"""semscan.io.tiff_tags: the vendor tags of a TIFF page handed to their parsers."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from semscan.io.tiff_tags import _tag_text, tiff_vendors

FEI = "[Scan]\r\nPixelWidth=1e-08\r\n[Image]\r\nResolutionX=64\r\nResolutionY=48\r\n"
TESCAN = "[MAIN]\r\nPixelSizeX=2e-09\r\n"


def _page(tmp_path, extratags, **kwargs):
    path = tmp_path / "t.tif"
    tifffile.imwrite(path, np.zeros((64, 64), np.uint8), extratags=extratags, **kwargs)
    tif = tifffile.TiffFile(path)
    return tif, tif.pages[0]


def test_fei_and_tescan_tags(tmp_path):
    tif, page = _page(tmp_path, [(34682, "s", 0, FEI, True), (50431, "B", len(TESCAN),
                                                             TESCAN.encode(), True)])
    with tif:
        notes: list[str] = []
        fei, tescan = tiff_vendors(page, (64, 64), notes)
    assert notes == []
    assert (fei.vendor, fei.databar_height_px, fei.calibration.pixel_size_um) == ("FEI", 16,
                                                                                   0.01)
    assert tescan.vendor == "TESCAN" and tescan.calibration.source == "file"
    assert tescan.calibration.pixel_size_um == pytest.approx(0.002, rel=1e-12)


def test_imagej_description(tmp_path):
    tif, page = _page(tmp_path, [], imagej=True, resolution=(50, 50),
                      metadata={"unit": "micron"})
    with tif:
        (info,) = tiff_vendors(page, (64, 64), [])
    assert info.vendor == "ImageJ" and info.calibration.pixel_size_um == pytest.approx(0.02)


def test_a_plain_tiff_has_no_vendor_and_its_dpi_is_not_a_calibration(tmp_path):
    tif, page = _page(tmp_path, [], resolution=(300, 300))
    with tif:
        assert tiff_vendors(page, (64, 64), []) == []


def test_tag_text_of_bytes_and_codes():
    assert _tag_text(b"[MAIN]\x00junk") == "[MAIN]"
    assert _tag_text("µm".encode("cp1252")) == "µm"
    assert _tag_text((91, 65, 93)) == "[A]"
    assert _tag_text(None) is None and _tag_text(3.5) is None
