"""Validated tree arrays of a stored forest: limits, structure checks, ``_Tree``.

A model file may be damaged or hostile. :func:`_trees_of` and :func:`_trees_from_arrays`
check every field's type and every tree's structure (vectorised over all trees at once,
from the JSON or the binary format) before a :class:`_Tree` exists; prediction in
:mod:`semscan._forest.ensemble` (the ensemble, its prediction and its files) relies on
that invariant alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from semscan._modelfile import CORRUPT, corrupt, field
from semscan.errors import ModelError

#: Limits a model's forest must keep; a file beyond them is refused on load. The shipped
#: structure model has 250 trees, 272 404 nodes, depth 32; a pixel classifier of 50 trees
#: of depth 12 (the default) at most 409 550 nodes.
MAX_TREES = 10_000
MAX_NODES = 1 << 21  # all trees together (2 097 152)
MAX_DEPTH = 512
MAX_CLASSES = 256
MAX_FEATURES = 100_000
_TREE_KEYS = ("left", "right", "feature", "threshold", "value")




@dataclass(frozen=True, eq=False)
class _Tree:
    """One validated tree (built only by :func:`_make_trees`).

    Invariant, checked by :func:`_nodes_problem` before a ``_Tree`` exists: node 0 is the
    root; a leaf has ``left == right == -1``; every other node ``i`` has
    ``i < left[i] < n`` and ``i < right[i] < n`` and every node but the root is the child
    of exactly one node (so the nodes form one tree, without cycles); depth <= MAX_DEPTH;
    ``0 <= feature < n_features``; thresholds finite; ``value`` is (n, n_classes), finite,
    in [0, 1], its leaf rows summing to 1.
    """

    left: np.ndarray  # int32, -1 at leaves
    right: np.ndarray
    feature: np.ndarray  # int32
    threshold: np.ndarray  # float64
    value: np.ndarray  # float64 (n_nodes, n_classes), rows sum to 1
    depth: int  # longest root-to-leaf path, in edges


def _nodes_problem(left: np.ndarray, right: np.ndarray, feature: np.ndarray,
                   threshold: np.ndarray, value: np.ndarray, root: np.ndarray,
                   end: np.ndarray, n_features: int) -> tuple[int, str, np.ndarray]:
    """The first thing wrong with the nodes of one or more concatenated trees.

    ``left``/``right`` are the children as stored (indices within their own tree, -1 at
    leaves); ``root[i]`` and ``end[i]`` are where node ``i``'s tree begins and ends in the
    concatenation. Returns ``(i, message, depth)``: the global index of the first bad node
    and what is wrong with it ('' when nothing is), and every node's depth. Vectorised
    over all trees at once (about 40 ms for the 279 674 nodes of the shipped model).
    """
    n = len(left)
    idx = np.arange(n)
    local = idx - root
    none = np.zeros(0, np.int64)
    leaf = left == -1
    for name, child in (("left", left), ("right", right)):
        bad = np.flatnonzero(child < -1)
        if bad.size:
            i = bad[0]
            return i, f"{name} child {child[i]} is neither a node nor -1 (a leaf)", none
    bad = np.flatnonzero(leaf != (right == -1))
    if bad.size:
        i = bad[0]
        return i, (f"children {left[i]} and {right[i]}: a leaf has -1 for both, a split "
                   "neither"), none
    internal = ~leaf
    for name, child in (("left", left), ("right", right)):
        bad = np.flatnonzero(internal & (child <= local))
        if bad.size:
            i = bad[0]
            return i, f"{name} child {child[i]} is not after its parent", none
        bad = np.flatnonzero(internal & (child >= end - root))
        if bad.size:
            i = bad[0]
            return i, (f"{name} child {child[i]} is outside the tree's {end[i] - root[i]} "
                       "nodes"), none
    split = idx[internal]
    children = np.concatenate([left[internal] + root[internal],
                               right[internal] + root[internal]])
    parents = np.bincount(children, minlength=n)
    is_root = local == 0
    bad = np.flatnonzero(~is_root & (parents != 1))
    if bad.size:
        i = bad[0]
        if parents[i] == 0:
            return i, "no node has it as a child (it cannot be reached)", none
        return i, f"it is the child of {parents[i]} nodes, a tree node of one", none
    # Depth by pointer jumping: every node's parent is before it in its own tree, so this
    # ends after log2(depth) rounds.
    up = idx.copy()
    up[children] = np.concatenate([split, split])
    depth = (~is_root).astype(np.int64)
    while not is_root[up].all():
        depth = depth + depth[up]
        up = up[up]
    if depth.max(initial=0) > MAX_DEPTH:
        i = int(np.flatnonzero(depth > MAX_DEPTH)[0])
        return i, f"at depth {depth[i]}, deeper than the {MAX_DEPTH} allowed", none
    bad = np.flatnonzero((feature < 0) | (feature >= n_features))
    if bad.size:
        i = bad[0]
        return i, (f"split feature {feature[i]} is not one of the model's {n_features} "
                   f"(0 to {n_features - 1})"), none
    bad = np.flatnonzero(~np.isfinite(threshold))
    if bad.size:
        i = bad[0]
        return i, f"threshold {threshold[i]} is not a finite number", none
    # NaN fails both comparisons, so the two reductions prove the whole array in [0, 1]
    # (the row by row search runs only on a damaged file).
    in_range = value.size == 0 or (value.min() >= 0 and value.max() <= 1)
    bad = none if in_range else np.flatnonzero(
        ~(np.isfinite(value) & (value >= 0) & (value <= 1)).all(axis=1))
    if bad.size:
        i = bad[0]
        return i, f"class probabilities {value[i].tolist()} are not all in [0, 1]", none
    sums = value.sum(axis=1)
    bad = np.flatnonzero(leaf & (np.abs(sums - 1.0) > 1e-3))
    if bad.size:
        i = bad[0]
        return i, f"leaf class probabilities sum to {sums[i]:.6g}, not 1", none
    return -1, "", depth


_Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _make_trees(arrays: list[_Arrays], *, n_features: int, n_classes: int,
                where: str) -> tuple[_Tree, ...]:
    """:class:`_Tree` objects from (left, right, feature, threshold, value) arrays that
    pass every check, else ModelError naming ``where``, the tree and the node."""
    for k, (left, right, feature, threshold, value) in enumerate(arrays):
        n = len(left)
        if n < 1:
            raise corrupt(f"{where}tree {k}", "has no nodes")
        for name, arr in (("right", right), ("feature", feature), ("threshold", threshold),
                          ("value", value)):
            if len(arr) != n:
                raise corrupt(f"{where}tree {k}",
                              f"'left' has {n} entries but {name!r} has {len(arr)}")
        if value.shape != (n, n_classes):
            raise corrupt(f"{where}tree {k}",
                          f"'value' has shape {value.shape}, expected ({n}, {n_classes})")
    sizes = np.array([len(a[0]) for a in arrays], np.int64)
    left, right, feature, threshold, value = (
        np.concatenate([a[j] for a in arrays]) for j in range(5)
    )
    return _trees_of(left, right, feature, threshold, value, sizes, n_features=n_features,
                     where=where)


def _trees_of(left: np.ndarray, right: np.ndarray, feature: np.ndarray,
              threshold: np.ndarray, value: np.ndarray, sizes: np.ndarray, *,
              n_features: int, where: str) -> tuple[_Tree, ...]:
    """:class:`_Tree` objects from the nodes of all trees concatenated (``sizes[k]`` nodes
    in tree ``k``, every size >= 1, lengths already agreeing), checked all at once."""
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    root = np.repeat(starts, sizes)
    end = np.repeat(starts + sizes, sizes)
    i, problem, depth = _nodes_problem(left, right, feature, threshold, value, root, end,
                                       n_features)
    if problem:
        k = int(np.searchsorted(starts, i, side="right") - 1)
        raise ModelError(f"{where}tree {k}, node {i - starts[k]}: {problem}; {CORRUPT}")
    deepest = np.maximum.reduceat(depth, starts)
    left, right, feature = (a.astype(np.int32, copy=False) for a in (left, right, feature))
    threshold, value = (a.astype(np.float64, copy=False) for a in (threshold, value))
    bounds = np.concatenate([starts, [len(left)]]).tolist()
    return tuple(
        _Tree(left[a:b], right[a:b], feature[a:b], threshold[a:b], value[a:b], int(d))
        for a, b, d in zip(bounds[:-1], bounds[1:], deepest.tolist(), strict=True)
    )


#: The arrays of a forest in a binary model file (semscan._modelbin), all trees
#: concatenated: the number of nodes of each tree, then per node the children (within
#: the node's tree, -1 at leaves), split feature, threshold and class probabilities.
ARRAYS = {"tree_nodes": "<i4", "left": "<i4", "right": "<i4", "feature": "<i4",
          "threshold": "<f8", "value": "<f8"}
ARRAY_PREFIX = "forest."


def _trees_from_arrays(arrays: dict[str, np.ndarray], *, n_features: int, n_classes: int,
                       where: str, source: str) -> tuple[_Tree, ...]:
    """The trees of a binary model file's ``forest.*`` arrays, every size and node checked."""
    names = {k[len(ARRAY_PREFIX):] for k in arrays if k.startswith(ARRAY_PREFIX)}
    if names != set(ARRAYS) or len(names) != len(arrays):
        missing = sorted(set(ARRAYS) - names)
        other = sorted(k for k in arrays if k[len(ARRAY_PREFIX):] not in ARRAYS
                       or not k.startswith(ARRAY_PREFIX))
        raise corrupt(where, f"its arrays are not the forest's: missing {missing}, "
                             f"unknown {other[:8]}")
    a = {k: arrays[ARRAY_PREFIX + k] for k in ARRAYS}
    for name, code in ARRAYS.items():
        if a[name].dtype != np.dtype(code):
            raise corrupt(where, f"array {name!r} is {a[name].dtype}, expected {np.dtype(code)}")
    sizes = a["tree_nodes"]
    if sizes.ndim != 1 or not 1 <= len(sizes) <= MAX_TREES:
        raise corrupt(where, f"'tree_nodes' has shape {sizes.shape}, expected 1 to "
                             f"{MAX_TREES} trees")
    if int(sizes.min()) < 1:
        k = int(np.argmin(sizes))
        raise corrupt(f"{source}: tree {k}", f"has {int(sizes[k])} nodes")
    total = int(sizes.astype(np.int64).sum())
    if total > MAX_NODES:
        raise corrupt(where, f"has {total} nodes, more than the {MAX_NODES} nodes allowed")
    for name in ("left", "right", "feature", "threshold"):
        if a[name].shape != (total,):
            raise corrupt(where, f"array {name!r} has shape {a[name].shape}, expected "
                                 f"({total},): one entry per node of the {len(sizes)} trees")
    if a["value"].shape != (total, n_classes):
        raise corrupt(where, f"array 'value' has shape {a['value'].shape}, expected "
                             f"({total}, {n_classes})")
    return _trees_of(a["left"], a["right"], a["feature"], a["threshold"], a["value"],
                     sizes.astype(np.int64), n_features=n_features, where=f"{source}: ")


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _int_array(tree: dict[str, Any], key: str, where: str) -> np.ndarray:
    values = field(tree, key, where, list)
    if not set(map(type, values)) <= {int}:
        bad = next(v for v in values if type(v) is not int)
        raise corrupt(where, f"{key!r} holds {_type_name(bad)} {bad!r}, expected integers")
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError as exc:
        raise corrupt(where, f"{key!r} holds an integer beyond 64 bits") from exc


def _float_array(values: Any, key: str, where: str) -> np.ndarray:
    if not set(map(type, values)) <= {int, float}:
        bad = next(v for v in values if type(v) not in (int, float))
        raise corrupt(where, f"{key!r} holds {_type_name(bad)} {bad!r}, expected numbers")
    try:
        return np.array(values, dtype=np.float64)
    except OverflowError as exc:
        raise corrupt(where, f"{key!r} holds a number too large for a float") from exc


def _value_array(tree: dict[str, Any], where: str, n_classes: int) -> np.ndarray:
    rows = field(tree, "value", where, list)
    # numpy's own type inference is the fast check here: strings, null, objects or ragged
    # rows give another dtype or an error (booleans would be read as 0 and 1).
    try:
        value = np.array(rows)
    except (ValueError, TypeError, OverflowError) as exc:
        raise corrupt(where, f"'value' is not one list of {n_classes} class probabilities "
                             "per node") from exc
    if value.dtype.kind not in "fiu" or value.ndim != 2 or value.shape[1:] != (n_classes,):
        raise corrupt(where, f"'value' is not one list of {n_classes} class probabilities "
                             f"per node (got {value.dtype} array of shape {value.shape})")
    return value.astype(np.float64, copy=False)


def _classes(data: dict[str, Any], where: str) -> np.ndarray:
    classes = field(data, "classes", where, list)
    if not 1 <= len(classes) <= MAX_CLASSES:
        raise corrupt(where, f"'classes' has {len(classes)} entries, expected 1 to "
                             f"{MAX_CLASSES}")
    kinds = set(map(type, classes))
    if not (kinds == {int} or kinds == {str}):
        raise corrupt(where, f"'classes' {classes[:8]!r} are not all integers or all strings")
    if len(set(classes)) != len(classes):
        raise corrupt(where, f"'classes' {classes!r} has repeats")
    return np.asarray(classes)
