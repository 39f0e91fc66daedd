"""semscan.config: AnalysisConfig validation, TOML round trip and hash (the sections on
their own: tests/config/test_sections.py)."""

from __future__ import annotations

import math

import pytest

from semscan.config import AnalysisConfig, OptionError
from semscan.errors import ConfigError


def test_defaults_roundtrip_and_hash():
    cfg = AnalysisConfig()
    assert cfg.io.pixel_size_um is None  # no default pixel size
    assert AnalysisConfig.from_toml(cfg.to_toml()) == cfg
    assert cfg.hash() == AnalysisConfig().hash() and len(cfg.hash()) == 16
    other = cfg.with_overrides({"io.pixel_size_um": 0.01})
    assert other.io.pixel_size_um == 0.01 and other.hash() != cfg.hash()
    assert AnalysisConfig.from_toml(other.to_toml()) == other


def test_int_is_accepted_for_float_and_normalised():
    cfg = AnalysisConfig().with_overrides({"cross_section.band_um": 1})
    assert isinstance(cfg.cross_section.band_um, float)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"nope.x": 1}, r"unknown config section \[nope\]; valid sections"),
        ({"io.nope": 1}, r"unknown option 'nope' in \[io\]: valid: pixel_size_um"),
        ({"segment.method": "magic"}, r"segment.method = 'magic' is invalid.*'otsu'"),
        ({"io.keep_databar": "yes"}, "io.keep_databar"),
        ({"measure.n_lines": 2.5}, "measure.n_lines"),
    ],
)
def test_bad_options_name_the_valid_ones(overrides, match):
    with pytest.raises(ConfigError, match=match):
        AnalysisConfig().with_overrides(overrides)


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        AnalysisConfig.from_toml("[io\n")
    with pytest.raises(ConfigError, match="cannot read configuration file"):
        AnalysisConfig.load(tmp_path / "missing.toml")
    path = tmp_path / "c.toml"
    path.write_text("[io]\npage = 2\n")
    assert AnalysisConfig.load(path).io.page == 2


def test_confidence_threshold_is_a_probability_or_the_models() -> None:
    assert AnalysisConfig().classify.confidence_threshold is None  # the model's own
    cfg = AnalysisConfig().with_overrides({"classify.confidence_threshold": 0.7})
    assert cfg.classify.confidence_threshold == 0.7
    with pytest.raises(ConfigError, match=r"from 0 to 1 \(a probability\)"):
        AnalysisConfig().with_overrides({"classify.confidence_threshold": 1.5})


# ------------------------------------------------------------------ ranges, up front
BAD = [
    ("io", "pixel_size_um", 0.0, r"from 1e-06 to 10000 µm"),
    ("io", "pixel_size_um", -0.01, r"from 1e-06 to 10000 µm"),
    ("io", "pixel_size_um", 1e305, r"from 1e-06 to 10000 µm"),
    ("io", "pixel_size_um", float("inf"), r"from 1e-06 to 10000 µm"),
    ("io", "page", -1, r"an integer from 0 to 1000000"),
    ("io", "page", 1.0, r"an integer from 0"),
    ("segment", "manual_threshold", 1.5, r"from 0 to 1"),
    ("segment", "background_um", float("nan"), r"from 0 to 100000 µm"),
    ("segment", "min_feature_um", -1.0, r"from 0 to 100000 µm"),
    ("segment", "sauvola_window_um", 0.0, r"> 0 and <= 100000 µm"),
    ("measure", "window_um", 0.0, r"'auto', 'full' or a number > 0 and <= 100000 µm"),
    ("measure", "window_um", -16.0, r"> 0 and <= 100000 µm"),
    ("measure", "window_um", 10**400, r"> 0 and <= 100000 µm"),
    ("measure", "window_um", 1e6, r"> 0 and <= 100000 µm"),
    ("measure", "window_um", "Auto", r"'auto', 'full'"),
    ("measure", "n_lines", 0, r"an integer from 1 to 10000"),
    ("measure", "n_lines", -5, r"an integer from 1 to 10000"),
    ("measure", "n_lines", 1e9, r"an integer from 1 to 10000"),
    ("measure", "n_lines", 10**400, r"an integer from 1 to 10000"),
    ("measure", "n_lines", True, r"an integer from 1 to 10000"),
    ("measure", "angle_deg", float("nan"), r"from -360 to 360 degrees"),
    ("measure", "min_voids_per_line", 0, r"an integer from 1 to 100000"),
    ("measure", "mil_step_deg", 100.0, r"from 1 to 90 degrees .*or 0 to switch it off"),
    ("measure", "mil_step_deg", 0.0001, r"from 1 to 90 degrees"),
    ("measure", "mil_step_deg", -15.0, r"from 1 to 90 degrees"),
    ("measure", "seed", -1, r"an integer from 0 to 4294967295"),
    ("cross_section", "film_direction_deg", 400.0, r"from -180 to 180 degrees"),
    ("cross_section", "band_um", 0.0, r"> 0 and <= 100000 µm"),
    ("cross_section", "skin_tolerance", 0.0, r"> 0 and <= 1"),
    ("cross_section", "skin_tolerance", 1.5, r"> 0 and <= 1"),
    ("cross_section", "skin_exclusion_um", -0.1, r"from 0 to 100000 µm"),
    ("cross_section", "n_thickness_positions", 4, r"from 5 to 1000 \(at least 5"),
    ("cross_section", "n_thickness_positions", 10**6, r"from 5 to 1000"),
    ("classify", "confidence_threshold", -0.1, r"from 0 to 1"),
]


@pytest.mark.parametrize(("section", "key", "value", "expected"), BAD)
def test_a_value_out_of_range_names_the_option_and_the_range(section, key, value, expected):
    with pytest.raises(OptionError, match=rf"option {section}\.{key} = .* invalid; expected "
                       rf".*{expected}") as info:
        AnalysisConfig().with_overrides({f"{section}.{key}": value})
    assert (info.value.section, info.value.key) == (section, key)
    assert isinstance(info.value, ConfigError) and isinstance(info.value, ValueError)
    assert len(str(info.value)) < 300  # a 400-digit number is not echoed in full


@pytest.mark.parametrize(("section", "key", "value", "expected"), BAD)
def test_the_same_checks_apply_to_a_file(tmp_path, section, key, value, expected):
    if isinstance(value, float) and not math.isfinite(value):
        text = {"inf": "inf", "nan": "nan"}[str(value)]
    elif isinstance(value, bool):
        text = "true"
    elif isinstance(value, str):
        text = f'"{value}"'
    else:
        text = repr(value)
    path = tmp_path / "c.toml"
    path.write_text(f"[{section}]\n{key} = {text}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"c\.toml: option \[{section}\] {key} = .* "
                       rf"invalid; expected .*{expected}"):
        AnalysisConfig.load(path)


def test_edges_of_the_ranges_are_valid():
    cfg = AnalysisConfig().with_overrides({
        "io.pixel_size_um": 1e-6, "io.page": 0, "measure.n_lines": 10_000,
        "measure.mil_step_deg": 90, "measure.window_um": 1e5, "measure.min_voids_per_line": 1,
        "cross_section.skin_tolerance": 1.0, "cross_section.n_thickness_positions": 5,
        "segment.background_um": 0, "classify.confidence_threshold": 0,
    })
    assert cfg.measure.mil_step_deg == 90.0 and isinstance(cfg.measure.window_um, float)
    assert AnalysisConfig().with_overrides({"measure.mil_step_deg": 0}).measure.mil_step_deg == 0
    assert AnalysisConfig().with_overrides({"io.pixel_size_um": 1e4}).io.pixel_size_um == 1e4


def test_options_that_go_together():
    with pytest.raises(OptionError, match=r"segment\.manual_threshold is not set; "
                       r"segment\.method = 'manual' needs it"):
        AnalysisConfig().with_overrides({"segment.method": "manual"})
    cfg = AnalysisConfig().with_overrides({"segment.method": "manual",
                                           "segment.manual_threshold": 0.4})
    assert cfg.segment.manual_threshold == 0.4
    with pytest.raises(OptionError, match=r"classifier_path is not set"):
        AnalysisConfig().with_overrides({"segment.method": "classifier"})


# ---------------------------------------------------------------- names and did-you-mean
@pytest.mark.parametrize(
    ("toml", "match"),
    [
        ("[measure]\nn_line = 3\n", r"unknown option 'n_line' in \[measure\]: did you mean "
         r"'n_lines'\? valid: window_um, n_lines"),
        ("[mesure]\nn_lines = 3\n", r"unknown config section \[mesure\]: did you mean "
         r"\[measure\]\? valid sections: io, segment"),
        ("[segment]\nthreshold = 'otsu'\n", r"'threshold' in \[segment\]: did you mean "
         r"'method'\?"),
        ("[measure]\nlines = 20\n", r"did you mean 'n_lines'\?"),
        ("[segment]\nn_lines = 20\n", r"'n_lines' in \[segment\]: it belongs in \[measure\]"),
        ("n_lines = 20\n", r"n_lines = 20 is outside any \[section\]; it belongs in "
         r"\[measure\]"),
        ("[measure]\nzzz = 1\n", r"unknown option 'zzz' in \[measure\]: valid: window_um"),
    ],
)
def test_unknown_names_say_the_section_and_the_nearest_valid_one(tmp_path, toml, match):
    path = tmp_path / "c.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        AnalysisConfig.load(path)


def test_python_names_keep_working_in_overrides():
    cfg = AnalysisConfig().with_overrides({"segment.method": "otsu", "measure.n_lines": 20,
                                           "measure.angle_deg": 45})
    assert (cfg.segment.method, cfg.measure.n_lines, cfg.measure.angle_deg) == ("otsu", 20, 45)
    with pytest.raises(ConfigError, match=r"'n_line' in \[measure\]: did you mean 'n_lines'"):
        AnalysisConfig().with_overrides({"measure.n_line": 3})


# ------------------------------------------------------------------------ hostile files
def test_hostile_config_files_give_config_errors(tmp_path):
    cp1252 = tmp_path / "cp1252.toml"
    cp1252.write_bytes("# Porengröße\n[measure]\nn_lines = 20\n".encode("cp1252"))
    with pytest.raises(ConfigError, match=r"cp1252\.toml is not UTF-8 text \(byte 0xf6 at "
                       r"offset 9\); save it as UTF-8"):
        AnalysisConfig.load(cp1252)
    bom = tmp_path / "bom.toml"
    bom.write_bytes("\ufeff# Porengröße\n[measure]\nn_lines = 20\n".encode())
    assert AnalysisConfig.load(bom).measure.n_lines == 20
    with pytest.raises(ConfigError, match=r"is a folder; give a TOML file"):
        AnalysisConfig.load(tmp_path)
    nul = tmp_path / "nul.toml"
    nul.write_bytes(b"[measure]\nn_lines = 2\x000\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        AnalysisConfig.load(nul)
    deep = tmp_path / "deep.toml"
    deep.write_text("[measure]\nn_lines = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        AnalysisConfig.load(deep)
    huge = tmp_path / "huge.toml"
    huge.write_bytes(b"#" * (2 << 20))
    with pytest.raises(ConfigError, match="is over 1024 KiB"):
        AnalysisConfig.load(huge)
    digits = tmp_path / "digits.toml"
    digits.write_text("[measure]\nwindow_um = " + "9" * 400 + "\n")
    with pytest.raises(ConfigError, match=r"\[measure\] window_um = 99999999\.\.\. \(400 "
                       r"digits\) is invalid"):
        AnalysisConfig.load(digits)


def test_whisker_options_and_densities():
    from semscan.config import parse_densities

    cfg = AnalysisConfig()
    assert cfg.whiskers.enabled is False and cfg.whiskers.density is None
    on = cfg.with_overrides({"whiskers.enabled": True,
                             "whiskers.density": "polymer=1.38,whisker=3.3"})
    assert AnalysisConfig.from_toml(on.to_toml()) == on and on.hash() != cfg.hash()
    assert parse_densities(on.whiskers.density) == (1.38, 3.3)
    assert parse_densities("") is None
    for bad, match in (("polymer=1.38", "give both"), ("polymer=-1,whisker=3", "not understood"),
                       ("steel=7.8,whisker=3", "not understood"), ("1.38,3.3", "not understood")):
        with pytest.raises(ConfigError, match=match):
            cfg.with_overrides({"whiskers.density": bad})
    with pytest.raises(ConfigError, match="min_aspect"):
        cfg.with_overrides({"whiskers.min_aspect": 0.5})
