"""The sample data, without a viewer: the generated surface sample is the bundled file."""

from __future__ import annotations

import numpy as np
import pytest

from semscan.napari import _sample


def test_the_generated_surface_sample_is_the_bundled_image():
    if not (_sample.DATA / "sample_surface.tif").is_file():
        pytest.skip("data/sample_surface.tif is not in this checkout")
    from semscan.io import read_micrograph

    bundled = read_micrograph(_sample.DATA / "sample_surface.tif")
    generated = _sample.generated_surface()
    assert generated.shape == bundled.shape == (768, 1024)
    np.testing.assert_array_equal(generated.image, bundled.image)
    assert generated.calibration.pixel_size_um == bundled.calibration.pixel_size_um == 0.01


def test_without_data_the_surface_is_generated_and_the_section_refused(monkeypatch, tmp_path):
    from semscan.errors import PluginError

    monkeypatch.setattr(_sample, "DATA", tmp_path)  # an installed wheel: no data/
    [(data, kwargs, kind)] = _sample.surface_sample()
    assert kind == "image" and data.shape == (768, 1024)
    assert kwargs["scale"] == (0.01, 0.01) and "generated" in kwargs["name"]
    with pytest.raises(PluginError, match="not installed"):
        _sample.cross_section_sample()
