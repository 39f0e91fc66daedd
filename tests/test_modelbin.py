"""semscan._modelbin: binary model files, a JSON header and raw arrays, checked before use.

The crafted corpus of broken files (tests/_crafted_binary.py) runs through both model
loaders in tests/classify/test_model_file.py and tests/segment/test_classifier.py, and
through the forest alone in tests/_forest/test_ensemble.py.
"""

from __future__ import annotations

import hashlib
import json
import struct

import numpy as np
import pytest

from semscan._modelbin import (
    MAGIC,
    MAX_ARRAYS,
    is_json_name,
    is_model_bin,
    read_model_bin,
    write_model_bin,
)
from semscan.errors import ModelError
from tests._crafted_binary import container


def _arrays():
    rng = np.random.default_rng(0)
    return {"i": rng.integers(-5, 5, 7).astype(np.int32),
            "u": rng.integers(0, 9, (3, 2)).astype(np.uint32),
            "f": rng.normal(size=(2, 3, 4)),
            "empty": np.zeros(0, np.float64),
            "odd": np.arange(3, dtype=np.int32)}  # 12 bytes: the next array is padded


@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_is_exact_and_read_only(tmp_path, compress):
    arrays = _arrays()
    model = {"format": "x", "names": ["µ", "a"], "n": 3}
    path = tmp_path / "m.smodel"
    write_model_bin(path, model, arrays, compress=compress)
    back, got, sha256 = read_model_bin(path)
    assert back == model and list(got) == list(arrays)
    for name, arr in arrays.items():
        assert got[name].dtype == arr.dtype and got[name].shape == arr.shape
        assert np.array_equal(got[name], arr) and not got[name].flags.writeable
    assert sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert is_model_bin(path) and not is_model_bin(tmp_path / "missing.smodel")


def test_the_layout_is_the_documented_one(tmp_path):
    """Magic, uint32 header length, JSON header, zero padding to 64, arrays at multiples of
    8: the writer's bytes are those of the independent writer of the tests."""
    arrays = {"left": np.arange(5, dtype=np.int32), "value": np.linspace(0, 1, 6)}
    write_model_bin(tmp_path / "m.smodel", {"a": 1}, arrays)
    raw = (tmp_path / "m.smodel").read_bytes()
    assert raw[:16] == MAGIC
    (n,) = struct.unpack_from("<I", raw, 16)
    header = json.loads(raw[20:20 + n])
    assert [s["offset"] for s in header["arrays"]] == [0, 24]  # 20 bytes, padded to 24
    start = 20 + n + (-(20 + n) % 64)
    assert set(raw[20 + n:start]) <= {0} and start % 64 == 0
    assert header["payload"] == {"bytes": 72, "compression": "none",
                                 "sha256": hashlib.sha256(raw[start:]).hexdigest()}
    ours = container({"a": 1}, arrays)  # the tests' own writer (it names them forest.*)
    (m,) = struct.unpack_from("<I", ours, 16)
    theirs = json.loads(ours[20:20 + m])
    assert ours[20 + m + (-(20 + m) % 64):] == raw[start:]
    assert [{**s, "name": s["name"].removeprefix("forest.")} for s in theirs["arrays"]] == (
        header["arrays"])
    assert theirs["payload"] == header["payload"]


def test_the_same_model_gives_the_same_bytes(tmp_path):
    for name in ("a.smodel", "b.smodel"):
        write_model_bin(tmp_path / name, {"x": [1.5]}, _arrays(), compress=True)
    assert (tmp_path / "a.smodel").read_bytes() == (tmp_path / "b.smodel").read_bytes()


def test_the_writer_refuses_what_the_reader_would(tmp_path):
    with pytest.raises(ModelError, match=r"array 'h' is float16, expected one of"):
        write_model_bin(tmp_path / "m.smodel", {}, {"h": np.zeros(2, np.float16)})
    with pytest.raises(ModelError, match=r"array 'o' is object"):
        write_model_bin(tmp_path / "m.smodel", {}, {"o": np.array([{}], object)})
    many = {f"a{i}": np.zeros(1, np.int32) for i in range(MAX_ARRAYS + 1)}
    with pytest.raises(ModelError, match=rf"{MAX_ARRAYS + 1} arrays, at most {MAX_ARRAYS}"):
        write_model_bin(tmp_path / "m.smodel", {}, many)
    with pytest.raises(ModelError, match=r"cannot be written as JSON"):
        write_model_bin(tmp_path / "m.smodel", {"x": float("nan")}, {})
    assert not (tmp_path / "m.smodel").exists()


def test_big_endian_and_wide_arrays_are_stored_little_endian(tmp_path):
    arrays = {"be": np.arange(4, dtype=">i4"), "f": np.arange(3, dtype=">f8")}
    write_model_bin(tmp_path / "m.smodel", {}, arrays)
    _, got, _ = read_model_bin(tmp_path / "m.smodel")
    assert got["be"].dtype == np.dtype("<i4") and got["be"].tolist() == [0, 1, 2, 3]
    assert got["f"].tolist() == [0.0, 1.0, 2.0]


def test_missing_and_unreadable_files_are_model_errors(tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        read_model_bin(tmp_path / "missing.smodel")
    with pytest.raises(ModelError, match="is not a file"):
        read_model_bin(tmp_path)
    (tmp_path / "j.smodel").write_text("{}")
    with pytest.raises(ModelError, match="not a semscan binary model"):
        read_model_bin(tmp_path / "j.smodel")


def test_json_names():
    assert is_json_name("a/m.json") and is_json_name("M.JSON.GZ")
    assert not is_json_name("m.smodel") and not is_json_name("json") and not is_json_name("m.gz")
