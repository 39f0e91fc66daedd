"""Property-based fuzzing of the configuration loader: a ConfigError or a valid config, ever."""

from __future__ import annotations

import dataclasses
import json
import math
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semscan.config import AnalysisConfig
from semscan.errors import ConfigError

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
DEFAULT = AnalysisConfig()
KEYS = {name: [f.name for f in dataclasses.fields(getattr(DEFAULT, name))]
        for name in DEFAULT.to_dict()}

scalars = st.one_of(
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([10**400, -(10**400), 0, -1, 2**63, 1e305, -0.0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=20),
    st.sampled_from(["auto", "full", "dark", "bright", "otsu", "surface", "xs", ""]),
)
toml_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=6)


def _toml(value) -> str:
    """A TOML literal for a value (strings via JSON escapes, which TOML shares)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(
            value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


@st.composite
def toml_documents(draw):
    lines = []
    for section in draw(st.lists(st.one_of(st.sampled_from(list(KEYS)), st.text(max_size=6)),
                                 max_size=4)):
        lines.append(f"[{json.dumps(section)}]")
        keys = st.one_of(st.sampled_from(KEYS.get(section) or ["x"]), st.text(max_size=6))
        for key in draw(st.lists(keys, max_size=5, unique=True)):
            lines.append(f"{json.dumps(key)} = {_toml(draw(toml_values))}")
    return "\n".join(lines) + "\n"


def _accepts_or_config_error(text: str) -> None:
    try:
        cfg = AnalysisConfig.from_toml(text)
    except ConfigError:
        return
    assert AnalysisConfig.from_toml(cfg.to_toml()) == cfg


@FUZZ
@given(toml_documents())
def test_random_toml_values(text):
    _accepts_or_config_error(text)


@FUZZ
@given(st.text())
def test_random_text(text):
    _accepts_or_config_error(text)


_DIR = Path(tempfile.mkdtemp(prefix="semscan-config-fuzz-"))


@FUZZ
@given(st.one_of(st.binary(max_size=500), toml_documents().map(
    lambda t: t.encode("utf-8", "surrogatepass"))))
def test_load_random_bytes(data):
    path = _DIR / "c.toml"
    path.write_bytes(data)
    try:
        AnalysisConfig.load(path)
    except ConfigError as exc:
        assert str(path) in str(exc)
