"""semscan.micrograph: the Micrograph container."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.calibration import UNCALIBRATED
from semscan.errors import ImageFormatError
from semscan.micrograph import InstrumentMetadata, Micrograph


def test_from_array_scales_integers_and_records_user_calibration():
    m = Micrograph.from_array(np.full((20, 30), 255, np.uint8), pixel_size_um=0.5)
    assert m.image.dtype == np.float32 and float(m.image.max()) == 1.0
    assert (m.shape, m.calibration.source, m.calibration.pixel_size_um) == ((20, 30), "user", 0.5)
    assert m.excluded.shape == (20, 30) and not m.excluded.any()
    assert (m.metadata.dtype, m.metadata.original_shape) == ("uint8", (20, 30))
    assert m.name == "" and m.databar_source == "none"


def test_uncalibrated_default_and_name():
    m = Micrograph(np.zeros((4, 4)), path="/some/dir/a.tif")
    assert m.calibration is UNCALIBRATED and m.image.dtype == np.float32
    assert m.name == "a.tif"


def test_shapes_are_checked():
    with pytest.raises(ImageFormatError, match="2-D grey image"):
        Micrograph(np.zeros((4, 4, 3)))
    with pytest.raises(ImageFormatError, match="excluded mask shape"):
        Micrograph(np.zeros((4, 4)), excluded=np.zeros((3, 4), bool))


def test_metadata_row():
    row = InstrumentMetadata(vendor="FEI", kv=5.0, original_shape=(10, 20)).to_dict()
    assert row["vendor"] == "FEI" and row["meta_kv"] == 5.0
    assert row["meta_original_shape"] == "10x20" and row["meta_n_pages"] == 1
