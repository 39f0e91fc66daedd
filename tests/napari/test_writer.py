"""The labels writer, without a viewer: a label TIFF with the pixel size, read back."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from semscan.errors import PluginError
from semscan.io.labels import read_label_image
from semscan.napari._writer import layer_calibration, write_labels


def test_a_labels_layer_is_written_with_its_pixel_size(tmp_path):
    labels = np.zeros((30, 40), np.int32)
    labels[5:10, 5:20] = 1
    labels[-4:] = 2
    meta = {"scale": (0.02, 0.02), "metadata": {"calibration": {
        "pixel_size_um": 0.02, "calibration_source": "fei", "unit": "µm"}}}
    [written] = write_labels(str(tmp_path / "a_labels.tif"), labels, meta)
    np.testing.assert_array_equal(read_label_image(written), labels)
    with tifffile.TiffFile(written) as tif:
        assert tif.imagej_metadata["unit"] == "micron"
        assert tif.pages[0].tags["XResolution"].value == (50, 1)
        assert tif.pages[0].dtype == np.uint8


def test_scale_units_and_refusals(tmp_path):
    assert layer_calibration({"scale": (0.5, 0.5), "units": ("um", "um")}).pixel_size_um == 0.5
    assert not layer_calibration({"scale": (0.5, 0.5), "units": ("pixel", "pixel")}
                                 ).is_calibrated
    assert not layer_calibration({"scale": (0.5, 0.4), "units": ("um", "um")}).is_calibrated
    with pytest.raises(PluginError, match=r"labels \[4, 7\]"):  # 3 is whisker
        write_labels(str(tmp_path / "x.tif"), np.array([[0, 4], [7, 3]]), {})
    with pytest.raises(PluginError, match="2-D"):
        write_labels(str(tmp_path / "x.tif"), np.zeros((2, 3, 3), np.uint8), {})
