"""semscan.config.sections: each section checks its values when made, and its fields are the
keywords (names, defaults, choices) of the function it feeds."""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing

import pytest

from semscan._options import OptionError
from semscan.config.sections import (
    ClassifyConfig,
    CrossSectionConfig,
    IOConfig,
    MeasureConfig,
    SegmentConfig,
    parse_densities,
)
from semscan.errors import ConfigError


def test_the_sections_are_those_semscan_config_exports():
    import semscan.config as config
    from semscan.config import sections

    for name in sections.__all__:
        assert getattr(config, name) is getattr(sections, name)


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (IOConfig, {"page": -1}),
        (SegmentConfig, {"manual_threshold": 2.0}),
        (MeasureConfig, {"n_lines": 0}),
        (CrossSectionConfig, {"n_thickness_positions": 3}),
        (ClassifyConfig, {"confidence_threshold": 1.5}),
    ],
)
def test_sections_made_in_python_are_checked_too(cls, kwargs):
    with pytest.raises(OptionError, match=next(iter(kwargs))):
        cls(**kwargs)


def test_a_field_without_a_range_is_still_type_checked():
    assert "seed" in MeasureConfig.LIMITS and "ci_method" not in MeasureConfig.LIMITS
    with pytest.raises(OptionError, match=r"measure\.ci_method = 'jackknife'.*'ratio'"):
        MeasureConfig(ci_method="jackknife")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match=r"measure\.dense_chords = 1 .*true or false"):
        MeasureConfig(dense_chords=1)  # type: ignore[arg-type]


# ------------------------------------------------ config sections = the keywords they feed
def _feeds():
    """Each section, the function its options are passed to, and what differs on purpose.

    ``config_only``: fields the pipeline consumes itself (switches, the view) instead of
    passing them on; ``call_only``: keywords the pipeline fills from elsewhere (arrays,
    models, other sections); ``renamed``: field -> keyword where the names differ.
    """
    from semscan.classify import classify_fields
    from semscan.io import read_micrograph
    from semscan.measure import intercept_method, mil_rose
    from semscan.measure.cross_section import analyze_cross_section
    from semscan.segment import segment_micrograph

    return [
        ("io", IOConfig, read_micrograph, set(), set(), {}),
        ("segment", SegmentConfig, segment_micrograph, set(),
         {"classifier", "region_excluded", "section", "voids"}, {}),
        ("cross_section", CrossSectionConfig, analyze_cross_section, {"view"},
         {"calibration", "excluded", "film", "n_lines", "seed", "layer_depths_um", "cache"}, {}),
        ("measure", MeasureConfig, intercept_method,
         {"mil_step_deg", "local_thickness", "dense_chords"},
         {"calibration", "region", "phase", "sampling"}, {}),
        ("measure.mil_step_deg", MeasureConfig, mil_rose,
         set(f.name for f in dataclasses.fields(MeasureConfig)) - {"mil_step_deg", "n_lines"},
         {"calibration", "region", "phase", "sampling", "window_um", "min_voids_per_line"},
         {"mil_step_deg": "step_deg"}),
        ("classify", ClassifyConfig, classify_fields, {"enabled", "model_path"},
         {"calibration", "region", "grey", "model", "field_px", "rectify", "feature_cache"}, {}),
    ]


def _literal_values(hint):
    if typing.get_origin(hint) is typing.Literal:
        return set(typing.get_args(hint))
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return set().union(*(_literal_values(part) for part in typing.get_args(hint)))
    return set()


@pytest.mark.parametrize("feed", _feeds(), ids=lambda f: f[0])
def test_section_fields_are_the_keywords_of_the_function_they_feed(feed):
    """``**asdict(cfg.segment)`` works only while names and defaults agree: they must."""
    _, cls, func, config_only, call_only, renamed = feed
    params = {
        p.name: p for p in inspect.signature(func).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in call_only
    }
    fed = [f for f in dataclasses.fields(cls) if f.name not in config_only]
    assert sorted(renamed.get(f.name, f.name) for f in fed) == sorted(params), func.__name__
    hints = typing.get_type_hints(cls)
    for f in fed:
        p = params[renamed.get(f.name, f.name)]
        assert p.default == f.default, f"{cls.__name__}.{f.name}: {f.default!r} != {p.default!r}"
        choices = _literal_values(hints[f.name])
        if choices:  # the same choices, from semscan._choices
            annotation = eval(p.annotation, func.__globals__)  # our own source
            assert _literal_values(annotation) == choices, f"{func.__name__}({p.name})"


def test_cross_section_keywords_from_the_measure_section_agree():
    from semscan.measure.cross_section import analyze_cross_section

    params = inspect.signature(analyze_cross_section).parameters
    for key in ("n_lines", "seed"):
        assert params[key].default == getattr(MeasureConfig(), key)


def test_choices_come_from_one_module():
    from semscan import _choices

    hints = {**typing.get_type_hints(SegmentConfig), **typing.get_type_hints(MeasureConfig),
             **typing.get_type_hints(CrossSectionConfig)}
    assert _literal_values(hints["method"]) == set(_choices.THRESHOLD_METHODS)
    assert _literal_values(hints["denoise"]) == set(_choices.DENOISE_METHODS)
    assert _literal_values(hints["pores"]) == set(_choices.PORE_TONES)
    assert _literal_values(hints["ci_method"]) == set(_choices.CI_METHODS)
    assert _literal_values(hints["window_um"]) == set(_choices.WINDOW_CHOICES)
    assert _literal_values(hints["view"]) == set(_choices.CONFIG_VIEWS)
    assert set(_choices.GLOBAL_METHODS) < set(_choices.THRESHOLD_METHODS)
    assert set(_choices.VIEWS) < set(_choices.CONFIG_VIEWS)




def test_densities_are_two_named_positive_numbers():
    assert parse_densities("whisker=3.3, polymer=1.38") == (1.38, 3.3)
    assert parse_densities(None) is None and parse_densities("  ") is None
    with pytest.raises(ConfigError, match=r"names polymer; give both"):
        parse_densities("polymer=1.38")
    with pytest.raises(ConfigError, match=r"not understood at 'whisker=inf'"):
        parse_densities("polymer=1.38,whisker=inf")
