"""The class list and the result columns derived from it (semscan/classify/classes.py)."""

import pytest

from semscan.classify.classes import (
    CLASS_DESCRIPTIONS,
    CLASSES,
    PROBABILITY_FIELDS,
    class_index,
    probability_field,
)
from semscan.classify.predict import StructureClass
from semscan.errors import ConfigError


def test_one_column_per_class_in_class_order():
    assert list(PROBABILITY_FIELDS) == list(CLASSES)
    assert list(PROBABILITY_FIELDS.values()) == [
        "p_percolation", "p_spherical_particle", "p_cellular", "p_non_porous", "p_coarse"]
    assert set(CLASS_DESCRIPTIONS) == set(CLASSES)
    assert probability_field("spherical-particle") == "p_spherical_particle"


def test_a_structure_class_row_has_every_probability_column():
    c = StructureClass("cellular", {"cellular": 0.7, "coarse": 0.3}, 0.7, (), False, "cellular")
    row = c.to_dict()
    assert [k for k in row if k.startswith("p_")] == list(PROBABILITY_FIELDS.values())
    assert row["p_cellular"] == 0.7 and row["p_coarse"] == 0.3
    assert row["p_percolation"] != row["p_percolation"]  # NaN: not a class of this model


def test_class_index_refuses_unknown_names():
    assert [class_index(c) for c in CLASSES] == list(range(len(CLASSES)))
    with pytest.raises(ConfigError, match="unknown structure class 'foam'; valid classes"):
        class_index("foam")
