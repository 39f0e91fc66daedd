"""semscan.lots.specs: TOML specs, criteria, verdicts (incomplete is never pass)."""

from __future__ import annotations

import pytest

from semscan.errors import SpecError
from semscan.lots.specs import (
    LotValues,
    evaluate,
    parse_spec,
    read_spec_file,
    shipped_spec,
    shipped_specs,
)

SPEC = """
name = "t"
[[criteria]]
name = "porosity"
value = "result:areal_porosity"
view = "cross-section"
min = 0.6
max = 0.8
unit = "fraction"
source = "claim 1"
[[criteria]]
name = "class"
value = "result:class"
in = ["percolation"]
source = "claim 2"
[[criteria]]
name = "perm"
value = "lab:gas_permeability"
min = 0.2
max = 1000
unit = "ml/s"
source = "claim 3"
[[criteria]]
name = "R"
value = "sample:ratio_R"
min = 0.5
max = 2.0
source = "claim 4"
"""

ROWS = ({"view": "cross-section", "areal_porosity": 0.65, "class": "percolation"},
        {"view": "cross-section", "areal_porosity": 0.75, "class": "percolation"},
        {"view": "surface", "areal_porosity": 0.1, "class": "percolation"})


def test_all_values_in_limits_pass_with_margins():
    v = evaluate(parse_spec(SPEC), LotValues(ROWS, ({"ratio_R": "1.5"},),
                                             {"gas_permeability": (10.0, "ml/s")}))
    assert v.outcome == "pass"
    by = {c.name: c for c in v.criteria}
    assert by["porosity"].value == pytest.approx(0.70) and by["porosity"].n == 2
    assert by["porosity"].margin == pytest.approx(0.10)
    assert by["perm"].margin == pytest.approx(9.8)
    assert by["R"].margin == pytest.approx(0.5)
    assert by["class"].value == "percolation" and by["class"].n == 3


def test_a_missing_value_makes_incomplete_never_pass():
    v = evaluate(parse_spec(SPEC), LotValues(ROWS, ({"ratio_R": "1.5"},), {}))
    assert v.outcome == "incomplete"
    assert [c.status for c in v.criteria] == ["pass", "pass", "incomplete", "pass"]


def test_a_lab_value_in_another_unit_is_incomplete():
    v = evaluate(parse_spec(SPEC), LotValues(ROWS, ({"ratio_R": 1.0},),
                                             {"gas_permeability": (10.0, "l/min")}))
    assert v.outcome == "incomplete" and "give it in ml/s" in v.criteria[2].note


def test_a_failure_wins_over_a_missing_value_and_a_class_outside_the_set_fails():
    rows = (*ROWS, {"view": "surface", "class": "cellular"})
    v = evaluate(parse_spec(SPEC), LotValues(rows, (), {}))
    assert v.outcome == "fail"
    assert v.criteria[1].status == "fail" and "not allowed: cellular" in v.criteria[1].note
    assert v.criteria[3].status == "incomplete"


def test_no_image_of_the_view_is_incomplete():
    v = evaluate(parse_spec(SPEC), LotValues(ROWS[2:], ({"ratio_R": 1.0},),
                                             {"gas_permeability": (1.0, "ml/s")}))
    assert v.criteria[0].status == "incomplete" and v.outcome == "incomplete"


@pytest.mark.parametrize("text, match", [
    ('name = "x"', "no \\[\\[criteria\\]\\]"),
    ('name = "x"\n[[criteria]]\nvalue = "lab:a"\nmin = 1', "has no source"),
    ('name = "x"\n[[criteria]]\nvalue = "foo:a"\nmin = 1\nsource = "s"', "expected 'result"),
    ('name = "x"\n[[criteria]]\nvalue = "lab:a"\nsource = "s"', "has no limit"),
    ('name = "x"\n[[criteria]]\nvalue = "lab:a"\nmin = 2\nmax = 1\nsource = "s"', "swap"),
    ('name = "x@1"\n[[criteria]]\nvalue = "lab:a"\nmin = 1\nsource = "s"', "without '@'"),
    ("name = ", "not valid TOML"),
])
def test_bad_specs_are_refused(text, match):
    with pytest.raises(SpecError, match=match):
        parse_spec(text)


def test_shipped_specs_parse_and_cite_their_sources():
    assert shipped_specs() == ["meta_aramid_film", "pvdf_membrane", "rolled_polyolefin_film",
                               "whisker_film"]
    meta = parse_spec(shipped_spec("meta_aramid_film"))
    limits = {c.name: (c.minimum, c.maximum, c.unit) for c in meta.criteria}
    assert limits == {
        "porosity": (0.6, 0.8, "fraction"), "laminar coefficient": (2.5, None, ""),
        "thickness": (1.0, 10.0, "µm"), "gas permeability": (0.2, 1000.0, "ml/s"),
        "permeability retained after 350 °C, 10 min": (60.0, None, "%"),
        "specific Young's modulus": (200.0, 800.0, "")}
    for name in shipped_specs():
        assert all(c.source for c in read_spec_file(name).criteria)
    with pytest.raises(SpecError, match="no shipped specification"):
        shipped_spec("nope")


def _limits(name: str) -> dict[str, tuple]:
    return {c.name: (c.kind, c.key, c.minimum, c.maximum, c.unit, c.allowed)
            for c in read_spec_file(name).criteria}


def test_the_other_shipped_specs_hold_the_claims_limits():
    assert _limits("whisker_film") == {
        "porosity": ("result", "areal_porosity", 0.1, 0.8, "fraction", None),
        "whisker length": ("result", "whisker_length_mean_um", 0.1, 100.0, "µm", None),
        "whisker diameter": ("result", "whisker_width_mean_um", 0.01, 10.0, "µm", None),
        "whisker aspect ratio": ("result", "whisker_aspect_mean", 1.5, None, "", None)}
    assert _limits("pvdf_membrane") == {
        "structure class": ("result", "class", None, None, "", ("percolation",)),
        "half-dry pore size": ("lab", "half_dry_pore_size", 0.005, 5.0, "µm", None),
        "bubble point / half-dry ratio": ("lab", "bubble_point_over_half_dry", None, 2.0, "",
                                          None),
        "surface-to-internal pore size ratio": ("sample", "ratio_R", 0.5, 2.0, "", None),
        "surface-to-internal verdict": ("sample", "ratio_verdict", None, None, "",
                                        ("surface >= internal", "surface < internal"))}
    assert _limits("rolled_polyolefin_film") == {
        "elastic recovery rate": ("lab", "elastic_recovery", None, 20.0, "%", None),
        "rolling coefficient": ("lab", "rolling_coefficient", 5.0, None, "", None)}


@pytest.mark.parametrize(("verdict", "outcome"), [("surface >= internal", "pass"),
                                                  ("surface < internal", "pass"),
                                                  ("undetermined", "fail")])
def test_pvdf_spec_judges_the_surface_to_internal_verdict(verdict, outcome):
    spec = parse_spec(shipped_spec("pvdf_membrane"))
    values = LotValues(({"view": "surface", "class": "percolation"},),
                       ({"sample": "s", "ratio_R": "1.2", "ratio_verdict": verdict},),
                       {"half_dry_pore_size": (0.2, "um"), "bubble_point_over_half_dry": (1.6, "")})
    got = evaluate(spec, values)
    assert got.outcome == outcome
    assert [c.status for c in got.criteria][-1] == outcome
    missing = evaluate(spec, LotValues(values.results, values.samples, {}))
    assert missing.outcome == ("incomplete" if outcome == "pass" else "fail")


def test_a_rejected_image_counts_in_no_lot_value():
    bad = {"view": "cross-section", "areal_porosity": 0.05, "class": "crack",
           "review_status": "rejected"}
    v = evaluate(parse_spec(SPEC), LotValues((*ROWS, bad), ({"ratio_R": "1.5"},),
                                             {"gas_permeability": (10.0, "ml/s")}))
    by = {c.name: c for c in v.criteria}
    assert v.outcome == "pass" and by["porosity"].n == 2 and by["class"].n == 3
    assert by["porosity"].value == pytest.approx(0.70)
    kept = evaluate(parse_spec(SPEC), LotValues((*ROWS, {**bad, "review_status": "accepted"}),
                                                ({"ratio_R": "1.5"},),
                                                {"gas_permeability": (10.0, "ml/s")}))
    assert kept.outcome == "fail" and {c.name: c for c in kept.criteria}["porosity"].n == 3
