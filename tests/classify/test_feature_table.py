"""Names, units and definitions of the structure features (semscan/classify/feature_table.py)."""

from semscan.classify.feature_table import (
    FEATURE_DESCRIPTIONS,
    FEATURE_NAMES,
    FEATURE_UNITS,
    GRANULOMETRY_NAMES,
)
from semscan.classify.model_file import load_model


def test_the_shipped_model_uses_exactly_these_features_in_this_order():
    assert load_model().feature_names == FEATURE_NAMES
    assert len(FEATURE_NAMES) == len(set(FEATURE_NAMES)) == 44


def test_every_feature_has_a_unit_and_a_definition():
    assert list(FEATURE_UNITS) == list(FEATURE_DESCRIPTIONS) == list(FEATURE_NAMES)
    assert set(FEATURE_UNITS.values()) <= {"1", "1/L^2", "1/L", "L", "ln"}
    assert all(len(d) > 10 for d in FEATURE_DESCRIPTIONS.values())


def test_filled_features_repeat_pore_features_after_filling_specks():
    filled = [n for n in FEATURE_NAMES if n.startswith("filled_")]
    assert len(filled) == 5
    for name in filled:
        base = name.removeprefix("filled_")
        assert FEATURE_UNITS[name] == FEATURE_UNITS[base]
        assert FEATURE_DESCRIPTIONS[name].startswith(base + " after filling the solid specks")


def test_granulometry_names():
    assert GRANULOMETRY_NAMES == tuple(
        f"{phase}_opening_{k}" for phase in ("pore", "solid") for k in ("0_5", "1", "1_5", "2_5"))
