"""semscan.napari._reader: micrographs and output folders as layer data, without a viewer."""

from __future__ import annotations

import warnings

import pytest

from semscan.napari._reader import (
    get_micrograph_reader,
    get_output_reader,
    read_micrograph_layers,
    read_output_layers,
)
from tests.napari._files import VENDOR_FILES


@pytest.mark.parametrize("name", sorted(VENDOR_FILES))
def test_micrograph_reader_scale_is_the_calibration(tmp_path, name):
    write, px, source, vendor, rows = VENDOR_FILES[name]
    path = write(tmp_path)
    reader = get_micrograph_reader(str(path))
    assert reader is read_micrograph_layers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if px is None else "error")
        [(data, kw, kind)] = reader(str(path))
    assert kind == "image" and data.shape == (rows, 160)  # the data bar is cropped
    meta = kw["metadata"]
    assert (meta["vendor"], meta["calibration_source"]) == (vendor, source)
    if px is None:
        assert kw["scale"] == (1.0, 1.0) and kw["units"] == ("pixel", "pixel")
        assert meta["unit"] == "px" and kw["name"].endswith("[px]")
    else:
        assert kw["scale"] == pytest.approx((px, px)) and kw["units"] == ("um", "um")
        assert meta["unit"] == "µm" and meta["calibration"]["pixel_size_um"] == pytest.approx(px)


def test_readers_refuse_what_they_do_not_read(tmp_path, out_folder):
    assert get_micrograph_reader(str(tmp_path / "notes.txt")) is None
    assert get_output_reader(str(tmp_path)) is None
    assert get_output_reader(str(out_folder)) is read_output_layers
    stem = sorted((out_folder / "images").glob("*.json"))[0]
    assert get_output_reader(str(stem)) is read_output_layers
