"""semscan.errors: every error is a SemscanError and the builtin a caller would catch."""

from __future__ import annotations

import inspect

import pytest

from semscan import errors

EXPECTED_BUILTIN = {
    "ImageFormatError": OSError,
    "CalibrationError": ValueError,
    "ConfigError": ValueError,
    "ManifestError": ValueError,
    "SegmentationError": ValueError,
    "MeasurementError": ValueError,
    "ModelError": ValueError,
    "PluginError": OSError,
    "LotError": ValueError,
    "SpecError": ValueError,
}


def test_all_lists_every_error_class():
    classes = {n for n, c in inspect.getmembers(errors, inspect.isclass)
               if issubclass(c, Exception) and c.__module__ == errors.__name__}
    assert classes == set(errors.__all__)
    assert set(EXPECTED_BUILTIN) | {"SemscanError"} == classes


@pytest.mark.parametrize(("name", "builtin"), sorted(EXPECTED_BUILTIN.items()))
def test_each_error_is_caught_as_semscan_and_as_its_builtin(name, builtin):
    cls = getattr(errors, name)
    with pytest.raises(errors.SemscanError, match="what was received"):
        raise cls("what was received")
    with pytest.raises(builtin):
        raise cls("x")


def test_a_manifest_error_is_a_config_error():
    assert issubclass(errors.ManifestError, errors.ConfigError)
    assert not issubclass(errors.ImageFormatError, ValueError)
    assert issubclass(errors.SpecError, errors.LotError)
