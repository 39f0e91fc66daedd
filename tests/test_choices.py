"""semscan._choices: each option's choices written once, used by config and functions."""

from __future__ import annotations

import typing

import pytest

from semscan import _choices


def test_each_tuple_is_its_literals_arguments():
    pairs = {"THRESHOLD_METHODS": "ThresholdMethod", "GLOBAL_METHODS": "GlobalMethod",
             "DENOISE_METHODS": "DenoiseMethod", "PORE_TONES": "PoreTone",
             "CI_METHODS": "CIMethod", "SAMPLINGS": "Sampling", "WINDOW_CHOICES": "WindowChoice",
             "THICKNESS_METHODS": "ThicknessMethod", "VIEWS": "View",
             "CONFIG_VIEWS": "ConfigView", "LAYERS_CHOICES": "LayersChoice"}
    assert set(pairs) | set(pairs.values()) == set(_choices.__all__)
    for values, literal in pairs.items():
        assert getattr(_choices, values) == typing.get_args(getattr(_choices, literal))


def test_subsets():
    assert set(_choices.GLOBAL_METHODS) < set(_choices.THRESHOLD_METHODS)
    assert _choices.CONFIG_VIEWS == ("auto", *_choices.VIEWS)


def test_the_segmentation_checks_against_these_choices():
    from semscan.segment import METHODS

    assert METHODS == _choices.THRESHOLD_METHODS


def test_a_wrong_choice_names_the_valid_ones():
    import numpy as np

    from semscan.errors import SegmentationError
    from semscan.micrograph import Micrograph
    from semscan.segment import segment_micrograph

    with pytest.raises(SegmentationError, match="otsu") as info:
        segment_micrograph(Micrograph.from_array(np.zeros((32, 32), np.float32)),
                           method="magic")
    assert all(m in str(info.value) for m in _choices.THRESHOLD_METHODS)
