"""A corpus of crafted, broken *binary* model files (semscan/_modelbin.py), from one valid model.

:func:`crafted_binary_models` writes each file and says which
:class:`~semscan.errors.ModelError` message it must give, as
:func:`tests._crafted_models.crafted_models` does for JSON. The files are built here with
an independent writer of the format (so the layout the module documents is checked too),
with a correct sha256 unless the case is about the sha256, so that each damage reaches the
check it is aimed at: truncation, wrong dtypes, huge declared sizes, bad offsets,
decompression bombs, out-of-range indices, cycles, NaN, bad probabilities.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests._crafted_models import CORRUPT, Crafted

MAGIC = b"\x89semscan-model\r\n"
FORMAT = "semscan-binary-model/1"
_ORDER = ("tree_nodes", "left", "right", "feature", "threshold", "value")
_CODES = {"tree_nodes": "<i4", "left": "<i4", "right": "<i4", "feature": "<i4",
          "threshold": "<f8", "value": "<f8"}


def forest_arrays(payload: dict[str, Any]) -> dict[str, np.ndarray]:
    """The ``forest.*`` arrays of a JSON model payload (its trees concatenated)."""
    trees = payload["forest"]["trees"]
    cat = {k: np.concatenate([np.asarray(t[k]) for t in trees]) for k in _ORDER[1:]}
    out = {"tree_nodes": np.array([len(t["left"]) for t in trees])} | cat
    return {k: np.asarray(v, _CODES[k]) for k, v in out.items()}


def header_model(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as a binary file's header holds it: the forest without its trees."""
    model = copy.deepcopy(payload)
    del model["forest"]["trees"]
    return model


def container(model: Any, arrays: dict[str, np.ndarray], *, compression: str = "none",
              header: Callable[[dict[str, Any]], object] | None = None,
              payload: Callable[[bytes], bytes] | None = None, sha256: str | None = None,
              codes: dict[str, str] | None = None) -> bytes:
    """The bytes of a binary model file, written by the documented layout.

    ``header`` may change the header dict (after the sha256 is set), ``payload`` the
    payload bytes (before compression and hashing), ``codes`` the dtype names written.
    """
    specs, parts, offset = [], [], 0
    for name, arr in arrays.items():
        code = (codes or {}).get(name, arr.dtype.str)
        data = np.ascontiguousarray(arr).tobytes()
        pad = -offset % 8
        parts += [bytes(pad), data]
        offset += pad
        specs.append({"name": f"forest.{name}", "dtype": code, "shape": list(arr.shape),
                      "offset": offset})
        offset += len(data)
    body = b"".join(parts)
    if payload is not None:
        body = payload(body)
    stored = zlib.compress(body) if compression == "zlib" else body
    head = {"format": FORMAT, "model": model, "arrays": specs,
            "payload": {"bytes": len(body), "sha256": sha256 or hashlib.sha256(body).hexdigest(),
                        "compression": compression}}
    if header is not None:
        header(head)  # changes it in place
    text = json.dumps(head).encode("utf-8")  # NaN written as such when a case puts one
    start = MAGIC + struct.pack("<I", len(text)) + text
    return start + bytes(-len(start) % 64) + stored


def crafted_binary_models(valid: dict[str, Any], folder: Path, *,
                          seed: int = 0) -> list[Crafted]:
    """Write the broken binary variants of ``valid`` (a JSON model payload with a
    ``"forest"`` of at least two trees) and ``valid.smodel`` itself; returns the broken
    ones (45 of them)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    model, base = header_model(valid), forest_arrays(valid)
    (folder / "valid.smodel").write_bytes(container(model, base))
    sizes = base["tree_nodes"].astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    left = base["left"]
    # a tree with a node whose both children split (for the sibling cases)
    k = next(int(t) for t in rng.permutation(len(sizes)) if any(
        left[starts[t] + left[starts[t] + i]] >= 0 and left[starts[t] + base["right"][
            starts[t] + i]] >= 0 for i in range(sizes[t]) if left[starts[t] + i] >= 0))
    s0, n = int(starts[k]), int(sizes[k])
    inner = [i for i in range(n) if left[s0 + i] >= 0]
    node = int(rng.choice(inner[1:]))
    pair = next(i for i in inner if left[s0 + left[s0 + i]] >= 0
                and left[s0 + base["right"][s0 + i]] >= 0)
    a, b = int(left[s0 + pair]), int(base["right"][s0 + pair])
    leaf = next(i for i in range(n) if left[s0 + i] < 0)
    width = base["value"].shape[1]
    out: list[Crafted] = []

    def add(name: str, data: bytes, match: str) -> None:
        path = folder / f"{name}.smodel"
        path.write_bytes(data)
        out.append(Crafted(f"bin_{name}", path, match))

    def arrays_case(name: str, change: Callable[[dict[str, np.ndarray]], Any], match: str,
                    **kw: Any) -> None:
        arr = {key: v.copy() for key, v in base.items()}
        change(arr)
        add(name, container(model, arr, **kw), match)

    def set_node(key: str, i: int, value: Any) -> Callable[[dict[str, np.ndarray]], None]:
        return lambda arr: arr[key].__setitem__(s0 + i, value)

    good = container(model, base)
    where = rf"tree {k}, node {node}"
    # ---------------------------------------------------------------- the container
    add("only_magic", MAGIC, r"is truncated \(in its header\)")
    add("truncated_header", good[:40], r"is truncated \(in its header\)")
    add("truncated_arrays", good[: len(good) - 1000], r"is truncated: \d+ of its \d+ bytes")
    add("trailing_bytes", good + b"\0", r"has 1 bytes after its arrays")
    flipped = bytearray(good)
    flipped[-9] ^= 0x01  # a byte of the last array
    add("bad_sha256", bytes(flipped), r"do not match their sha256")
    add("sha256_not_hex", container(model, base, sha256="z" * 64), r"sha256 is not 64 hex")
    add("header_length_2_31", MAGIC + struct.pack("<I", 2**31) + good[20:],
        r"declares a header of 2147483648 bytes")
    add("header_not_json", MAGIC + struct.pack("<I", 9) + b"{not json" + bytes(39),
        r"header is not valid JSON")
    add("header_not_utf8", MAGIC + struct.pack("<I", 4) + b"\xff\xfe\xff\xfe" + bytes(44),
        r"header is not UTF-8")
    deep = b"[" * 200_000 + b"]" * 200_000
    add("header_deep", MAGIC + struct.pack("<I", len(deep)) + deep, r"header is not valid JSON")
    nan_model = copy.deepcopy(model)
    nan_model["feature_medians" if "feature_medians" in model else "classes"] = [float("nan")]
    add("header_nan", container(nan_model, base), r"holds NaN, which no semscan model does")
    add("header_format", container(model, base, header=lambda h: h.update(
        format="semscan-binary-model/2")), r"has header format 'semscan-binary-model/2'")
    add("header_list", MAGIC + struct.pack("<I", 2) + b"[]" + bytes(42), r"header format")
    add("no_payload_spec", container(model, base, header=lambda h: h.pop("payload")),
        r"no 'payload' object")
    add("payload_2_62_bytes", container(model, base, header=lambda h: h["payload"].update(
        bytes=2**62)), r"declares 4611686018427387904 bytes of arrays, expected 0 to")
    add("payload_bytes_float", container(model, base, header=lambda h: h["payload"].update(
        bytes=1.5)), r"declares 1\.5 bytes of arrays")
    add("arrays_take_less", container(model, base, header=lambda h: h["payload"].update(
        bytes=h["payload"]["bytes"] + 8)), r"its arrays take \d+ bytes but \d+ are declared")

    def spec(array: str, **change: Any) -> Callable[[dict[str, Any]], None]:
        def edit(h: dict[str, Any]) -> None:
            next(s for s in h["arrays"] if s["name"] == f"forest.{array}").update(change)
        return edit

    add("shape_2_40", container(model, base, header=spec("left", shape=[2**40])),
        r"array 'forest\.left' has shape \[1099511627776\], expected at most 4 sizes")
    add("shape_product_huge", container(model, base, header=spec("value", shape=[2**20] * 4)),
        r"array 'forest\.value' of shape .* does not fit in the \d+ bytes")
    add("shape_negative", container(model, base, header=spec("right", shape=[-1])),
        r"array 'forest\.right' has shape \[-1\]")
    add("offset_misaligned", container(model, base, header=spec("right", offset=3)),
        r"array 'forest\.right' is at offset 3, expected \d+")
    add("dtype_float32", container(model, base, header=spec("threshold", dtype="<f4")),
        r"array 'forest\.threshold' has dtype '<f4', expected one of")
    add("dtype_object", container(model, base, header=spec("left", dtype="|O")),
        r"array 'forest\.left' has dtype '\|O'")
    add("dtype_big_endian", container(model, base, header=spec("left", dtype=">i4")),
        r"array 'forest\.left' has dtype '>i4'")
    add("array_entry_extra_key", container(model, base, header=spec("left", pickle=True)),
        r"is not \{name, dtype, shape, offset\}")
    add("array_name_repeated", container(model, base, header=spec("right", name="forest.left")),
        r"the name is missing or repeated")
    add("padding_not_zero", _nonzero_padding(model, base),
        r"bytes other than zeros after its header")
    add("compression_lzma", container(model, base, header=lambda h: h["payload"].update(
        compression="lzma")), r"payload compression 'lzma'")
    zbomb = container(model, base, compression="zlib",
                      payload=lambda body: body + bytes(50_000_000),  # 50 MB of zeros
                      header=lambda h: h["payload"].update(bytes=_payload_bytes(base)))
    add("zlib_bomb", zbomb, r"its arrays decompress to more than the \d+ bytes declared")
    zgood = container(model, base, compression="zlib")
    add("zlib_truncated", zgood[: len(zgood) - 500], r"is truncated: its arrays decompress to")
    damaged = bytearray(zgood)
    damaged[-200:-100] = bytes(100)
    add("zlib_damaged", bytes(damaged), r"compressed arrays are damaged|truncated|sha256")
    add("zlib_trailing", zgood + b"xyz", r"has 3 bytes after its compressed arrays")
    add("garbage", b"\x89semscan-modeX\r\n" + bytes(100), r"is not valid JSON")
    # ------------------------------------------------------------- what the arrays say
    arrays_case("missing_value", lambda arr: arr.pop("value"),
                r"arrays are not the forest's: missing \['value'\]")
    arrays_case("left_float64", lambda arr: arr.__setitem__("left", arr["left"].astype("<f8")),
                r"array 'left' is float64, expected int32")
    arrays_case("value_uint32", lambda arr: arr.__setitem__("value", arr["value"].astype("<u4")),
                r"array 'value' is uint32, expected float64")
    arrays_case("self_cycle", set_node("left", node, node),
                rf"{where}: left child {node} is not after its parent; {CORRUPT}")

    def sibling_cycle(arr: dict[str, np.ndarray]) -> None:
        arr["left"][s0 + a], arr["left"][s0 + b] = b, a  # a -> b -> a

    arrays_case("sibling_cycle", sibling_cycle,
                rf"tree {k}, node {b}: left child {a} is not after its parent")
    arrays_case("shared_child", set_node("left", a, b),
                rf"tree {k}, node \d+: (no node has it as a child|it is the child of 2 nodes)")
    arrays_case("index_n", set_node("right", node, n), rf"{where}: right child {n} is outside")
    arrays_case("index_int32_max", set_node("left", node, 2**31 - 1),
                rf"{where}: left child 2147483647 is outside the tree's {n} nodes")
    arrays_case("negative_index", set_node("right", node, -7),
                rf"{where}: right child -7 is neither a node nor -1")
    arrays_case("half_leaf", set_node("left", node, -1),
                rf"{where}: children -1 and \d+: a leaf has -1 for both")
    arrays_case("feature_out_of_range", set_node("feature", node, valid["forest"]["n_features"]),
                rf"{where}: split feature \d+ is not one of the model's")
    arrays_case("threshold_nan", set_node("threshold", node, np.nan),
                rf"{where}: threshold nan is not a finite number")
    arrays_case("threshold_infinity", set_node("threshold", node, -np.inf),
                rf"{where}: threshold -inf is not a finite number")
    arrays_case("value_nan", lambda arr: arr["value"].__setitem__(s0 + leaf, np.nan),
                rf"tree {k}, node {leaf}: class probabilities \[nan")
    arrays_case("value_negative", lambda arr: arr["value"].__setitem__(
        s0 + node, [-0.5] + [0.0] * (width - 1)), rf"{where}: class probabilities \[-0\.5")
    arrays_case("value_sum_2", lambda arr: arr["value"].__setitem__(s0 + leaf, 1.0),
                rf"tree {k}, node {leaf}: leaf class probabilities sum to {width}")
    arrays_case("value_columns", lambda arr: arr.__setitem__("value", arr["value"][:, :-1]),
                rf"array 'value' has shape \(\d+, {width - 1}\), expected \(\d+, {width}\)")
    arrays_case("tree_of_0_nodes", lambda arr: arr["tree_nodes"].__setitem__(1, 0),
                r"tree 1: has 0 nodes")
    arrays_case("tree_of_minus_5_nodes", lambda arr: arr["tree_nodes"].__setitem__(0, -5),
                r"tree 0: has -5 nodes")
    arrays_case("sizes_disagree", lambda arr: arr["tree_nodes"].__setitem__(0, sizes[0] - 1),
                r"array 'left' has shape \(\d+,\), expected \(\d+,\): one entry per node")
    arrays_case("nodes_2_21_plus_1", lambda arr: arr["tree_nodes"].__setitem__(0, 2**21),
                r"more than the 2097152 nodes allowed")
    arrays_case("too_many_trees", lambda arr: arr.update(_stumps(10_001, width)),
                r"'tree_nodes' has shape \(10001,\), expected 1 to 10000 trees")
    arrays_case("deep_tree", lambda arr: arr.update(_chain(600, width)),
                r"tree 0, node \d+: at depth 513, deeper than the 512 allowed")
    both = copy.deepcopy(model)
    both["forest"]["trees"] = []
    add("trees_and_arrays", container(both, base), r"holds both 'trees' and arrays")
    other = copy.deepcopy(model)
    other["forest"]["format"] = "semscan-tree-ensemble/2"
    add("forest_format", container(other, base), r"not a semscan tree-ensemble model")
    oversize = folder / "oversize.smodel"
    with open(oversize, "wb") as fh:
        fh.write(MAGIC)
        fh.truncate(300 * 2**20)  # sparse: no disk space used
    out.append(Crafted("bin_oversize", oversize, r"is 300 MiB, more than a semscan model"))
    return out


def _payload_bytes(arrays: dict[str, np.ndarray]) -> int:
    """Bytes of the arrays one after the other, each at the next multiple of 8."""
    end = 0
    for arr in arrays.values():
        end += -end % 8 + arr.nbytes
    return end


def _nonzero_padding(model: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    """A valid file but for a 1 in the zero padding after its header."""
    for extra in range(2):  # a header ending on a multiple of 64 has no padding: grow it
        data = container(model, arrays, header=lambda h, e=extra: h.update({"x": "y" * e}))
        (n,) = struct.unpack_from("<I", data, len(MAGIC))
        end = len(MAGIC) + 4 + n
        if end % 64:
            return data[:end] + b"\x01" + data[end + 1:]
    raise AssertionError("unreachable: two header lengths cannot both be multiples of 64")


def _stumps(count: int, width: int) -> dict[str, np.ndarray]:
    """``count`` one-node trees (every array consistent, so only the count is wrong)."""
    return {"tree_nodes": np.ones(count, "<i4"), "left": np.full(count, -1, "<i4"),
            "right": np.full(count, -1, "<i4"), "feature": np.zeros(count, "<i4"),
            "threshold": np.zeros(count, "<f8"),
            "value": np.tile(np.eye(1, width), (count, 1)).astype("<f8")}


def _chain(levels: int, width: int) -> dict[str, np.ndarray]:
    """One valid tree ``levels`` deep: node 2i splits into leaf 2i+1 and node 2i+2."""
    size = 2 * levels + 1
    i = np.arange(size)
    split = (i % 2 == 0) & (i < size - 1)
    return {"tree_nodes": np.array([size], "<i4"),
            "left": np.where(split, i + 1, -1).astype("<i4"),
            "right": np.where(split, i + 2, -1).astype("<i4"),
            "feature": np.zeros(size, "<i4"), "threshold": np.full(size, 0.5, "<f8"),
            "value": np.tile(np.eye(1, width), (size, 1)).astype("<f8")}


def stored_forest(path: Path) -> dict[str, Any]:
    """The forest of a valid binary model file as JSON-like lists of trees, read here by
    the documented layout (not by semscan), for :func:`tests._crafted_models.reference_proba`."""
    raw = Path(path).read_bytes()
    assert raw[: len(MAGIC)] == MAGIC
    (n,) = struct.unpack_from("<I", raw, len(MAGIC))
    head = json.loads(raw[len(MAGIC) + 4: len(MAGIC) + 4 + n])
    start = len(MAGIC) + 4 + n
    body = raw[start + -start % 64:]
    if head["payload"]["compression"] == "zlib":  # one zlib stream (the shipped model)
        body = zlib.decompress(body)
    else:
        assert head["payload"]["compression"] == "none"
    assert hashlib.sha256(body).hexdigest() == head["payload"]["sha256"]
    arr = {s["name"].removeprefix("forest."): np.frombuffer(
        body, s["dtype"], int(np.prod(s["shape"])), s["offset"]).reshape(s["shape"])
        for s in head["arrays"]}
    bounds = np.concatenate([[0], np.cumsum(arr["tree_nodes"])]).tolist()
    trees = [{k: arr[k][a:b].tolist() for k in _ORDER[1:]}
             for a, b in itertools.pairwise(bounds)]
    return {**head["model"]["forest"], "trees": trees}
