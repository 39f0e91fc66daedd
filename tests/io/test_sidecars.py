"""semscan.io.sidecars: finding, reading and dispatching the files beside an image."""

from __future__ import annotations

import pytest

from semscan.io.sidecars import (
    MAX_SIDECAR_BYTES,
    decode_text,
    find_sidecars,
    read_sidecar_text,
    sidecar_vendors,
)

HITACHI = "[SemImageFile]\nPixelSize=9.921875\nDataSize=1280x960\n"
JEOL = "$CM_FULL_SIZE 1280 960\n$$SM_MICRON_BAR 200\n$$SM_MICRON_MARKER 1um\n"
TESCAN = "[MAIN]\nPixelSizeX=5e-09\n[SEM]\nImageStripSize=64\n"


def test_find_sidecars_in_the_order_they_are_used(tmp_path):
    img = tmp_path / "a.b.tif"
    img.write_bytes(b"")
    for name in ("a.b.txt", "a-b-tif.hdr", "a.b.hdr", "other.txt"):
        (tmp_path / name).write_text("x")
    (tmp_path / "a.b.TXT").mkdir()  # a folder is not a sidecar
    assert [p.name for p in find_sidecars(img)] == ["a.b.txt", "a-b-tif.hdr", "a.b.hdr"]
    assert find_sidecars(tmp_path / "none.tif") == []


@pytest.mark.parametrize(
    ("text", "vendor", "pixel_um", "bar"),
    [(HITACHI, "Hitachi", 0.009921875, 64), (JEOL, "JEOL", 0.005, 64),
     (TESCAN, "TESCAN", 0.005, 64)],
)
def test_each_sidecar_goes_to_its_vendor(tmp_path, text, vendor, pixel_um, bar):
    img = tmp_path / "s.tif"
    img.write_bytes(b"")
    name = "s-tif.hdr" if vendor == "TESCAN" else "s.txt"
    (tmp_path / name).write_text(text, encoding="utf-16")  # any of the usual encodings
    notes: list[str] = []
    (info,) = sidecar_vendors(img, (1024, 1280), notes)
    assert info.vendor == vendor and info.databar_height_px == bar and notes == []
    assert info.calibration.pixel_size_um == pytest.approx(pixel_um, rel=1e-12)
    assert info.calibration.source == "sidecar" and name in info.calibration.detail


def test_unknown_and_unreadable_sidecars(tmp_path):
    img = tmp_path / "s.tif"
    img.write_bytes(b"")
    (tmp_path / "s.txt").write_text("just a lab note\n")
    with (tmp_path / "s.hdr").open("wb") as fh:
        fh.truncate(MAX_SIDECAR_BYTES + 1)
    notes: list[str] = []
    assert sidecar_vendors(img, (100, 100), notes) == []
    assert notes == ["sidecar s.hdr could not be read (larger than 1 MiB, not a vendor "
                     "sidecar); ignored"]
    with pytest.raises(OSError, match="not a vendor sidecar"):
        read_sidecar_text(tmp_path / "s.hdr")


@pytest.mark.parametrize(
    ("data", "text"),
    [("µm".encode(), "µm"), ("µm".encode("cp1252"), "µm"), ("µm".encode("utf-16"), "µm"),
     (b"\xef\xbb\xbfPixelSize", "PixelSize"), (b"\x81\x8d", "\x81\x8d")],
)
def test_decode_text_never_raises(data, text):
    assert decode_text(data) == text
