"""Tree ensembles stored as plain JSON: no pickle, no code execution on load.

Both trainable models in semscan (the pixel classifier of :mod:`semscan.segment` and the
structure classifier of :mod:`semscan.classify`) are random forests. scikit-learn trains
them; this module turns a fitted ``RandomForestClassifier`` or ``ExtraTreesClassifier``
into arrays (children, split feature, threshold, leaf class probabilities) and predicts
from those arrays with numpy alone. Loading a model therefore never unpickles anything and
does not depend on the scikit-learn version that trained it.

Files are binary (``.smodel``: a JSON header and the arrays raw, :mod:`semscan._modelbin`,
what semscan writes and ships) or JSON (``.json``, gzip-compressed ``.json.gz``: the
arrays as lists, :mod:`semscan._modelfile`, still read and written), both with a
``"format"`` key: :func:`read_model` and :func:`write_model`.

A model file may be damaged or hostile, so :meth:`TreeEnsemble.from_dict` checks every
field's type and every tree's structure (vectorised over all trees at once, from either
format) before a tree exists (see :class:`_Tree` for the
invariant: children after their parent and inside the arrays, one parent per node, depth
at most :data:`MAX_DEPTH`, features in range, finite thresholds, probabilities in [0, 1]).
Prediction relies on that invariant alone: it can neither loop nor index outside the
arrays, on the numpy path or the compiled one.

Examples
--------
>>> import numpy as np
>>> from sklearn.ensemble import RandomForestClassifier
>>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
>>> rf = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
>>> forest = TreeEnsemble.from_sklearn(rf)
>>> bool(np.allclose(forest.predict_proba(X), rf.predict_proba(X)))
True
>>> TreeEnsemble.from_dict(forest.to_dict()).predict(np.array([[2.5]])).tolist()
[1]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from semscan._forest.trees import (
    _TREE_KEYS,
    ARRAY_PREFIX,
    ARRAYS,
    MAX_CLASSES,
    MAX_DEPTH,
    MAX_FEATURES,
    MAX_NODES,
    MAX_TREES,
    _classes,
    _float_array,
    _int_array,
    _make_trees,
    _Tree,
    _trees_from_arrays,
    _type_name,
    _value_array,
)
from semscan._modelbin import is_json_name, is_model_bin, read_model_bin, write_model_bin
from semscan._modelfile import (
    CORRUPT,
    corrupt,
    field,
    int_field,
    read_json,
    read_model_file,
    write_json,
)
from semscan.errors import ModelError, SemscanError

__all__ = [
    "ARRAYS",
    "FORMAT",
    "MAX_CLASSES",
    "MAX_DEPTH",
    "MAX_FEATURES",
    "MAX_NODES",
    "MAX_TREES",
    "TreeEnsemble",
    "read_json",
    "read_model",
    "require_sklearn",
    "write_json",
    "write_model",
]

FORMAT = "semscan-tree-ensemble/1"


def require_sklearn(what: str) -> Any:
    """The ``sklearn`` module, or a :class:`~semscan.errors.SemscanError` saying how to get it.

    Only training needs scikit-learn (the ``train`` extra): loading a model and predicting
    with it use numpy alone (and scikit-learn's compiled tree traversal when it happens to
    be installed, which gives the same probabilities faster).

    Parameters
    ----------
    what : str
        What needs it, for the message (e.g. ``'semscan train-classifier'``).

    Raises
    ------
    SemscanError
        If scikit-learn cannot be imported.

    Examples
    --------
    >>> require_sklearn("this example").__name__
    'sklearn'
    """
    try:
        import sklearn
    except ImportError as exc:
        raise SemscanError(
            f"{what} needs scikit-learn, which is not installed (only training uses it); "
            'install the training extra: pip install "semscan[train]"'
        ) from exc
    return sklearn
_PAIRS_PER_CHUNK = 1 << 21  # (sample, tree) pairs stepped together by the numpy path


@dataclass(frozen=True, eq=False)
class TreeEnsemble:
    """A fitted forest of classification trees, as arrays.

    Attributes
    ----------
    classes : ndarray
        Class labels, in the column order of :meth:`predict_proba`.
    n_features : int
        Number of input features.
    trees : tuple
        The trees (private structure).
    """

    classes: np.ndarray
    n_features: int
    trees: tuple[_Tree, ...]

    @classmethod
    def from_sklearn(cls, model: Any) -> TreeEnsemble:
        """Convert a fitted scikit-learn ``RandomForestClassifier``/``ExtraTreesClassifier``."""
        if not hasattr(model, "estimators_"):
            raise ModelError(f"expected a fitted sklearn forest classifier, got {type(model)}")
        classes = np.asarray(model.classes_)
        n_features = int(model.n_features_in_)
        total = sum(int(est.tree_.node_count) for est in model.estimators_)
        if total > MAX_NODES or len(model.estimators_) > MAX_TREES:
            raise ModelError(
                f"the fitted forest has {len(model.estimators_)} trees and {total} nodes, more "
                f"than the {MAX_TREES} trees and {MAX_NODES} nodes a semscan model may hold; "
                "train fewer or shallower trees"
            )
        arrays = []
        for est in model.estimators_:
            t = est.tree_
            value = np.asarray(t.value[:, 0, :], dtype=np.float64)
            total = value.sum(axis=1, keepdims=True)
            value = np.divide(value, total, out=np.zeros_like(value), where=total > 0)
            arrays.append((
                np.asarray(t.children_left, np.int64),
                np.asarray(t.children_right, np.int64),
                np.maximum(t.feature, 0).astype(np.int64),
                np.asarray(t.threshold, np.float64),
                value,
            ))
        trees = _make_trees(arrays, n_features=n_features, n_classes=len(classes),
                            where="the fitted forest: ")
        return cls(classes, n_features, trees)

    def __post_init__(self) -> None:
        # Trees come only from _make_trees (from_sklearn, from_dict), which validates them;
        # this guards the one thing it cannot see, that they fit this ensemble.
        for tree in self.trees:
            if not isinstance(tree, _Tree) or tree.value.shape[1] != len(self.classes):
                raise ModelError("a TreeEnsemble is built by from_sklearn or from_dict only")
            if int(tree.feature.max(initial=0)) >= self.n_features:
                raise ModelError("a tree splits on a feature the ensemble does not have")

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Mean leaf class probabilities, shape (n_samples, n_classes).

        Every sample goes down every tree (``X[feature] <= threshold`` goes left; NaN goes
        right). For float32 input of 1024 rows or more the traversal runs in compiled code:
        each stored tree is rebuilt (from the validated arrays, never unpickled) as a
        scikit-learn tree whose ``apply`` gives the leaf; the comparisons are the same as
        the numpy path's, so are the results. Without scikit-learn it falls back to numpy.

        Both paths are safe by construction: every tree passed the checks of
        :class:`_Tree` when it was loaded, so each step goes from a node to a child with a
        larger index inside the arrays, a sample reaches a leaf after at most
        :data:`MAX_DEPTH` steps, and the feature and leaf rows it reads exist.
        """
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ModelError(
                f"the model expects {self.n_features} features per sample, got shape {X.shape}"
            )
        if X.dtype == np.float32 and X.shape[0] >= 1024:
            compiled = self._compiled_trees()
            if compiled is not None:
                Xc = np.ascontiguousarray(X)
                out = np.zeros((X.shape[0], len(self.classes)), np.float64)
                for fast, tree in zip(compiled, self.trees, strict=True):
                    out += tree.value[fast.apply(Xc)]
                return out / max(len(self.trees), 1)
        return self._predict_proba_numpy(np.asarray(X, dtype=np.float64))

    def _predict_proba_numpy(self, X: np.ndarray) -> np.ndarray:
        # All trees at once: every (sample, tree) pair steps down its own tree in the
        # concatenated node arrays, one vectorised step per level (at most MAX_DEPTH). The
        # comparisons are the per-tree ones, and the leaf values are added tree after tree
        # in the stored order, so the sums are the same floating-point numbers.
        n, n_trees = X.shape[0], len(self.trees)
        rows = max(1, _PAIRS_PER_CHUNK // max(n_trees, 1))
        if n > rows:  # bounded memory: rows are independent, so chunks change nothing
            return np.concatenate([self._predict_proba_numpy(X[i : i + rows])
                                   for i in range(0, n, rows)])
        feature, threshold, left, right, start = self._stacked()
        out = np.zeros((n, len(self.classes)), np.float64)
        if n == 0 or n_trees == 0:
            return out / max(n_trees, 1)
        node = np.repeat(start[None, :], n, axis=0).ravel()
        sample = np.repeat(np.arange(n), n_trees)
        active = np.flatnonzero(left[node] >= 0)
        while active.size:
            cur = node[active]
            go_left = X[sample[active], feature[cur]] <= threshold[cur]
            nxt = np.where(go_left, left[cur], right[cur])
            node[active] = nxt
            active = active[left[nxt] >= 0]
        leaf = node.reshape(n, n_trees) - start[None, :]
        for t, tree in enumerate(self.trees):
            out += tree.value[leaf[:, t]]
        return out / max(n_trees, 1)

    def predict_proba_replaced(self, X: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Probabilities of each row of ``X`` and of it with each feature replaced.

        ``out[j, 0]`` is ``predict_proba(X[j])`` and ``out[j, 1 + i]`` that of ``X[j]`` with
        feature ``i`` set to ``values[i]``, shape (n_rows, n_features + 1, n_classes):
        the same numbers as :meth:`predict_proba` of the ``n_rows * (n_features + 1)``
        probed rows (the same leaves, added tree after tree), found with less work. A
        probe follows its row's path down to the first node that tests the replaced
        feature (every comparison above it is the row's own) and only from there is
        stepped on its own; a probe whose feature is not on the path ends in the row's leaf.
        """
        X = np.asarray(X, np.float64)
        values = np.asarray(values, np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features or values.shape != (self.n_features,):
            raise ModelError(
                f"the model expects {self.n_features} features per sample and as many "
                f"replacement values, got shapes {X.shape} and {values.shape}"
            )
        m, n = X.shape
        n_trees, k = len(self.trees), len(self.classes)
        # rows in batches of about 2**16 (row, tree, probe) triples (~8 MB of paths and
        # leaves): every row is evaluated on its own, so the batches give the same numbers
        batch = max(1, (1 << 16) // max(n_trees * (n + 1), 1))
        if m > batch:
            return np.concatenate([self.predict_proba_replaced(X[i : i + batch], values)
                                   for i in range(0, m, batch)])
        out = np.zeros((m, n + 1, k), np.float64)
        if m == 0 or n_trees == 0:
            return out / max(n_trees, 1)
        feature, threshold, left, right, start = self._stacked()
        # every (row, tree) pair down its path, recording each feature's first node on it
        first = np.full((m * n_trees, n), -1, np.int64)  # node where feature i is first tested
        cur = np.tile(start, m)
        row = np.repeat(np.arange(m), n_trees)
        pair = np.arange(m * n_trees)
        active = pair[left[cur] >= 0]
        while active.size:
            c = cur[active]
            f = feature[c]
            unseen = first[active, f] < 0
            first[active[unseen], f[unseen]] = c[unseen]
            go_left = X[row[active], f] <= threshold[c]
            nxt = np.where(go_left, left[c], right[c])
            cur[active] = nxt
            active = active[left[nxt] >= 0]
        leaf = np.repeat(cur[:, None], n + 1, axis=1)  # (pair, probe): the row's own leaf
        # the probes whose feature is on the path, stepped on from that node
        p_pair, p_feat = np.nonzero(first >= 0)
        node = first[p_pair, p_feat]
        xrow = X[row[p_pair]]
        xrow[np.arange(p_pair.size), p_feat] = values[p_feat]
        live = np.arange(p_pair.size)
        while live.size:
            c = node[live]
            go_left = xrow[live, feature[c]] <= threshold[c]
            nxt = np.where(go_left, left[c], right[c])
            node[live] = nxt
            live = live[left[nxt] >= 0]
        leaf[p_pair, p_feat + 1] = node
        # the leaves' values added tree after tree (a reduction over the outer axis adds
        # its rows in order, as out += value per tree does)
        order = leaf.reshape(m, n_trees, n + 1).transpose(1, 0, 2)  # (tree, row, probe)
        vals = self._stacked_values()[order.reshape(n_trees, -1)]
        out += np.add.reduce(vals, axis=0).reshape(m, n + 1, k)
        return out / max(n_trees, 1)

    def _stacked_values(self) -> np.ndarray:
        """The trees' leaf values concatenated in node order (cached)."""
        cached = self.__dict__.get("_stacked_value")
        if cached is None:
            cached = np.concatenate([t.value for t in self.trees]) if self.trees else (
                np.zeros((0, len(self.classes))))
            cached.setflags(write=False)
            object.__setattr__(self, "_stacked_value", cached)
        return cached

    def _stacked(self) -> tuple[np.ndarray, ...]:
        """The trees' nodes concatenated (children as global indices, -1 at leaves), cached."""
        cached = self.__dict__.get("_stacked_nodes")
        if cached is not None:
            return cached
        sizes = np.asarray([len(t.left) for t in self.trees], np.int64)
        start = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        offset = np.repeat(start, sizes)

        def children(side: list[np.ndarray]) -> np.ndarray:
            c = np.concatenate(side).astype(np.int64) if side else np.zeros(0, np.int64)
            return np.where(c >= 0, c + offset, -1)

        stacked = (
            np.concatenate([t.feature for t in self.trees]).astype(np.int64)
            if self.trees else np.zeros(0, np.int64),
            np.concatenate([t.threshold for t in self.trees]) if self.trees else np.zeros(0),
            children([t.left for t in self.trees]),
            children([t.right for t in self.trees]),
            start,
        )
        for a in stacked:
            a.setflags(write=False)
        object.__setattr__(self, "_stacked_nodes", stacked)
        return stacked

    def _compiled_trees(self) -> tuple[Any, ...] | None:
        """scikit-learn ``Tree`` objects rebuilt from the arrays (cached), or None."""
        cached = self.__dict__.get("_compiled", False)
        if cached is not False:
            return cached
        try:
            compiled: tuple[Any, ...] | None = tuple(
                _to_sklearn_tree(t, self.n_features, len(self.classes)) for t in self.trees
            )
        except (ImportError, AttributeError, TypeError, ValueError, KeyError):
            compiled = None
        object.__setattr__(self, "_compiled", compiled)
        return compiled

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Most probable class label per sample."""
        return self.classes[np.argmax(self.predict_proba(X), axis=1)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (lists of numbers only)."""
        return {
            "format": FORMAT,
            "classes": self.classes.tolist(),
            "n_features": self.n_features,
            "trees": [
                {
                    "left": t.left.tolist(),
                    "right": t.right.tolist(),
                    "feature": t.feature.tolist(),
                    "threshold": [round(float(v), 9) for v in t.threshold],
                    "value": np.round(t.value, 6).tolist(),
                }
                for t in self.trees
            ],
        }

    def to_parts(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The forest as a binary model file holds it: the small fields (JSON-ready) and
        the ``forest.*`` arrays of :data:`ARRAYS`.

        The numbers are those of :meth:`to_dict` (thresholds rounded to 9 decimals, class
        probabilities to 6), so a model predicts the same from either file format.
        """
        meta = {"format": FORMAT, "classes": self.classes.tolist(),
                "n_features": self.n_features}
        ts = self.trees
        threshold = np.array([round(v, 9) for t in ts for v in t.threshold.tolist()],
                             np.float64)
        parts = {
            "tree_nodes": np.array([len(t.left) for t in ts], np.int32),
            "left": np.concatenate([t.left for t in ts]).astype(np.int32),
            "right": np.concatenate([t.right for t in ts]).astype(np.int32),
            "feature": np.concatenate([t.feature for t in ts]).astype(np.int32),
            "threshold": threshold.reshape(-1),
            "value": np.round(np.concatenate([t.value for t in ts]), 6),
        }
        return meta, {ARRAY_PREFIX + k: v for k, v in parts.items()}

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "the model",
                  arrays: dict[str, np.ndarray] | None = None) -> TreeEnsemble:
        """Rebuild from :meth:`to_dict` output, validating every field and array.

        Parameters
        ----------
        data : dict
            The ``"forest"`` payload of a model file.
        source : str
            How messages name the model (e.g. ``'model file m.json'``).
        arrays : dict of str to ndarray, optional
            The arrays of a binary model file (:meth:`to_parts`); ``data`` then holds no
            ``"trees"``. Checked as the JSON lists are: dtypes, shapes, every node.

        Raises
        ------
        ModelError
            Naming the first problem: another format, a missing key, a value of the wrong
            type, sizes beyond :data:`MAX_TREES` / :data:`MAX_NODES`, or a tree that is not
            a tree (a child index not after its parent or outside the arrays, a node with
            two parents, depth beyond :data:`MAX_DEPTH`, a feature index out of range, a
            threshold or probability that is not finite).

        Examples
        --------
        >>> TreeEnsemble.from_dict({"format": FORMAT, "classes": [0, 1], "n_features": 1,
        ...     "trees": [{"left": [0], "right": [0], "feature": [0], "threshold": [0.5],
        ...                "value": [[1.0, 0.0]]}]}, source="m.json")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        semscan.errors.ModelError: m.json: tree 0, node 0: left child 0 is not after its parent; ...
        """
        where = f"{source}: forest"
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            got = data.get("format") if isinstance(data, dict) else _type_name(data)
            raise ModelError(
                f"{source}: not a semscan tree-ensemble model (forest format {got!r}, "
                f"expected {FORMAT!r}); {CORRUPT}"
            )
        classes = _classes(data, where)
        n_features = int_field(data, "n_features", where, low=1, high=MAX_FEATURES)
        if arrays is not None:
            if "trees" in data:
                raise corrupt(where, "holds both 'trees' and arrays")
            trees = _trees_from_arrays(arrays, n_features=n_features,
                                       n_classes=len(classes), where=where, source=source)
            return cls(classes, n_features, trees)
        raw_trees = field(data, "trees", where, list)
        if not 1 <= len(raw_trees) <= MAX_TREES:
            raise corrupt(where, f"has {len(raw_trees)} trees, expected 1 to {MAX_TREES}")
        total = 0
        for k, t in enumerate(raw_trees):
            tw = f"{source}: tree {k}"
            if not isinstance(t, dict):
                raise corrupt(tw, f"is {_type_name(t)}, expected an object")
            missing = [key for key in _TREE_KEYS if key not in t]
            if missing:
                raise corrupt(tw, f"the field {missing[0]!r} is missing")
            nodes = t["left"]
            total += len(nodes) if isinstance(nodes, list) else 0
            if total > MAX_NODES:
                raise corrupt(where, f"has more than the {MAX_NODES} nodes allowed")
        arrays = []
        for k, t in enumerate(raw_trees):
            tw = f"{source}: tree {k}"
            arrays.append((
                _int_array(t, "left", tw),
                _int_array(t, "right", tw),
                _int_array(t, "feature", tw),
                _float_array(field(t, "threshold", tw, list), "threshold", tw),
                _value_array(t, tw, len(classes)),
            ))
        trees = _make_trees(arrays, n_features=n_features, n_classes=len(classes),
                            where=f"{source}: ")
        return cls(classes, n_features, trees)


def read_model(path: str | Path) -> tuple[Any, dict[str, np.ndarray] | None, str]:
    """Read a model file of either format, told apart by its first bytes.

    Returns
    -------
    payload : object
        The model's JSON payload (of a binary file: its header's, without the arrays).
    arrays : dict of str to ndarray or None
        A binary file's arrays (pass them to :meth:`TreeEnsemble.from_dict`); None for
        JSON (``.json``, ``.json.gz``).
    sha256 : str
        SHA-256 of the file's bytes.

    Raises
    ------
    ModelError
        If the file is missing, or breaks a limit or check of
        :func:`semscan._modelfile.read_model_file` or :func:`semscan._modelbin.read_model_bin`.
    """
    if is_model_bin(path):
        return read_model_bin(path)
    payload, digest = read_model_file(path)
    return payload, None, digest


def write_model(path: str | Path, payload: dict[str, Any], forest: TreeEnsemble, *,
                compress: bool = False) -> None:
    """Write a model: ``payload`` (its JSON fields but the forest) and ``forest``.

    A name ending in ``.json`` or ``.json.gz`` gives JSON (gzip-compressed for ``.gz``);
    any other (``.smodel``) the binary format of :mod:`semscan._modelbin`, which loads
    about 50 times faster, ``compress`` zlib-compressing its arrays. Both hold the same
    numbers (:meth:`TreeEnsemble.to_parts`).
    """
    if is_json_name(path):
        write_json(path, {**payload, "forest": forest.to_dict()})
        return
    meta, arrays = forest.to_parts()
    write_model_bin(path, {**payload, "forest": meta}, arrays, compress=compress)


def _to_sklearn_tree(tree: _Tree, n_features: int, n_classes: int) -> Any:
    """A scikit-learn ``Tree`` with the same nodes, used only for its compiled ``apply``."""
    from sklearn.tree._tree import NODE_DTYPE, Tree

    n = len(tree.left)
    leaf = tree.left < 0
    nodes = np.zeros(n, dtype=NODE_DTYPE)
    nodes["left_child"] = tree.left
    nodes["right_child"] = tree.right
    nodes["feature"] = np.where(leaf, -2, tree.feature)
    nodes["threshold"] = np.where(leaf, -2.0, tree.threshold)
    nodes["n_node_samples"] = 1
    nodes["weighted_n_node_samples"] = 1.0
    if "missing_go_to_left" in nodes.dtype.names:
        nodes["missing_go_to_left"] = 0  # NaN goes right, as in the numpy path
    values = np.ascontiguousarray(tree.value.reshape(n, 1, n_classes), dtype=np.float64)
    out = Tree(n_features, np.array([n_classes], dtype=np.intp), 1)
    out.__setstate__(
        {"max_depth": tree.depth, "node_count": n, "nodes": nodes, "values": values}
    )
    return out

