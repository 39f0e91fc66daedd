"""A corpus of crafted, broken model files made from one real, small, valid model.

:func:`crafted_models` writes each file and says which :class:`~semscan.errors.ModelError`
message it must give. The cases are the hostile-input audit's (issue 19): tree cycles,
negative and huge indices, NaN and Infinity, wrong types, missing keys, deep nesting, a
gzip bomb, truncated and foreign files. The node each tree case corrupts is drawn with a
fixed seed, so the corpus is the same on every run.
"""

from __future__ import annotations

import copy
import gzip
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CORRUPT = "the model file is corrupt or was not written by semscan"


@dataclass(frozen=True)
class Crafted:
    name: str
    path: Path
    match: str  # regular expression the ModelError message must contain


# ----------------------------------------------------------------------------- gzip bomb
def _gf2_times(mat: list[int], vec: int) -> int:
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A + B from the CRCs of A and B and the length of B (zlib's algorithm)."""
    op = [0xEDB88320] + [1 << n for n in range(31)]  # appends one zero bit
    for _ in range(3):
        op = _gf2_square(op)  # appends one zero byte
    while len2:
        if len2 & 1:
            crc1 = _gf2_times(op, crc1)
        len2 >>= 1
        op = _gf2_square(op)  # appends twice as many zero bytes
    return crc1 ^ crc2


def write_gzip_bomb(path: Path, *, log2_chunks: int = 12) -> int:
    """A valid gzip file of ``2**log2_chunks`` MiB of JSON white space; returns that size.

    Made without compressing gigabytes: one MiB of spaces is deflated once after a full
    flush (so its block depends on nothing before it), that block is written
    ``2**log2_chunks`` times, and the CRC of the whole is combined from the chunk's by
    doubling. The default is 4 GiB in about 4.3 MB.
    """
    chunk = b" " * (1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    comp.compress(chunk)
    comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.flush(zlib.Z_FINISH)
    crc, length = zlib.crc32(chunk), len(chunk)
    for _ in range(log2_chunks):
        crc, length = crc32_combine(crc, crc, length), 2 * length
    with open(path, "wb") as fh:
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
        for _ in range(1 << log2_chunks):
            fh.write(block)
        fh.write(tail)
        fh.write(struct.pack("<II", crc, length & 0xFFFFFFFF))
    return length


# ----------------------------------------------------------------------------- corpus
def _internal_nodes(tree: dict[str, Any]) -> list[int]:
    return [i for i, c in enumerate(tree["left"]) if c >= 0]


def crafted_models(valid: dict[str, Any], folder: Path, *, seed: int = 0) -> list[Crafted]:
    """Write the broken variants of ``valid`` (a model payload with a ``"forest"``).

    Returns one :class:`Crafted` per file (45 of them).
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    trees = valid["forest"]["trees"]
    # a tree with a node whose both children split (for the sibling cases)
    candidates = [
        k for k, t in enumerate(trees)
        if any(t["left"][t["left"][i]] >= 0 and t["left"][t["right"][i]] >= 0
               for i in _internal_nodes(t))
    ]
    k = int(rng.choice(candidates))
    tree = trees[k]
    inner = _internal_nodes(tree)
    node = int(rng.choice(inner[1:]))  # a split other than the root
    pair = next(i for i in inner
                if tree["left"][tree["left"][i]] >= 0 and tree["left"][tree["right"][i]] >= 0)
    a, b = tree["left"][pair], tree["right"][pair]
    n = len(tree["left"])
    out: list[Crafted] = []

    def payload(name: str, change: Callable[[dict[str, Any]], Any], match: str,
                *, gz: bool = False) -> None:
        data = copy.deepcopy(valid)
        change(data)
        path = folder / (f"{name}.json.gz" if gz else f"{name}.json")
        text = json.dumps(data)  # NaN and Infinity are written as such
        if gz:
            path.write_bytes(gzip.compress(text.encode(), mtime=0))
        else:
            path.write_text(text, encoding="utf-8")
        out.append(Crafted(name, path, match))

    def raw(name: str, data: bytes, match: str, *, suffix: str = ".json") -> None:
        path = folder / f"{name}{suffix}"
        path.write_bytes(data)
        out.append(Crafted(name, path, match))

    def t(data: dict[str, Any]) -> dict[str, Any]:
        return data["forest"]["trees"][k]

    def setitem(key: str, i: int, value: Any) -> Callable[[dict[str, Any]], None]:
        return lambda d: t(d)[key].__setitem__(i, value)

    where = rf"tree {k}, node {node}"
    payload("self_cycle", setitem("left", node, node),
            rf"{where}: left child {node} is not after its parent; {CORRUPT}")

    def sibling_cycle(d: dict[str, Any]) -> None:
        t(d)["left"][a], t(d)["left"][b] = b, a  # a -> b -> a

    payload("sibling_cycle", sibling_cycle,
            rf"tree {k}, node {b}: left child {a} is not after its parent")
    payload("shared_child", setitem("left", a, b),
            rf"tree {k}, node \d+: (no node has it as a child|it is the child of 2 nodes)")
    payload("backwards", setitem("right", node, 1 if node > 1 else 0),
            rf"{where}: right child \d is not after its parent")
    payload("negative_index", setitem("right", node, -7),
            rf"{where}: right child -7 is neither a node nor -1")
    payload("half_leaf", setitem("left", node, -1),
            rf"{where}: children -1 and \d+: a leaf has -1 for both")
    payload("index_2_40", setitem("left", node, 2**40),
            rf"{where}: left child 1099511627776 is outside the tree's {n} nodes")
    payload("index_2_70", setitem("left", node, 2**70), r"'left' holds an integer beyond 64")
    payload("index_n", setitem("right", node, n), rf"{where}: right child {n} is outside")
    payload("float_index", setitem("left", node, 1.5), r"'left' holds float 1.5, expected int")
    payload("bool_index", setitem("left", node, True), r"'left' holds bool True, expected int")
    payload("string_index", setitem("left", node, "3"), r"'left' holds str '3', expected int")
    payload("feature_out_of_range",
            setitem("feature", node, d_features := valid["forest"]["n_features"]),
            rf"{where}: split feature {d_features} is not one of the model's")
    payload("feature_negative", setitem("feature", node, -2),
            rf"{where}: split feature -2 is not one of")
    payload("threshold_nan", setitem("threshold", node, float("nan")),
            r"is not valid JSON: holds NaN, which no semscan model does")
    payload("threshold_infinity", setitem("threshold", node, float("inf")),
            r"holds Infinity, which no semscan model does")
    raw("threshold_1e999", _with_first_threshold(valid, k, "1e999").encode(),
        rf"tree {k}, node 0: threshold inf is not a finite number")
    payload("value_negative", lambda d: t(d)["value"].__setitem__(node, [-0.5] + [0.0] * (
        len(t(d)["value"][node]) - 1)), rf"{where}: class probabilities \[-0.5")
    payload("value_sum_2", lambda d: t(d)["value"].__setitem__(
        _first_leaf(t(d)), [1.0] * len(t(d)["value"][0])), r"leaf class probabilities sum to")
    payload("value_short_row", lambda d: t(d)["value"].__setitem__(node, [1.0]),
            r"'value' is not one list of \d+ class probabilities per node")
    payload("value_strings", lambda d: t(d)["value"].__setitem__(node, ["a"] * len(
        t(d)["value"][0])), r"'value' is not one list of")
    payload("arrays_differ", lambda d: t(d)["threshold"].pop(),
            rf"tree {k}: 'left' has {n} entries but 'threshold' has {n - 1}")
    payload("left_is_string", lambda d: t(d).__setitem__("left", "0,1,2"),
            r"'left' is str, expected list")
    payload("tree_is_list", lambda d: d["forest"]["trees"].__setitem__(k, [1, 2]),
            rf"tree {k}: is list, expected an object")
    payload("missing_value", lambda d: t(d).pop("value"),
            rf"tree {k}: the field 'value' is missing")
    payload("missing_trees", lambda d: d["forest"].pop("trees"),
            r"forest: the field 'trees' is missing")
    payload("n_features_string", lambda d: d["forest"].__setitem__("n_features", "44"),
            r"'n_features' is str, expected int")
    payload("classes_repeated", lambda d: d["forest"].__setitem__(
        "classes", [d["forest"]["classes"][0]] * len(d["forest"]["classes"])), r"has repeats")
    width = len(valid["forest"]["classes"])
    stump = {"left": [-1], "right": [-1], "feature": [0], "threshold": [-2.0],
             "value": [[1.0] + [0.0] * (width - 1)]}
    payload("too_many_trees", lambda d: d["forest"].__setitem__("trees", [stump] * 10_001),
            r"has 10001 trees, expected 1 to 10000")
    out.append(Crafted("huge_tree", _write_huge_tree(valid, folder / "huge_tree.json"),
                       r"has more than the 2097152 nodes allowed"))

    def deep_chain(d: dict[str, Any]) -> None:
        # a valid tree structure, 600 levels deep: node 2i splits into leaf 2i+1 and 2i+2
        levels, width = 600, len(t(d)["value"][0])
        size = 2 * levels + 1
        left = [i + 1 if i % 2 == 0 and i < size - 1 else -1 for i in range(size)]
        right = [i + 2 if i % 2 == 0 and i < size - 1 else -1 for i in range(size)]
        t(d).update(left=left, right=right, feature=[0] * size, threshold=[0.5] * size,
                    value=[[1.0] + [0.0] * (width - 1)] * size)

    payload("deep_tree", deep_chain,
            rf"tree {k}, node \d+: at depth 513, deeper than the 512 allowed")
    payload("format_version", lambda d: d.__setitem__("format", d["format"][:-1] + "0"),
            r"format")
    payload("forest_format", lambda d: d["forest"].__setitem__(
        "format", "semscan-tree-ensemble/2"), r"not a semscan tree-ensemble model")
    text = json.dumps(valid)
    raw("many_lists", (text[:-1] + ', "extra": [' + "[0]," * 2_300_000 + "[0]]}").encode(),
        r"holds 23\d{5} JSON lists and objects, more than the 2200000")
    raw("deep_nesting", b"[" * 100_000 + b"]" * 100_000,
        rf"JSON nested 100000 levels deep, more than the 64 a semscan model may have; {CORRUPT}")
    raw("deep_inside", (text[:-1] + ', "extra": ' + "[" * 5000 + "]" * 5000 + "}").encode(),
        r"JSON nested 5001 levels deep")
    bomb = folder / "gzip_bomb.json.gz"
    write_gzip_bomb(bomb)
    out.append(Crafted("gzip_bomb", bomb, r"decompresses to more than the 64 MiB"))
    whole = gzip.compress(text.encode(), mtime=0)
    raw("truncated_gzip", whole[: len(whole) // 2], r"is a truncated gzip file",
        suffix=".json.gz")
    raw("not_gzip", b"hello, I am not compressed", r"is not gzip-compressed",
        suffix=".json.gz")
    raw("damaged_gzip", whole[:20] + bytes(64) + whole[84:], r"damaged gzip|not gzip",
        suffix=".json.gz")
    raw("empty", b"", rf"is empty; {CORRUPT}")
    raw("not_utf8", b"\xff\xfe" + text.encode("utf-16-le"), r"not valid JSON: not UTF-8")
    raw("not_json", b"{not json", r"is not valid JSON")
    raw("list_not_object", b"[1, 2]", r"format")
    oversize = folder / "oversize.json"
    with open(oversize, "wb") as fh:
        fh.truncate(65 * 2**20)  # sparse: no disk space used
    out.append(Crafted("oversize", oversize, r"is 65 MiB, more than the 64 MiB"))
    return out


def _first_leaf(tree: dict[str, Any]) -> int:
    return next(i for i, c in enumerate(tree["left"]) if c < 0)


def _with_first_threshold(valid: dict[str, Any], k: int, literal: str) -> str:
    """JSON text of ``valid`` whose tree ``k`` has the number ``literal`` at node 0."""
    data = copy.deepcopy(valid)
    data["forest"]["trees"][k]["threshold"][0] = "@@THRESHOLD@@"
    return json.dumps(data).replace('"@@THRESHOLD@@"', literal)


def _write_huge_tree(valid: dict[str, Any], path: Path) -> Path:
    """``valid`` with a tree whose ``left`` has 2**21 + 1 entries (6 MB of text, under
    the size limit; the other arrays stay short, the count is refused first)."""
    size = (1 << 21) + 1
    tree = ('{"left":[' + "-1," * (size - 1) + '-1],"right":[-1],"feature":[0],'
            '"threshold":[0],"value":[[1]]}')
    data = copy.deepcopy(valid)
    data["forest"]["trees"] = ["@@TREE@@"]
    path.write_text(json.dumps(data, separators=(",", ":")).replace('"@@TREE@@"', tree),
                    encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- checks
def refusals(load: Callable[[Path], Any], cases: list[Crafted]) -> list[str]:
    """Load every case in this process; the cases that did not fail as they should."""
    import re

    from semscan.errors import ModelError

    wrong = []
    for case in cases:
        try:
            load(case.path)
        except ModelError as exc:
            if str(case.path) not in str(exc) or not re.search(case.match, str(exc)):
                wrong.append(f"{case.name}: {exc}")
        except Exception as exc:
            wrong.append(f"{case.name}: {type(exc).__name__}: {exc}")
        else:
            wrong.append(f"{case.name}: loaded")
    return wrong


_SCRIPT = """
import json, resource, sys, time
from pathlib import Path
from semscan.errors import ModelError
from {module} import {function} as load
for path in sorted(Path(sys.argv[1]).iterdir()):
    print("start", path.name, flush=True)
    t = time.perf_counter()
    try:
        load(path)
        outcome = "loaded"
    except ModelError:
        outcome = "ModelError"
    except BaseException as exc:
        outcome = type(exc).__name__
    print(json.dumps({{"name": path.name, "outcome": outcome,
                      "seconds": time.perf_counter() - t}}), flush=True)
def peak_mb():
    # VmHWM: the peak of this process image. ru_maxrss would do on a fresh process, but
    # Linux keeps it across execve, so a child forked from a large pytest worker reports
    # the worker's peak (seen: 1157 MB from a worker that had read the report folders).
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"max_rss_mb": peak_mb()}}))
"""


def load_in_subprocess(module: str, function: str, folder: Path, *,
                       timeout: float) -> tuple[dict[str, dict[str, Any]], float]:
    """Load every file of ``folder`` in a fresh interpreter (a hang detector, not a timer).

    Returns ``{file name: {"outcome", "seconds"}}`` and the process's peak RSS in MB.
    Raises AssertionError naming the file being loaded if ``timeout`` s pass.
    """
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    code = _SCRIPT.format(module=module, function=function)
    try:
        res = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True,
                             text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        started = [line for line in out.splitlines() if line.startswith("start ")]
        raise AssertionError(f"loading hung (> {timeout} s) at {started[-1:]}") from exc
    assert res.returncode == 0, res.stderr[-2000:]
    rows = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    return {r["name"]: r for r in rows if "name" in r}, rows[-1]["max_rss_mb"]


def assert_refused(payload: dict[str, Any], folder: Path, load: Callable[[Path], Any]) -> None:
    """Every crafted variant of ``payload`` (written to ``folder``) is refused by ``load``
    with its :class:`~semscan.errors.ModelError` message."""
    cases = crafted_models(payload, folder)
    assert len(cases) >= 20
    assert refusals(load, cases) == []


def assert_refused_in_a_fresh_process(payload: dict[str, Any], folder: Path, module: str,
                                      function: str) -> None:
    """Every crafted variant of ``payload`` is refused by ``module.function`` in a fresh
    interpreter, none hangs (60 s for them all) and the process stays under 1000 MB."""
    crafted_models(payload, folder)
    results, rss_mb = load_in_subprocess(module, function, folder, timeout=60)
    assert {r["outcome"] for r in results.values()} == {"ModelError"}, results
    assert rss_mb < 1000


def reference_proba(forest: dict[str, Any], X: np.ndarray) -> np.ndarray:
    """Class probabilities by walking the stored lists sample by sample (the definition:
    ``x[feature] <= threshold`` goes left), summed tree after tree as the model does."""
    X = np.asarray(X)
    out = np.zeros((len(X), len(forest["classes"])), np.float64)
    for tree in forest["trees"]:
        left, right = tree["left"], tree["right"]
        feature, threshold = tree["feature"], tree["threshold"]
        leaves = []
        for x in X.tolist():
            i = 0
            while left[i] >= 0:
                i = left[i] if x[feature[i]] <= threshold[i] else right[i]
            leaves.append(i)
        out += np.asarray(tree["value"], np.float64)[leaves]
    return out / len(forest["trees"])
