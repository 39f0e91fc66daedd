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


# ----------------------------------------------------------------------------- file grid
def test_file_shape_and_to_file_grid_add_the_cropped_bar_rows():
    from dataclasses import replace

    m = Micrograph.from_array(np.zeros((5, 4), np.float32))
    assert m.file_shape == (5, 4)  # nothing cropped
    m = replace(m, metadata=InstrumentMetadata(original_shape=(7, 4)))
    assert m.file_shape == (7, 4)
    labels = np.arange(20, dtype=np.uint8).reshape(5, 4)
    full = m.to_file_grid(labels, fill=2)
    assert full.shape == (7, 4) and full.dtype == np.uint8
    assert np.array_equal(full[:5], labels) and (full[5:] == 2).all()
    rgb = m.to_file_grid(np.ones((5, 4, 3), np.float32), fill=0.0)
    assert rgb.shape == (7, 4, 3) and rgb[5:].sum() == 0 and rgb[:5].min() == 1.0
    with pytest.raises(ImageFormatError, match=r"shape \(7, 4\) cannot be placed"):
        m.to_file_grid(full, fill=2)
    # An original shape smaller than the image (not a crop) is not a file grid.
    assert replace(m, metadata=InstrumentMetadata(original_shape=(3, 4))).file_shape == (5, 4)


@pytest.mark.parametrize("angle", [-33.0, 7.5, 20.0, 90.0])
def test_frame_rotation_round_trip_and_nearest_pixel(angle):
    from semscan.micrograph import film_frame_rotation

    fr = film_frame_rotation((41, 63), angle)
    rr, cc = np.mgrid[0:41, 0:63].astype(float)
    r2, c2 = fr.to_image(*fr.to_frame(rr, cc))
    assert np.allclose(r2, rr, atol=1e-9) and np.allclose(c2, cc, atol=1e-9)
    # Every image pixel lands inside the enlarged frame ...
    fr_r, fr_c = fr.to_frame(rr, cc)
    assert fr_r.min() > -0.5 and fr_c.min() > -0.5
    assert fr_r.max() < fr.frame_shape[0] - 0.5 and fr_c.max() < fr.frame_shape[1] - 0.5
    # ... and takes the value of the frame pixel nearest to it.
    index = np.arange(fr.frame_shape[0] * fr.frame_shape[1]).reshape(fr.frame_shape)
    back = fr.frame_to_image(index, fill=-1)
    assert back.shape == (41, 63) and back.min() >= 0
    src_r, src_c = np.divmod(back, fr.frame_shape[1])
    assert np.abs(src_r - fr_r).max() <= 0.5 + 1e-9
    assert np.abs(src_c - fr_c).max() <= 0.5 + 1e-9


def test_frame_to_image_fills_outside_and_checks_shapes():
    from semscan.micrograph import FrameRotation

    shift = FrameRotation(0.0, (6, 6), (6, 6), np.array([[1.0, 0, 2], [0, 1.0, 0]]))
    out = shift.frame_to_image(np.ones((6, 6), np.uint8), fill=2)  # columns moved right by 2
    assert (out[:, :4] == 1).all() and (out[:, 4:] == 2).all()
    with pytest.raises(ImageFormatError, match="not in the film frame"):
        shift.frame_to_image(np.ones((5, 6)), fill=2)


def test_rotate_micrograph_samples_where_the_rotation_says():
    from semscan.micrograph import film_frame_rotation, rotate_micrograph

    rows, cols = 50, 70
    rr, cc = np.mgrid[0:rows, 0:cols].astype(np.float32)
    ramp = (0.2 + 0.004 * rr + 0.006 * cc).astype(np.float32)  # bilinear is exact on it
    m = Micrograph.from_array(ramp)
    rot = rotate_micrograph(m, 25.0)
    fr = film_frame_rotation(m.shape, 25.0)
    assert rot.shape == fr.frame_shape
    inside = ~rot.excluded
    fr_r, fr_c = np.nonzero(inside)
    img_r, img_c = fr.to_image(fr_r, fr_c)
    expected = 0.2 + 0.004 * img_r + 0.006 * img_c
    # measured 5e-6 (OpenCV's fixed-point weights); half a pixel off would be 2e-3
    assert np.abs(rot.image[inside] - expected).max() < 1e-4
    assert inside.mean() > 0.5
