"""semscan.config: AnalysisConfig validation, TOML round trip and hash."""

from __future__ import annotations

import pytest

from semscan.config import AnalysisConfig
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
        ({"nope.x": 1}, "unknown config section 'nope'.*valid sections"),
        ({"io.nope": 1}, r"unknown option 'io.nope'.*pixel_size_um"),
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
    with pytest.raises(ConfigError, match=r"probability in \[0, 1\]"):
        AnalysisConfig().with_overrides({"classify.confidence_threshold": 1.5})
