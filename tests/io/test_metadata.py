"""semscan.io._metadata: the total helpers every vendor parser shares."""

from __future__ import annotations

import pytest

from semscan.io._metadata import (
    VendorInfo,
    _bar_from_sizes,
    _decode_first,
    _full_size_frame,
    _length_um,
    _Notes,
    _number,
    _parse_length_um,
    _scanned_info,
    parse_ini,
)
from semscan.micrograph import InstrumentMetadata


@pytest.mark.parametrize(
    ("value", "expected", "n_notes"),
    [("1.5", 1.5, 0), (2, 2.0, 0), ("  ", None, 0), (None, None, 0), ("abc", None, 1),
     ("nan", None, 1), (10**400, None, 1), ("-3", None, 1)],
)
def test_number_is_a_finite_float_or_none_with_a_note(value, expected, n_notes):
    notes = _Notes()
    assert _number(value, "X", notes, positive=True) == expected
    assert len(notes.warnings) == n_notes and notes.conflicts == []


def test_lengths_and_units():
    assert _length_um(5.0, "nm") == 0.005 and _length_um(2.0, "mm") == 2000.0
    assert _length_um(1.0, "parsec") is None
    assert _parse_length_um("1um") == 1.0 and _parse_length_um(" 500 nm ") == 0.5
    assert _parse_length_um("five um") is None


def test_frame_sizes_give_the_data_bar_or_scale_the_pixel():
    assert _bar_from_sizes(1024, 960.0) == 64 and _bar_from_sizes(960, 1024.0) is None
    same = _Notes()
    assert _full_size_frame((1280, 960), (1024, 1280), 0.01, "d", "K", same, "a.txt") == (
        64, 0.01, "d")
    assert same.warnings == []  # not scaled
    notes = _Notes()
    bar, pixel, detail = _full_size_frame((1280, 960), (512, 640), 0.01, "d", "K", notes, "a.txt")
    assert (bar, pixel) == (None, 0.02)
    assert detail == "d scaled by K width 1280 / image width 640"
    assert notes.warnings == ["a.txt: image width 640 px differs from K; pixel size scaled"]


def test_scanned_info_checks_the_pixel_and_derives_the_field_width():
    notes = _Notes()
    info = _scanned_info("JEOL", notes, pixel=0.005, source="sidecar", detail="d", cols=1000,
                         kv=5.0)
    assert info == VendorInfo(InstrumentMetadata(vendor="JEOL", kv=5.0, field_width_um=5.0),
                              calibration=info.calibration)
    assert info.calibration.pixel_size_um == 0.005 and info.calibration.source == "sidecar"
    absurd = _scanned_info("JEOL", _Notes(), pixel=1e9, source="sidecar", detail="d", cols=10)
    assert absurd.calibration is None and absurd.metadata.field_width_um is None
    assert len(absurd.warnings) == 1 and "ignored" in absurd.warnings[0]


def test_decode_first_falls_back_to_latin1():
    assert _decode_first("µ".encode(), ("utf-8",)) == "µ"
    assert _decode_first(b"\xb5m", ("utf-8",)) == "µm"
    assert _decode_first(b"\x81", ("utf-8", "cp1252")) == "\x81"  # latin-1 decodes anything


def test_parse_ini_sections_and_junk():
    assert parse_ini("junk\n[A]\nk = v\n; c\n[B]\nx=1=2\n") == {
        "": {}, "A": {"k": "v"}, "B": {"x": "1=2"}}
