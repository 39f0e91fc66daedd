"""semscan._modelfile: model files read within limits, every field's type checked."""

from __future__ import annotations

import gzip

import pytest

from semscan._modelfile import (
    MAX_JSON_DEPTH,
    field,
    int_field,
    json_shape,
    number_field,
    read_model_file,
    str_list_field,
    write_json,
)
from semscan.errors import ModelError


def test_write_then_read_plain_and_gzip(tmp_path):
    payload = {"format": "x", "trees": [[1, 2], [3]], "name": "µ"}
    for name in ("m.json", "m.json.gz"):
        write_json(tmp_path / name, payload)
        back, sha = read_model_file(tmp_path / name)
        assert back == payload and len(sha) == 64
    assert gzip.decompress((tmp_path / "m.json.gz").read_bytes()) == (
        tmp_path / "m.json").read_bytes()


@pytest.mark.parametrize(
    ("data", "match"),
    [(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "nest"),
     (b'{"a": NaN}', "NaN"), (b'{"a": ', "is not valid JSON")],
)
def test_hostile_texts_are_model_errors(tmp_path, data, match):
    (tmp_path / "bad.json").write_bytes(data)
    with pytest.raises(ModelError, match=match):
        read_model_file(tmp_path / "bad.json")


def test_json_shape_ignores_brackets_in_strings():
    assert json_shape(b'{"a": [[1, 2], "]]][\\"["], "b": {}}') == (3, 4)
    assert json_shape(b"1") == (0, 0)


def test_field_checks():
    data = {"n": 3, "flag": True, "x": 0.5, "names": ["a", "b"], "none": None}
    assert field(data, "n", "m", int) == 3
    assert field(data, "missing", "m", int, default=7) == 7
    with pytest.raises(ModelError, match="m: the field 'missing' is missing"):
        field(data, "missing", "m", int)
    with pytest.raises(ModelError, match="'flag' is bool, expected int"):
        field(data, "flag", "m", int)
    with pytest.raises(ModelError, match="'none' is null, expected list"):
        field(data, "none", "m", list)
    assert int_field(data, "n", "m", low=1, high=3) == 3
    with pytest.raises(ModelError, match="'n' is 3, expected 4 to 9"):
        int_field(data, "n", "m", low=4, high=9)
    assert number_field(data, "n", "m", low=0, high=5) == 3.0
    with pytest.raises(ModelError, match=r"'x' is 0\.5, expected a number from 1 to 2"):
        number_field(data, "x", "m", low=1, high=2)
    assert str_list_field(data, "names", "m", max_len=2) == ["a", "b"]
    with pytest.raises(ModelError, match="'names' has 2 entries, at most 1 expected"):
        str_list_field(data, "names", "m", max_len=1)
    with pytest.raises(ModelError, match="holds int 1, expected strings"):
        str_list_field({"names": ["a", 1]}, "names", "m", max_len=5)
