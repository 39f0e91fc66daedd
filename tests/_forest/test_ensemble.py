"""Model files under attack: the tree-ensemble format and the safe reader (issue 19).

The crafted-model corpora (JSON: tests/_crafted_models.py; binary: tests/_crafted_binary.py)
are made from a real, small pixel classifier; tests/segment/test_classifier.py and
tests/classify/test_model_file.py run them through both model loaders, tests/cli the CLI.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path

import numpy as np
import pytest

from semscan._forest import (
    ARRAYS,
    FORMAT,
    MAX_DEPTH,
    MAX_NODES,
    MAX_TREES,
    TreeEnsemble,
    read_json,
    read_model,
    write_json,
    write_model,
)
from semscan._modelfile import MAX_JSON_BYTES, MAX_JSON_CONTAINERS, json_depth, read_model_file
from semscan.errors import ModelError
from tests._crafted_models import (
    crafted_models,
    crc32_combine,
    load_in_subprocess,
    refusals,
    write_gzip_bomb,
)


@pytest.fixture(scope="module")
def forest_payload():
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    rf = RandomForestClassifier(n_estimators=4, max_depth=6, random_state=0).fit(X, y)
    return rf, {"format": "test-wrapper", "forest": TreeEnsemble.from_sklearn(rf).to_dict()}


def _load_forest(path: Path) -> TreeEnsemble:
    return TreeEnsemble.from_dict(read_json(path)["forest"], source=f"model file {path}")


def test_crafted_forests_are_refused(tmp_path, forest_payload):
    _, payload = forest_payload
    cases = crafted_models(payload, tmp_path)
    assert len(cases) >= 20 and len({c.name for c in cases}) == len(cases)
    # the wrapper format is not checked by _load_forest: those two cases load their forest
    skip = {"format_version", "list_not_object"}
    assert refusals(_load_forest, [c for c in cases if c.name not in skip]) == []


def test_valid_forest_round_trips_and_predicts_like_sklearn(tmp_path, forest_payload):
    rf, payload = forest_payload
    write_json(tmp_path / "f.json.gz", payload)
    forest = _load_forest(tmp_path / "f.json.gz")
    X = np.random.default_rng(1).normal(size=(2000, 4))
    assert np.allclose(forest.predict_proba(X), rf.predict_proba(X), atol=1e-5)
    fast = forest.predict_proba(X.astype(np.float32))  # compiled path
    slow = forest._predict_proba_numpy(X.astype(np.float32).astype(np.float64))
    assert np.array_equal(fast, slow)
    assert forest.to_dict() == payload["forest"]


def test_gzip_bomb_generator_is_a_valid_gzip(tmp_path):
    # the corpus's 4 GiB bomb is this with 2**12 chunks: check the construction small
    size = write_gzip_bomb(tmp_path / "b.gz", log2_chunks=3)
    assert gzip.decompress((tmp_path / "b.gz").read_bytes()) == b" " * size
    assert size == 8 << 20
    assert crc32_combine(zlib.crc32(b"ab"), zlib.crc32(b"cde"), 3) == zlib.crc32(b"abcde")


def test_gzip_bomb_is_stopped_at_the_limit(tmp_path):
    bomb = tmp_path / "bomb.json.gz"
    size = write_gzip_bomb(bomb)
    assert size == 4 << 30 and bomb.stat().st_size < 5_000_000
    with pytest.raises(ModelError, match=f"decompresses to more than the {MAX_JSON_BYTES >> 20}"):
        read_json(bomb)


def test_reader_limits_and_formats(tmp_path):
    write_json(tmp_path / "a.json", {"format": "x", "v": [1.5, -2]})
    payload, digest = read_model_file(tmp_path / "a.json")
    assert payload == {"format": "x", "v": [1.5, -2]} and len(digest) == 64
    # gzip is recognised by its signature, whatever the name
    (tmp_path / "z.json").write_bytes(gzip.compress(b'{"a": 1}'))
    assert read_json(tmp_path / "z.json") == {"a": 1}
    # concatenated gzip members are one stream
    (tmp_path / "two.json.gz").write_bytes(gzip.compress(b'{"a": ') + gzip.compress(b"2}"))
    assert read_json(tmp_path / "two.json.gz") == {"a": 2}
    deep = "[" * 64 + "]" * 64
    (tmp_path / "d64.json").write_text(deep)
    assert json.dumps(read_json(tmp_path / "d64.json")) == json.dumps(json.loads(deep))
    (tmp_path / "d65.json").write_text("[" + deep + "]")
    with pytest.raises(ModelError, match="nested 65 levels deep"):
        read_json(tmp_path / "d65.json")
    with pytest.raises(ModelError, match="does not exist"):
        read_json(tmp_path / "missing.json")
    with pytest.raises(ModelError, match="is not a file"):
        read_json(tmp_path)
    with pytest.raises(ModelError, match="holds -Infinity"):
        (tmp_path / "i.json").write_text('{"a": -Infinity}')
        read_json(tmp_path / "i.json")
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        write_json(tmp_path / "nan.json", {"a": float("nan")})


def test_limits_agree():
    # a forest at the node and tree limits has one list per node and six per tree
    assert MAX_NODES + 6 * MAX_TREES + 1000 < MAX_JSON_CONTAINERS


def test_json_depth_ignores_brackets_in_strings():
    assert json_depth(b'{"a": "[[[[", "b": [1, {"c": "}}\\"]]"}]}') == 3
    assert json_depth(b"") == 0
    assert json_depth(b"]]]]") == 0  # malformed: a number, no error
    assert json_depth(b'"\\\\"[[]]') == 2  # an escaped backslash ends the string


def _chain(levels: int) -> dict:
    size = 2 * levels + 1
    left = [i + 1 if i % 2 == 0 and i < size - 1 else -1 for i in range(size)]
    right = [i + 2 if i % 2 == 0 and i < size - 1 else -1 for i in range(size)]
    return {"format": FORMAT, "classes": ["a", "b"], "n_features": 1, "trees": [
        {"left": left, "right": right, "feature": [0] * size,
         "threshold": [float(i) for i in range(size)],
         "value": [[1.0, 0.0] if i % 4 == 1 else [0.0, 1.0] for i in range(size)]}]}


def test_depth_limit_and_a_deep_valid_tree():
    forest = TreeEnsemble.from_dict(_chain(MAX_DEPTH))
    assert forest.trees[0].depth == MAX_DEPTH
    # sample x goes right at every split with threshold < x: it leaves the chain at the
    # first split 2i with 2i >= x, into leaf 2i + 1
    X = np.array([[0.0], [1.5], [3.0], [5000.0]])
    leaf = [1, 3, 5, 2 * MAX_DEPTH]
    expected = np.array([[1.0, 0.0] if i % 4 == 1 else [0.0, 1.0] for i in leaf])
    assert np.array_equal(forest.predict_proba(X), expected)
    X32 = np.repeat(X, 256, axis=0).astype(np.float32)  # the compiled path
    assert np.array_equal(forest.predict_proba(X32), np.repeat(expected, 256, axis=0))
    with pytest.raises(ModelError, match=f"at depth {MAX_DEPTH + 1}, deeper than"):
        TreeEnsemble.from_dict(_chain(MAX_DEPTH + 1))


def test_crafted_files_fail_fast_in_a_fresh_process(tmp_path, forest_payload):
    """Hang detector: every file of the corpus ends with ModelError in a subprocess."""
    _, payload = forest_payload
    cases = crafted_models(payload, tmp_path / "corpus")
    results, rss_mb = load_in_subprocess("semscan._forest", "read_json", tmp_path / "corpus",
                                         timeout=60)
    # read_json alone refuses the file-level cases; the forest checks are tested above
    file_level = {"deep_nesting", "deep_inside", "many_lists", "gzip_bomb", "truncated_gzip",
                  "not_gzip", "damaged_gzip", "empty", "not_utf8", "not_json", "oversize",
                  "threshold_nan", "threshold_infinity"}
    assert {c.path.name for c in cases} == set(results)
    for case in cases:
        if case.name in file_level:
            assert results[case.path.name]["outcome"] == "ModelError", case.name
    assert rss_mb < 1000  # the 4 GiB bomb is not expanded


def test_mutated_model_text_is_refused_or_predicts_sanely(tmp_path, forest_payload):
    """Random edits of a valid file (seed 0): each one is refused with ModelError or, when
    it is still a valid forest, predicts probabilities in [0, 1] summing to 1."""
    _, payload = forest_payload
    text = json.dumps(payload["forest"])
    rng = np.random.default_rng(0)
    alphabet = [*'0123456789-.,[]{}":eE ', "-1", "1e999", "NaN", "true", "null"]
    X = np.random.default_rng(1).normal(size=(64, 4))
    outcomes = {"refused": 0, "loaded": 0}
    for trial in range(400):
        chars = list(text)
        for _ in range(int(rng.integers(1, 4))):
            chars[int(rng.integers(len(chars)))] = str(rng.choice(alphabet))
        path = tmp_path / f"m{trial}.json"
        path.write_text("".join(chars))
        try:
            forest = TreeEnsemble.from_dict(read_json(path), source=str(path))
        except ModelError:
            outcomes["refused"] += 1
            continue
        outcomes["loaded"] += 1
        for XX in (X, np.repeat(X, 16, axis=0).astype(np.float32)):
            p = forest.predict_proba(XX)
            assert p.shape == (len(XX), len(forest.classes))
            assert ((p >= 0) & (p <= 1)).all() and np.allclose(p.sum(axis=1), 1, atol=1e-3)
    assert outcomes["refused"] > 100 and outcomes["loaded"] > 10, outcomes


def _reference_proba(forest: TreeEnsemble, X: np.ndarray) -> np.ndarray:
    """The former numpy path: one tree after another."""
    out = np.zeros((X.shape[0], len(forest.classes)), np.float64)
    rows = np.arange(X.shape[0])
    for tree in forest.trees:
        node = np.zeros(X.shape[0], np.int32)
        active = tree.left[node] >= 0
        while active.any():
            idx = rows[active]
            cur = node[idx]
            go_left = X[idx, tree.feature[cur]] <= tree.threshold[cur]
            node[idx] = np.where(go_left, tree.left[cur], tree.right[cur])
            active[idx] = tree.left[node[idx]] >= 0
        out += tree.value[node]
    return out / max(len(forest.trees), 1)


def test_stacked_numpy_path_equals_tree_by_tree(monkeypatch):
    import semscan._forest.ensemble as forest_module
    from semscan.classify.model_file import default_model

    forest = default_model().forest
    rng = np.random.default_rng(3)
    med = default_model().feature_medians
    X = med * rng.uniform(0.0, 3.0, size=(300, forest.n_features))
    X[::17, 2] = np.nan  # NaN goes right on both paths
    for k, tree in enumerate(forest.trees[:40]):  # values exactly at a root's threshold
        X[k + 20, tree.feature[0]] = tree.threshold[0]
    ref = _reference_proba(forest, X)
    assert np.array_equal(forest._predict_proba_numpy(X), ref)
    monkeypatch.setattr(forest_module, "_PAIRS_PER_CHUNK", 7 * len(forest.trees))
    assert np.array_equal(forest._predict_proba_numpy(X), ref)  # in chunks of 7 rows
    assert forest._predict_proba_numpy(X[:0]).shape == (0, len(forest.classes))



def test_replaced_feature_probes_equal_the_probed_batch():
    from semscan.classify.model_file import default_model

    model = default_model()
    forest, med = model.forest, model.feature_medians
    rng = np.random.default_rng(5)
    X = med * rng.uniform(0.0, 3.0, size=(7, forest.n_features))
    X[1] = med  # a row at the replacement values: every probe is the row itself
    X[2, 3] = np.nan  # NaN goes right
    for k, tree in enumerate(forest.trees[:30]):  # values exactly at a root's threshold
        X[3 + k % 4, tree.feature[0]] = tree.threshold[0]
    m, n = X.shape
    batch = np.repeat(X[:, None, :], n + 1, axis=1)
    batch[:, np.arange(1, n + 1), np.arange(n)] = med
    ref = _reference_proba(forest, batch.reshape(m * (n + 1), n)).reshape(m, n + 1, -1)
    assert m > (1 << 16) // (len(forest.trees) * (n + 1))  # rows in two batches
    got = forest.predict_proba_replaced(X, med)
    assert np.array_equal(got, ref)
    assert np.array_equal(got[1, 1:], np.repeat(got[1, :1], n, axis=0))
    assert forest.predict_proba_replaced(X[:0], med).shape == (0, n + 1, len(forest.classes))
    with pytest.raises(ModelError, match="replacement values"):
        forest.predict_proba_replaced(X, med[:-1])


# ------------------------------------------------------------------ the binary format
def _load_any(path: Path) -> TreeEnsemble:
    payload, arrays, _ = read_model(path)
    if not isinstance(payload, dict):
        raise ModelError(f"model file {path}: not an object")
    return TreeEnsemble.from_dict(payload.get("forest"), source=f"model file {path}",
                                  arrays=arrays)


def test_both_formats_hold_the_same_forest(tmp_path, forest_payload):
    """write_model picks the format by name; either file gives the same nodes and
    probabilities, equal to a fresh forest's after the JSON rounding."""
    rf, payload = forest_payload
    fresh = TreeEnsemble.from_sklearn(rf)
    for name in ("f.smodel", "f.json", "f.json.gz", "f.other"):
        write_model(tmp_path / name, {"format": "test-wrapper"}, fresh)
    assert (tmp_path / "f.smodel").read_bytes()[:16] == b"\x89semscan-model\r\n"
    assert (tmp_path / "f.other").read_bytes() == (tmp_path / "f.smodel").read_bytes()
    rounded = TreeEnsemble.from_dict(payload["forest"])
    X = np.random.default_rng(1).normal(size=(2000, 4))
    expected = rounded.predict_proba(X)
    for name in ("f.smodel", "f.json", "f.json.gz"):
        forest = _load_any(tmp_path / name)
        assert forest.to_dict() == payload["forest"]
        assert np.array_equal(forest.predict_proba(X), expected)
        assert np.array_equal(forest.predict_proba(X.astype(np.float32)),
                              rounded.predict_proba(X.astype(np.float32)))
    meta, arrays = fresh.to_parts()
    assert meta == {k: v for k, v in payload["forest"].items() if k != "trees"}
    assert sorted(arrays) == [f"forest.{k}" for k in sorted(ARRAYS)]
    assert arrays["forest.tree_nodes"].tolist() == [len(t.left) for t in fresh.trees]
    loaded = _load_any(tmp_path / "f.smodel")
    assert not loaded.trees[0].left.flags.writeable  # views of the file's bytes, read-only


def test_binary_forest_checks_every_node(tmp_path, forest_payload):
    """The JSON corpus's node damage, written as binary arrays, gives the same messages."""
    from tests._crafted_binary import crafted_binary_models

    _, payload = forest_payload
    cases = crafted_binary_models(payload, tmp_path)
    assert _load_any(tmp_path / "valid.smodel").to_dict() == payload["forest"]
    assert refusals(_load_any, cases) == []
