"""semscan._options: ranges, the checks of a section's fields and the messages naming them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import pytest

from semscan._options import OptionError, Range, check_choice, check_fields, show_value
from semscan.errors import ConfigError, SegmentationError


@pytest.mark.parametrize(
    ("spec", "inside", "outside"),
    [
        (Range(0.0, 1.0), [0.0, 0.5, 1.0], [-0.1, 1.1]),
        (Range(0.0, 10.0, lo_open=True), [1e-9, 10.0], [0.0, -1.0, 10.5]),
        (Range(1.0, 90.0, off=0.0), [0.0, 1.0, 90.0], [0.5, 91.0]),
        (Range(lo=5), [5, 10**9], [4]),
        (Range(hi=3.0, hi_open=True), [-1e9, 2.99], [3.0]),
    ],
)
def test_range_contains_its_ends_unless_open(spec, inside, outside):
    assert all(spec.contains(v) for v in inside)
    assert not any(spec.contains(v) for v in outside)


@pytest.mark.parametrize(
    ("spec", "unit", "text"),
    [
        (Range(0.0, 1.0), "", "from 0 to 1"),
        (Range(0.0, 1e5, lo_open=True), "µm", "> 0 and <= 100000 µm"),
        (Range(1.0, 90.0, off=0.0, note="every step"), "degrees",
         "from 1 to 90 degrees (every step), or 0 to switch it off"),
        (Range(lo=5), "", ">= 5"),
        (Range(), "", "(any finite value)"),
        (Range(1e-6, 1e4), "µm", "from 1e-06 to 10000 µm"),
    ],
)
def test_range_describes_itself(spec, unit, text):
    assert spec.describe(unit) == text


def test_show_value_shortens_huge_numbers_and_long_texts():
    assert show_value(10**400).startswith("10000000... (401 digits)")
    assert show_value("x" * 100) == "'" + "x" * 35 + "...'"
    assert show_value(0.5) == "0.5"


@dataclass(frozen=True)
class _Section:
    n: int = 3
    size_um: float | None = None
    mode: Literal["a", "b"] = "a"
    flag: bool = False

    LIMITS: ClassVar[dict[str, Range]] = {"n": Range(1, 10), "size_um": Range(0.0, 5.0)}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"n": 0}, "option s.n = 0 is invalid; expected an integer from 1 to 10"),
        ({"n": 2.0}, "option s.n = 2.0 is invalid; expected an integer from 1 to 10"),
        ({"n": True}, "option s.n = True is invalid"),
        ({"size_um": 6}, "option s.size_um = 6 is invalid; expected a number from 0 to 5 µm "
         "or unset (omit it)"),
        ({"size_um": float("nan")}, "option s.size_um = nan is invalid"),
        ({"mode": "c"}, "option s.mode = 'c' is invalid; expected 'a', 'b'"),
        ({"flag": 1}, "option s.flag = 1 is invalid; expected true or false"),
    ],
)
def test_check_fields_refuses_bad_values_naming_option_and_range(kwargs, expected):
    section = _Section(**kwargs)
    with pytest.raises(OptionError) as info:
        check_fields(section, "s")
    assert str(info.value).startswith(expected), str(info.value)
    assert isinstance(info.value, ConfigError) and isinstance(info.value, ValueError)


def test_check_fields_normalises_ints_to_floats():
    section = _Section(size_um=2)
    check_fields(section, "s")
    assert section.size_um == 2.0 and isinstance(section.size_um, float)


def test_option_error_is_named_by_each_front_end():
    exc = OptionError("measure", "n_lines", 0, "an integer from 1 to 10000")
    assert exc.message(lambda s, k: ("--" + k.replace("_", "-"), " ")) == (
        "option --n-lines 0 is invalid; expected an integer from 1 to 10000")
    exc = OptionError("segment", "manual_threshold", None, "a grey level", unset=True,
                      because=("segment", "method", "manual"))
    assert str(exc) == ("option segment.manual_threshold is not set; segment.method = "
                        "'manual' needs it; expected a grey level")


def test_check_choice_names_the_allowed_values():
    check_choice("rule", "opencv", ("euclidean", "opencv"))  # an allowed value passes
    with pytest.raises(ConfigError, match=r"^rule='square' is not valid; choose one of "
                                          r"'euclidean', 'opencv'$"):
        check_choice("rule", "square", ("euclidean", "opencv"))
    with pytest.raises(SegmentationError, match="choose one of 'dark'"):
        check_choice("pores", "grey", ("dark",), error=SegmentationError)
